#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/) for a short, fixed time from its committed
# corpus: FUZZ_SECONDS per target (30 by default); FUZZ_TARGETS picks some. New
# inputs go to a scratch directory, so the committed corpus is not changed; a crash
# is written to fuzz/artifacts/<target>/ and fails the run. cargo-fuzz runs on the
# stable toolchain with RUSTC_BOOTSTRAP=1 and is installed when absent.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null; then
  cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
seconds="${FUZZ_SECONDS:-30}"
targets="${FUZZ_TARGETS:-load check pattern token audit options}"

cargo fuzz build
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in $targets; do
  echo "fuzzing $target for $seconds s"
  mkdir -p "$scratch/$target"
  # -timeout (whole seconds, wall clock) only catches hangs: load and pattern check
  # their own CPU time, which a busy machine does not inflate.
  cargo fuzz run "$target" "$scratch/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
done
