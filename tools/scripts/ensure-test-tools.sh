#!/usr/bin/env bash
# Installs the system tools the tests use on top of what running needs (ensure-deps.sh): promtool
# and prometheus (Debian package prometheus), nginx, shellcheck, openssl and redis-server for the
# deploy proofs, and Chromium for the web console's browser tests (never downloaded by a test
# tool). Installed with apt-get as root; otherwise it says what is missing. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash tools/scripts/install-debian-packages.sh \
  "prometheus (promtool), nginx, shellcheck, openssl and redis-server run the deploy tests; chromium runs the browser tests." \
  promtool=prometheus prometheus=prometheus nginx=nginx shellcheck=shellcheck openssl=openssl \
  redis-server=redis-server chromium=chromium
