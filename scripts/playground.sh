#!/usr/bin/env bash
# Builds the package and the playground (www/), then serves www/dist/ locally and
# prints the URL. PORT (default 4173) picks the port.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
cd www
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
exec npx vite preview --host 127.0.0.1 --port "${PORT:-4173}" --strictPort
