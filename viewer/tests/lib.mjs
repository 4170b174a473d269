// Shared pieces of the viewer tests: the built viewer served on 127.0.0.1, Debian's Chromium driven
// by playwright-core (no browser download), every request and console message recorded, and the
// expected counts computed by the s3norm package's Node entry on the same files.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { serve } from '../serve.mjs';

export const VIEWER = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(VIEWER);
export const FIXTURES = join(ROOT, 'tests', 'fixtures');
export const OWN_FIXTURES = join(VIEWER, 'tests', 'fixtures');
export const CHROMIUM = process.env.S3NORM_CHROMIUM || '/usr/bin/chromium';
export const CLI = process.env.S3NORM_CLI || join(ROOT, 'target', 'release', 's3norm');
const TMP = join(VIEWER, '.tmp');

const tempDirs = [];
process.on('exit', () => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});
export function tempDir(prefix) {
  mkdirSync(TMP, { recursive: true });
  const d = mkdtempSync(join(TMP, `${prefix}-`));
  tempDirs.push(d);
  return d;
}

/** The s3norm package, as Node loads it (the same package the viewer bundles for the browser). */
export function s3norm() {
  return createRequire(import.meta.url)('s3norm');
}

/** Fixture files (sorted paths), from tests/fixtures/<sub>, README files left out. */
export function fixtureFiles(sub = '') {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!/\.md$/i.test(name)) out.push(p);
    }
  };
  walk(join(FIXTURES, sub));
  return out;
}

/**
 * SAL lines of the fixtures that are one event each, with their request ID as written in the
 * line ({ line, rid }): templates for generated files whose IDs are rewritten to be distinct.
 */
export function salTemplates() {
  const s3 = s3norm();
  const out = [];
  for (const f of fixtureFiles('s3-access-logs')) {
    if (!f.endsWith('.log')) continue;
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const l = line.replace(/\r$/, '');
      const r = s3.normalize(l);
      const rid = r.events[0]?.api?.request?.uid;
      if (r.events.length === 1 && rid && l.includes(` ${rid} `)) out.push({ line: l, rid });
    }
  }
  return out;
}

