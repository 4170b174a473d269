#!/usr/bin/env node
// What feeding the coverage builder costs a load (not a test). The parse worker's call per
// 256 KiB batch of SAL lines, in Node on the package the viewer bundles, each way in a process of
// its own, the ways alternating:
//
//   transform  before: `transform` of the batch after a one-character first line (no index)
//   builder    now: one `coverageBuilder()` for the file, `normalizeJson(batch, {log_name, first_line})`
//   scratch    the same calls, the builder freed after every batch (no index kept): the
//              difference to `builder` is the index
//
// Per run: the time of the calls, the process's peak resident set (VmHWM from /proc: the index
// lives in the module's memory, which never shrinks) and, for `builder`, the time of `report()`.
//
//   node bench/coverage.mjs [LINES] [ROUNDS]        default: 100000 3
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { s3norm, salTemplates } from '../tests/lib.mjs';

const n = Number(process.argv[2]) || 100_000;
const mode = process.env.BENCH_MODE;

if (!mode) {
  const rounds = Number(process.argv[3]) || 3;
  const modes = ['transform', 'builder', 'scratch'];
  const runs = Object.fromEntries(modes.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    for (const m of modes) {
      const c = spawnSync(process.execPath, [fileURLToPath(import.meta.url), String(n)], { env: { ...process.env, BENCH_MODE: m }, encoding: 'utf8' });
      if (c.status !== 0) throw new Error(c.stderr);
      runs[m].push(JSON.parse(c.stdout));
    }
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const mib = (b) => (b / (1 << 20)).toFixed(0);
  console.log(`${n} SAL lines (distinct request IDs), batches of 256 KiB, ${rounds} runs each`);
  for (const m of modes) {
    const ms = runs[m].map((x) => x.ms);
    const hwm = runs[m].map((x) => x.hwm);
    const rep = m === 'builder' ? `; report() ${runs[m].map((x) => x.reportMs.toFixed(0)).join(' ')} ms` : '';
    console.log(`${m.padEnd(9)}  ${ms.map((x) => (x / 1000).toFixed(2)).join(' ')} s (median ${(median(ms) / 1000).toFixed(2)}), peak RSS ${hwm.map(mib).join(' ')} MiB${rep}`);
  }
  const t = (m) => median(runs[m].map((x) => x.ms));
  const h = (m) => median(runs[m].map((x) => x.hwm));
  console.log(`builder / transform time: ${(t('builder') / t('transform')).toFixed(2)}; builder / scratch time: ${(t('builder') / t('scratch')).toFixed(2)}`);
  console.log(`index: builder - scratch peak RSS = ${mib(h('builder') - h('scratch'))} MiB, ${((h('builder') - h('scratch')) / n).toFixed(0)} bytes a request`);
  process.exit(0);
}

const s3 = s3norm();
// SAL lines of the fixtures that are one event each, request IDs rewritten to be distinct.
const tpl = salTemplates();
let batch = [];
let size = 0;
let firstLine = 1;
let builder = mode === 'builder' ? s3.coverageBuilder() : undefined;
builder?.beginInput('sal.log');
let ms = 0;
const call = (text, lines) => {
  const t = performance.now();
  if (mode === 'transform') s3.transform(JSON.stringify({ input: '-\n' + text, options: { log_name: 'sal.log' } }));
  else if (mode === 'builder') builder.normalizeJson(text, { log_name: 'sal.log', first_line: firstLine });
  else {
    const b = s3.coverageBuilder();
    b.normalizeJson(text, { log_name: 'sal.log', first_line: firstLine });
    b.free();
  }
  ms += performance.now() - t;
  firstLine += lines;
};
for (let i = 0; i < n; i++) {
  const { line, rid } = tpl[i % tpl.length];
  const l = line.replace(` ${rid} `, ` ${(i.toString(16).toUpperCase() + 'BENCH0000000000').slice(0, 16)} `);
  batch.push(l);
  size += l.length + 1;
  if (size >= 1 << 18 || i === n - 1) {
    call(batch.join('\n') + '\n', batch.length);
    batch = [];
    size = 0;
  }
}
let reportMs = 0;
if (builder) {
  builder.endInput();
  const t = performance.now();
  const r = builder.report();
  reportMs = performance.now() - t;
  if (r.requests.sal_only !== n) throw new Error(`report: ${r.requests.sal_only} requests`);
}
const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
console.log(JSON.stringify({ ms, hwm, reportMs }));
