#!/usr/bin/env bash
# Runs every test: formatting and lints, the Rust tests (unit, conformance, property),
# then the JavaScript tests against the packed package (Node ESM and CommonJS,
# workerd, Chromium, TypeScript types, the OpenAI Agents SDK adapter), then the
# playground in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

# The shared conformance vectors sit next to the repository (../shared) unless told
# otherwise; a clone made elsewhere on the workplace machine finds them in /work/shared.
if [ -z "${MESHGUARD_SHARED_CONFORMANCE:-}" ]; then
  for dir in ../shared/conformance ../../shared/conformance /work/shared/conformance; do
    if [ -d "$dir" ]; then
      MESHGUARD_SHARED_CONFORMANCE="$(cd "$dir" && pwd)"
      break
    fi
  done
fi
if [ ! -d "${MESHGUARD_SHARED_CONFORMANCE:-}" ]; then
  echo "conformance vectors not found: set MESHGUARD_SHARED_CONFORMANCE to shared/conformance" >&2
  exit 1
fi
export MESHGUARD_SHARED_CONFORMANCE
echo "conformance vectors: $MESHGUARD_SHARED_CONFORMANCE"

cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features -- -D warnings
cargo test
node pkg-templates/build.mjs
node tests/js/run.mjs

# The playground (www/) against the package just built: its unit tests, then the
# built site in Chromium.
(
  cd www
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
  npm run build
  npm test
)
