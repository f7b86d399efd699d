#!/usr/bin/env bash
# Installs what running the product needs: node modules (npm ci when missing or stale) and zsh
# (runs runbook scripts; installed with apt-get as root, otherwise it says so). The test tools are
# ensure-test-tools.sh's business. Safe and quick to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing node modules (npm ci)..."
  npm ci --prefer-offline --no-audit --no-fund
fi

bash tools/scripts/install-debian-packages.sh "zsh runs runbook scripts." zsh=zsh
