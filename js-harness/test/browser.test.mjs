// The `web` build in a real browser: Debian's chromium, headless, driven by playwright-core (no
// browser download), loading pkg/web.mjs from a page served on localhost by a tiny Node server.
// One SAL line and one CloudTrail record must normalize there, with the same bytes as Node.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize as normPath, sep } from 'node:path';
import { CLOUDTRAIL_RECORD, PKG, SAL_LINE, loadPkg, requirePkg, tempDir } from '../lib/common.mjs';

requirePkg();
const CHROMIUM = process.env.S3NORM_CHROMIUM || '/usr/bin/chromium';
const TYPES = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

const SAL_REQUEST = JSON.stringify({ input: SAL_LINE, options: { log_name: 'browser.log' } });
const CT_REQUEST = JSON.stringify(CLOUDTRAIL_RECORD);

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>s3norm browser test</title>
<script type="module">
  import init, { normalize, transform, version, abiVersion } from '/pkg/web.mjs';
  const SAL = ${JSON.stringify(SAL_LINE)};
  const CT = ${JSON.stringify(CLOUDTRAIL_RECORD)};
  try {
    let threwBeforeInit = false;
    try { normalize(SAL); } catch (e) { threwBeforeInit = true; }
    await init();
    await init(); // a second call is harmless
    window.__result = {
      threwBeforeInit,
      version: version(),
      abi: abiVersion(),
      sal: normalize(SAL, { log_name: 'browser.log' }),
      ct: normalize(CT),
      salText: transform(${JSON.stringify(SAL_REQUEST)}),
      ctText: transform(${JSON.stringify(CT_REQUEST)}),
      garbage: normalize('['.repeat(100000)),
      userAgent: navigator.userAgent,
    };
  } catch (e) {
    window.__result = { error: String((e && e.stack) || e) };
  }
</script>`;

function serve() {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE);
      return;
    }
    if (url.pathname.startsWith('/pkg/')) {
      const file = normPath(join(PKG, url.pathname.slice('/pkg/'.length)));
      if (file.startsWith(PKG + sep) && existsSync(file)) {
        res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
        res.end(readFileSync(file));
        return;
      }
    }
    res.writeHead(404);
    res.end('not found');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('web build in headless Chromium: one SAL line and one CloudTrail record', { timeout: 120000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: apt-get install chromium (scripts/setup.sh)`);
  const { chromium } = await import('playwright-core');
  const server = await serve();
  const userDataDir = tempDir('chromium-profile');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = context.pages()[0] || (await context.newPage());
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60000 });
    const r = await page.evaluate(() => window.__result);
    assert.equal(r.error, undefined, `page error: ${r.error}\n${consoleErrors.join('\n')}`);
    assert.equal(r.threwBeforeInit, true, 'using the module before init() throws a clear error');
    assert.match(r.userAgent, /Chrom/);

    // Same bytes as the Node build.
    const s3 = loadPkg();
    assert.equal(r.version, s3.version());
    assert.equal(r.abi, 1);
    assert.equal(r.salText, s3.transform(SAL_REQUEST));
    assert.equal(r.ctText, s3.transform(CT_REQUEST));
    assert.deepEqual(r.garbage.errors.map((e) => e.kind), ['json_syntax']);

    // And the events are real.
    assert.equal(r.sal.errors.length, 0, JSON.stringify(r.sal.errors));
    assert.equal(r.sal.events.length, 1);
    assert.equal(r.sal.events[0].class_uid, 6003);
    assert.equal(r.sal.events[0].api.request.uid, '3E57427F3EXAMPLE');
    assert.equal(r.sal.events[0].metadata.log_name, 'browser.log');
    assert.equal(r.ct.errors.length, 0, JSON.stringify(r.ct.errors));
    assert.equal(r.ct.events.length, 1);
    assert.equal(r.ct.events[0].api.operation, 'GetObject');
    assert.equal(r.ct.events[0].api.request.uid, '3E57427F3EXAMPLE');
  } finally {
    await context.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
