#!/usr/bin/env bash
# `npm start`: runs the product. Until the API server lands this builds the format library and
# validates the sample runbooks (the stand-in the foundation issue allows).
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
bash tools/scripts/ensure-deps.sh
npx nx build runbook-format --outputStyle=static >/dev/null
node tools/scripts/validate-samples.mjs samples/runbooks "$@" || true
