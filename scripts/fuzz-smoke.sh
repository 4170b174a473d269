#!/usr/bin/env bash
# Fuzz smoke run: build every cargo-fuzz target (fuzz/) and run each for a while on its seed
# corpus. Part of scripts/test-all.sh; see fuzz/README.md for the targets and longer runs.
#
# Needs only the stable toolchain: cargo-fuzz passes nightly compiler flags, which stable accepts
# with RUSTC_BOOTSTRAP=1. Installs the pinned cargo-fuzz when it is missing.
#   FUZZ_SECONDS  seconds per target (default 30)
#   FUZZ_TARGETS  targets to run (default: all of them)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
seconds="${FUZZ_SECONDS:-30}"
export RUSTC_BOOTSTRAP=1

# libfuzzer-sys compiles libFuzzer (C++) with the system compiler.
if ! command -v c++ >/dev/null; then
  sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if_needed apt-get update
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends g++
fi
if ! cargo fuzz --version 2>/dev/null | grep -qF " $CARGO_FUZZ_VERSION"; then
  cargo install --locked cargo-fuzz --version "=$CARGO_FUZZ_VERSION"
fi

# The fuzz crate's own lockfile must be current (cargo fuzz has no --locked of its own).
cargo fetch --locked --manifest-path fuzz/Cargo.toml --quiet
python3 fuzz/seed-corpus.py

targets="${FUZZ_TARGETS:-$(cargo fuzz list)}"
# --sanitizer none: the library's unsafe code takes no pointers (SSE2 intrinsics; a UTF-8 claim
# that a debug assertion checks), so AddressSanitizer would only slow the run; -a keeps debug
# assertions and overflow checks on.
cargo fuzz build --sanitizer none -a
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for target in $targets; do
  echo "=== fuzz $target (${seconds}s)"
  if ! cargo fuzz run --sanitizer none -a "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -dict=fuzz/s3norm.dict -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "error: fuzz target $target failed; the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  grep -E '^Done|DONE|stat::peak_rss_mb' "$log" || true
done
echo "fuzz smoke: $(echo $targets | wc -w) targets, ${seconds}s each, no failure"
