#!/usr/bin/env bash
# Peer comparison: s3norm's CLI against Vector's VRL (benches/peers/vrl, see
# benches/peers/README.md) on the same S3 server access log corpus, as whole processes.
#
#   scripts/bench-peers.sh
#
# From a clean clone; needs only cargo (and bash, awk, sort, date). Installs nothing: both tools
# are built under target/ (the VRL peer in target/peers/vrl, its own project and Cargo.lock).
#
# The corpus is the bundled third-party fixture lines (every non-blank line of
# tests/fixtures/s3-access-logs/*.log, in order) repeated until it holds BENCH_LINES lines.
# Each tool reads it on standard input and writes its JSON events to /dev/null; wall-clock time of
# the whole process (start-up included) is taken BENCH_RUNS times, the two tools alternating,
# after one untimed warm-up run each (which also counts the bytes they write).
#
# Environment:
#   BENCH_LINES   corpus size in lines (default 100000)
#   BENCH_RUNS    timed runs per tool (default 5); best and median are reported
#   S3NORM_ARGS   extra flags for `s3norm normalize` (e.g. "--threads 1"), word-split
#   CARGO_BUILD_JOBS, CARGO_TARGET_DIR are honoured as cargo honours them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export LC_ALL=C

lines=${BENCH_LINES:-100000}
runs=${BENCH_RUNS:-5}
read -r -a s3norm_args <<< "${S3NORM_ARGS:-}"
case $lines in '' | *[!0-9]* | 0) echo "BENCH_LINES must be a positive integer" >&2; exit 64 ;; esac
case $runs in '' | *[!0-9]* | 0) echo "BENCH_RUNS must be a positive integer" >&2; exit 64 ;; esac

target_dir=${CARGO_TARGET_DIR:-$root/target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac
work=$target_dir/bench-peers
mkdir -p "$work"

step() { printf '=== %s\n' "$*" >&2; }

# Build the s3norm CLI (the workspace package `s3norm-cli`, binary `s3norm`) in release mode and
# print the binary's path.
build_s3norm() {
  cargo build --locked --release -p s3norm-cli >&2
  local bin=$target_dir/release/s3norm
  [[ -x $bin ]] || { echo "no s3norm binary at $bin" >&2; return 1; }
  printf '%s\n' "$bin"
}

step "build s3norm (release)"
s3norm=$(build_s3norm)

step "build the VRL peer (release; the first build takes several minutes)"
vrl_target=$target_dir/peers/vrl
cargo build --release --locked --manifest-path benches/peers/vrl/Cargo.toml --target-dir "$vrl_target"
vrl=$vrl_target/release/vrl-sal-peer

step "corpus: $lines lines from tests/fixtures/s3-access-logs/*.log, repeated"
corpus=$work/corpus-$lines.log
awk -v n="$lines" '
  NF { line[k++] = $0 }
  END {
    if (k == 0) { print "no fixture lines" > "/dev/stderr"; exit 1 }
    for (i = 0; i < n; i++) print line[i % k]
  }' tests/fixtures/s3-access-logs/*.log > "$corpus"
fixture_lines=$(cat tests/fixtures/s3-access-logs/*.log | awk 'NF' | wc -l)
corpus_bytes=$(wc -c < "$corpus")

# run_once TOOL: one whole-process run over the corpus, events to /dev/null, summary to
# $work/TOOL.err; prints the wall-clock seconds.
run_once() {
  local tool=$1 t0 t1
  t0=$(date +%s.%N)
  case $tool in
    s3norm) "$s3norm" normalize "${s3norm_args[@]}" - < "$corpus" > /dev/null 2> "$work/s3norm.err" ;;
    vrl) "$vrl" - < "$corpus" > /dev/null 2> "$work/vrl.err" ;;
  esac
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

step "warm-up (untimed), acceptance and output size"
"$s3norm" normalize "${s3norm_args[@]}" - < "$corpus" 2> "$work/s3norm.err" | wc -c > "$work/s3norm.bytes"
"$vrl" - < "$corpus" 2> "$work/vrl.err" | wc -c > "$work/vrl.bytes"
s3norm_summary=$(tail -n 1 "$work/s3norm.err")
vrl_summary=$(tail -n 1 "$work/vrl.err")
# s3norm: "N events, M errors, K skipped"; the peer: "lines=N matched=M failed=F ...".
s3norm_accepted=$(sed -n 's/^\([0-9]*\) events, .*/\1/p' <<< "$s3norm_summary")
vrl_accepted=$(sed -n 's/.* matched=\([0-9]*\) .*/\1/p' <<< "$vrl_summary")
[[ -n $s3norm_accepted ]] || { echo "unexpected s3norm summary: $s3norm_summary" >&2; exit 1; }
[[ -n $vrl_accepted ]] || { echo "unexpected VRL peer summary: $vrl_summary" >&2; exit 1; }

step "$runs timed runs each, alternating"
: > "$work/s3norm.times"
: > "$work/vrl.times"
for ((i = 1; i <= runs; i++)); do
  run_once s3norm >> "$work/s3norm.times"
  run_once vrl >> "$work/vrl.times"
  printf '  run %d/%d: s3norm %ss, vrl %ss\n' "$i" "$runs" \
    "$(tail -n 1 "$work/s3norm.times")" "$(tail -n 1 "$work/vrl.times")" >&2
done

# best and median seconds of a times file
best() { sort -g "$1" | head -n 1; }
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rate() { awk -v n="$lines" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
pct() { awk -v a="$1" -v n="$lines" 'BEGIN { printf "%.1f%%", 100 * a / n }'; }
per_line() { awk -v b="$1" -v n="$lines" 'BEGIN { printf "%.0f", b / n }'; }

s3_best=$(rate "$(best "$work/s3norm.times")")
s3_med=$(rate "$(median "$work/s3norm.times")")
vrl_best=$(rate "$(best "$work/vrl.times")")
vrl_med=$(rate "$(median "$work/vrl.times")")

echo
printf 'corpus: %d lines (%d bytes): the %d bundled fixture lines repeated; %d timed runs each\n' \
  "$lines" "$corpus_bytes" "$fixture_lines" "$runs"
printf 'machine: %s cores; %s%s\n' "$(nproc 2> /dev/null || echo '?')" \
  "$("$s3norm" --version 2> /dev/null || echo '?')" "${S3NORM_ARGS:+ (normalize $S3NORM_ARGS)}"
echo
printf '%-8s %14s %14s %20s %14s\n' tool "lines/s best" "lines/s median" accepted "out bytes/line"
printf '%-8s %14s %14s %20s %14s\n' s3norm "$s3_best" "$s3_med" \
  "$s3norm_accepted ($(pct "$s3norm_accepted"))" "$(per_line "$(cat "$work/s3norm.bytes")")"
printf '%-8s %14s %14s %20s %14s\n' vrl "$vrl_best" "$vrl_med" \
  "$vrl_accepted ($(pct "$vrl_accepted"))" "$(per_line "$(cat "$work/vrl.bytes")")"
echo
awk -v a="$s3_best" -v b="$vrl_best" -v c="$s3_med" -v d="$vrl_med" \
  'BEGIN { printf "ratio s3norm/VRL: %.2fx (best), %.2fx (median)\n", a / b, c / d }'
echo
echo "s3norm summary: $s3norm_summary"
echo "VRL peer summary: $vrl_summary"
