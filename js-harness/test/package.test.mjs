// The npm package as a user gets it: `npm pack` of pkg/, installed into a temporary project (offline:
// the package has no dependencies), then used from CommonJS and from ESM with no init call, its
// exports map resolved for Node and browsers, and its types compiled by TypeScript.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLOUDTRAIL_RECORD, HARNESS, PKG, SAL_LINE, requirePkg, tempDir } from '../lib/common.mjs';

requirePkg();
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

const work = tempDir('package');
const tarball = (() => {
  const out = execFileSync(NPM, ['pack', PKG, '--pack-destination', work, '--json'], { encoding: 'utf8', env: npmEnv });
  const info = JSON.parse(out.slice(out.indexOf('[')))[0];
  return { path: join(work, info.filename), files: info.files.map((f) => f.path), size: info.size };
})();
const project = join(work, 'project');
mkdirSync(project);
writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
execFileSync(NPM, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts=false', tarball.path], {
  cwd: project,
  env: npmEnv,
  stdio: 'pipe',
});
const installed = join(project, 'node_modules', 's3norm');

function node(file, source) {
  const p = join(project, file);
  writeFileSync(p, source);
  const r = spawnSync(process.execPath, [p], { cwd: project, encoding: 'utf8' });
  assert.equal(r.status, 0, `${file} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('tarball: the files a user needs, no install scripts', () => {
  for (const f of ['package.json', 'README.md', 'index.cjs', 'index.mjs', 'web.mjs', 'api.cjs', 'api.mjs',
    'index.d.ts', 'index.d.mts', 'index.d.cts', 's3norm_node.cjs', 's3norm_web.mjs', 's3norm_bg.wasm', 's3norm_raw.wasm']) {
    assert.ok(tarball.files.includes(f), `tarball has ${f}`);
  }
  const pj = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) {
    assert.equal(pj.scripts?.[hook], undefined, `no ${hook} script`);
  }
  assert.equal(pj.dependencies, undefined, 'no dependencies');
  assert.match(pj.version, /^\d+\.\d+\.\d+/);
});

test('CommonJS: require and use, no init call', () => {
  const out = node('cjs.cjs', `
    const s3 = require('s3norm');
    const r = s3.normalize(${JSON.stringify(SAL_LINE)});
    const t = JSON.parse(s3.transform(${JSON.stringify(JSON.stringify(CLOUDTRAIL_RECORD))}));
    console.log(JSON.stringify({
      keys: Object.keys(s3).sort(), version: s3.version(), abi: s3.abiVersion(),
      events: r.events.length, errors: r.errors, ct: t.events.length,
      ops: Array.isArray(s3.operations()), init: typeof s3.init,
      resolved: require.resolve('s3norm'), raw: require.resolve('s3norm/raw.wasm'),
    }));`);
  assert.deepEqual(out.keys, ['abiVersion', 'correlate', 'coverageBuilder', 'init', 'initSync', 'normalize', 'operations', 'salFields', 'transform', 'version']);
  assert.match(out.version, /^\d+\.\d+\.\d+/);
  assert.equal(out.abi, 1);
  assert.equal(out.ops, true);
  assert.equal(out.init, 'function');
  assert.ok(out.resolved.endsWith('index.cjs'), out.resolved);
  assert.ok(out.raw.endsWith('s3norm_raw.wasm'), out.raw);
  assert.deepEqual(out.errors, []);
  assert.equal(out.events, 1);
  assert.equal(out.ct, 1);
});

test('ESM: import and use, no init call (await init() is a harmless no-op)', () => {
  const out = node('esm.mjs', `
    import init, { normalize, transform, operations, version, abiVersion } from 's3norm';
    import * as ns from 's3norm';
    const before = normalize(${JSON.stringify(SAL_LINE)});
    await init();
    const t = JSON.parse(transform(${JSON.stringify(JSON.stringify(CLOUDTRAIL_RECORD))}));
    console.log(JSON.stringify({
      names: Object.keys(ns).sort(), version: version(), abi: abiVersion(),
      events: before.events.length, ct: t.events.length, ops: operations().length >= 0,
      resolved: import.meta.resolve('s3norm'),
    }));`);
  assert.deepEqual(out.names, ['abiVersion', 'correlate', 'coverageBuilder', 'default', 'init', 'initSync', 'normalize', 'operations', 'salFields', 'transform', 'version']);
  assert.equal(out.abi, 1);
  assert.ok(out.resolved.endsWith('index.mjs'), out.resolved);
  assert.equal(out.events, 1);
  assert.equal(out.ct, 1);
});

test('CommonJS and ESM entries give the same bytes', () => {
  const out = node('same.mjs', `
    import { createRequire } from 'node:module';
    import { transform } from 's3norm';
    const cjs = createRequire(import.meta.url)('s3norm');
    const req = ${JSON.stringify(JSON.stringify({ input: SAL_LINE + '\n' + SAL_LINE, options: { raw_data: true } }))};
    console.log(JSON.stringify({ same: cjs.transform(req) === transform(req), len: transform(req).length }));`);
  assert.equal(out.same, true);
});

test('exports map: browser/default conditions pick the web build', () => {
  const pj = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  const dot = pj.exports['.'];
  // Types sit beside each target, .d.mts for ESM and .d.cts for CommonJS (publint's rule).
  assert.deepEqual(Object.keys(dot), ['node', 'browser', 'default']);
  assert.deepEqual(Object.keys(dot.node), ['import', 'require']);
  assert.equal(dot.node.import.default, './index.mjs');
  assert.equal(dot.node.require.default, './index.cjs');
  assert.deepEqual(dot.browser, { types: './index.d.mts', default: './web.mjs' });
  assert.deepEqual(dot.default, { types: './index.d.mts', default: './web.mjs' });
  assert.equal(pj.types, './index.d.cts', 'node10 resolution (main is CommonJS) gets the CommonJS types');
  for (const target of [dot.node.import.types, dot.node.require.types, dot.browser.types, dot.browser.default, dot.default.default]) {
    assert.ok(existsSync(join(installed, target)), `${target} exists`);
  }
  // What a bundler resolving with the "browser" condition loads: web.mjs, which needs init().
  const r = spawnSync(process.execPath, ['--conditions=browser', '--input-type=module', '-e', `
      import * as m from ${JSON.stringify(join(installed, 'web.mjs'))};
      let threw = false;
      try { m.normalize('x'); } catch (e) { threw = /await init\\(\\)/.test(e.message); }
      console.log(JSON.stringify({ threw, names: Object.keys(m).sort() }));`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.threw, true, 'web entry asks for init() before use');
  assert.deepEqual(out.names, ['abiVersion', 'correlate', 'coverageBuilder', 'default', 'init', 'initSync', 'normalize', 'operations', 'salFields', 'transform', 'version']);
});

test('web entry works after initSync with the .wasm bytes (bundler-free Node check)', () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
      import { readFileSync } from 'node:fs';
      import * as m from ${JSON.stringify(join(installed, 'web.mjs'))};
      m.initSync(readFileSync(${JSON.stringify(join(installed, 's3norm_bg.wasm'))}));
      const cjs = (await import('node:module')).createRequire(import.meta.url)(${JSON.stringify(join(installed, 'index.cjs'))});
      const req = JSON.stringify(${JSON.stringify(SAL_LINE)});
      console.log(JSON.stringify({ same: m.transform(req) === cjs.transform(req), n: m.normalize(${JSON.stringify(SAL_LINE)}).events.length }));`],
  { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.same, true);
  assert.equal(out.n, 1);
});

