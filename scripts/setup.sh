#!/usr/bin/env bash
# Installs what the build and the tests need, each piece only when it is missing:
# the wasm32 target, wasm-bindgen-cli at the version Cargo.lock pins, wasm-pack,
# the npm tooling (npm ci), and Debian's Chromium for the browser test.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

bindgen=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen" ]; then
  # --locked first; fall back to a fresh resolve if the registry lacks a locked crate.
  cargo install wasm-bindgen-cli --version "$bindgen" --locked || cargo install wasm-bindgen-cli --version "$bindgen"
fi

if ! command -v wasm-pack >/dev/null; then
  cargo install wasm-pack --locked || cargo install wasm-pack
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if [ "${MESHGUARD_SKIP_BROWSER:-0}" != 1 ] && ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
