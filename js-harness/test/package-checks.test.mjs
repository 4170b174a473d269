// The packed tarball, judged by the ecosystem's own checkers, offline: publint (package.json
// fields, exports map, file formats) and @arethetypeswrong/cli (every entry point's types under
// node10, node16 from CJS and from ESM, and bundler resolution). Any problem they report fails.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { HARNESS, PKG, requirePkg, tempDir } from '../lib/common.mjs';

requirePkg();
const work = tempDir('package-checks');
const tarball = (() => {
  const out = execFileSync('npm', ['pack', PKG, '--pack-destination', work, '--json'], { encoding: 'utf8' });
  return join(work, JSON.parse(out.slice(out.indexOf('[')))[0].filename);
})();

test('publint: no errors, warnings or suggestions on the packed tarball', async () => {
  const bytes = readFileSync(tarball);
  const tar = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball: tar }, level: 'suggestion', strict: true });
  assert.deepEqual(messages.map((m) => `${m.type} ${m.code}: ${formatMessage(m, pkg)}`), []);
});

test('arethetypeswrong: every module entry point resolves to matching types', () => {
  // The two .wasm subpaths are binary assets for hosts and bundlers, not modules: excluded.
  const attw = join(HARNESS, 'node_modules', '.bin', 'attw');
  const r = spawnSync(attw, [tarball, '--format', 'json', '--exclude-entrypoints', './raw.wasm', './s3norm_bg.wasm'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const report = JSON.parse(r.stdout);
  // `problems` groups findings by kind ({} when there are none).
  assert.deepEqual(report.problems, {}, JSON.stringify(report.problems, null, 1).slice(0, 2000));
  const entrypoints = Object.keys(report.analysis.entrypoints);
  assert.deepEqual(entrypoints.sort(), ['.', './package.json']);
  for (const [name, ep] of Object.entries(report.analysis.entrypoints)) {
    for (const [kind, res] of Object.entries(ep.resolutions)) {
      assert.ok(res.resolution?.fileName, `${name} does not resolve under ${kind}`);
    }
  }
  assert.equal(r.status, 0, r.stderr);
});
