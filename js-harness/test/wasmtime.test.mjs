// The raw module under a second, independent engine: Wasmtime, driven from Python (PyPI
// `wasmtime`, installed by scripts/setup.sh into target/wasmtime-venv). Its output must equal the
// wasm-bindgen build's (and so V8's) on every fixture and on garbage; bad calls must not trap.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLOUDTRAIL_RECORD, HARNESS, RAW_WASM, SAL_LINE, checkResponseShape, fileRequest, fixtures, loadPkg, python, readText, tempDir } from '../lib/common.mjs';
import { rawInstance } from '../lib/raw.mjs';

const s3 = loadPkg();
const b64 = (x) => Buffer.from(x).toString('base64');

// One request list, run in order on one Wasmtime instance.
const calls = [];
const expect = []; // [index, check(result)]
function call(req, check) {
  expect.push([calls.length, check]);
  calls.push(req);
}

call({ op: 'abi_version' }, (r) => assert.equal(r.value, 1));
for (const f of fixtures()) {
  const request = fileRequest(readText(f.path), f.rel);
  const expected = s3.transform(request);
  call({ op: 'transform', input_b64: b64(request) }, (r, text) => assert.equal(text, expected, `wasmtime vs wasm-bindgen on ${f.rel}`));
}
const garbage = [
  Buffer.from([0x22, 0x61, 0xff, 0x22]), // invalid UTF-8
  Buffer.from('{"input": "abc'), // truncated
  Buffer.from('['.repeat(100000)), // deep nesting
  Buffer.from(JSON.stringify('y'.repeat(10 * 1024 * 1024))), // a 10 MB line
  Buffer.from(''),
];
for (const g of garbage) {
  const node = rawInstance().transformBytes(g);
  call({ op: 'transform', input_b64: b64(g) }, (r, text) => {
    assert.equal(text, node, 'wasmtime vs V8 on garbage');
    assert.ok(checkResponseShape(assert, text).errors.length >= 1);
  });
}
// Wrong pointers and lengths: error responses, no trap.
for (const [ptr, len] of [[0, 10], [0x7ffffff0, 64], [-16, 256], [1024, -1], [-1, -1]]) {
  call({ op: 'transform_at', ptr, len }, (r, text) => {
    assert.equal(checkResponseShape(assert, text).errors[0].kind, 'invalid_request');
  });
}
call({ op: 'alloc', len: -1 }, (r) => assert.equal(r.value, 0));
call({ op: 'alloc', len: 0 }, (r) => assert.equal(r.value, 0));
call({ op: 'dealloc', ptr: 12345, len: 7 }, (r) => assert.equal(r.ok, true));
call({ op: 'dealloc', ptr: -1, len: -1 }, (r) => assert.equal(r.ok, true));
// Fluent Bit's calling convention (host-owned copies with a trailing NUL).
for (const record of [{ log: SAL_LINE }, { message: JSON.stringify(CLOUDTRAIL_RECORD), file: 'ct.json' }, { log: 'garbage' }]) {
  const text = JSON.stringify(record);
  const node = rawInstance().fluentBit('s3.tag', text);
  call({ op: 'fluent_bit', tag: 's3.tag', record_b64: b64(text) }, (r, out) => {
    assert.equal(out, node, 'wasmtime vs V8 Fluent Bit output');
    assert.equal(typeof JSON.parse(out), 'object');
  });
}
call({ op: 'fluent_bit_at', tag_ptr: 0, tag_len: 0, rec_ptr: -8, rec_len: 100 }, (r, out) => {
  assert.equal(JSON.parse(out).s3norm_error.kind, 'invalid_request');
});
// And the instance still works after all of that.
const finalRequest = JSON.stringify({ input: SAL_LINE });
const finalExpected = s3.transform(finalRequest);
call({ op: 'transform', input_b64: b64(finalRequest) }, (r, text) => assert.equal(text, finalExpected, 'instance still works'));

test('raw module under Wasmtime (Python) equals the wasm-bindgen build; garbage does not trap', () => {
  const dir = tempDir('wasmtime');
  const reqFile = join(dir, 'requests.json');
  writeFileSync(reqFile, JSON.stringify(calls));
  const py = python();
  const r = spawnSync(py, [join(HARNESS, 'wasmtime_driver.py'), RAW_WASM, reqFile], { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(r.error, undefined, `could not run ${py}: ${r.error} (run scripts/setup.sh)`);
  assert.equal(r.status, 0, `wasmtime driver failed (run scripts/setup.sh for the wasmtime package):\n${r.stderr}`);
  const [infoLine, resultsLine] = r.stdout.trim().split('\n');
  const info = JSON.parse(infoLine);
  assert.deepEqual(info.imports, [], 'zero imports under Wasmtime too');
  const results = JSON.parse(resultsLine);
  assert.equal(results.length, calls.length);
  const failures = [];
  for (const [i, check] of expect) {
    const res = results[i];
    try {
      assert.equal(res.ok, true, `call ${i} (${calls[i].op}) trapped: ${res.trap}`);
      const text = res.output_b64 !== undefined ? Buffer.from(res.output_b64, 'base64').toString('utf8') : undefined;
      check(res, text);
    } catch (e) {
      failures.push(`#${i} ${calls[i].op}: ${e.message.split('\n').slice(0, 6).join('\n')}`);
    }
  }
  assert.deepEqual(failures, []);
});
