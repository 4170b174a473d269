#!/usr/bin/env bash
# The README's main job: build the CLI and normalize the bundled sample data (the third-party
# S3 access log and CloudTrail fixtures under tests/fixtures) into out/events.ndjson, with
# refused input in out/errors.ndjson. Needs only Rust (cargo).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --release --quiet -p s3norm-cli
mkdir -p out
./target/release/s3norm normalize --errors out/errors.ndjson \
  tests/fixtures/s3-access-logs/*.log tests/fixtures/cloudtrail/ \
  tests/fixtures/written/{eventbridge_cloudtrail_putobject,cloudwatch_logs_payload,cloudwatch_logs_control_message,s3_event_notification}.json \
  > out/events.ndjson
echo "wrote out/events.ndjson ($(wc -l < out/events.ndjson) events) and out/errors.ndjson ($(wc -l < out/errors.ndjson) errors)"
echo "first event:"
head -n 1 out/events.ndjson
