#!/usr/bin/env bash
# Build the three WebAssembly artifacts and assemble the npm package in pkg/.
#
#   1. the wasm-bindgen module (crates/wasm-js) with `wasm-pack build --mode no-install`, for the
#      `nodejs` and `web` targets (the .wasm is the same for both; only the JS glue differs);
#   2. the raw zero-import module (crates/wasm-raw, no wasm-bindgen) with cargo, then
#      scripts/wasm-entry-reset.mjs: every export resets the shadow stack pointer on entry, so a
#      host that keeps an instance after a trap (Fluent Bit) does not lose it;
#   3. wasm-opt from the npm `binaryen` package (pinned in tools/wasm-opt/package-lock.json) on
#      both modules; never Debian's binaryen, and wasm-pack's own wasm-opt step is off
#      (crates/wasm-js/Cargo.toml). For the raw module, functions larger than 100 are not inlined
#      into their only caller: fewer large frames live at once in an interpreter's stack (Fluent
#      Bit's WAMR has 8 KiB by default; measured 0.5-1 KB less per record, same instructions);
#   4. pkg/ = wasm-pack's glue and .wasm + the files in pkg-config/, then a smoke test of pkg/ and
#      of the raw module, and the sizes.
#
# Installs missing build tools first (scripts/setup.sh --build-only). Offline apart from that.
# Environment: WASM_OPT_FLAGS (default "-O3"): optimization flags for wasm-opt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf 'build-wasm: %s\n' "$*"; }
die() { printf 'build-wasm: error: %s\n' "$*" >&2; exit 1; }

