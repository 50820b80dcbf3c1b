#!/bin/sh
# Runs an example against the package built in pkg/ (or $MESHGUARD_PKG_DIR):
#   examples/run.sh quickstart.mjs
#   examples/run.sh openai-agents/support.mjs
# The package is installed as a copy, the way npm installs a published package, so
# it shares @openai/agents with the example; it is refreshed on every run.
set -e
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(cd "${MESHGUARD_PKG_DIR:-$here/../pkg}" 2>/dev/null && pwd)" || true
if [ -z "$pkg" ] || [ ! -f "$pkg/package.json" ]; then
  echo "no built package in ${MESHGUARD_PKG_DIR:-pkg/}: run scripts/build.sh first" >&2
  exit 1
fi
cd "$here"
rm -rf node_modules/@meshguard/policy
npm install --no-save --prefer-offline --loglevel=error "$pkg" >/dev/null
example="${1:?which example? e.g. quickstart.mjs or openai-agents/support.mjs}"
shift
exec node "$example" "$@"
