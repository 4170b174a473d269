// The viewer in headless Chromium, on the repository's fixtures: counts equal the package's (and
// the CLI's when built), facets narrow to the right counts, the brush narrows the time range, the
// inspector labels SAL fields, errors show their text, the filter state round-trips through the
// URL, export gives the filtered events, and nothing but the page's own origin is ever contacted.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FIXTURES, asShown, cliSummary, counts, coverageOf, expected, fixtureFiles, inputsOf, loadFiles, openViewer, s3norm, salTemplates, search, shownCoverage, tempDir } from './lib.mjs';

const files = fixtureFiles();

/** Wait until the shown count is n. */
const shown = (page, n) => page.waitForFunction((n) => document.querySelector('[data-testid=shown-count]').dataset.value === String(n), n, { timeout: 10000 });
const want = expected(files);

test('viewer session on the fixtures', { timeout: 300000 }, async (t) => {
  const v = await openViewer();
  const { page, log, origin } = v;
  const readyRequests = log.requests.length;
  try {
    await loadFiles(page, files);

    await t.test('counts equal the package and the CLI', async () => {
      const c = await counts(page);
      assert.equal(c.events, want.events.length);
      assert.equal(c.errors, want.errors.length);
      assert.equal(c.shown, want.events.length);
      const cli = cliSummary(files);
      if (cli) {
        assert.equal(c.events, cli.events, 'events: CLI');
        assert.equal(c.errors, cli.errors, 'errors: CLI');
      } else t.diagnostic('target/release/s3norm not built: CLI comparison skipped');
    });

    await t.test('a facet click narrows the rows to that value; another excludes it', async () => {
      const op = 'GetObject';
      const n = want.events.filter((e) => e.api.operation === op).length;
      assert.ok(n > 0);
      const btn = page.locator(`[data-testid=facet-operation][data-value="${op}"]`);
      assert.equal(Number(await btn.getAttribute('data-count')), n);
      await btn.click();
      await page.waitForFunction((n) => document.querySelector('[data-testid=shown-count]').dataset.value === String(n), n);
      const ops = await page.locator('[data-testid=row]:not([hidden]) .c-op').allTextContents();
      assert.ok(ops.length > 0 && ops.every((o) => o === op), `visible rows are ${op}: ${ops}`);
      assert.match(await page.evaluate(() => location.hash), /operation=GetObject/);
      await page.locator(`[data-testid=facet-operation][data-value="${op}"]`).click();
      await page.waitForFunction((n) => document.querySelector('[data-testid=shown-count]').dataset.value === String(n), want.events.length - n);
      await page.locator(`[data-testid=facet-operation][data-value="${op}"]`).click();
      await page.waitForFunction((n) => document.querySelector('[data-testid=shown-count]').dataset.value === String(n), want.events.length);

      const ct = want.events.filter((e) => e.metadata.product.name === 'AWS CloudTrail').length;
      await page.locator('[data-testid=facet-source][data-value="CloudTrail"]').click();
      await page.waitForFunction((n) => document.querySelector('[data-testid=shown-count]').dataset.value === String(n), ct);
      const s403 = want.events.filter((e) => e.metadata.product.name === 'AWS CloudTrail' && e.http_response?.code === 403).length;
      void s403;
      await page.getByTestId('clear-filters').click();
      await page.waitForFunction((n) => document.querySelector('[data-testid=shown-count]').dataset.value === String(n), want.events.length);
    });

    await t.test('search: substring and regex', async () => {
      const rid = '3E57427F3EXAMPLE';
      const n = want.events.filter((e) => e.api.request?.uid === rid).length;
      await search(page, rid.toLowerCase());
      await page.waitForFunction((n) => document.querySelector('[data-testid=shown-count]').dataset.value === String(n), n);
      // Exactly the matching rows are on screen (the row pool's spare rows are hidden).
      await page.waitForFunction((n) => [...document.querySelectorAll('[data-testid=row]')].filter((r) => r.checkVisibility()).length === n, n);
      await page.getByTestId('search-regex').check();
      await search(page, '^(GetObject|PutObject)$');
      const m = want.events.filter((e) => /^(GetObject|PutObject)$/i.test(e.api.operation)).length;
      // Regex over every searched column: operation names match; other columns do not hold exactly these.
      await page.waitForFunction((n) => document.querySelector('[data-testid=shown-count]').dataset.value === String(n), m);
      await search(page, '(');
      await page.waitForFunction(() => document.querySelector('[data-testid=search-error]').textContent !== '');
      await page.getByTestId('search-regex').uncheck();
      await search(page, '');
      await page.waitForFunction((n) => document.querySelector('[data-testid=shown-count]').dataset.value === String(n), want.events.length);
    });

    await t.test('the brush narrows the time range', async () => {
      const over = page.locator('.histogram .u-over');
      const box = await over.boundingBox();
      // The bars sit in two clusters; brush the right third.
      await page.mouse.move(box.x + box.width * 0.66, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2, { steps: 5 });
      await page.mouse.move(box.x + box.width * 0.99, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      await page.waitForFunction(() => /from=/.test(location.hash));
      const r = await page.evaluate(() => {
        const p = new URLSearchParams(location.hash.slice(1));
        return { t0: Number(p.get('from')), t1: Number(p.get('to')), shown: Number(document.querySelector('[data-testid=shown-count]').dataset.value) };
      });
      const n = want.events.filter((e) => e.time >= r.t0 && e.time < r.t1).length;
      assert.ok(r.shown < want.events.length && r.shown > 0, `brushed ${r.shown} of ${want.events.length}`);
      assert.equal(r.shown, n);
      const range = await page.getByTestId('time-range').evaluate((el) => [Number(el.dataset.t0), Number(el.dataset.t1)]);
      assert.deepEqual(range, [r.t0, r.t1], 'the histogram zooms to the brushed range');
      await page.getByTestId('zoom-out').click();
      await page.waitForFunction((n) => document.querySelector('[data-testid=shown-count]').dataset.value === String(n), want.events.length);
    });

    await t.test('the inspector shows the SAL line with field labels, the OCSF event, and the CloudTrail record', async () => {
      // A SAL line whose request ID no other fixture line has.
      const uniq = (e) => want.events.filter((x) => x.api.request?.uid === e.api.request?.uid).length === 1;
      const ev = want.events.find((e) => e.metadata.product.name === 'Amazon S3' && e.http_request?.user_agent && e.resources?.[1] && uniq(e));
      const file = files.find((f) => ev.metadata.log_name.endsWith(f.split('/').pop()));
      const line = readFileSync(file, 'utf8').split('\n').find((l) => l.includes(` ${ev.api.request.uid} `));
      await search(page, ev.api.request.uid);
      await shown(page, want.events.filter((e) => e.api.request?.uid === ev.api.request.uid).length);
      await page.locator('[data-testid=row]:not([hidden])').first().click();
      await page.waitForSelector('[data-testid=sal-fields]');
      assert.equal(await page.getByTestId('raw-line').textContent(), line.replace(/\r$/, ''));
      const rows = await page.locator('[data-testid=sal-fields] tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.children[1].textContent, tr.children[2].textContent]));
      const get = (name) => rows.find(([n]) => n === name)?.[1];
      assert.equal(get('Request ID'), ev.api.request.uid);
      assert.equal(get('Operation'), ev.metadata.event_code);
      assert.equal(get('Bucket'), ev.resources[0].name);
      // The package's tokenizer labels a field's text inside its brackets or quotes.
      assert.equal(get('Time'), ev.metadata.original_time);
      assert.equal(get('User-Agent'), ev.http_request.user_agent);
      assert.equal(get('HTTP status'), String(ev.http_response.code));
      assert.equal(get('Remote IP'), ev.src_endpoint.ip);
      assert.ok(rows.length >= 18, `${rows.length} labelled fields`);
      const ocsf = JSON.parse(await page.getByTestId('ocsf-event').textContent());
      assert.deepEqual(ocsf, ev);

      // A CloudTrail row: the record pretty-printed.
      const ctEv = want.events.find((e) => e.metadata.product.name === 'AWS CloudTrail' && e.api.request?.uid);
      await search(page, ctEv.api.request.uid);
      await shown(page, want.events.filter((e) => e.api.request?.uid === ctEv.api.request.uid).length);
      await page.locator('[data-testid=facet-source][data-value="CloudTrail"]').click();
      await shown(page, want.events.filter((e) => e.api.request?.uid === ctEv.api.request.uid && e.metadata.product.name === 'AWS CloudTrail').length);
      await page.locator('[data-testid=row]:not([hidden])').first().click();
      await page.waitForSelector('[data-testid=raw-record]');
      const rec = JSON.parse(await page.getByTestId('raw-record').textContent());
      assert.equal(rec.requestID ?? rec.detail?.requestID, ctEv.api.request.uid);
      await page.getByTestId('clear-filters').click();
      await search(page, '');
      await shown(page, want.events.length);
    });

    await t.test('keyboard navigation moves the selection and the inspector follows', async () => {
      await page.waitForFunction((n) => document.querySelector('[data-testid=shown-count]').dataset.value === String(n), want.events.length);
      await page.locator('[data-testid=row]:not([hidden])').first().click();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.waitForFunction(() => document.querySelector('.tr.sel')?.dataset.i === '2');
      await page.keyboard.press('End');
      await page.waitForFunction((n) => document.querySelector('.tr.sel')?.dataset.i === String(n - 1), want.events.length);
      await page.waitForSelector('[data-testid=ocsf-event]');
      await page.keyboard.press('Home');
      await page.waitForFunction(() => document.querySelector('.tr.sel')?.dataset.i === '0');
      await page.keyboard.press('Escape');
    });

    await t.test('error records appear with file, line, kind, message and text', async () => {
      await page.getByTestId('tab-errors').click();
      // The list draws on the next frame.
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=error-row]')].some((r) => r.checkVisibility()));
      const shown = await page.locator('[data-testid=error-row]:visible').count();
      assert.ok(shown > 0 && shown <= want.errors.length, `${shown} error rows shown`);
      const first = want.errors[0];
      await page.locator('[data-testid=error-row]:visible').first().click();
      const detail = await page.getByTestId('error-detail').textContent();
      assert.ok(detail.includes(first.kind), detail);
      assert.ok(detail.includes(first.input.slice(0, 200)), 'the original text is shown');
      const kinds = await page.locator('[data-testid=error-row]:visible .c-kind').allTextContents();
      assert.deepEqual(kinds, want.errors.slice(0, kinds.length).map((e) => e.kind));
      await page.getByTestId('tab-events').click();
    });

    await t.test('export gives the filtered events as NDJSON', async () => {
      await page.locator('[data-testid=facet-source][data-value="SAL"]').click();
      // In load order: the loader sorts picked files by name, as the CLI sorts a directory.
      const byName = [...files].sort((a, b) => (basename(a) < basename(b) ? -1 : basename(a) > basename(b) ? 1 : 0));
      const sal = expected(byName).events.filter((e) => e.metadata.product.name === 'Amazon S3');
      await page.waitForFunction((n) => document.querySelector('[data-testid=shown-count]').dataset.value === String(n), sal.length);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
      const text = readFileSync(await download.path(), 'utf8');
      const got = text.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(got.length, sal.length);
      assert.deepEqual(got, sal);
    });

    await t.test('the filter state in the URL opens the same view', async () => {
      const hash = await page.evaluate(() => location.hash);
      assert.match(hash, /source=SAL/);
      const p2 = await v.context.newPage();
      await p2.goto(`${origin}/index.html${hash}`);
      await p2.waitForFunction(() => document.documentElement.dataset.state === 'ready');
      await loadFiles(p2, files);
      const c = await counts(p2);
      assert.equal(c.shown, want.events.filter((e) => e.metadata.product.name === 'Amazon S3').length);
      await p2.close();
    });

    // The files of the session as the package's correlate() gets them, for the coverage report.
    const session = inputsOf(files);

    await t.test("coverage: the panel shows the package's own report of the same files", async () => {
      const report = coverageOf(session);
      // The fixtures hold both logs, joined requests, and reasons on both sides.
      assert.ok(report.requests.both > 0 && report.requests.sal_only > 0 && report.requests.cloudtrail_only > 0);
      assert.ok(Object.keys(report.requests.sal_only_reasons).length >= 5 && Object.keys(report.requests.cloudtrail_only_reasons).length >= 3);
      assert.ok(report.delivery_lag.server_access_log && report.delivery_lag.cloudtrail, 'fixtures named as AWS names log objects');
      await page.getByTestId('tab-coverage').click();
      await page.getByTestId('coverage').waitFor();
      const got = await shownCoverage(page);
      const exp = asShown(report);
      assert.equal(got.inputs, exp.inputs);
      assert.deepEqual(got.requests, exp.requests);
      assert.deepEqual(got.operations, exp.operations);
      assert.deepEqual(got.buckets, exp.buckets);
      assert.deepEqual(got.lag, exp.lag);
      // Every reason is worded, with its code kept beside it.
      assert.ok(got.wordings.length > 10);
      for (const w of got.wordings) {
        assert.equal(w.title, w.code);
        assert.ok(w.all.length > w.code.length + w.count.length + 12, `worded: ${w.all}`);
      }
      // An operation's name filters the events to it (and to nothing else).
      await page.getByTestId('clear-filters').click();
      const op = 'GetObject';
      await page.locator(`[data-testid=coverage] tbody tr[data-operation="${op}"] button`).click();
      await shown(page, want.events.filter((e) => e.api.operation === op).length);
      assert.ok(await page.getByTestId('tab-events').evaluate((b) => b.classList.contains('active')));
      await page.getByTestId('clear-filters').click();
      await shown(page, want.events.length);
    });

    /** The panel equals the package's report of every file loaded so far. */
    const coverageMatches = async () => {
      const exp = asShown(coverageOf(session));
      await page.getByTestId('tab-coverage').click();
      await page.getByTestId('coverage').waitFor();
      const got = await shownCoverage(page);
      await page.getByTestId('tab-events').click();
      assert.equal(got.inputs, exp.inputs);
      assert.deepEqual(got.requests, exp.requests);
      assert.deepEqual(got.operations, exp.operations);
      assert.deepEqual(got.buckets, exp.buckets);
      assert.deepEqual(got.lag, exp.lag);
    };

    // Everything below adds rows: expected totals grow as they go.
    const total = { events: want.events.length, errors: want.errors.length, all: [...want.events] };

    await t.test('gzip files load through DecompressionStream, and a second load adds to the first', async () => {
      await page.getByTestId('clear-filters').click();
      const dir = tempDir('gz');
      const more = fixtureFiles('cloudtrail').map((f) => {
        const out = join(dir, basename(f) + '.gz');
        writeFileSync(out, gzipSync(readFileSync(f)));
        return out;
      });
      const add = expected(fixtureFiles('cloudtrail'));
      await loadFiles(page, more);
      session.push(...inputsOf(more));
      total.events += add.events.length;
      total.errors += add.errors.length;
      total.all.push(...add.events);
      const c = await counts(page);
      assert.equal(c.events, total.events);
      assert.equal(c.errors, total.errors);
      // The report adds the second load to the first (the same records again: counted once as requests).
      await coverageMatches();
      for (const op of ['GetObject', 'PutObject', 'ListObjects']) {
        const n = total.all.filter((e) => e.api.operation === op).length;
        assert.equal(Number(await page.locator(`[data-testid=facet-operation][data-value="${op}"]`).getAttribute('data-count')), n, op);
      }
      // A row of a gzip file: its record is found again by decompressing up to it.
      const ev = add.events.filter((e) => e.api.request?.uid).pop();
      await search(page, ev.api.request.uid);
      await page.waitForFunction((n) => document.querySelector('[data-testid=shown-count]').dataset.value === String(n), total.all.filter((e) => e.api.request?.uid === ev.api.request.uid).length);
      // The last row: same time as its plain copy, loaded later.
      await page.locator('[data-testid=row]:not([hidden])').first().click();
      await page.keyboard.press('End');
      await page.waitForFunction(() => /\.gz$/.test(document.querySelector('.inspector .from')?.textContent ?? ''));
      await page.waitForSelector('[data-testid=raw-record]');
      assert.equal(JSON.parse(await page.getByTestId('raw-record').textContent()).requestID, ev.api.request.uid);
      assert.match(await page.locator('.inspector .from').textContent(), /\.gz$/, 'the row inspected is from the gzip copy');
      await search(page, '');
    });

    await t.test('a whole folder through the folder picker', async () => {
      const dir = join(FIXTURES, 's3-access-logs');
      const add = expected(fixtureFiles('s3-access-logs'));
      const before = Number(await page.evaluate(() => document.documentElement.dataset.loads));
      await page.getByTestId('folder-input').setInputFiles(dir);
      await page.waitForFunction((n) => Number(document.documentElement.dataset.loads) > n, before);
      session.push(...inputsOf(fixtureFiles('s3-access-logs'), (f) => `s3-access-logs/${basename(f)}`));
      total.events += add.events.length;
      total.errors += add.errors.length;
      const c = await counts(page);
      assert.equal(c.events, total.events);
      assert.equal(c.errors, total.errors);
    });

    await t.test('pasted text', async () => {
      const text = readFileSync(join(FIXTURES, 's3-access-logs', 'awsdocs__amazon-s3-userguide__LogFormat__example_lines.log'), 'utf8');
      const add = s3norm().normalize(text);
      const before = Number(await page.evaluate(() => document.documentElement.dataset.loads));
      await page.getByTestId('paste-open').click();
      await page.getByTestId('paste-text').fill(text);
      await page.getByTestId('paste-load').click();
      await page.waitForFunction((n) => Number(document.documentElement.dataset.loads) > n, before);
      session.push({ text, log_name: 'pasted-1' });
      total.events += add.events.length;
      total.errors += add.errors.length;
      const c = await counts(page);
      assert.equal(c.events, total.events);
      assert.equal(c.errors, total.errors);
    });

    await t.test('copy as JSON puts the OCSF event on the clipboard', async () => {
      await v.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
      const first = page.locator('[data-testid=row]:not([hidden])').first();
      const row = await first.getAttribute('data-row');
      await first.click();
      await page.waitForFunction((row) => document.querySelector('[data-testid=inspector]').dataset.row === row, row);
      const shownEvent = JSON.parse(await page.getByTestId('ocsf-event').textContent());
      await page.getByTestId('copy-json').click();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      assert.deepEqual(JSON.parse(copied), shownEvent);
      await page.keyboard.press('Escape');
    });

    await t.test('files dropped on the page load', async () => {
      const text = readFileSync(join(FIXTURES, 's3-access-logs', 'knil-sama__s3-access-log-rust__test_lines.log'), 'utf8');
      const add = s3norm().normalize(text);
      const before = await counts(page);
      const loads = Number(await page.evaluate(() => document.documentElement.dataset.loads));
      await page.evaluate((text) => {
        const dt = new DataTransfer();
        dt.items.add(new File([text], 'dropped.log'));
        window.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, cancelable: true }));
        window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
      }, text);
      await page.waitForFunction((l) => Number(document.documentElement.dataset.loads) > l, loads);
      session.push({ text, log_name: 'dropped.log' });
      const c = await counts(page);
      assert.equal(c.events - before.events, add.events.length);
      assert.equal(c.errors - before.errors, add.errors.length);
      total.events = c.events;
    });

    await t.test('error records carry their line in the file across batches; rows are found after a skipped record', async () => {
      // SAL lines of the fixtures that are one event each, given distinct request IDs; three
      // lines that are not log lines and an IAM record (skipped) in a file of several 256 KiB batches.
      const s3 = s3norm();
      const tpl = salTemplates();
      const iam = JSON.stringify({ eventVersion: '1.08', eventSource: 'iam.amazonaws.com', eventName: 'ListUsers', eventTime: '2024-01-01T00:00:00Z', awsRegion: 'us-east-1', requestID: 'IAMREQUEST000001' });
      const out = [];
      for (let i = 1; i <= 3000; i++) {
        if (i === 700 || i === 1500 || i === 2999) out.push(`not a log line (${i})`);
        else if (i === 1200) out.push(iam);
        else {
          const { line, rid } = tpl[i % tpl.length];
          out.push(line.replace(` ${rid} `, ` ${`LB${i}X000000000000000`.slice(0, 16)} `));
        }
      }
      const text = out.join('\n') + '\n';
      assert.ok(text.length > 3 * (1 << 18), `${text.length} bytes: several batches`);
      const file = join(tempDir('lines'), 'lines.log');
      writeFileSync(file, text);
      const add = s3.normalize(text, { log_name: 'lines.log' });
      assert.deepEqual(add.errors.map((e) => e.line), [700, 1500, 2999]);
      assert.equal(add.stats.skipped, 1);
      const before = await counts(page);
      await loadFiles(page, [file]);
      session.push({ text, log_name: 'lines.log' });
      const c = await counts(page);
      assert.equal(c.events - before.events, add.events.length);
      assert.equal(c.errors - before.errors, 3);
      total.events = c.events;

      // The last three error records, as the Errors tab shows them.
      await page.getByTestId('tab-errors').click();
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=error-row]')].some((r) => r.checkVisibility()));
      await page.locator('[data-testid=error-row]:visible').first().click();
      await page.keyboard.press('End');
      for (const line of [2999, 1500, 700]) {
        await page.waitForFunction((l) => document.querySelector('[data-testid=error-detail]')?.textContent.includes(`lines.log, line ${l}`), line);
        assert.ok((await page.getByTestId('error-detail').textContent()).includes(`not a log line (${line})`));
        await page.keyboard.press('ArrowUp');
      }
      await page.getByTestId('tab-events').click();

      // The lines around the skipped record (its batch is located line by line) open as themselves.
      for (const i of [1199, 1201]) {
        const rid = `LB${i}X000000000000000`.slice(0, 16);
        await search(page, rid);
        await shown(page, 1);
        await page.locator('[data-testid=row]:not([hidden])').first().click();
        await page.waitForFunction((rid) => document.querySelector('[data-testid=raw-line]')?.textContent.includes(rid), rid);
        assert.equal(await page.getByTestId('raw-line').textContent(), out[i - 1]);
        await page.keyboard.press('Escape');
      }
      await search(page, '');
    });

    await t.test('stop cancels a load; what was read stays', async () => {
      const lines = readFileSync(join(FIXTURES, 's3-access-logs', 'awsdocs__amazon-s3-userguide__LogFormat__example_lines.log'), 'utf8').trimEnd().split('\n');
      const big = join(tempDir('big'), 'big.log');
      const n = 300000;
      writeFileSync(big, Array.from({ length: n }, (_, i) => lines[i % lines.length]).join('\n') + '\n');
      const before = await counts(page);
      const loads = Number(await page.evaluate(() => document.documentElement.dataset.loads));
      await page.getByTestId('file-input').setInputFiles(big);
      await page.waitForFunction(() => document.querySelector('[data-testid=progress-text]').textContent.includes('lines/s'));
      await page.getByRole('button', { name: 'stop' }).click();
      await page.waitForFunction((l) => Number(document.documentElement.dataset.loads) > l, loads);
      const c = await counts(page);
      const read = c.events - before.events;
      assert.ok(read < n, `stopped before the end (${read} of ${n})`);
      assert.match(await page.getByTestId('progress-text').textContent(), /stopped/);
      total.events = c.events;
      // What was read of the file counts in the report (every line of it is an event).
      session.push({ text: Array.from({ length: read }, (_, i) => lines[i % lines.length]).join('\n') + '\n', log_name: 'big.log' });
      await coverageMatches();
    });

    await t.test('nothing beyond the page origin, and no request after the page loaded', async () => {
      const foreign = log.requests.filter((u) => !u.startsWith(origin + '/') && !u.startsWith(`blob:${origin}/`));
      assert.deepEqual(foreign, []);
      // After the page was ready: only the second page of the URL test, loading the app again.
      const later = log.requests.slice(readyRequests).filter((u) => !u.startsWith('blob:'));
      const again = log.requests.slice(0, readyRequests);
      const first = new Set([...again, `${origin}/favicon.svg`].map((u) => u.replace(/#.*/, '')));
      const unexpected = later.filter((u) => !first.has(u.replace(/#.*/, '')));
      assert.deepEqual(unexpected, [], 'no request after load but the second page loading the same files');
      assert.ok(later.length <= first.size, `requests after load: ${later}`);
      assert.deepEqual(log.pageErrors, []);
      assert.deepEqual(log.dialogs, []);
      assert.deepEqual(await page.evaluate(() => window.__csp), []);
      assert.deepEqual(log.consoleErrors, []);
    });
  } finally {
    await v.close();
  }
});
