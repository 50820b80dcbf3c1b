#!/usr/bin/env bash
# Runs every test: formatting and lints, the Rust tests (unit, conformance, property),
# then the JavaScript tests against the packed package (Node ESM and CommonJS,
# workerd, Chromium, TypeScript types, the OpenAI Agents SDK adapter).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

# The shared conformance vectors sit next to the repository unless told otherwise.
export MESHGUARD_SHARED_CONFORMANCE="${MESHGUARD_SHARED_CONFORMANCE:-$(cd .. && pwd)/shared/conformance}"
if [ ! -d "$MESHGUARD_SHARED_CONFORMANCE" ]; then
  echo "conformance vectors not found at $MESHGUARD_SHARED_CONFORMANCE (set MESHGUARD_SHARED_CONFORMANCE)" >&2
  exit 1
fi

cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features -- -D warnings
cargo test
node pkg-templates/build.mjs
node tests/js/run.mjs
