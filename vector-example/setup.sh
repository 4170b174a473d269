#!/usr/bin/env sh
# Prepare a directory for `vector --config vector-local.yaml`, around the repository's bundled
# fixtures (tests/fixtures, third-party S3 server access logs and CloudTrail files):
#
#   ./setup.sh [DIR]        DIR defaults to this directory
#
# DIR/input/   the fixtures as Vector's file source meets real logs: each SAL file as it is, each
#              CloudTrail file on one line (as CloudTrail writes its files; the bundled ones are
#              pretty-printed), each NDJSON file as it is, plus AWS's own S3 Event Notification
#              (refused by design: it lands in the dead letter file)
# DIR/output/  empty: Vector writes events.ndjson, errors.ndjson and notices.ndjson here
# DIR/data/    empty: Vector's data_dir (the file source's checkpoints)
# DIR/vector-local.yaml   a copy, when DIR is not this directory
#
# Run it again to start over (output/ and data/ are emptied). Needs python3 to put each JSON file
# on one line. Vector runs `s3norm` from PATH (see README.md).
set -eu

HERE="$(cd "$(dirname "$0")" && pwd)"
FIXTURES="$HERE/../tests/fixtures"
DIR="${1:-$HERE}"
command -v python3 >/dev/null || { echo "setup.sh: python3 is needed to put JSON files on one line" >&2; exit 1; }
[ -d "$FIXTURES" ] || { echo "setup.sh: no fixtures at $FIXTURES (run it from a clone of the repository)" >&2; exit 1; }

mkdir -p "$DIR"
rm -rf "$DIR/input" "$DIR/output" "$DIR/data"
mkdir -p "$DIR/input" "$DIR/output" "$DIR/data"
[ "$DIR/vector-local.yaml" -ef "$HERE/vector-local.yaml" ] || cp "$HERE/vector-local.yaml" "$DIR/"

for f in "$FIXTURES"/s3-access-logs/*.log "$FIXTURES"/cloudtrail/*.ndjson; do
  cp "$f" "$DIR/input/"
done
for f in "$FIXTURES"/cloudtrail/*.json "$FIXTURES"/written/eventbridge_cloudtrail_putobject.json \
  "$FIXTURES"/written/cloudwatch_logs_payload.json "$FIXTURES"/written/s3_event_notification.json; do
  python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1], encoding="utf-8")), separators=(",", ":")))' \
    "$f" > "$DIR/input/$(basename "$f")"
done

n="$(ls "$DIR/input" | wc -l)"
echo "setup.sh: $n files in $DIR/input; output/ and data/ are empty"
command -v s3norm >/dev/null ||
  echo "setup.sh: note: s3norm is not on PATH (cargo install --path crates/cli, or add target/release to PATH)"
