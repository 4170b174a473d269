// examples/edge/s3norm-edge.mjs: the raw module with nothing but the standard WebAssembly and
// Fetch APIs, as an edge worker runs it. Same responses as the npm package on every fixture.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RAW_WASM, ROOT, fileRequest, fixtures, loadPkg, readText } from '../lib/common.mjs';

const EXAMPLE = join(ROOT, 'examples', 'edge', 's3norm-edge.mjs');

test('the example imports nothing: only the standard WebAssembly, TextEncoder and Fetch APIs', () => {
  const source = readFileSync(EXAMPLE, 'utf8');
  assert.doesNotMatch(source, /^\s*import\s/m);
  assert.doesNotMatch(source, /\brequire\(|\bprocess\.|\bBuffer\b|node:/);
});

test('loaded from bytes or from a compiled module: the npm package\'s responses on every fixture', async () => {
  const { loadS3norm } = await import(EXAMPLE);
  const s3 = loadPkg();
  const bytes = new Uint8Array(readFileSync(RAW_WASM));
  for (const s3norm of [await loadS3norm(bytes), await loadS3norm(new WebAssembly.Module(bytes))]) {
    assert.equal(s3norm.abiVersion(), 1);
    for (const f of fixtures()) {
      const request = fileRequest(readText(f.path), f.rel);
      assert.equal(s3norm.transform(request), s3.transform(request), f.rel);
    }
    const { events, stats } = s3norm.normalize(readText(fixtures()[0].path), { log_name: 'x.log' });
    assert.ok(stats.inputs > 0 && events.every((e) => e.metadata.log_name === 'x.log'));
  }
});

test('as a worker: POST log text, get the ABI response', async () => {
  const { default: worker } = await import(EXAMPLE);
  const env = { S3NORM_WASM: new WebAssembly.Module(readFileSync(RAW_WASM)) };
  const text = readText(join(ROOT, 'tests', 'fixtures', 's3-access-logs', 'awsdocs__amazon-s3-userguide__LogFormat__example_lines.log'));
  const response = await worker.fetch(new Request('https://edge.example/normalize?log_name=access.log', { method: 'POST', body: text }), env);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/json');
  const body = await response.json();
  assert.deepEqual(body.stats, { inputs: 5, events: 5, errors: 0, skipped: 0 });
  assert.equal(body.events[0].metadata.log_name, 'access.log');
  const refused = await worker.fetch(new Request('https://edge.example/', { method: 'GET' }), env);
  assert.equal(refused.status, 405);
});
