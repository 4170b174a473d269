// WASM output equals native output, byte for byte, on every fixture in tests/fixtures.
//
// For a file F given to the CLI as path P, `s3norm normalize P` writes events as NDJSON lines
// L1..Ln; the WASM response to {"input": <text of F>, "options": {"log_name": P}} must start with
// {"abi_version":1,"events":[ + L1,...,Ln + ],"errors": (docs/abi.md).
//
// Needs the native CLI: cargo build --release (target/release/s3norm, or S3NORM_CLI).
import test from 'node:test';
import assert from 'node:assert/strict';
import { RESPONSE_PREFIX, checkResponseShape, cliEvents, fileRequest, fixtures, loadPkg, readText } from '../lib/common.mjs';

const s3 = loadPkg();
let total = 0;

for (const f of fixtures()) {
  test(`native == wasm: ${f.rel}`, () => {
    const lines = cliEvents(f.rel);
    const response = s3.transform(fileRequest(readText(f.path), f.rel));
    const expected = RESPONSE_PREFIX + lines.join(',') + '],"errors":';
    assert.ok(
      response.startsWith(expected),
      `events differ from the CLI's on ${f.rel} (is target/release/s3norm older than the sources? cargo build --release)\n` +
        firstDifference(response, expected),
    );
    const r = checkResponseShape(assert, response);
    assert.equal(r.events.length, lines.length);
    for (const e of r.events) assert.equal(e.metadata.log_name, f.rel);
    // The JS-friendly normalize() gives the same events.
    const n = s3.normalize(readText(f.path), { log_name: f.rel });
    assert.deepEqual(n, r);
    total += lines.length;
  });
}

test('the fixtures produce events at all', () => {
  assert.ok(total > 0, 'no fixture produced a single event: is the core implemented?');
});

function firstDifference(actual, expected) {
  let i = 0;
  while (i < expected.length && actual[i] === expected[i]) i++;
  const from = Math.max(0, i - 120);
  return `first difference at byte ${i}:\n  wasm: …${actual.slice(from, i + 120)}\n  cli:  …${expected.slice(from, i + 120)}`;
}
