#!/usr/bin/env bash
# Runs every test: formatting and lints, the Rust tests (unit, conformance, property),
# then the JavaScript tests against the packed package (Node ESM and CommonJS,
# workerd, Chromium, TypeScript types, the OpenAI Agents SDK adapter), then the edge
# Worker in workerd.
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

# The edge Worker: its own dependencies (wrangler pinned to a release that runs on
# Node 20, the package from pkg/), built by wrangler, tested in workerd.
if [ ! -d edge/node_modules ] || [ edge/package-lock.json -nt edge/node_modules/.package-lock.json ]; then
  (cd edge && npm ci --no-audit --no-fund)
fi
(cd edge && npm test)
