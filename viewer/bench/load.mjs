#!/usr/bin/env node
// Load benchmark (not a test): generate SAL files of N lines from the fixtures (every line that
// becomes an event, request IDs rewritten so they are all distinct), load each through the file
// input of the built viewer in headless Chromium, and report the load time, the tab's memory,
// facet and search latency, and scrolling frame times.
//
//   node bench/load.mjs [LINES...]        default: 100000 1000000
//
// Memory: the renderer process's resident set (the page and its worker run in it), read from
// /proc, and the page's JS heap (CDP Performance.getMetrics).
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { VIEWER, fixtureFiles, openViewer, s3norm } from '../tests/lib.mjs';

const OUT = join(VIEWER, 'bench', 'out');
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (!sizes.length) sizes.push(100_000, 1_000_000);

/** SAL lines from the fixtures that normalize to an event, with their request ID. */
function templates() {
  const s3 = s3norm();
  const out = [];
  for (const f of fixtureFiles('s3-access-logs')) {
    if (!f.endsWith('.log')) continue;
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const r = s3.normalize(line);
      const rid = r.events[0]?.api?.request?.uid;
      if (r.events.length === 1 && rid && line.includes(` ${rid} `)) out.push({ line: line.replace(/\r$/, ''), rid });
    }
  }
  return out;
}

async function generate(n) {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, `sal-${n}.log`);
  if (existsSync(path)) return path;
  const t = templates();
  const ws = createWriteStream(path);
  let buf = [];
  for (let i = 0; i < n; i++) {
    const { line, rid } = t[i % t.length];
    const id = (i.toString(16).toUpperCase() + 'BENCH0000000000').slice(0, 16);
    buf.push(line.replace(` ${rid} `, ` ${id} `));
    if (buf.length === 10000) {
      if (!ws.write(buf.join('\n') + '\n')) await new Promise((r) => ws.once('drain', r));
      buf = [];
    }
  }
  ws.write(buf.length ? buf.join('\n') + '\n' : '');
  await new Promise((r) => ws.end(r));
  return path;
}

/**
 * Memory of the tab: the renderer process of the Chromium started with `profile` that holds the
 * most private memory (the page and its worker live there; the other renderers are Chromium's own
 * UI and a spare). Returns { rss, priv } in bytes: the resident set, and its private part
 * (RssAnon + RssShmem: the heaps, not the shared libraries mapped in).
 */
function tabMemory(profile) {
  const procs = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
      const st = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(st)?.[1] ?? 0) * 1024;
      procs.push({ pid: Number(pid), ppid, cmd, rss: kb('VmRSS'), priv: kb('RssAnon') + kb('RssShmem') });
    } catch {
      /* gone */
    }
  }
  const browser = procs.find((p) => p.cmd.includes(profile) && !p.cmd.includes('--type='));
  if (!browser) return { rss: NaN, priv: NaN };
  const mine = new Set([browser.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (!mine.has(p.pid) && mine.has(p.ppid)) (mine.add(p.pid), (grew = true));
  }
  const tabs = procs.filter((p) => mine.has(p.pid) && p.cmd.includes('--type=renderer') && !p.cmd.includes('top-chrome-webui'));
  tabs.sort((a, b) => b.priv - a.priv);
  return tabs[0] ?? { rss: NaN, priv: NaN };
}

/** The workers' V8 heaps (CDP Runtime.getHeapUsage through the page's session), by worker name. */
async function workerHeaps(context, page) {
  const cdp = await context.newCDPSession(page);
  const { targetInfos } = await cdp.send('Target.getTargets');
  const out = [];
  let id = 0;
  for (const w of targetInfos.filter((t) => t.type === 'worker')) {
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: w.targetId, flatten: false });
    const myId = ++id;
    const result = await new Promise((resolve) => {
      const h = (e) => {
        if (e.sessionId !== sessionId) return;
        const m = JSON.parse(e.message);
        if (m.id === myId) {
          cdp.off('Target.receivedMessageFromTarget', h);
          resolve(m.result);
        }
      };
      cdp.on('Target.receivedMessageFromTarget', h);
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: myId, method: 'Runtime.getHeapUsage' }) });
    });
    out.push({ name: /columns/.test(w.url) ? 'columns' : 'parse', ...result });
  }
  await cdp.detach();
  return out;
}

const f = (x) => `${x.q.toFixed(0)} / ${x.u.toFixed(0)}`;
const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;