/** Events and error records of files, by the package's Node entry (what the viewer must show). */
export function expected(files) {
  const s3 = s3norm();
  const events = [];
  const errors = [];
  let skipped = 0;
  for (const f of files) {
    // log_name: the file's name, all a browser's file input tells the page.
    // A .gz file, as the page reads it: through DecompressionStream.
    const bytes = readFileSync(f);
    const text = (f.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    const r = s3.normalize(text, { log_name: basename(f) });
    events.push(...r.events);
    errors.push(...r.errors.map((e) => ({ ...e, file: f })));
    skipped += r.stats.skipped;
  }
  return { events, errors, skipped };
}

/** A file's text as the page reads it (a .gz file through DecompressionStream). */
export function textOf(f) {
  const bytes = readFileSync(f);
  return (f.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** Files as the viewer's coverage builder gets them: the text, named as the file input names it. */
export function inputsOf(files, name = (f) => basename(f)) {
  return files.map((f) => ({ text: textOf(f), log_name: name(f) }));
}

/** The package's own coverage report of these inputs (`correlate(inputs).coverage`). */
export function coverageOf(inputs) {
  return s3norm().correlate(inputs).coverage;
}

const int = (s) => Number(String(s).replace(/,/g, ''));

/**
 * The coverage panel as it is shown: every number read back from the text on the page (the
 * reason codes from their small print), in the report's own shape where it has one.
 */
export async function shownCoverage(page) {
  const raw = await page.evaluate(() => {
    const text = (el) => el?.textContent ?? '';
    const row = (tr) => ({
      operation: tr.dataset.operation,
      label: text(tr.querySelector('th')),
      cells: [...tr.querySelectorAll('td.num')].map(text),
      reasons: ['sal', 'cloudtrail'].map((side) =>
        [...tr.querySelectorAll(`.reasons[data-side=${side}] .reason`)].map((r) => ({ code: text(r.querySelector('.code')), count: text(r.querySelector('.count')), all: text(r), title: r.title })),
      ),
    });
    return {
      inputs: text(document.querySelector('[data-testid=coverage-inputs]')),
      operations: [...document.querySelectorAll('[data-testid=coverage] tbody tr')].map(row),
      requests: row(document.querySelector('[data-testid=coverage] tfoot tr')),
      buckets: [...document.querySelectorAll('[data-testid=coverage-buckets] tbody tr')].map((tr) => [tr.dataset.bucket, ...[...tr.querySelectorAll('td')].map(text)]),
      lag: [...document.querySelectorAll('[data-testid=coverage-lag] tbody tr')].map((tr) => [tr.dataset.log, ...[...tr.querySelectorAll('td')].map(text)]),
    };
  });
  const wordings = [];
  const asRow = (r) => {
    const reasons = r.reasons.map((list) =>
      Object.fromEntries(
        list.map((x) => {
          wordings.push(x);
          return [x.code, int(x.count)];
        }),
      ),
    );
    return { operation: r.operation, both: int(r.cells[0]), sal_only: int(r.cells[1]), cloudtrail_only: int(r.cells[2]), sal_only_reasons: reasons[0], cloudtrail_only_reasons: reasons[1] };
  };
  const seconds = (t) => int(/^[\d,]+/.exec(t)?.[0] ?? 'NaN');
  return {
    inputs: raw.inputs,
    operations: raw.operations.map(asRow),
    requests: { ...asRow(raw.requests), label: raw.requests.label },
    buckets: raw.buckets.map(([bucket, sr, ss, cr, cs]) => ({ bucket, sal: [sr, ss], cloudtrail: [cr, cs] })),
    lag: Object.fromEntries(raw.lag.map(([log, records, ...p]) => [log, { records: int(records), p50: seconds(p[0]), p90: seconds(p[1]), p99: seconds(p[2]), max: seconds(p[3]) }])),
    wordings,
  };
}

/** What shownCoverage must read for a report: the same numbers, laid out as the panel shows them. */
export function asShown(c) {
  const n = (x) => x.toLocaleString('en-US');
  const t = (s) => s.replace('.000Z', 'Z');
  const span = (s) => (s ? [n(s.records), s.first === s.last ? t(s.first) : `${t(s.first)} – ${t(s.last)}`] : ['–', '']);
  const i = c.inputs;
  return {
    inputs: `${n(i.units)} input units: ${n(i.events)} events (${n(i.server_access_log)} server access log, ${n(i.cloudtrail)} CloudTrail), ${n(i.errors)} errors, ${n(i.skipped)} skipped`,
    operations: c.operations,
    requests: { ...c.requests, label: 'requests' },
    buckets: c.buckets.map((b) => ({ bucket: b.bucket, sal: span(b.server_access_log), cloudtrail: span(b.cloudtrail) })),
    lag: c.delivery_lag,
  };
}

/** The native CLI's summary (`N events, M errors, K skipped`) when it is built, else null. */
export function cliSummary(files) {
  if (!existsSync(CLI)) return null;
  const r = spawnSync(CLI, ['normalize', '--quiet', ...files.map((f) => relative(ROOT, f))], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });
  const m = /(\d+) events, (\d+) errors, (\d+) skipped/.exec(r.stderr);
  if (!m) {
    const r2 = spawnSync(CLI, ['normalize', ...files.map((f) => relative(ROOT, f))], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });
    const m2 = /(\d+) events, (\d+) errors, (\d+) skipped/.exec(r2.stderr);
    if (!m2) return null;
    return { events: +m2[1], errors: +m2[2], skipped: +m2[3] };
  }
  return { events: +m[1], errors: +m[2], skipped: +m[3] };
}

export function requireBuild() {
  if (!existsSync(join(VIEWER, 'dist', 'index.html'))) throw new Error('viewer/dist missing: run `npm run build` in viewer/ (or scripts/viewer.sh)');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (scripts/setup.sh)`);
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Serve dist/, open the viewer in a fresh Chromium profile, and record what happens: every
 * request (URL), console errors, page errors, dialogs, CSP violations.
 */
export async function openViewer({ hash = '', viewport = { width: 1500, height: 900 }, extraArgs = [] } = {}) {
  requireBuild();
  const { chromium } = await import('playwright-core');
  const server = await serve({ port: 0, dir: process.env.S3NORM_VIEWER_DIST || undefined });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const profile = tempDir('profile');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    viewport,
    acceptDownloads: true,
  });
  const page = context.pages()[0] || (await context.newPage());
  const log = { requests: [], consoleErrors: [], pageErrors: [], dialogs: [], csp: [] };
  context.on('request', (r) => log.requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') log.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => log.pageErrors.push(String(e)));
  page.on('dialog', (d) => {
    log.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && log.consoleErrors.push(`worker: ${m.text()}`)));
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${origin}/index.html${hash}`);
  await page.waitForFunction(() => document.documentElement.dataset.state === 'ready', null, { timeout: 60000 });
  const close = async () => {
    await context.close();
    await new Promise((r) => server.close(r));
  };
  return { page, context, origin, log, close, profile };
}

/** Load files through the file input and wait until the load is done. */
export async function loadFiles(page, files, timeout = 120000) {
  const before = Number((await page.evaluate(() => document.documentElement.dataset.loads)) ?? 0) || 0;
  await page.getByTestId('file-input').setInputFiles(files);
  await page.waitForFunction((n) => Number(document.documentElement.dataset.loads ?? 0) > n, before, { timeout });
}

export async function counts(page) {
  return page.evaluate(() => ({
    events: Number(document.querySelector('[data-testid=event-count]').dataset.value ?? 0),
    errors: Number(document.querySelector('[data-testid=error-count]').dataset.value ?? 0),
    shown: Number(document.querySelector('[data-testid=shown-count]').dataset.value ?? 0),
  }));
}

/** Type a search and wait until the page has applied it (the URL hash carries the filter state). */
export async function search(page, q) {
  await page.getByTestId('search').fill(q);
  await page.waitForFunction((q) => (new URLSearchParams(location.hash.slice(1)).get('q') ?? '') === q, q);
}
