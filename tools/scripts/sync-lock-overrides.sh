#!/usr/bin/env bash
# After changing dependencies: makes `npm ci` accept the lock file on the registry mirror by
# pointing every optional platform binary the mirror lacks to tools/empty-optional
# (docs/adr/0001-npm-mirror-optional-binaries.md). Repeats until a trial `npm ci` is clean.
set -euo pipefail
cd "$(dirname "$0")/../.."
trial=$(mktemp -d)
trap 'rm -rf "$trial"' EXIT
for round in 1 2 3 4 5; do
  rm -rf "${trial:?}"/* && mkdir -p "$trial/tools"
  cp package.json package-lock.json "$trial/" && cp -r tools/empty-optional "$trial/tools/"
  missing=$(cd "$trial" && npm ci --ignore-scripts 2>&1 | sed -nE 's/.*Missing: (.+)@ from lock file.*/\1/p' | sort -u)
  if [ -z "$missing" ]; then echo "npm ci accepts the lock file (round $round)"; exit 0; fi
  echo "round $round: overriding $(echo "$missing" | wc -l) missing optional packages"
  node -e '
    const fs = require("fs");
    const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
    const overrides = { ...(pkg.overrides ?? {}) };
    for (const name of process.argv.slice(1)) overrides[name] = "file:./tools/empty-optional";
    pkg.overrides = Object.fromEntries(Object.entries(overrides).sort(([a], [b]) => a.localeCompare(b)));
    fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n");
  ' $missing
  npm install --no-audit --no-fund >/dev/null
done
echo "lock file still rejected after 5 rounds" >&2
exit 1
