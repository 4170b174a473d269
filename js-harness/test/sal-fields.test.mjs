// salFields: the tokenizer's own field boundaries, labelled, for the viewer's inspector. On every
// SAL fixture line each labelled field's text is what the event was made from.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fixtures, loadPkg, readText } from '../lib/common.mjs';

const s3 = loadPkg();
const salLines = fixtures()
  .filter((f) => f.rel.includes('s3-access-logs/') && f.rel.endsWith('.log'))
  .flatMap((f) => readText(f.path).split('\n').filter((l) => l.trim()).map((line) => ({ line, rel: f.rel })));

test('every SAL fixture line: fields in order, inside the line, matching the event', () => {
  assert.ok(salLines.length >= 60, `${salLines.length} lines`);
  for (const { line, rel } of salLines) {
    const r = s3.salFields(line);
    assert.equal(r.ok, true, `${rel}: ${JSON.stringify(r)}`);
    const [event] = s3.normalize(line).events;
    const text = Object.fromEntries(r.fields.map((f) => [f.name, line.slice(f.start, f.end)]));
    let last = 0;
    for (const f of r.fields) {
      assert.ok(f.start >= last && f.end >= f.start && f.end <= line.length, `${rel}: ${JSON.stringify(f)}`);
      last = f.end;
    }
    assert.deepEqual(r.fields.slice(0, 9).map((f) => f.n), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(text['Request ID'], event.api.request.uid);
    assert.equal(text['Operation'], event.metadata.event_code);
    assert.equal(text['Time'], event.metadata.original_time);
    if (event.resources?.[0]) assert.equal(text['Bucket'], event.resources[0].name);
    if (event.http_request?.user_agent) assert.equal(text['User-Agent'], event.http_request.user_agent);
    if (event.http_response) assert.equal(Number(text['HTTP status']), event.http_response.code);
    for (const name of ['Request-URI', 'Referer', 'User-Agent']) {
      const f = r.fields.find((x) => x.name === name);
      if (f && text[name] !== '-') assert.equal(f.quoted, true, `${rel}: ${name} is quoted`);
    }
  }
});

test('offsets are UTF-16 (what JS strings index), extra fields, and refusals', () => {
  const line = 'o b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - ID REST.GET.OBJECT k%C3%A9 "GET /b/é😀 HTTP/1.1" 200 - 1 1 1 1 "-" "ua é" - future1 future2';
  const r = s3.salFields(line);
  assert.equal(r.ok, true);
  const get = (name) => { const f = r.fields.find((x) => x.name === name); return line.slice(f.start, f.end); };
  assert.equal(get('Request-URI'), 'GET /b/é😀 HTTP/1.1');
  assert.equal(get('User-Agent'), 'ua é');
  assert.equal(get('Version Id'), '-');
  assert.equal(get('Host Id'), 'future1');
  assert.equal(r.fields.at(-1).name, 'Signature Version');
  assert.equal(r.extra, undefined);
  const long = line + ' c AuthHeader h TLSv1.2 - - us-east-1 later1 later2';
  const r2 = s3.salFields(long);
  assert.equal(long.slice(r2.extra.start, r2.extra.end), 'later1 later2');
  const bad = s3.salFields('hello');
  assert.equal(bad.ok, false);
  assert.equal(bad.error.kind, 'sal_syntax');
  assert.equal(bad.error.input, 'hello');
  assert.equal(s3.salFields(42).ok, false, 'a non-string never throws');
});
