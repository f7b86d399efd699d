#!/usr/bin/env bash
# `npm start`: the demo. Builds the API (and the web console when present) and serves both on
# http://localhost:${API_PORT:-8083} over a copy of samples/runbooks in data/demo/ (runs in
# ${RUNBOOK_DATA_DIR:-data/demo/data}), with dev-login enabled and a fresh random JWT secret. The
# server prints the demo's banner once it listens (RUNBOOK_DEMO=true). Production runs
# `node dist/apps/api/main.js` configured by environment variables instead (docs/operations.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
bash tools/scripts/ensure-deps.sh

projects=(api)
if [ -f apps/web/project.json ]; then projects+=(web); fi
echo "Building ${projects[*]}..."
npx nx run-many -t build -p "${projects[@]}" --outputStyle=static >/dev/null

demo="$PWD/data/demo"
data_dir=${RUNBOOK_DATA_DIR:-$demo/data}
mkdir -p "$demo/runbooks" "$demo/execution" "$data_dir"
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

exec env API_PORT="$port" RUNBOOKS_DIR="$demo/runbooks" EXECUTION_DIR="$execution" \
  RUNBOOK_DATA_DIR="$data_dir" JWT_SECRET="$secret" ENABLE_LOGIN=true RUNBOOK_DEMO=true \
  WEB_DIR="$web_dir" ADMIN_REQUIRED_CLAIMS="${ADMIN_REQUIRED_CLAIMS:-roles=admin}" \
  node dist/apps/api/main.js
