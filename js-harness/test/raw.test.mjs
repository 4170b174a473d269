// The raw module with Node's plain WebAssembly API (no glue): zero imports, the export list, the
// allocation contract, equality with the wasm-bindgen build, the Fluent Bit calling convention,
// and garbage at every entry point.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLOUDTRAIL_RECORD, HARNESS, ROOT, RAW_WASM, SAL_LINE, tempDir, checkResponseShape, fileRequest, fixtures, loadPkg, readText } from '../lib/common.mjs';
import { rawInstance, rawModule } from '../lib/raw.mjs';

const EXPECTED_EXPORTS = [
  'memory',
  's3norm_abi_version',
  's3norm_alloc',
  's3norm_dealloc',
  's3norm_transform',
  's3norm_fluent_bit_filter',
  // C's allocator, under the names WAMR (Fluent Bit) looks for: it then copies records with it.
  'malloc',
  'free',
];

test('raw module has zero imports', () => {
  const m = rawModule();
  assert.deepEqual(WebAssembly.Module.imports(m), []);
  assert.equal(WebAssembly.Module.imports(m).length, 0);
});

test('raw module exports the documented ABI, malloc/free, nothing else', () => {
  const exports = WebAssembly.Module.exports(rawModule());
  const names = exports.map((e) => e.name);
  for (const n of EXPECTED_EXPORTS) assert.ok(names.includes(n), `exports ${n}`);
  assert.equal(exports.find((e) => e.name === 'memory').kind, 'memory');
  for (const n of names) {
    assert.ok(!/^(calloc|realloc)$/.test(n), `must not export ${n}`);
    assert.ok(!n.startsWith('__wbindgen'), `no wasm-bindgen export ${n}`);
  }
  // Only the ABI functions are functions; the rest may be linker globals (__heap_base, …).
  const fns = exports.filter((e) => e.kind === 'function').map((e) => e.name).sort();
  assert.deepEqual(fns, EXPECTED_EXPORTS.filter((n) => n !== 'memory').sort());
});

