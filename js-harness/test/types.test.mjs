// The hand-written TypeScript types against the real output: every event, error record and
// operation row the fixtures produce is written out as an object literal typed with the package's
// types and compiled by tsc with --strict. Object literals get excess-property checks, so a key
// the types do not know, a missing required key or a value of the wrong type fails the test.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HARNESS, PKG, fileRequest, fixtures, loadPkg, readText, tempDir } from '../lib/common.mjs';

test('every fixture event, error record and operation row type-checks against index.d.ts', () => {
  const s3 = loadPkg();
  const tsc = join(HARNESS, 'node_modules', 'typescript', 'bin', 'tsc');
  assert.ok(existsSync(tsc), 'typescript is installed (npm ci in js-harness)');
  const events = [];
  const errors = [];
  for (const f of fixtures()) {
    for (const raw of [false, true]) {
      const r = JSON.parse(s3.transform(JSON.stringify({ input: readText(f.path), options: { log_name: f.rel, raw_data: raw } })));
      events.push(...r.events);
      errors.push(...r.errors);
    }
  }
  // Shipper events carry unmapped.source_event.
  events.push(...s3.normalize({ message: readText(fixtures()[0].path), file: 'f', host: 'h', n: 1, nested: { a: [1, null] } }).events);
  assert.ok(events.length > 0);
  // salFields on every SAL fixture line (and a line that is not one).
  const salLines = fixtures().filter((f) => f.rel.includes('s3-access-logs/') && f.rel.endsWith('.log'))
    .flatMap((f) => readText(f.path).split('\n').filter((l) => l.trim()));
  const fields = [...salLines, 'not a log line'].map((l) => s3.salFields(l));
  const dir = tempDir('types');
  const from = relative(dir, join(PKG, 'index.mjs')).split('\\').join('/');
  const src = [
    `import type { OcsfApiActivity, ErrorRecord, Operation, NormalizeResult, SalFields } from '${from.startsWith('.') ? from : './' + from}';`,
    `export const events: OcsfApiActivity[] = ${JSON.stringify(events, null, 1)};`,
    `export const errors: ErrorRecord[] = ${JSON.stringify(errors, null, 1)};`,
    `export const operations: Operation[] = ${JSON.stringify(s3.operations(), null, 1)};`,
    `export const response: NormalizeResult = ${JSON.stringify(s3.normalize('x'))};`,
    `export const fields: SalFields[] = ${JSON.stringify(fields, null, 1)};`,
  ].join('\n');
  writeFileSync(join(dir, 'output.mts'), src);
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', join(dir, 'output.mts')], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const report = (r.stdout + r.stderr).split('\n').slice(0, 30).join('\n');
  assert.equal(r.status, 0, `the types do not describe the output (${events.length} events, ${errors.length} errors):\n${report}`);
});
