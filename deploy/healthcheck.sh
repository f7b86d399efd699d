#!/bin/sh
# Health probe for a Runbooks server: exits 0 and prints "OK: ..." when the probe answers 2xx,
# exits 1 and prints "FAIL: ..." otherwise. Used as the image's HEALTHCHECK and by cron/monitoring.
#
#   healthcheck.sh                 # liveness of http://127.0.0.1:${API_PORT:-8083}
#   healthcheck.sh ready           # readiness: runbooks dir, execution dir, run store (and Redis)
#   API_URL=https://runbooks.example.com healthcheck.sh ready
#
# Environment: API_URL (default http://127.0.0.1:${API_PORT:-8083}), HEALTHCHECK_TIMEOUT (seconds, default 5).
set -eu

probe=${1:-live}
case "$probe" in
  live | ready) ;;
  *)
    echo "usage: $0 [live|ready]" >&2
    exit 2
    ;;
esac

base_url=${API_URL:-http://127.0.0.1:${API_PORT:-8083}}
url="${base_url%/}/health/${probe}"
timeout=${HEALTHCHECK_TIMEOUT:-5}

if body=$(curl --fail-with-body --silent --show-error --max-time "$timeout" "$url" 2>&1); then
  echo "OK: ${probe} ${url}"
  exit 0
fi
echo "FAIL: ${probe} ${url}: ${body}"
exit 1