test('raw module needs only bulk-memory, sign-ext and non-trapping float-to-int beyond MVP', () => {
  // What a host engine must support (docs/abi.md): validated by binaryen with every other
  // post-MVP feature off, after dropping the target_features section (which would re-enable them).
  const wasmOpt = join(ROOT, 'tools', 'wasm-opt', 'node_modules', '.bin', 'wasm-opt');
  const stripped = join(tempDir('features'), 'raw.wasm');
  const all = ['bulk-memory', 'bulk-memory-opt', 'sign-ext', 'nontrapping-float-to-int', 'mutable-globals', 'reference-types', 'multivalue', 'call-indirect-overlong'];
  let r = spawnSync(wasmOpt, ['--strip-target-features', ...all.map((f) => `--enable-${f}`), RAW_WASM, '-o', stripped], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  r = spawnSync(wasmOpt, ['--mvp-features', '--enable-bulk-memory', '--enable-bulk-memory-opt', '--enable-sign-ext', '--enable-nontrapping-float-to-int', stripped, '-o', stripped + '.out'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `raw module uses a feature beyond the documented set:\n${r.stderr.slice(0, 2000)}`);
});

test('instantiates with an empty import object; abi version 1', () => {
  const r = rawInstance();
  assert.equal(r.exports.s3norm_abi_version(), 1);
  assert.equal(r.exports.s3norm_abi_version(), loadPkg().abiVersion());
});

test('raw output equals the wasm-bindgen build on every fixture', () => {
  const s3 = loadPkg();
  const raw = rawInstance();
  for (const f of fixtures()) {
    const request = fileRequest(readText(f.path), f.rel);
    const a = raw.transform(request);
    const b = s3.transform(request);
    assert.equal(a, b, `raw vs wasm-bindgen differ on ${f.rel}`);
    checkResponseShape(assert, a);
  }
  for (const request of [JSON.stringify(SAL_LINE), JSON.stringify(CLOUDTRAIL_RECORD), '[1,"x",{"message":"y"}]', '']) {
    assert.equal(raw.transform(request), s3.transform(request), `differ on ${request.slice(0, 40)}`);
  }
});

test('malloc / free: 8-byte aligned blocks, bad frees ignored, and a record in one is read in place', () => {
  const r = rawInstance();
  const x = r.exports;
  assert.equal(x.malloc(0), 0);
  assert.equal(x.malloc(-1) >>> 0, 0, 'malloc(4 GiB - 1) is 0, no trap');
  const record = Buffer.from(JSON.stringify({ log: SAL_LINE }) + '\0');
  const p = x.malloc(record.length) >>> 0;
  assert.ok(p > 0 && p % 8 === 0);
  r.bytes().set(record, p);
  const res = x.s3norm_fluent_bit_filter(0, 0, 0, 0, p, record.length - 1) >>> 0;
  const mem = r.bytes();
  const out = JSON.parse(Buffer.from(mem.subarray(res, mem.indexOf(0, res))).toString('utf8'));
  assert.equal(out.class_uid, 6003);
  x.free(p);
  x.free(p); // a second free: ignored
  x.free(12345);
  x.free(0);
  const q = x.s3norm_alloc(16) >>> 0;
  x.free(q); // free also takes s3norm_alloc's blocks
  checkResponseShape(assert, r.transform(JSON.stringify(SAL_LINE)));
});

test('s3norm_alloc / s3norm_dealloc contract', () => {
  const r = rawInstance();
  const x = r.exports;
  assert.equal(x.s3norm_alloc(0), 0, 'alloc(0) is 0');
  // Impossible sizes return 0 instead of trapping.
  assert.equal(x.s3norm_alloc(-1) >>> 0, 0, 'alloc(4 GiB - 1) is 0');
  assert.equal(x.s3norm_alloc(0xfffff000 | 0) >>> 0, 0, 'alloc(~4 GiB) is 0');
  const p = x.s3norm_alloc(100) >>> 0;
  assert.ok(p > 0);
  const q = x.s3norm_alloc(100) >>> 0;
  assert.ok(q > 0 && q !== p);
  // Wrong length, unknown pointers and double frees are ignored, never a trap.
  x.s3norm_dealloc(p, 99);
  x.s3norm_dealloc(p + 1, 100);
  x.s3norm_dealloc(0, 0);
  x.s3norm_dealloc(-1, -1);
  x.s3norm_dealloc(12345, 7);
  x.s3norm_dealloc(p, 100);
  x.s3norm_dealloc(p, 100);
  x.s3norm_dealloc(q, 100);
  // A response is freed with its own (ptr, len); freeing it twice is ignored.
  const packed = BigInt.asUintN(64, x.s3norm_transform(0, 0));
  const rp = Number(packed >> 32n);
  const rl = Number(packed & 0xffffffffn);
  assert.ok(rl > 0);
  x.s3norm_dealloc(rp, rl);
  x.s3norm_dealloc(rp, rl);
  checkResponseShape(assert, r.transform(JSON.stringify(SAL_LINE)));
});

test('wrong pointers and lengths: error response, no trap, instance still works', () => {
  const r = rawInstance();
  const good = r.transform(JSON.stringify(SAL_LINE));
  const memSize = () => r.exports.memory.buffer.byteLength;
  const cases = [
    [0, 10, 'null pointer'],
    [() => memSize() - 4, 100, 'runs past the end'],
    [() => memSize(), 1, 'starts at the end'],
    [() => memSize() + 65536, 1, 'beyond memory'],
    [-16, 256, 'near 4 GiB, wraps'],
    [1024, -1, 'length 4 GiB - 1'],
    [-1, -1, 'both max'],
    [8, 0x7fffffff, 'huge length'],
  ];
  for (const [ptr, len, why] of cases) {
    const text = r.transformAt(typeof ptr === 'function' ? ptr() : ptr, len);
    const resp = checkResponseShape(assert, text);
    assert.equal(resp.errors.length, 1, why);
    assert.equal(resp.errors[0].kind, 'invalid_request', `${why}: ${text}`);
    assert.equal(resp.events.length, 0);
  }
  assert.equal(r.transform(JSON.stringify(SAL_LINE)), good, 'instance still works');
});

test('garbage requests: invalid UTF-8, truncated JSON, deep nesting, 10 MB lines', () => {
  const r = rawInstance();
  const good = r.transform(JSON.stringify(SAL_LINE));
  const kinds = (text) => checkResponseShape(assert, text).errors.map((e) => e.kind);

  assert.deepEqual(kinds(r.transformBytes(Buffer.from([0x22, 0x61, 0xff, 0xfe, 0x22]))), ['invalid_utf8']);
  assert.deepEqual(kinds(r.transformBytes(Buffer.from([0xc3]))), ['invalid_utf8']);
  assert.deepEqual(kinds(r.transform('{"input": "abc')), ['json_syntax']);
  assert.deepEqual(kinds(r.transform('[' + '['.repeat(100000))), ['json_syntax']);
  assert.deepEqual(kinds(r.transform('['.repeat(100000) + ']'.repeat(100000))), ['json_syntax']);
  assert.deepEqual(kinds(r.transform('{"a":'.repeat(50000))), ['json_syntax']);
  const big = 'x'.repeat(10 * 1024 * 1024);
  const bigResp = checkResponseShape(assert, r.transform(JSON.stringify(big)));
  assert.equal(bigResp.errors.length, 1);
  assert.equal(bigResp.errors[0].kind, 'too_large');
  assert.equal(bigResp.errors[0].input_truncated, true);
  const bigSal = checkResponseShape(assert, r.transform(JSON.stringify(SAL_LINE.replace('S3Console/0.4', big))));
  assert.equal(bigSal.errors[0].kind, 'too_large');
  assert.equal(r.transform(JSON.stringify(SAL_LINE)), good, 'instance still works');
});

test('Fluent Bit adapter, called the way Fluent Bit calls it', () => {
  const s3 = loadPkg();
  const r = rawInstance();
  // Fluent Bit tail input: {"log": "<line>"}; Vector-style: {"message": ..., "file": ...}.
  for (const where of ['host', 'module']) {
    const out = r.fluentBit('s3.access', JSON.stringify({ log: SAL_LINE }), { where });
    const obj = JSON.parse(out);
    assert.equal(typeof obj, 'object');
    const expected = s3.normalize({ message: SAL_LINE });
    assert.equal(expected.events.length, 1, 'one SAL line is one event');
    assert.equal(obj.class_uid, 6003, out.slice(0, 300));
    assert.equal(obj.api.request.uid, '3E57427F3EXAMPLE');
    assert.equal(obj.s3norm_error, undefined);
  }
  const ct = JSON.parse(r.fluentBit('ct', JSON.stringify({ message: JSON.stringify(CLOUDTRAIL_RECORD), file: '/var/log/ct.json' })));
  assert.equal(ct.class_uid, 6003);
  assert.equal(ct.metadata.log_name, '/var/log/ct.json');
});

test('Fluent Bit adapter: the single-event output is the event, byte for byte', () => {
  const s3 = loadPkg();
  const r = rawInstance();
  const record = JSON.stringify({ message: SAL_LINE, file: 'access.log' });
  const resp = s3.transform(record);
  const ev = JSON.parse(resp).events;
  assert.equal(ev.length, 1);
  const prefix = '{"abi_version":1,"events":[';
  const eventText = resp.slice(prefix.length, resp.indexOf('],"errors":[],"stats":'));
  assert.equal(r.fluentBit('t', record), eventText);
});

test('Fluent Bit adapter: nothing is dropped, errors ride on the original record', () => {
  const r = rawInstance();
  const cases = [
    [JSON.stringify({ log: 'not an access log line', host: 'h1' }), 'sal_syntax'],
    [JSON.stringify({ message: '{"Records": [' }), 'json_syntax'],
    [JSON.stringify({ other: 1 }), null],
    ['{"log": "trunc', 'json_syntax'],
    ['\x93\xa3log\xa4line', null], // msgpack, i.e. event_format msgpack by mistake
    ['', null],
    ['[' .repeat(100000), 'json_syntax'],
  ];
  for (const [record, kind] of cases) {
    const out = r.fluentBit('t', record);
    assert.ok(out.length > 0, 'never empty (Fluent Bit drops empty results)');
    const obj = JSON.parse(out);
    assert.equal(typeof obj, 'object');
    assert.ok(!Array.isArray(obj) && obj !== null, 'a JSON object (Fluent Bit drops anything else)');
    assert.equal(typeof obj.s3norm_error, 'object', out.slice(0, 300));
    assert.equal(typeof obj.s3norm_error.kind, 'string');
    if (kind) assert.equal(obj.s3norm_error.kind, kind, out.slice(0, 300));
    // The original record's fields are still there.
    try {
      const orig = JSON.parse(record);
      for (const k of Object.keys(orig)) assert.ok(k in obj, `keeps ${k}`);
    } catch {
      assert.ok('message' in obj, 'non-JSON record kept as message');
    }
  }
  // Invalid UTF-8 record.
  const bad = JSON.parse(r.fluentBit('t', Buffer.from([0x7b, 0x22, 0x6c, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])));
  assert.equal(bad.s3norm_error.kind, 'invalid_utf8');
  // A record holding a whole trail file: several events, none dropped.
  const trail = { Records: [CLOUDTRAIL_RECORD, { ...CLOUDTRAIL_RECORD, requestID: 'SECOND' }] };
  const multi = JSON.parse(r.fluentBit('t', JSON.stringify({ message: JSON.stringify(trail) })));
  assert.equal(multi.s3norm_error, undefined, 'several events are not an error');
  assert.equal(multi.s3norm_result.events.length, 2);
  assert.deepEqual(multi.s3norm_result.stats, { inputs: 2, events: 2, errors: 0, skipped: 0 });
  // A CloudTrail record of another service: kept, marked skipped (not an error).
  const iam = { ...CLOUDTRAIL_RECORD, eventSource: 'iam.amazonaws.com', eventName: 'ListUsers' };
  const skipped = JSON.parse(r.fluentBit('t', JSON.stringify({ message: JSON.stringify(iam) })));
  assert.equal(skipped.s3norm_error, undefined);
  assert.deepEqual(skipped.s3norm_skipped, { event_source: 'iam.amazonaws.com', event_name: 'ListUsers' });
});

test('Fluent Bit adapter: wrong pointers do not trap', () => {
  const r = rawInstance();
  const size = () => r.exports.memory.buffer.byteLength; // at call time: memory grows
  for (const [tp, tl, rp, rl] of [
    [0, 0, 0, 10],
    [0, 0, () => size() - 2, 100],
    [-1, -1, -1, -1],
    [0, 5, 16, 0x7fffffff],
    [0, 0, () => size(), 1],
  ]) {
    const obj = JSON.parse(r.fluentBitAt(tp, tl, typeof rp === 'function' ? rp() : rp, rl));
    assert.equal(obj.s3norm_error.kind, 'invalid_request');
  }
  // Tag pointer garbage alone does not matter (the tag is not used).
  const ok = JSON.parse(r.fluentBit('t', JSON.stringify({ log: SAL_LINE })));
  assert.equal(ok.class_uid, 6003);
});
