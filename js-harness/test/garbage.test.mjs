// Garbage at every JS entry point of the package: each call returns error records (never throws on
// bad data), and the instance still works afterwards.
import test from 'node:test';
import assert from 'node:assert/strict';
import { CLOUDTRAIL_RECORD, SAL_LINE, checkResponseShape, loadPkg } from '../lib/common.mjs';

const s3 = loadPkg();
const GOOD = JSON.stringify({ input: SAL_LINE });
const goodResponse = s3.transform(GOOD);

function stillWorks() {
  assert.equal(s3.transform(GOOD), goodResponse, 'instance still works');
}

/** transform(request) -> the kinds of its error records (and the response passes the invariants). */
function kinds(request) {
  const text = s3.transform(request);
  assert.equal(typeof text, 'string');
  return checkResponseShape(assert, text).errors.map((e) => e.kind);
}

test('the reference request normalizes (instance check used below)', () => {
  const r = checkResponseShape(assert, goodResponse);
  assert.equal(r.events.length, 1);
});

test('transform: truncated and invalid JSON', () => {
  for (const bad of ['{"input": "abc', '{', '[', '"unterminated', '{"input":}', 'nul', '{"a":1}}', '\u0000', '   ']) {
    const k = kinds(bad);
    assert.ok(k.length >= 1, `error record for ${JSON.stringify(bad)}`);
    assert.ok(k.every((x) => x === 'json_syntax' || x === 'invalid_request'), `${JSON.stringify(bad)}: ${k}`);
    stillWorks();
  }
  assert.deepEqual(kinds(''), ['json_syntax']);
  stillWorks();
});

test('transform: invalid UTF-16 from JS (lone surrogates) does not throw', () => {
  for (const bad of ['"\uD800"', '"\uDFFF abc"', JSON.stringify({ input: 'a\uD800b' }), '\uD800']) {
    const text = s3.transform(bad);
    checkResponseShape(assert, text);
    stillWorks();
  }
});

test('transform: deep nesting (100k brackets) is an error record, not a stack overflow', () => {
  assert.deepEqual(kinds('['.repeat(100000)), ['json_syntax']);
  assert.deepEqual(kinds('['.repeat(100000) + ']'.repeat(100000)), ['json_syntax']);
  assert.deepEqual(kinds('{"input":' + '['.repeat(100000) + ']'.repeat(100000) + '}'), ['json_syntax']);
  assert.deepEqual(kinds('{"a":'.repeat(100000)), ['json_syntax']);
  stillWorks();
});

test('transform: 10 MB lines come back as too_large with the input cut', () => {
  const big = 'x'.repeat(10 * 1024 * 1024);
  for (const request of [JSON.stringify(big), JSON.stringify({ input: SAL_LINE.replace('S3Console/0.4', big) }), JSON.stringify({ message: big })]) {
    const r = checkResponseShape(assert, s3.transform(request));
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].kind, 'too_large');
    assert.equal(r.errors[0].input_truncated, true);
    assert.ok(r.errors[0].input.length <= 64 * 1024);
    stillWorks();
  }
});

test('transform: values that are not requests', () => {
  for (const bad of ['1', 'true', 'null', '{}', '[]', '{"input": 5}', '{"input": "x", "options": 7}', '{"input": "x", "options": {"raw_data": "yes"}}', '{"input": "x", "options": {"log_name": 5}}', '{"message": 5}', '{"Records": 5}', '{"Records": [1, "x", null]}']) {
    const r = checkResponseShape(assert, s3.transform(bad));
    assert.equal(r.events.length, 0, bad);
    stillWorks();
  }
});

test('transform: non-string arguments from JS never throw', () => {
  const cyclic = {};
  cyclic.self = cyclic;
  for (const bad of [undefined, null, 5, 10n, Symbol('s'), () => 1, cyclic, { toJSON() { throw new Error('boom'); } }, new Uint8Array([1, 2])]) {
    let text;
    assert.doesNotThrow(() => { text = s3.transform(bad); }, `transform(${typeof bad})`);
    const r = checkResponseShape(assert, text);
    assert.equal(r.events.length, 0);
    stillWorks();
  }
  // A plain object is a request.
  const r = JSON.parse(s3.transform({ input: SAL_LINE }));
  assert.equal(r.events.length, 1);
});

test('normalize: garbage text and options never throw', () => {
  for (const [input, options] of [
    ['', undefined],
    ['\n\n\n', undefined],
    ['not a log line', undefined],
    ['{"Records": [', undefined],
    ['x'.repeat(2 * 1024 * 1024), undefined],
    ['['.repeat(100000), undefined],
    [SAL_LINE, { raw_data: 'yes' }],
    [SAL_LINE, { log_name: 42 }],
    [SAL_LINE, { unknown: true }],
    [SAL_LINE, 'options?'],
    [SAL_LINE, null],
    [undefined, undefined],
    [null, undefined],
    [12, undefined],
    [10n, undefined],
    [Symbol('x'), undefined],
    [{ message: 5 }, undefined],
    [[SAL_LINE, 5, null, { Records: 'x' }], undefined],
  ]) {
    let r;
    assert.doesNotThrow(() => { r = s3.normalize(input, options); }, `normalize(${typeof input}, ${JSON.stringify(options)})`);
    assert.deepEqual(Object.keys(r), ['abi_version', 'events', 'errors', 'stats']);
    assert.equal(r.stats.inputs, r.stats.events + r.stats.errors + r.stats.skipped);
    stillWorks();
  }
});

test('normalize: a batch mixes events and errors, nothing lost', () => {
  const r = s3.normalize([SAL_LINE, 'garbage line', CLOUDTRAIL_RECORD, { message: SAL_LINE, file: 'a.log' }]);
  assert.equal(r.stats.inputs, 4);
  assert.equal(r.events.length, 3);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].kind, 'sal_syntax');
  assert.equal(r.errors[0].input, 'garbage line');
});

test('operations/version/abiVersion', () => {
  const ops = s3.operations();
  assert.ok(Array.isArray(ops));
  assert.ok(ops.length > 0, 'operation table is not empty');
  for (const o of ops) {
    assert.equal(typeof o.operation, 'string');
    assert.ok(o.sal === null || (typeof o.sal === 'string' && o.sal.length > 0), JSON.stringify(o));
  }
  ops.push('mutated');
  assert.notEqual(s3.operations().at(-1), 'mutated', 'each call returns a fresh copy');
  assert.match(s3.version(), /^\d+\.\d+\.\d+/);
  assert.equal(s3.abiVersion(), 1);
});
