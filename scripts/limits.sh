#!/usr/bin/env bash
# Peak memory of the release CLI and of the ABI (examples/abi_transform.rs) on hostile inputs,
# as a Markdown table (the README's "Limits"). Inputs are made on the fly in a temporary
# directory (about 4.5 GB of disk at most) and removed afterwards. Needs GNU time
# (/usr/bin/time, Debian package `time`), gzip and Python 3. Takes a few minutes.
#   LIMITS_ONLY="regex"  run only the rows whose name matches
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x /usr/bin/time ] || { echo "error: needs GNU time (/usr/bin/time; apt-get install time)" >&2; exit 1; }
cargo build --locked --release --quiet -p s3norm-cli
cargo build --locked --release --quiet -p s3norm --example abi_transform
cli="$PWD/target/release/s3norm"
abi="$PWD/target/release/examples/abi_transform"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/s3norm-limits.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
only="${LIMITS_ONLY:-.}"

# row NAME PATH-LABEL COMMAND...: run COMMAND under GNU time; print its summary, peak RSS, time.
row() {
  local name="$1" label="$2"
  shift 2
  echo "$name" | grep -qE "$only" || return 0
  local result rss secs status
  /usr/bin/time -f '%M %e %x' -o "$tmp/time" "$@" >"$tmp/stdout" 2>"$tmp/stderr" || true
  read -r rss secs status < <(tail -n 1 "$tmp/time")
  # The example prints its result to standard output; the CLI its summary to standard error.
  result="$(tail -n 1 "$tmp/stdout" | grep '^response' || tail -n 1 "$tmp/stderr")"
  rm -f "$tmp/stdout"
  printf '| %s | %s | %s | %s MB | %s s | %s |\n' "$name" "$label" "$result" "$((rss / 1024))" "$secs" "$status"
}

echo "| input | through | result | peak RSS | time | exit |"
echo "|---|---|---|---|---|---|"

if echo "2 GB" | grep -qE "$only"; then
  head -c 2G /dev/zero | tr '\0' a >"$tmp/no-newline.txt"
  row "2 GB file, no newline (aaa…)" "CLI, file" "$cli" normalize --errors "$tmp/errors" "$tmp/no-newline.txt"
  { printf '{"eventName":"'; head -c 2G /dev/zero | tr '\0' a; } >"$tmp/no-newline.json"
  row "2 GB file, no newline, starting like JSON ({\"eventName\":\"aaa…)" "CLI, file" "$cli" normalize --errors "$tmp/errors" "$tmp/no-newline.json"
  row "the same, on standard input" "CLI, stdin" sh -c "\"$cli\" normalize --errors \"$tmp/errors\" - <\"$tmp/no-newline.json\""
  rm -f "$tmp/no-newline.txt" "$tmp/no-newline.json"
fi

if echo "gzip bomb" | grep -qE "$only"; then
  head -c 1G /dev/zero | gzip -9 >"$tmp/bomb-1g.gz"
  row "gzip bomb: 1 GB of zeros ($(($(stat -c %s "$tmp/bomb-1g.gz") / 1024)) KB .gz)" "CLI, file" "$cli" normalize --errors "$tmp/errors" "$tmp/bomb-1g.gz"
  head -c 10G /dev/zero | gzip -9 >"$tmp/bomb-10g.gz"
  row "gzip bomb: 10 GB of zeros ($(($(stat -c %s "$tmp/bomb-10g.gz") / 1024)) KB .gz)" "CLI, file" "$cli" normalize --errors "$tmp/errors" "$tmp/bomb-10g.gz"
  rm -f "$tmp"/bomb-*.gz
fi

