#!/usr/bin/env bash
# The one command that runs every test: `npm run test:all` (what .ci/run and newcomers run).
# Installs what the tests need when missing (node modules, zsh), then lints, tests and builds
# every project with Nx, then runs the packaging checks.
set -euo pipefail
cd "$(dirname "$0")/../.."

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
bash tools/scripts/ensure-deps.sh

nx_args=(run-many -t lint test build --outputStyle=static)
if [ "${CI:-}" = "true" ]; then nx_args+=(--skip-nx-cache); fi
npx nx "${nx_args[@]}"
echo "All tests passed in $((SECONDS / 60)) min $((SECONDS % 60)) s."
