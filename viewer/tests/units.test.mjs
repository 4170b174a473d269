// Unit tests of the pure parts (no browser): the SAL field labeller on every fixture line, the
// query engine against a brute-force count on random rows, and the URL hash round trip. The
// TypeScript sources are transpiled on the fly with the project's own typescript.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { VIEWER, fixtureFiles, s3norm, tempDir } from './lib.mjs';

const SOURCES = ['protocol.ts', 'data/store.ts', 'data/query.ts', 'data/hash.ts'];

async function load() {
  const out = tempDir('units');
  for (const rel of SOURCES) {
    const src = readFileSync(join(VIEWER, 'src', rel), 'utf8');
    let js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false } }).outputText;
    js = js.replace(/from '(\.\.?\/[^']+)'/g, "from '$1.js'");
    const file = join(out, rel.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, js);
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  const m = {};
  for (const rel of SOURCES) Object.assign(m, await import(pathToFileURL(join(out, rel.replace(/\.ts$/, '.js'))).href));
  return m;
}
const M = await load();

function randomStore(n, seed = 7) {
  const s = new M.Store();
  s.append(randomBatch(n, seed));
  return s;
}

function randomBatch(n, seed = 7) {
  let x = seed;
  const rnd = (k) => ((x = (x * 1103515245 + 12345) >>> 0) % k);
  const DF = M.DICT_FIELDS;
  const b = { n, time: new Float64Array(n), src: new Uint8Array(n), act: new Uint8Array(n), status: new Uint16Array(n), bytes: new Float64Array(n), cte: new Uint8Array(n), dict: {}, dictAdds: {}, file: new Uint32Array(n), off: new Float64Array(n), len: new Uint32Array(n), sub: new Uint32Array(n) };
  const rids = [];
  const sizes = { op: 8, err: 4, actor: 6, ip: 9, bucket: 3, key: 50, ua: 7 };
  for (const f of DF) {
    b.dict[f] = new Uint32Array(n);
    b.dictAdds[f] = Array.from({ length: sizes[f] - 1 }, (_, i) => `${f}-${i + 1}${i === 2 ? '-Mozilla' : ''}`);
  }
  for (let i = 0; i < n; i++) {
    b.time[i] = 1.6e12 + rnd(100000) * 1000;
    b.src[i] = rnd(2);
    b.act[i] = [1, 2, 3, 4, 99][rnd(5)];
    b.status[i] = [0, 200, 204, 403, 404][rnd(5)];
    b.bytes[i] = rnd(3) ? rnd(10000) : NaN;
    b.cte[i] = rnd(3);
    for (const f of DF) b.dict[f][i] = rnd(sizes[f]);
    rids.push(rnd(4) ? `RID${i}` : '');
  }
  b.ridBytes = new TextEncoder().encode(rids.map((r) => r + '\n').join(''));
  return b;
}

/** Rows [from, to) of a batch; the dictionary strings go with the first part. */
function sliceBatch(b, from, to) {
  const cut = (a) => a.slice(from, to);
  const ridLines = new TextDecoder().decode(b.ridBytes).split('\n').slice(from, to);
  return {
    n: to - from, time: cut(b.time), src: cut(b.src), act: cut(b.act), status: cut(b.status), bytes: cut(b.bytes), cte: cut(b.cte),
    dict: Object.fromEntries(Object.entries(b.dict).map(([k, v]) => [k, cut(v)])),
    dictAdds: Object.fromEntries(Object.entries(b.dictAdds).map(([k, v]) => [k, from === 0 ? v : []])),
    ridBytes: new TextEncoder().encode(ridLines.map((r) => r + '\n').join('')),
    file: cut(b.file), off: cut(b.off), len: cut(b.len), sub: cut(b.sub),
  };
}

test('query engine: facet counts, matches and order equal a brute-force evaluation', () => {
  const s = randomStore(5000);
  const q = new M.QueryEngine(s);
  const label = (f, i) => M.facetColumn(s, f).label(M.facetColumn(s, f).codes[i]);
  const states = [
    M.emptyFilter(),
    { ...M.emptyFilter(), inc: { op: ['op-1', 'op-3-Mozilla'] } },
    { ...M.emptyFilter(), exc: { status: ['404', '(none)'] }, inc: { src: ['SAL'] } },
    { ...M.emptyFilter(), inc: { act: ['Read'], cte: ['true'] }, exc: { actor: ['actor-2'] }, q: 'mozilla' },
    { ...M.emptyFilter(), t0: 1.6e12 + 20000e3, t1: 1.6e12 + 60000e3, q: 'rid1', sort: 'bytes', desc: true },
    { ...M.emptyFilter(), q: '^key-(1|2)$', re: true, sort: 'key' },
    { ...M.emptyFilter(), q: '^rid1.?5$', re: true },
    { ...M.emptyFilter(), q: '^$', re: true },
  ];
  for (const st of states) {
    const r = q.run(st);
    const rx = M.compileSearch(st.q, st.re);
    const searchOk = (i) =>
      !rx || ['op', 'err', 'actor', 'ip', 'bucket', 'key', 'ua'].some((f) => s.dict[f][i] !== 0 && rx.test(s.strings[f][s.dict[f][i]])) || (s.rid(i) !== '' && rx.test(s.rid(i)));
    const facetOk = (f, i) => {
      const l = label(f, i);
      const inc = st.inc[f] ?? [];
      const exc = st.exc[f] ?? [];
      return (inc.length === 0 || inc.includes(l)) && !exc.includes(l);
    };
    const timeOk = (i) => st.t0 === undefined || (s.time[i] >= st.t0 && s.time[i] < st.t1);
    const match = [];
    for (let i = 0; i < s.n; i++) if (M.FACETS.every((f) => facetOk(f, i)) && timeOk(i) && searchOk(i)) match.push(i);
    assert.equal(r.count, match.length, JSON.stringify(st));
    assert.deepEqual([...r.view].sort((a, b) => a - b), match);
    for (const f of M.FACETS) {
      const want = new Map();
      for (let i = 0; i < s.n; i++) {
        if (M.FACETS.every((g) => g === f || facetOk(g, i)) && timeOk(i) && searchOk(i)) want.set(label(f, i), (want.get(label(f, i)) ?? 0) + 1);
      }
      const col = M.facetColumn(s, f);
      const got = new Map();
      r.facets[f].forEach((c, code) => c && got.set(col.label(code), c));
      assert.deepEqual(got, want, `${f} counts for ${JSON.stringify(st)}`);
    }
    // Order: the sort column ascending (or descending), ties in load order.
    const key = (i) => (st.sort === 'time' ? s.time[i] : st.sort === 'bytes' ? (Number.isNaN(s.bytes[i]) ? -1 : s.bytes[i]) : s.strings.key[s.dict.key[i]]);
    const view = [...r.view];
    for (let j = 1; j < view.length; j++) {
      const a = key(view[j - 1]);
      const b = key(view[j]);
      assert.ok(st.desc ? a >= b : a <= b, `sorted by ${st.sort}`);
    }
  }
});