if echo "nested" | grep -qE "$only"; then
  python3 -c 'import sys; sys.stdout.write("[" * 100000 + "]" * 100000)' >"$tmp/deep-arrays.json"
  python3 -c 'import sys; sys.stdout.write("{\"a\":" * 100000 + "1" + "}" * 100000)' >"$tmp/deep-objects.json"
  row "JSON nested 100,000 deep ([[[…]]])" "CLI, file" "$cli" normalize --errors "$tmp/errors" "$tmp/deep-arrays.json"
  row "JSON nested 100,000 deep ({\"a\":{\"a\":…}})" "CLI, file" "$cli" normalize --errors "$tmp/errors" "$tmp/deep-objects.json"
  row "JSON nested 100,000 deep, as the request" "ABI" "$abi" "$tmp/deep-arrays.json"
  python3 -c 'import json, sys; sys.stdout.write(json.dumps("[" * 100000 + "]" * 100000))' >"$tmp/deep-string.json"
  row "JSON nested 100,000 deep, as log text in a request" "ABI" "$abi" "$tmp/deep-string.json"
fi

if echo "batch" | grep -qE "$only"; then
  python3 -c 'import sys; sys.stdout.write("[" + ",".join(["\"a\""] * 1000000) + "]")' >"$tmp/batch-1m.json"
  row "batch of 1,000,000 one-letter lines ([\"a\",…], 4 MB)" "ABI" "$abi" "$tmp/batch-1m.json"
  python3 -c 'import sys; sys.stdout.write("[" + ",".join(["1"] * 1000000) + "]")' >"$tmp/batch-1m-numbers.json"
  row "batch of 1,000,000 numbers ([1,1,…], 2 MB)" "ABI" "$abi" "$tmp/batch-1m-numbers.json"
  python3 -c 'import sys; n = (256 << 20) // 2 - 1; sys.stdout.write("[" + "1," * n + "1]")' >"$tmp/batch-max.json"
  row "batch of 134 million numbers (256 MiB, the request limit)" "ABI" "$abi" "$tmp/batch-max.json"
  python3 -c 'import json, sys; sys.stdout.write(json.dumps("a\n" * (64 << 20)))' >"$tmp/lines-64m.json"
  row "67 million one-letter lines in one string (128 MiB of text)" "ABI" "$abi" "$tmp/lines-64m.json"
  rm -f "$tmp"/batch-*.json "$tmp/lines-64m.json"
fi

if echo "trail" | grep -qE "$only"; then
  # A trail file of 20,000 records whose user agent holds quotes (escaped in the JSON): every
  # escaped string must hold only its own text (it once held the rest of the document: 19 GB).
  python3 - tests/fixtures/cloudtrail/aws-cdk__sample_putobject.json >"$tmp/trail.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
record = (doc["Records"] if isinstance(doc, dict) and "Records" in doc else [doc])[0]
records = [dict(record, userAgent='agent "quoted" %d' % i) for i in range(20000)]
sys.stdout.write(json.dumps({"Records": records}))
PY
  row "trail file of 20,000 records with escaped strings ($(($(stat -c %s "$tmp/trail.json") >> 20)) MiB)" "CLI, file" "$cli" normalize --threads 1 --errors "$tmp/errors" "$tmp/trail.json"
  rm -f "$tmp/trail.json"
fi

if echo "damaged" | grep -qE "$only"; then
  # The issue's case: a file of log lines led by one damaged NDJSON record, over the 64 MiB
  # document limit (2,000 copies of two fixtures: SAL lines and CloudTrail NDJSON).
  {
    printf '{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROA\n'
    for _ in $(seq 2000); do
      cat tests/fixtures/s3-access-logs/kdgm__logstash-plugins__s3_access_log_spec_sample_lines.log
      cat tests/fixtures/cloudtrail/otrf__ec2_proxy_s3_exfiltration.ndjson
    done
  } >"$tmp/damaged.log"
  row "$(($(stat -c %s "$tmp/damaged.log") >> 20)) MiB of lines led by one damaged NDJSON line" "CLI, file" "$cli" normalize --errors "$tmp/errors" "$tmp/damaged.log"
fi
