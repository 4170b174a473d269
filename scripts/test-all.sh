#!/usr/bin/env bash
# The README's test command: set up everything on a fresh Debian machine, then run every test.
#   1. scripts/setup.sh      wasm32 target, pinned wasm-pack and wasm-bindgen-cli, npm packages
#                            (binaryen, playwright-core), Debian chromium, Python wasmtime
#   2. cargo test            unit, integration, golden, schema, property and CLI tests
#   3. scripts/build-wasm.sh the nodejs and web packages and the zero-import raw module
#   4. npm test (js-harness) the packed npm package from CJS/ESM, parity with the native CLI,
#                            the raw module under Node and Wasmtime, garbage, headless Chromium
#   5. viewer                npm ci (when its lockfile changed), build, and its Playwright tests
#                            in headless Chromium (counts vs the CLI, facets, XSS corpus, network)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "setup"
scripts/setup.sh

step "cargo test"
cargo test --locked
# The raw module's own unit tests (pointer checks, Fluent Bit buffer) build only with its feature.
cargo test --locked --lib --no-default-features --features raw

step "the library builds without the CLI's dependencies, for wasm32"
cargo build --locked --lib --no-default-features --target wasm32-unknown-unknown
# Lean WASM: no getrandom (nothing here needs randomness) and no chrono in either WASM build.
for features in js raw; do
  if cargo tree --locked --target wasm32-unknown-unknown --no-default-features --features "$features" -e normal --prefix none \
    | grep -E '^(getrandom|chrono|rand) '; then
    echo "error: the $features WASM build pulls in a crate it should not (above)" >&2
    exit 1
  fi
done

step "release CLI (the js-harness compares WASM output with it)"
cargo build --locked --release

step "WASM builds"
scripts/build-wasm.sh

step "js-harness"
(cd js-harness && npm test)

step "viewer (in-browser log viewer on the npm package)"
scripts/viewer.sh --build-only --rebuild
(cd viewer && npm test)
