#!/usr/bin/env bash
# Builds the npm package into pkg/ (ready for `npm pack`).
set -euo pipefail
cd "$(dirname "$0")/.."
MESHGUARD_SKIP_BROWSER=1 scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
node pkg-templates/build.mjs