for (const n of sizes) {
  const file = await generate(n);
  const size = statSync(file).size;
  const v = await openViewer();
  await v.page.waitForTimeout(500);
  const before = tabMemory(v.profile);
  try {
    const cdp = await v.context.newCDPSession(v.page);
    await cdp.send('Performance.enable');
    // Main-thread tasks over 50 ms during the load (does the page stay responsive?).
    await v.page.evaluate(() => {
      window.__long = [];
      new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
    });
    const t0 = Date.now();
    await v.page.getByTestId('file-input').setInputFiles(file);
    await v.page.waitForFunction(() => Number(document.documentElement.dataset.loads ?? 0) > 0, null, { timeout: 1_800_000, polling: 500 });
    const wall = Date.now() - t0;
    const long = await v.page.evaluate(() => window.__long);
    const handlers = await v.page.evaluate(() => window.__handlerMs);
    const workerMs = Number(await v.page.getByTestId('progress-text').getAttribute('data-elapsed-ms'));
    const events = Number(await v.page.getByTestId('event-count').getAttribute('data-value'));
    await v.page.waitForTimeout(1500);
    const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const mem = tabMemory(v.profile);
    const wh = await workerHeaps(v.context, v.page);

    // Facet latency: include the most frequent operation, then clear it; read the query time.
    const q = async (action) => {
      await action();
      await v.page.waitForTimeout(400);
      const el = v.page.getByTestId('query-ms');
      return { q: Number(await el.getAttribute('data-value')), u: Number(await el.getAttribute('data-total')) };
    };
    const facet = v.page.getByTestId('facet-operation').first();
    const facetIn = await q(() => facet.click());
    const facetEx = await q(() => v.page.getByTestId('facet-operation').first().click());
    const facetClear = await q(() => v.page.getByTestId('facet-operation').first().click());
    const search1 = await q(() => v.page.getByTestId('search').fill('mozilla'));
    const search1b = await q(() => v.page.getByTestId('search').fill('mozill'));
    const search2 = await q(() => v.page.getByTestId('facet-status').first().click());
    const regex = await q(async () => {
      await v.page.getByTestId('search-regex').check();
      await v.page.getByTestId('search').fill('^(Get|Put)Object$');
    });
    await v.page.getByTestId('clear-filters').click();
    await v.page.getByTestId('search').fill('');
    await v.page.getByTestId('search-regex').uncheck();
    await v.page.waitForTimeout(500);

    // Scrolling: 3 s of wheel scrolling through the table; frame times from requestAnimationFrame.
    await v.page.locator('.vscroll').first().hover();
    await v.page.evaluate(() => {
      window.__frames = [];
      let last = performance.now();
      const tick = (t) => {
        window.__frames.push(t - last);
        last = t;
        if (window.__frames.length < 100000) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const end = Date.now() + 3000;
    while (Date.now() < end) {
      await v.page.mouse.wheel(0, 2400);
      await v.page.waitForTimeout(16);
    }
    const frames = await v.page.evaluate(() => window.__frames.slice(1));
    frames.sort((a, b) => a - b);
    const p = (x) => frames[Math.min(frames.length - 1, Math.floor(frames.length * x))];
    const jump = await q(() => v.page.keyboard.press('End'));
    void jump;

    console.log(
      [
        `${n.toLocaleString('en-US')} SAL lines (${mb(size)}): ${events.toLocaleString('en-US')} events`,
        `  load: ${(wall / 1000).toFixed(1)} s wall (worker ${(workerMs / 1000).toFixed(1)} s, ${Math.round(n / (workerMs / 1000)).toLocaleString('en-US')} lines/s); main thread meanwhile: ${long.length} tasks over 50 ms, longest ${Math.max(0, ...long).toFixed(0)} ms (longest handlers: ${Object.entries(handlers).map(([k, x]) => `${k} ${x.toFixed(0)}`).join(', ')} ms)`,
        `  tab memory: ${mb(mem.priv)} private, ${mb(mem.rss)} resident (before loading: ${mb(before.priv)} private, ${mb(before.rss)} resident); page JS heap ${mb(metrics.JSHeapUsedSize)} used / ${mb(metrics.JSHeapTotalSize)} total; workers' JS heaps ${wh.map((w) => `${w.name} ${mb(w.usedSize)} used / ${mb(w.totalSize)} total`).join(', ')}`,
        `  query / whole update (ms): facet include ${f(facetIn)}, exclude ${f(facetEx)}, clear ${f(facetClear)}; search 'mozilla' ${f(search1)}, 'mozill' ${f(search1b)}, + status facet ${f(search2)}; regex ${f(regex)}`,
        `  scrolling: ${frames.length} frames in 3 s, frame time median ${p(0.5).toFixed(1)} ms, p95 ${p(0.95).toFixed(1)} ms, max ${frames[frames.length - 1].toFixed(1)} ms`,
      ].join('\n'),
    );
    if (v.log.pageErrors.length || v.log.consoleErrors.length) console.log('  page errors:', v.log.pageErrors, v.log.consoleErrors);
  } finally {
    await v.close();
  }
}
