#!/usr/bin/env bash
# `npm start`: the demo. Builds the API (and the web console when present) and serves both on
# http://localhost:${API_PORT:-8083} over a copy of samples/runbooks in data/demo/, with
# dev-login enabled and a fresh random JWT secret. Production runs `node dist/apps/api/main.js`
# configured by environment variables instead (see docs/operations.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
bash tools/scripts/ensure-deps.sh

projects=(api)
if [ -f apps/web/project.json ]; then projects+=(web); fi
echo "Building ${projects[*]}..."
npx nx run-many -t build -p "${projects[@]}" --outputStyle=static >/dev/null

demo="$PWD/data/demo"
mkdir -p "$demo/runbooks" "$demo/execution" "$demo/data"
# Copy the samples once; later starts keep the history the demo runs appended.
cp -rn samples/runbooks/. "$demo/runbooks/"
execution="$demo/execution"
if [ "$(id -u)" = "0" ]; then
  # As root every run gets its own uid (the sandbox), which must reach EXECUTION_DIR through
  # every parent folder; the checkout may sit in a private folder (/root), so runs live in /tmp.
  execution=$(mktemp -d "${TMPDIR:-/tmp}/runbooks-demo-execution.XXXXXX")
  chmod 0711 "$execution"
fi

port=${API_PORT:-8083}
secret=$(node -e "process.stdout.write(require('crypto').randomBytes(32).toString('hex'))")
web_dir=""
if [ -f dist/apps/web/browser/index.html ]; then web_dir=dist/apps/web/browser; fi

cat <<BANNER

  Runbooks demo — http://localhost:${port}/
  runbooks: data/demo/runbooks (a copy of samples/runbooks)   runs: data/demo/data/runs.db
  dev-login is enabled; the JWT secret is random for each start (tokens from an earlier start stop working).

  Try it:
    TOKEN=\$(curl -s -X POST http://localhost:${port}/dev-login -H 'Content-Type: application/json' \\
      -d '{"subject":"me","roles":["sre","api","admin"]}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
    curl -s http://localhost:${port}/api/runbooks -H "Authorization: Bearer \$TOKEN"
    curl -N -X POST http://localhost:${port}/api/runbooks/SimpleRunbook.md/execute -H "Authorization: Bearer \$TOKEN" \\
      -H 'Accept: text/event-stream' -H 'Content-Type: application/json' -d '{"env_vars":{"TEST_VAR":"hello"}}'

  API docs: http://localhost:${port}/docs/explorer.html    Stop with Ctrl-C.

BANNER

exec env API_PORT="$port" RUNBOOKS_DIR="$demo/runbooks" EXECUTION_DIR="$execution" \
  RUNBOOK_DATA_DIR="$demo/data" JWT_SECRET="$secret" ENABLE_LOGIN=true RUNBOOK_DEMO=true \
  WEB_DIR="$web_dir" ADMIN_REQUIRED_CLAIMS="${ADMIN_REQUIRED_CLAIMS:-roles=admin}" \
  node dist/apps/api/main.js
