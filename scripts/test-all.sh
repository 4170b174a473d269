#!/usr/bin/env bash
# The README's test command: set up everything on a fresh Debian machine, then run every test.
#   1. scripts/setup.sh      wasm32 target, pinned wasm-pack and wasm-bindgen-cli, a C compiler, npm packages
#                            (binaryen, playwright-core), Debian chromium, Python wasmtime
#   2. cargo test            unit, integration, golden, schema, property and CLI tests
#   3. scripts/build-wasm.sh the nodejs and web packages and the zero-import raw module
#   4. npm test (js-harness) the packed npm package from CJS/ESM, parity with the native CLI,
#                            the raw module under Node and Wasmtime, garbage, headless Chromium,
#                            the Fluent Bit filter convention, s3norm serve between Vector's ends
#   5. viewer                npm ci (when its lockfile changed), build, and its Playwright tests
#                            in headless Chromium (counts vs the CLI, facets, XSS corpus, network)
#   6. scripts/fuzz-smoke.sh every cargo-fuzz target (fuzz/) for 30 s on its seed corpus
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "setup"
scripts/setup.sh

step "cargo test (the workspace: library, CLI, WebAssembly adapters; doctests included)"
cargo test --workspace --locked

step "the library: no CLI dependencies, documentation without warnings, builds for wasm32"
# The library's dependency tree is serde and serde_json, nothing else.
extra="$(cargo tree --locked -p s3norm -e normal --prefix none | sed 's/ .*//' | sort -u |
  grep -vxE 's3norm|serde|serde_core|serde_derive|serde_json|itoa|memchr|zmij|indexmap|equivalent|hashbrown|foldhash|proc-macro2|quote|syn|unicode-ident' || true)"
[ -z "$extra" ] || { echo "error: the library depends on more than serde/serde_json: $extra" >&2; exit 1; }
RUSTDOCFLAGS="-D warnings" cargo doc --locked --workspace --no-deps --quiet
cargo build --locked -p s3norm --target wasm32-unknown-unknown --quiet
# Lean WASM: no getrandom (nothing here needs randomness) and no chrono in either WASM build.
for crate in s3norm-wasm-js s3norm-wasm-raw; do
  if cargo tree --locked --target wasm32-unknown-unknown -p "$crate" -e normal --prefix none \
    | grep -E '^(getrandom|chrono|rand) '; then
    echo "error: $crate pulls in a crate it should not (above)" >&2
    exit 1
  fi
done

step "release CLI (the js-harness compares WASM output with it)"
cargo build --locked --release -p s3norm-cli

step "WASM builds"
scripts/build-wasm.sh

step "js-harness"
(cd js-harness && npm test)

step "viewer (in-browser log viewer on the npm package)"
scripts/viewer.sh --build-only --rebuild
(cd viewer && npm test)

step "fuzz smoke run (cargo-fuzz on stable with RUSTC_BOOTSTRAP=1; fuzz/README.md)"
scripts/fuzz-smoke.sh
