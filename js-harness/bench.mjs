// Throughput of `transform` in Node, batched and per line, next to the native CLI.
//
//   node bench.mjs [--mb N] [--reps N]      (npm run bench)
//
// Corpora are built by repeating fixture lines from tests/fixtures until N MB (default 16):
//   sal: server access log lines (s3-access-logs/*.log)
//   ct:  CloudTrail S3 records as NDJSON (every S3 record found in cloudtrail/*)
// Steady-state numbers: each mode runs once untimed, then the best of --reps (default 5) counts.
// Modes:
//   transform batched   one transform('{"input": <whole text>}') call (string in, string out)
//   normalize batched   normalize(text): the text passed without JS-side JSON escaping, result parsed
//   transform per line  one transform(JSON.stringify(line)) call per line
//   raw per line        the raw module via plain WebAssembly, one s3norm_transform per line
//   native CLI          target/release/s3norm normalize --threads 1 FILE > /dev/null (when built)
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, FIXTURES, loadPkg, tempDir } from './lib/common.mjs';
import { rawInstance } from './lib/raw.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const TARGET_MB = opt('mb', 16);
const REPS = opt('reps', 5);

function salLines() {
  const dir = join(FIXTURES, 's3-access-logs');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
    .filter((l) => l.trim() !== '');
}

function cloudTrailLines() {
  const dir = join(FIXTURES, 'cloudtrail');
  const out = [];
  const take = (r) => {
    if (r && typeof r === 'object' && typeof r.eventSource === 'string' && r.eventSource.startsWith('s3')) out.push(JSON.stringify(r));
  };
  for (const f of readdirSync(dir)) {
    const text = readFileSync(join(dir, f), 'utf8');
    const docs = [];
    try {
      docs.push(JSON.parse(text));
    } catch {
      for (const l of text.split('\n')) if (l.trim()) try { docs.push(JSON.parse(l)); } catch { /* not JSON */ }
    }
    for (const d of docs.flat()) {
      if (Array.isArray(d?.Records)) d.Records.forEach(take);
      else if (d?.record) take(d.record);
      else if (d?.detail) take(d.detail);
      else take(d);
    }
  }
  return out;
}

function corpus(lines) {
  const out = [];
  let bytes = 0;
  for (let i = 0; bytes < TARGET_MB * 1e6; i++) {
    const l = lines[i % lines.length];
    out.push(l);
    bytes += Buffer.byteLength(l) + 1;
  }
  return { lines: out, text: out.join('\n') + '\n', bytes };
}

// Steady state: one untimed warm-up run (V8 tiers wasm up from Liftoff to TurboFan, and the first
// run grows linear memory), then the best of REPS.
function best(fn) {
  let t = Infinity;
  let result = fn();
  for (let i = 0; i < REPS; i++) {
    const t0 = process.hrtime.bigint();
    result = fn();
    t = Math.min(t, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { t, result };
}

const s3 = loadPkg();
const raw = rawInstance();
const rows = [];
const report = (corpusName, mode, c, t, events) => {
  rows.push({ corpus: corpusName, mode, 'lines/s': Math.round(c.lines.length / t), 'MB/s': +(c.bytes / 1e6 / t).toFixed(1), seconds: +t.toFixed(3), events });
};

for (const [name, lines] of [['sal', salLines()], ['ct', cloudTrailLines()]]) {
  if (lines.length === 0) continue;
  const c = corpus(lines);
  const request = JSON.stringify({ input: c.text });
  let r = best(() => s3.transform(request));
  report(name, 'transform batched', c, r.t, JSON.parse(r.result).stats.events);
  r = best(() => s3.normalize(c.text));
  report(name, 'normalize batched', c, r.t, r.result.stats.events);
  const perLine = c.lines.map((l) => JSON.stringify(l));
  r = best(() => {
    let n = 0;
    for (const l of perLine) n += s3.transform(l).length;
    return n;
  });
  report(name, 'transform per line', c, r.t, '');
  const perLineBytes = perLine.map((l) => Buffer.from(l));
  r = best(() => {
    let n = 0;
    for (const b of perLineBytes) n += raw.transformBytes(b).length;
    return n;
  });
  report(name, 'raw per line', c, r.t, '');
  if (existsSync(CLI)) {
    const dir = tempDir('bench');
    const file = join(dir, `${name}.log`);
    writeFileSync(file, c.text);
    r = best(() => spawnSync(CLI, ['normalize', '--threads', '1', file], { stdio: ['ignore', 'ignore', 'ignore'] }).status);
    report(name, 'native CLI (process)', c, r.t, '');
  }
}

console.log(`s3norm ${s3.version()} · Node ${process.version} · corpus ${TARGET_MB} MB each · best of ${REPS}`);
console.table(rows);