test('the URL hash carries the filter state both ways', () => {
  const st = { ...M.emptyFilter(), inc: { op: ['GetObject', 'a&b=c#d'], src: ['SAL'] }, exc: { status: ['200'] }, q: 'x y', re: true, t0: 5, t1: 9, sort: 'bytes', desc: true };
  const back = M.decodeHash(M.encodeHash(st));
  assert.deepEqual(back, st);
  assert.deepEqual(M.decodeHash(''), M.emptyFilter());
  assert.deepEqual(M.decodeHash('#sort=nonsense&from=9&to=5&bogus=1'), M.emptyFilter());
});

test('search indexes extend as rows arrive (a search typed during a load)', () => {
  const s = randomStore(3000, 11);
  const q = new M.QueryEngine(s);
  const st = { ...M.emptyFilter(), q: 'key-4' };
  const before = q.run(st).count;
  // More rows, with new key strings and new request IDs.
  const n = 2000;
  const DF = M.DICT_FIELDS;
  const b = { n, time: new Float64Array(n).fill(1.7e12), src: new Uint8Array(n), act: new Uint8Array(n).fill(2), status: new Uint16Array(n).fill(200), bytes: new Float64Array(n), cte: new Uint8Array(n), dict: {}, dictAdds: {}, file: new Uint32Array(n), off: new Float64Array(n), len: new Uint32Array(n), sub: new Uint32Array(n) };
  for (const f of DF) {
    b.dict[f] = new Uint32Array(n);
    b.dictAdds[f] = [];
  }
  const k0 = s.strings.key.length;
  b.dictAdds.key = ['new-key-4', 'other'];
  const rids = [];
  for (let i = 0; i < n; i++) {
    b.dict.key[i] = k0 + (i % 2);
    rids.push(i % 3 === 0 ? `KEY-4-RID${i}` : `X${i}`);
  }
  b.ridBytes = new TextEncoder().encode(rids.map((r) => r + '\n').join(''));
  s.append(b);
  const after = q.run(st).count;
  let want = 0;
  for (let i = 0; i < s.n; i++) {
    const hit = DF.some((f) => s.dict[f][i] !== 0 && s.strings[f][s.dict[f][i]].toLowerCase().includes('key-4')) || s.rid(i).toLowerCase().includes('key-4');
    if (hit) want++;
  }
  assert.ok(after > before);
  assert.equal(after, want);
  // Warming in steps reaches the same indexes.
  const q2 = new M.QueryEngine(s);
  while (!q2.warmSearch()) {
    /* step */
  }
  assert.equal(q2.run(st).count, want);
});

test('during a load, a refresh evaluates only the new rows and gives what a full run gives', () => {
  const all = randomBatch(6000, 5);
  const states = [
    M.emptyFilter(),
    { ...M.emptyFilter(), inc: { op: ['op-1'] }, exc: { status: ['404'] } },
    { ...M.emptyFilter(), q: 'mozilla', inc: { src: ['CloudTrail'] } },
    { ...M.emptyFilter(), t0: 1.6e12 + 10000e3, t1: 1.6e12 + 50000e3, q: '^rid1', re: true },
  ];
  for (const st of states) {
    const growing = new M.Store();
    const q = new M.QueryEngine(growing);
    let r;
    for (const [a, b] of [[0, 1000], [1000, 2500], [2500, 6000]]) {
      growing.append(sliceBatch(all, a, b));
      r = q.run(st, false);
    }
    const full = new M.Store();
    full.append(all);
    const f = new M.QueryEngine(full).run(st, false);
    assert.equal(r.count, f.count);
    assert.deepEqual([...r.view], [...f.view]);
    assert.deepEqual([...r.hist.bins], [...f.hist.bins]);
    for (const k of M.FACETS) assert.deepEqual([...r.facets[k]].slice(0, 70000), [...f.facets[k]].slice(0, 70000), k);
  }
});