WASM_OPT="$ROOT/tools/wasm-opt/node_modules/.bin/wasm-opt"
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen *= *{ *version *= *"=\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)"
read -r -a WASM_OPT_FLAGS <<< "${WASM_OPT_FLAGS:--O3}"
# The features rustc enables for wasm32-unknown-unknown (wasm-opt must neither reject nor add any).
WASM_FEATURES=(--enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue
  --enable-call-indirect-overlong)

# --- tools ---------------------------------------------------------------------------------------
if ! command -v wasm-pack >/dev/null || ! command -v wasm-bindgen >/dev/null ||
  ! wasm-bindgen --version 2>/dev/null | grep -qw "$WASM_BINDGEN_VERSION" ||
  ! rustup target list --installed | grep -qx wasm32-unknown-unknown || [ ! -x "$WASM_OPT" ]; then
  say "installing missing build tools"
  "$ROOT/scripts/setup.sh" --build-only
fi
"$WASM_OPT" --version | grep -q 'version 1[0-9][0-9]' || die "unexpected wasm-opt: $("$WASM_OPT" --version)"

OUT="$ROOT/target/wasm-build"
rm -rf "$OUT" "$ROOT/pkg"
mkdir -p "$OUT" "$ROOT/pkg"

# --- 1. wasm-bindgen builds ----------------------------------------------------------------------
wasm_pack() {
  say "wasm-pack build --target $1"
  wasm-pack --quiet build --mode no-install --release --no-pack --target "$1" \
    --out-dir "$OUT/$1" --out-name s3norm "$ROOT/crates/wasm-js"
}
wasm_pack nodejs
wasm_pack web
# Both targets wrap the same cargo output, so the .wasm files are equal and pkg/ ships one. They
# differ only if the sources changed between the two runs (an edit during the build): redo the
# first, which cargo now finds fresh.
if ! cmp -s "$OUT/nodejs/s3norm_bg.wasm" "$OUT/web/s3norm_bg.wasm"; then
  say "sources changed during the build; rebuilding the nodejs target"
  wasm_pack nodejs
  cmp -s "$OUT/nodejs/s3norm_bg.wasm" "$OUT/web/s3norm_bg.wasm" ||
    die "the nodejs and web builds produced different .wasm files; pkg/ ships one"
fi

# --- 2. raw module -------------------------------------------------------------------------------
say "cargo build -p s3norm-wasm-raw (zero-import module)"
cargo build --quiet --locked --target wasm32-unknown-unknown --release -p s3norm-wasm-raw
say "wasm-entry-reset (exports reset __stack_pointer on entry)"
node "$ROOT/scripts/wasm-entry-reset.mjs" "$ROOT/target/wasm32-unknown-unknown/release/s3norm_wasm_raw.wasm" "$OUT/s3norm_raw.unopt.wasm"
cp "$OUT/web/s3norm_bg.wasm" "$OUT/s3norm_bg.unopt.wasm"

# --- 3. wasm-opt ---------------------------------------------------------------------------------
for m in s3norm_bg s3norm_raw; do
  extra=()
  [ "$m" = s3norm_raw ] && extra=(--one-caller-inline-max-function-size 100)
  say "wasm-opt ${WASM_OPT_FLAGS[*]} ${extra[*]} $m.wasm"
  "$WASM_OPT" "${WASM_OPT_FLAGS[@]}" "${extra[@]}" "${WASM_FEATURES[@]}" --strip-debug --strip-producers \
    "$OUT/$m.unopt.wasm" -o "$OUT/$m.wasm"
done

# --- 4. pkg/ -------------------------------------------------------------------------------------
VERSION="$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n1)"
PKG="$ROOT/pkg"
# wasm-pack's glue, renamed so both targets share one directory and one .wasm:
#   nodejs glue (CommonJS) -> s3norm_node.cjs, web glue (ESM) -> s3norm_web.mjs.
sed '/@ts-self-types/d' "$OUT/nodejs/s3norm.js" > "$PKG/s3norm_node.cjs"
sed '/@ts-self-types/d' "$OUT/web/s3norm.js" > "$PKG/s3norm_web.mjs"
grep -q '__dirname}/s3norm_bg.wasm' "$PKG/s3norm_node.cjs" || die "nodejs glue no longer loads s3norm_bg.wasm from __dirname"
grep -q "new URL('s3norm_bg.wasm', import.meta.url)" "$PKG/s3norm_web.mjs" || die "web glue no longer loads s3norm_bg.wasm next to itself"
cp "$OUT/s3norm_bg.wasm" "$OUT/s3norm_raw.wasm" "$PKG/"
# The shared API wrapper, as CommonJS and as ESM from one source.
{ cat pkg-config/api.js; printf '\nmodule.exports = { createApi };\n'; } > "$PKG/api.cjs"
{ cat pkg-config/api.js; printf '\nexport { createApi };\n'; } > "$PKG/api.mjs"
cp pkg-config/index.cjs pkg-config/index.mjs pkg-config/web.mjs pkg-config/index.d.ts pkg-config/README.md "$PKG/"
# Types: index.d.ts (and its copy index.d.mts) describe the ESM entries; index.d.cts, for
# require(), is the same without the default export (the lines marked esm-only).
cp pkg-config/index.d.ts "$PKG/index.d.mts"
grep -v 'esm-only' pkg-config/index.d.ts > "$PKG/index.d.cts"
sed "s/@VERSION@/$VERSION/" pkg-config/package.json > "$PKG/package.json"
# Every file package.json lists must exist (npm pack would silently leave it out).
node -e '
  const fs = require("fs"), p = require(process.argv[1] + "/package.json");
  const missing = p.files.filter((f) => !fs.existsSync(process.argv[1] + "/" + f));
  if (missing.length) { console.error("missing from pkg/: " + missing.join(", ")); process.exit(1); }
' "$PKG"

# --- smoke test: the optimized modules still work --------------------------------------------------
node - "$PKG" <<'EOF' || die "smoke test of pkg/ failed"
const dir = process.argv[2];
const fs = require('fs');
const s3 = require(dir + '/index.cjs');
const r = JSON.parse(s3.transform('"x"'));
if (r.abi_version !== s3.abiVersion() || !Array.isArray(r.events) || typeof r.stats !== 'object') {
  throw new Error('unexpected response: ' + JSON.stringify(r));
}
const raw = new WebAssembly.Module(fs.readFileSync(dir + '/s3norm_raw.wasm'));
if (WebAssembly.Module.imports(raw).length !== 0) throw new Error('raw module has imports');
const { exports: x } = new WebAssembly.Instance(raw, {});
const input = Buffer.from('"x"');
const p = x.s3norm_alloc(input.length);
new Uint8Array(x.memory.buffer, p, input.length).set(input);
const res = x.s3norm_transform(p, input.length);
const rp = Number(res >> 32n), rl = Number(res & 0xffffffffn);
const text = Buffer.from(new Uint8Array(x.memory.buffer, rp, rl)).toString('utf8');
x.s3norm_dealloc(rp, rl);
x.s3norm_dealloc(p, input.length);
if (text !== s3.transform('"x"')) throw new Error('raw and wasm-bindgen builds differ:\n' + text + '\n' + s3.transform('"x"'));
EOF

size_of() { stat -c %s "$1"; }
gz_of() { gzip -9 -c "$1" | wc -c; }
say "sizes (bytes; gzip -9 in parentheses):"
printf '  %-34s %9s  (%s)  before wasm-opt: %s\n' \
  "raw module  pkg/s3norm_raw.wasm" "$(size_of "$PKG/s3norm_raw.wasm")" "$(gz_of "$PKG/s3norm_raw.wasm")" "$(size_of "$OUT/s3norm_raw.unopt.wasm")" \
  "nodejs+web pkg/s3norm_bg.wasm" "$(size_of "$PKG/s3norm_bg.wasm")" "$(gz_of "$PKG/s3norm_bg.wasm")" "$(size_of "$OUT/s3norm_bg.unopt.wasm")"
say "pkg/ ready (npm pack pkg/ to get the tarball)"
