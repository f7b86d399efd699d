#!/usr/bin/env bash
# Installs what running and testing need: node modules (npm ci when missing or stale) and zsh
# (apt-get, only as root). Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing node modules (npm ci)..."
  npm ci --no-audit --no-fund
fi

if ! command -v zsh >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing zsh (apt-get)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zsh >/dev/null
  else
    echo "zsh is required to run runbook scripts: install it (e.g. sudo apt-get install zsh)." >&2
    exit 1
  fi
fi
