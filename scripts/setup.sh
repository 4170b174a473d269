#!/usr/bin/env bash
# Install what building and testing the WebAssembly side needs, on a fresh Debian machine.
# Idempotent: every step checks first and only installs what is missing or at the wrong version.
#
#   scripts/setup.sh               everything: build tools + test tools
#   scripts/setup.sh --build-only  only what scripts/build-wasm.sh needs
#
# Build tools: rustup target wasm32-unknown-unknown; wasm-pack (pinned); wasm-bindgen-cli at exactly
#   the version of the wasm-bindgen crate pinned in Cargo.toml; wasm-opt from the npm `binaryen`
#   package via `npm ci` in tools/wasm-opt (Debian's binaryen 108 is never used, it breaks
#   wasm-bindgen output).
# A C compiler (gcc, apt) for the crates that build C (the CLI's allocator).
# Test tools: js-harness's npm packages (`npm ci`), Debian `chromium` (apt; playwright-core drives
#   it, no browser download), Python `wasmtime` (PyPI, pinned) in a virtualenv at
#   target/wasmtime-venv.
#
# Network: crates.io, the npm registry, PyPI and Debian apt only. Needs Rust (rustup), Node >= 20
# with npm, and Python >= 3.9 already present.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

WASM_PACK_VERSION="0.15.1"
WASMTIME_PY_VERSION="50.0.1"
# wasm-bindgen-cli must equal the wasm-bindgen crate version: read the pin from Cargo.toml.
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen *= *{ *version *= *"=\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)"
VENV="$ROOT/target/wasmtime-venv"

BUILD_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --build-only) BUILD_ONLY=1 ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root for: $*"
  fi
}

[ -n "$WASM_BINDGEN_VERSION" ] || die "could not read the wasm-bindgen pin (version = \"=X.Y.Z\") from Cargo.toml"

# --- C compiler (the CLI's allocator, mimalloc, compiles its C with the system's cc) ------------
if command -v cc >/dev/null; then
  say "C compiler: present ($(cc --version 2>/dev/null | head -n1))"
else
  say "C compiler: installing gcc (apt)"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gcc libc6-dev
fi

# --- prerequisites that this script does not install ----------------------------------------
command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs)"
command -v rustup >/dev/null || die "rustup not found: the wasm32 target is installed with rustup"
command -v node >/dev/null || die "node not found: install Node.js >= 20"
command -v npm >/dev/null || die "npm not found"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node.js >= 20 needed, found $(node --version)"

# --- Rust target -------------------------------------------------------------------------------
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rust target wasm32-unknown-unknown: present"
else
  say "rust target wasm32-unknown-unknown: installing"
  rustup target add wasm32-unknown-unknown
fi

# --- wasm-pack (pinned) ------------------------------------------------------------------------
have_version() { # command, expected version: does `command --version` print it?
  command -v "$1" >/dev/null && "$1" --version 2>/dev/null | grep -qw "$2"
}
if have_version wasm-pack "$WASM_PACK_VERSION"; then
  say "wasm-pack $WASM_PACK_VERSION: present"
else
  say "wasm-pack $WASM_PACK_VERSION: installing (cargo install)"
  cargo install wasm-pack --version "=$WASM_PACK_VERSION" --locked --force
fi

# --- wasm-bindgen-cli (= the crate's version; its lockfile is not used, as upstream advises) ----
if have_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
  say "wasm-bindgen-cli $WASM_BINDGEN_VERSION: present"
else
  say "wasm-bindgen-cli $WASM_BINDGEN_VERSION: installing (cargo install)"
  cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --force
fi

# --- npm packages: `npm ci` in DIR when node_modules is missing or came from another lockfile ----
npm_ci() { # DIR, what
  local lock_sum stamp
  lock_sum="$(sha256sum "$1/package-lock.json" | cut -d' ' -f1)"
  stamp="$1/node_modules/.s3norm-lock.sha256"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
    say "$2: present"
  else
    say "$2: npm ci in $1"
    (cd "$1" && npm ci --no-audit --no-fund)
    printf '%s\n' "$lock_sum" > "$stamp"
  fi
}
npm_ci tools/wasm-opt "wasm-opt (npm binaryen)"

if [ "$BUILD_ONLY" = 1 ]; then
  say "build tools ready"
  exit 0
fi

npm_ci js-harness "js-harness npm packages (playwright-core, typescript, package checkers)"

# --- chromium (Debian package; playwright-core drives it) --------------------------------------
if command -v chromium >/dev/null; then
  say "chromium: present ($(chromium --version 2>/dev/null | head -n1))"
else
  say "chromium: installing (apt)"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

# --- Python wasmtime (a second, independent engine for the raw module) -------------------------
venv_ok() {
  [ -x "$VENV/bin/python" ] &&
    "$VENV/bin/python" -c "import importlib.metadata as m, wasmtime; assert m.version('wasmtime') == '$WASMTIME_PY_VERSION'" 2>/dev/null
}
if venv_ok; then
  say "python wasmtime $WASMTIME_PY_VERSION: present ($VENV)"
else
  say "python wasmtime $WASMTIME_PY_VERSION: installing into $VENV"
  command -v python3 >/dev/null || { as_root apt-get update; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y python3; }
  if ! python3 -m venv --clear "$VENV" 2>/dev/null; then
    # Debian's python3 without ensurepip: python3-venv provides it.
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv
    python3 -m venv --clear "$VENV"
  fi
  "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet "wasmtime==$WASMTIME_PY_VERSION"
  venv_ok || die "wasmtime $WASMTIME_PY_VERSION did not install into $VENV"
fi

say "all tools ready"
