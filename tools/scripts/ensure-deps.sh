#!/usr/bin/env bash
# Installs what running and testing need: node modules (npm ci when missing or stale), zsh (runs
# runbook scripts) and the tools the deploy proofs use: promtool and prometheus (Debian package
# prometheus), nginx, shellcheck, openssl and redis-server, and Chromium for the web console's
# browser tests (never downloaded by a test tool). Debian packages are installed with apt-get, only
# as root; otherwise it says what is missing. Safe and quick to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing node modules (npm ci)..."
  npm ci --prefer-offline --no-audit --no-fund
fi

# command -> Debian package that provides it
declare -A packages=(
  [zsh]=zsh
  [promtool]=prometheus
  [prometheus]=prometheus
  [nginx]=nginx
  [shellcheck]=shellcheck
  [openssl]=openssl
  [redis-server]=redis-server
  [chromium]=chromium
)
missing=()
for command in "${!packages[@]}"; do
  if ! PATH="$PATH:/usr/sbin:/sbin" command -v "$command" >/dev/null 2>&1; then
    missing+=("${packages[$command]}")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} (apt-get)..."
  # Packages only: the tests start nginx and prometheus themselves, so keep the packages' own
  # services from starting (as Docker images do), unless the machine already has such a policy.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing tools: install the Debian packages ${missing[*]} (e.g. sudo apt-get install ${missing[*]})." >&2
  echo "zsh runs runbook scripts; prometheus (promtool), nginx, shellcheck, openssl and redis-server run the deploy tests; chromium runs the browser tests." >&2
  exit 1
fi
