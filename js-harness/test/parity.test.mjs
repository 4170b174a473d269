// WASM output equals native output, byte for byte, on every fixture in tests/fixtures.
//
// For a file F given to the CLI as path P, `s3norm normalize P` writes events as NDJSON lines
// L1..Ln; the WASM response to {"input": <text of F>, "options": {"log_name": P}} must start with
// {"abi_version":1,"events":[ + L1,...,Ln + ],"errors": (docs/abi.md).
//
// Needs the native CLI: cargo build --release (target/release/s3norm, or S3NORM_CLI).
import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESPONSE_PREFIX, SAL_LINE, checkResponseShape, cliEvents, fileRequest, fixtures, loadPkg, readText, tempDir } from '../lib/common.mjs';

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

// No fixture has a non-ASCII character, so this test makes some, for both ways text crosses the
// boundary (TextEncoder in, the glue's decoding out): a key percent-encoded in the line (decoded
// into the event), a user agent and a bucket owner written in UTF-8, and a line that is not S3's
// (an error record carrying it).
test('native == wasm: non-ASCII text, in events and in error records', () => {
  const line = SAL_LINE.replace('REST.GET.VERSIONING -', 'REST.GET.OBJECT caf%C3%A9/%E2%82%AC/%F0%9F%98%80.txt')
    .replace('"S3Console/0.4"', '"Mozilla/5.0 (été; 日本語)"');
  const text = `${line}\n${line.replace('79a59df9', 'ü79a59df')}\nnot an S3 line: ñ — 😀\n`;
  const dir = tempDir('parity-utf8');
  writeFileSync(join(dir, 'utf8.log'), text);
  const lines = cliEvents(join(dir, 'utf8.log'));
  const response = s3.transform(fileRequest(text, join(dir, 'utf8.log')));
  assert.ok(response.startsWith(RESPONSE_PREFIX + lines.join(',') + '],"errors":'), firstDifference(response, RESPONSE_PREFIX + lines.join(',')));
  const r = checkResponseShape(assert, response);
  assert.equal(r.events.length, 2);
  assert.ok(r.events.some((e) => JSON.stringify(e).includes('café/€/😀.txt')), response);
  assert.deepEqual(r.errors.map((e) => e.input), ['not an S3 line: ñ — 😀']);
});

test('the fixtures produce events at all', () => {
  assert.ok(total > 0, 'no fixture produced a single event: is the core implemented?');
});

function firstDifference(actual, expected) {
  let i = 0;
  while (i < expected.length && actual[i] === expected[i]) i++;
  const from = Math.max(0, i - 120);
  return `first difference at byte ${i}:\n  wasm: …${actual.slice(from, i + 120)}\n  cli:  …${expected.slice(from, i + 120)}`;
}
