#!/usr/bin/env bash
# The one command that runs every test: `npm run test:all` (what .ci/run and newcomers run).
# Installs what the tests need when missing (node modules, zsh), then lints, tests and builds
# every project with Nx, then runs the packaging checks and proves that the lock file installs on
# macOS, Windows and Linux arm64 too.
set -euo pipefail
cd "$(dirname "$0")/../.."

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
bash tools/scripts/ensure-deps.sh
# kubectl renders deploy/k8s (kustomize components) in the deploy tests. Debian's own package is
# too old for components, so it is not installed for you.
if ! command -v kubectl >/dev/null 2>&1; then
  echo "Missing tool: kubectl 1.27 or newer (the deploy tests render deploy/k8s with 'kubectl kustomize')." >&2
  echo "Install it from the Kubernetes package repository: https://kubernetes.io/docs/tasks/tools/" >&2
  exit 1
fi

nx_args=(run-many -t lint test build --outputStyle=static)
if [ "${CI:-}" = "true" ]; then nx_args+=(--skip-nx-cache); fi
npx nx "${nx_args[@]}"
node tools/scripts/check-platform-installs.mjs
echo "All tests passed in $((SECONDS / 60)) min $((SECONDS % 60)) s."
