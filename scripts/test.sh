#!/usr/bin/env bash
# Runs every test: formatting and lints, the Rust tests (unit, conformance, property),
# then the JavaScript tests against the packed package (Node ESM and CommonJS,
# workerd, Chromium, TypeScript types, the OpenAI Agents SDK adapter), then the
# playground in Chromium, then the edge Worker in workerd, then each fuzz target
# for a short, fixed time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

# Conformance vectors: the repository's own (tests/vectors) always run. The shared
# set runs too when it is present: $MESHGUARD_SHARED_CONFORMANCE, else
# ../shared/conformance beside the repository. A clone on its own skips it (and says
# so); under CI it is required. MESHGUARD_CONFORMANCE_DIRS adds directories.
shared="${MESHGUARD_SHARED_CONFORMANCE:-../shared/conformance}"
if [ -d "$shared" ]; then
  export MESHGUARD_SHARED_CONFORMANCE="$(cd "$shared" && pwd)"
  echo "conformance vectors: tests/vectors and the shared set in $MESHGUARD_SHARED_CONFORMANCE"
elif [ -n "${MESHGUARD_SHARED_CONFORMANCE:-}" ] || [ -n "${CI:-}" ]; then
  echo "the shared conformance vectors are required (CI or MESHGUARD_SHARED_CONFORMANCE is set) but $shared does not exist" >&2
  exit 1
else
  echo "conformance vectors: tests/vectors; the shared set is not beside the repository ($shared), so it is skipped"
fi

cargo fmt --check
cargo fmt --check --manifest-path fuzz/Cargo.toml
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

# The edge Worker: its own dependencies (wrangler pinned to a release that runs on
# Node 20, the package from pkg/), built by wrangler, tested in workerd.
if [ ! -d edge/node_modules ] || [ edge/package-lock.json -nt edge/node_modules/.package-lock.json ]; then
  (cd edge && npm ci --no-audit --no-fund)
fi
(cd edge && npm test)

# Every fuzz target for a short, fixed time from its corpus (scripts/fuzz.sh).
scripts/fuzz.sh
