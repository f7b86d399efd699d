#!/usr/bin/env bash
# The one command that runs every test: `npm run test:all` (what .ci/run and newcomers run).
# Installs what the tests need when missing (tools/scripts/ensure-deps.sh), then lints, tests and
# builds every project with Nx (the packaging checks are the package-check project's tests), then
# runs the release in dry-run mode (docs/releasing.md) and proves that the lock file installs on
# macOS, Windows and Linux arm64 too.
set -euo pipefail
cd "$(dirname "$0")/../.."

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
bash tools/scripts/ensure-deps.sh
bash tools/scripts/ensure-test-tools.sh
nx_args=(run-many -t lint test build --outputStyle=static)
if [ "${CI:-}" = "true" ]; then nx_args+=(--skip-nx-cache); fi
npx nx "${nx_args[@]}"
bash tools/scripts/check-release.sh
node tools/scripts/check-platform-installs.mjs
echo "All tests passed in $((SECONDS / 60)) min $((SECONDS % 60)) s."
