// The npm package's correlate(inputs) gives what the native CLI gives: the events of
// `s3norm correlate FILES…` and the report of `s3norm coverage --json FILES…`, for the same files
// given as { text, log_name } with the path as log_name. And its result type-checks.
//
// Needs the native CLI: cargo build --release (target/release/s3norm, or S3NORM_CLI).
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { CLI, FIXTURES, HARNESS, PKG, ROOT, loadPkg, readText, requireFile, tempDir } from '../lib/common.mjs';

const s3 = loadPkg();

/** Every file under a directory (recursively, sorted as the CLI walks it), paths from the root. */
function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(ROOT, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

function cli(args) {
  requireFile(CLI, 'cargo build --release');
  const r = spawnSync(CLI, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${CLI} ${args.join(' ')}: ${r.stderr.slice(-2000)}`);
  return r;
}

function compare(paths) {
  const inputs = paths.map((p) => ({ text: readText(join(ROOT, p)), log_name: p }));
  const result = s3.correlate(inputs);
  assert.deepEqual(Object.keys(result), ['abi_version', 'events', 'errors', 'coverage', 'stats']);
  const lines = cli(['correlate', '--errors', '/dev/null', ...paths]).stdout.split('\n').filter((l) => l !== '');
  assert.equal(result.events.length, lines.length);
  assert.deepEqual(result.events, lines.map((l) => JSON.parse(l)));
  const coverage = JSON.parse(cli(['coverage', '--json', ...paths]).stdout);
  assert.deepEqual(result.coverage, coverage);
  const s = result.stats;
  assert.equal(s.inputs, s.records + s.errors + s.skipped);
  assert.equal(s.records, s.merged_records + s.events - s.merged_events);
  assert.equal(result.errors.length, s.errors);
  return result;
}

test('correlate(inputs) == s3norm correlate / coverage --json: the correlation fixtures', () => {
  const paths = [
    ...filesUnder(join(FIXTURES, 'written', 'correlation')),
    'tests/fixtures/s3-access-logs/kdgm__logstash-plugins__s3_access_log_spec_sample_lines.log',
    'tests/fixtures/s3-access-logs/hortonworks-spark__cloud-integration__S3LogRecordParser_sample_lines.log',
  ];
  const r = compare(paths);
  assert.equal(r.stats.both, 14);
  const copy = r.events.find((e) => e.api.request?.uid === '5E493280357FAC3B');
  assert.deepEqual(copy.unmapped.s3.sources, ['cloudtrail', 'server_access_log']);
  assert.equal(r.coverage.requests.sal_only_reasons.cloudtrail_name_unknown, 1);
  // The order of the inputs does not change anything.
  const reversed = s3.correlate([...paths].reverse().map((p) => ({ text: readText(join(ROOT, p)), log_name: p })));
  assert.deepEqual(reversed, r);
});

test('correlate(inputs) == s3norm correlate / coverage --json: every fixture file', () => {
  const r = compare(filesUnder(FIXTURES));
  assert.ok(r.events.length > 100 && r.errors.length > 0);
});

test('bad requests come back as invalid_request, never a throw', () => {
  for (const bad of [42, 'text', [{ text: 1 }], [{ text: 'x', log_name: 3 }], { inputs: 1 }, [10n], undefined]) {
    const r = s3.correlate(bad);
    assert.equal(r.errors[0].kind, 'invalid_request', String(bad));
    assert.deepEqual(r.events, []);
  }
  const r = s3.correlate(['not a log line', { text: '' }], { merge_memory: 1 });
  assert.equal(r.errors[0].kind, 'sal_syntax');
  assert.equal(s3.correlate([], { bogus: 1 }).errors[0].kind, 'invalid_request');
});

test('the correlate result type-checks against index.d.ts', () => {
  const tsc = join(HARNESS, 'node_modules', 'typescript', 'bin', 'tsc');
  assert.ok(existsSync(tsc), 'typescript is installed (npm ci in js-harness)');
  const inputs = filesUnder(join(FIXTURES, 'written', 'correlation')).map((p) => ({ text: readText(join(ROOT, p)), log_name: p }));
  const result = s3.correlate(inputs, { merge_memory: 1 << 20 });
  const dir = tempDir('correlate-types');
  const from = relative(dir, join(PKG, 'index.mjs')).split('\\').join('/');
  const src = [
    `import { correlate, type CorrelateResult, type CorrelateInput } from '${from.startsWith('.') ? from : './' + from}';`,
    `export const result: CorrelateResult = ${JSON.stringify(result, null, 1)};`,
    `const inputs: CorrelateInput[] = ['text', { text: 't', log_name: 'n' }, { text: 't', log_name: null }];`,
    `export const again: CorrelateResult = correlate(inputs, { merge_memory: 1024 });`,
  ].join('\n');
  writeFileSync(join(dir, 'correlate.mts'), src);
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', join(dir, 'correlate.mts')], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `the types do not describe correlate's result:\n${(r.stdout + r.stderr).split('\n').slice(0, 30).join('\n')}`);
});

test('coverageBuilder: pieces fed as they are read give the report correlate gives, and each response is normalize()', () => {
  const paths = filesUnder(FIXTURES).filter((p) => !p.endsWith('.gz'));
  const inputs = paths.map((p) => ({ text: readText(join(ROOT, p)), log_name: p }));
  const builder = s3.coverageBuilder();
  try {
    for (const { text, log_name } of inputs) {
      builder.beginInput(log_name);
      const lines = text.split('\n');
      // A line file in pieces of 7 lines (as a browser reads one), a document whole.
      const first = text.trimStart()[0];
      if (first === '{' || first === '[') {
        assert.deepEqual(builder.normalize(text, { log_name }), s3.normalize(text, { log_name }));
      } else {
        for (let at = 0; at < lines.length; at += 7) {
          const piece = lines.slice(at, at + 7).join('\n');
          const r = builder.normalize(piece, { log_name, first_line: at + 1 });
          assert.equal(r.stats.inputs, r.stats.events + r.stats.errors + r.stats.skipped);
          for (const e of r.errors) assert.ok(e.line > at && e.line <= at + 7, `line numbers count from first_line: ${JSON.stringify(e)}`);
        }
      }
      builder.endInput();
    }
    const report = builder.report();
    const whole = s3.correlate(inputs).coverage;
    assert.deepEqual(report.operations, whole.operations);
    assert.deepEqual(report.requests, whole.requests);
    assert.deepEqual(report.buckets, whole.buckets);
    assert.deepEqual(report.delivery_lag, whole.delivery_lag);
  } finally {
    builder.free();
  }
});
