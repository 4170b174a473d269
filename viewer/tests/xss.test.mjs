// Log content is attacker-controlled. A corpus of hostile SAL lines and CloudTrail records
// (tests/fixtures/xss.log, xss-cloudtrail.ndjson: markup in keys, user agents, referers and
// requesters, javascript: URLs, right-to-left overrides, 100 KB user agents, hostile error lines)
// is loaded and every row, error and inspector view is shown: nothing may run, no element may be
// injected, no request may leave, and the text must show as text.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asShown, counts, coverageOf, expected, inputsOf, loadFiles, openViewer, OWN_FIXTURES, search, shownCoverage } from './lib.mjs';

const files = [join(OWN_FIXTURES, 'xss-cloudtrail.ndjson'), join(OWN_FIXTURES, 'xss.log')];
const want = expected(files);

/** Elements that log text would create if it were parsed as markup. */
const injected = () =>
  document.querySelectorAll('img, script:not([src]), iframe, svg:not(.uplot svg), a[href], object, embed, b, [onerror], [onload]').length;

test('hostile log content renders inertly', { timeout: 240000 }, async () => {
  assert.ok(readFileSync(files[1], 'utf8').includes('<img src=x onerror=alert(1)>'));
  const v = await openViewer();
  const { page, log, origin } = v;
  try {
    const base = await page.evaluate(injected);
    await page.evaluate(() => {
      window.__alerts = 0;
      for (const k of ['alert', 'confirm', 'prompt']) window[k] = () => window.__alerts++;
    });
    await loadFiles(page, files);
    const c = await counts(page);
    assert.equal(c.events, want.events.length);
    assert.equal(c.errors, want.errors.length);
    assert.ok(want.events.length >= 8 && want.errors.length >= 4);

    // Every row into the inspector, one after the other (keyboard), and the same-request view.
    await page.locator('[data-testid=row]:not([hidden])').first().click();
    for (let i = 0; i < want.events.length; i++) {
      await page.waitForSelector('[data-testid=ocsf-event]');
      const text = await page.getByTestId('inspector').textContent();
      assert.ok(!/undefined/.test(text.slice(0, 200)));
      await page.keyboard.press('ArrowDown');
      await page.waitForTimeout(120);
    }
    // The row with the right-to-left override: the override is shown, not applied.
    await search(page, 'invoice');
    await page.waitForFunction(() => document.querySelector('[data-testid=shown-count]').dataset.value === '1');
    const keyCell = await page.locator('[data-testid=row]:not([hidden]) .c-key').first().textContent();
    assert.equal(keyCell, 'invoice⟨U+202E⟩gpj.exe');
    await page.locator('[data-testid=row]:not([hidden])').first().click();
    await page.waitForFunction(() => document.querySelector('[data-testid=raw-line]')?.textContent.includes('invoice'));
    const raw = await page.getByTestId('raw-line').textContent();
    assert.ok(raw.includes('invoice⟨U+202E⟩gpj.exe') && !raw.includes('\u202e'));

    // The 100 KB user agent: the cell is cut, the inspector has all of it.
    await search(page, 'big-agent');
    await page.waitForFunction(() => document.querySelector('[data-testid=shown-count]').dataset.value === '1');
    const ua = await page.locator('[data-testid=row]:not([hidden]) .c-ua').first().textContent();
    assert.ok(ua.length < 300, `cell text cut (${ua.length})`);
    await page.locator('[data-testid=row]:not([hidden])').first().click();
    await page.waitForFunction(() => document.querySelector('[data-testid=raw-line]')?.textContent.includes('big-agent'), null, { timeout: 10000 }).catch(async (e) => {
      throw new Error(`${e.message}: inspector shows ${(await page.getByTestId('inspector').textContent()).slice(0, 500)}`);
    });
    const uaField = await page.locator('[data-testid=sal-fields] tbody tr').filter({ hasText: 'User-Agent' }).locator('td.mono').textContent();
    assert.equal(uaField.length, 100000 + '<script>alert(6)</script>'.length); // the text inside its quotes

    // Markup shows as text in cells and in the inspector.
    await search(page, 'onerror');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=shown-count]').dataset.value) >= 2);
    const cells = (await page.locator('[data-testid=row]:not([hidden])').allTextContents()).join('\n');
    assert.ok(cells.includes('<img src=x onerror=alert(1)>'), cells);
    await search(page, '');

    // Every error record's text.
    await page.getByTestId('tab-errors').click();
    await page.waitForFunction((n) => [...document.querySelectorAll('[data-testid=error-row]')].filter((r) => r.checkVisibility()).length === n, want.errors.length);
    const n = await page.locator('[data-testid=error-row]:visible').count();
    assert.equal(n, want.errors.length);
    for (let i = 0; i < n; i++) {
      await page.locator('[data-testid=error-row]:visible').nth(i).click();
      const d = await page.getByTestId('error-detail').textContent();
      assert.ok(d.includes(want.errors[i].input.slice(0, 100)), d.slice(0, 300));
    }
    await page.getByTestId('tab-coverage').click();
    await page.getByTestId('coverage').waitFor();
    // Hostile operation and bucket names included: the numbers are the package's report.
    const got = await shownCoverage(page);
    const exp = asShown(coverageOf(inputsOf(files)));
    assert.equal(got.inputs, exp.inputs);
    assert.deepEqual(got.operations, exp.operations);
    assert.deepEqual(got.requests, exp.requests);
    await page.getByTestId('tab-events').click();

    // A hostile request ID is kept escaped (no control characters, no line breaks) and searchable.
    await search(page, 'onerror=alert(19)');
    await page.waitForFunction(() => document.querySelector('[data-testid=shown-count]').dataset.value === '1');
    await page.locator('[data-testid=row]:not([hidden])').first().click();
    await page.waitForSelector('[data-testid=raw-record]');
    assert.ok((await page.getByTestId('raw-record').textContent()).includes('<img src=x onerror=alert(19)>⟨U+202E⟩'));

    // Same request from both sides (XSS0000000000001 is in both files).
    await search(page, 'XSS0000000000001');
    await page.waitForFunction(() => document.querySelector('[data-testid=shown-count]').dataset.value === '2');
    await page.locator('[data-testid=row]:not([hidden])').first().click();
    await page.getByTestId('same-request-open').click();
    await page.getByTestId('same-request').waitFor();
    const both = await page.getByTestId('same-request').textContent();
    assert.ok(both.includes('<iframe src=javascript:alert(13)></iframe>') && both.includes('<img src=x onerror=alert(1)>'));

    await page.waitForTimeout(500);
    assert.equal(await page.evaluate(injected), base, 'no element was injected');
    assert.equal(await page.evaluate(() => window.__alerts), 0);
    assert.deepEqual(log.dialogs, []);
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    const foreign = log.requests.filter((u) => !u.startsWith(origin + '/'));
    assert.deepEqual(foreign, [], 'no request beyond the origin');
    const assets = log.requests.filter((u) => !/\/(index\.html|assets\/[^/]+|favicon\.svg)$/.test(u.replace(origin, '')));
    assert.deepEqual(assets, [], 'only the page and its assets were ever requested');
  } finally {
    await v.close();
  }
});

test('the sources never build HTML from strings', async () => {
  const { readdirSync, statSync } = await import('node:fs');
  const { VIEWER } = await import('./lib.mjs');
  const bad = [];
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|js|mjs)$/.test(n)) {
        // Code only: comments may name the sinks they avoid.
        const s = readFileSync(p, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
        for (const pat of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'DOMParser', 'createContextualFragment', 'eval(', 'new Function', 'srcdoc']) {
          if (s.includes(pat)) bad.push(`${p}: ${pat}`);
        }
      }
    }
  };
  walk(join(VIEWER, 'src'));
  assert.deepEqual(bad, []);
});

test('the built page: CSP meta, relative asset paths, nothing fetched from elsewhere', async () => {
  const { VIEWER } = await import('./lib.mjs');
  const html = readFileSync(join(VIEWER, 'dist', 'index.html'), 'utf8');
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  assert.ok(csp, 'CSP meta tag');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  assert.match(csp, /connect-src 'self'(;|$)/);
  assert.match(csp, /default-src 'none'/);
  assert.ok(!/unsafe-inline/.test(csp));
  assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), 'no inline script');
  for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) assert.match(m[1], /^\.\//, `relative: ${m[1]}`);
});