test('TypeScript: the types compile for CommonJS, ESM (nodenext) and bundler consumers', () => {
  const tsc = join(HARNESS, 'node_modules', 'typescript', 'bin', 'tsc');
  assert.ok(existsSync(tsc), 'typescript is installed (npm ci in js-harness)');
  const common = `
    const r: NormalizeResult = normalize('line', { raw_data: true, log_name: 'f.log' });
    const n: number = r.stats.inputs + r.stats.events + r.stats.errors + r.stats.skipped;
    for (const e of r.events) {
      const op: string = e.api.operation;
      const a: 1 | 2 | 3 | 4 | 99 = e.activity_id;
      const ip: string | undefined = e.src_endpoint.ip;
      const uid: string | undefined = e.metadata.correlation_uid;
      const res = e.resources?.map((x) => x.uid);
      void [op, a, ip, uid, res];
    }
    for (const er of r.errors) { const k: ErrorKind = er.kind; void k; }
    const s: string = transform({ input: { Records: [] }, options: { log_name: 'x' } });
    const ops: Operation[] = operations();
    const v: string = version();
    const abi: number = abiVersion();
    void [n, s, ops, v, abi];
    // @ts-expect-error: options are checked
    normalize('x', { raw_data: 'yes' });
  `;
  const files = {
    'ts/esm.mts': `import init, { normalize, transform, operations, version, abiVersion, type NormalizeResult, type ErrorKind, type Operation } from 's3norm';\nawait init();\n${common}`,
    'ts/cjs.cts': `import s3 = require('s3norm');\nimport type { NormalizeResult, ErrorKind, Operation } from 's3norm';\nconst { normalize, transform, operations, version, abiVersion } = s3;\nvoid s3.init();\n${common}`,
    'ts/bundler.ts': `import init, { normalize, transform, operations, version, abiVersion, initSync, type NormalizeResult, type ErrorKind, type Operation } from 's3norm';\nexport async function main(bytes: ArrayBuffer) { await init(); initSync(bytes); ${common} }\n`,
  };
  mkdirSync(join(project, 'ts'), { recursive: true });
  for (const [f, src] of Object.entries(files)) writeFileSync(join(project, f), src);
  const run = (args) => spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', ...args], { cwd: project, encoding: 'utf8' });
  const a = run(['--module', 'nodenext', '--moduleResolution', 'nodenext', 'ts/esm.mts', 'ts/cjs.cts']);
  assert.equal(a.status, 0, `nodenext:\n${a.stdout}${a.stderr}`);
  const b = run(['--module', 'esnext', '--moduleResolution', 'bundler', 'ts/bundler.ts']);
  assert.equal(b.status, 0, `bundler:\n${b.stdout}${b.stderr}`);
});
