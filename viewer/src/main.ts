// The viewer page: wires the worker, the column store, the query engine and the panels.
import './styles.css';
import { decodeHash, encodeHash } from './data/hash';
import { QueryEngine, SOURCE_LABELS, emptyFilter, type FacetField, type FilterState, type QueryResult, type SortColumn } from './data/query';
import { Store } from './data/store';
import type { FromWorker, LoadItem, Progress, ToWorker } from './protocol';
import { coveragePanel, sameRequestView, type CoverageView } from './ui/both';
import { cellText, fmtBytes, fmtInt, fmtTime, h, replace } from './ui/dom';
import { ErrorsPanel } from './ui/errors';
import { FacetPanel } from './ui/facets';
import { Histogram } from './ui/histogram';
import { Inspector, type RecordView } from './ui/inspector';
import { Loader } from './ui/loader';
import { VList } from './ui/vlist';

const root = document.documentElement;
root.dataset.state = 'starting';

// ---- worker -----------------------------------------------------------------------------------

// Two workers, one per core: the parse worker reads files and runs the module; the columns worker
// parses its answers into columns. A MessageChannel carries the work between them, in order.
const worker = new Worker(new URL('./worker/parse.worker.ts', import.meta.url), { type: 'module', name: 's3norm-parse' });
const columnsWorker = new Worker(new URL('./worker/columns.worker.ts', import.meta.url), { type: 'module', name: 's3norm-columns' });
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
{
  const channel = new MessageChannel();
  send({ t: 'port', port: channel.port1 }, [channel.port1]);
  columnsWorker.postMessage({ port: channel.port2 }, [channel.port2]);
}
let reqId = 0;
const waiting = new Map<number, (m: FromWorker) => void>();
function request(m: ToWorker & { id: number }, transfer: Transferable[] = []): Promise<FromWorker> {
  return new Promise((resolve) => {
    waiting.set(m.id, resolve);
    send(m, transfer);
  });
}

// ---- state ------------------------------------------------------------------------------------

const store = new Store();
const engine = new QueryEngine(store);
let state: FilterState = decodeHash(location.hash);
let result: QueryResult | null = null;
let loading = false;
/** The package's coverage report of the loaded files, from the parse worker. */
let coverage: CoverageView | null = null;
let tab: 'events' | 'errors' | 'coverage' = 'events';

// ---- layout -----------------------------------------------------------------------------------

const COLUMNS: { key: SortColumn; title: string; cls: string }[] = [
  { key: 'time', title: 'time (UTC)', cls: 'c-time' },
  { key: 'src', title: 'source', cls: 'c-src' },
  { key: 'op', title: 'operation', cls: 'c-op' },
  { key: 'status', title: 'status', cls: 'c-status num' },
  { key: 'actor', title: 'actor', cls: 'c-actor' },
  { key: 'ip', title: 'source IP', cls: 'c-ip' },
  { key: 'bucket', title: 'bucket', cls: 'c-bucket' },
  { key: 'key', title: 'key', cls: 'c-key' },
  { key: 'bytes', title: 'bytes', cls: 'c-bytes num' },
  { key: 'ua', title: 'user agent', cls: 'c-ua' },
];

const loader = new Loader((items) => startLoad(items));
const progressBar = h('progress', { max: 1, value: 0, 'data-testid': 'progress' });
const progressText = h('span', { class: 'progress-text', 'data-testid': 'progress-text' });
const eventCount = h('span', { 'data-testid': 'event-count' }, '0');
const errorCount = h('span', { 'data-testid': 'error-count' }, '0');
const errorTabCount = h('span', null, '0');
const shownCount = h('span', { 'data-testid': 'shown-count' }, '0');
const queryMs = h('span', { 'data-testid': 'query-ms', class: 'muted' });
const searchInput = h('input', { type: 'search', placeholder: 'search: key, user agent, actor, IP, request ID, operation…', 'data-testid': 'search', spellcheck: 'false' });
const regexBox = h('input', { type: 'checkbox', 'data-testid': 'search-regex' });
const searchError = h('span', { class: 'error', 'data-testid': 'search-error' });
const timeRange = h('span', { class: 'time-range', 'data-testid': 'time-range' });
const zoomOut = h('button', { 'data-testid': 'zoom-out', onclick: () => setState({ ...state, t0: undefined, t1: undefined }) }, 'all time');
const clearBtn = h(
  'button',
  {
    'data-testid': 'clear-filters',
    onclick: () => {
      searchInput.value = '';
      regexBox.checked = false;
      setState({ ...emptyFilter(), sort: state.sort, desc: state.desc });
    },
  },
  'clear filters',
);
const exportBtn = h('button', { 'data-testid': 'export', onclick: () => void exportNdjson() }, 'Export NDJSON');
const cancelBtn = h('button', { hidden: true, onclick: () => send({ t: 'cancel' }) }, 'stop');
const about = h('span', { class: 'muted about' });

const facets = new FacetPanel(store, (f, v) => toggleFacet(f, v));
const histogram = new Histogram((t0, t1) => setState({ ...state, t0, t1 }));
const inspector = new Inspector({
  onClose: () => closeInspector(),
  onSameRequest: (rid) => void openSameRequest(rid),
  hasOtherSide: (rid, kind) => {
    const want = kind === 'sal' ? 1 : 0;
    return store.rowsWithRid(rid).some((i) => store.src[i] === want);
  },
});
const sameRequestPane = h('aside', { class: 'same-request-pane', hidden: true });

const header = h(
  'div',
  { class: 'thead row-grid' },
  ...COLUMNS.map((c) =>
    h('button', { class: `th ${c.cls}`, 'data-sort': c.key, onclick: () => setState({ ...state, sort: c.key, desc: state.sort === c.key ? !state.desc : false }) }, c.title),
  ),
);

const table = new VList({
  rowHeight: 24,
  makeRow: () => h('div', { class: 'tr row-grid', 'data-testid': 'row', role: 'row' }, ...COLUMNS.map((c) => h('span', { class: `td ${c.cls}` }))),
  render: (el, i) => renderRow(el, i),
  onSelect: (i) => selectRow(i),
  onActivate: (i) => selectRow(i, true),
});

function renderRow(el: HTMLElement, i: number) {
  const r = result!.view[i];
  const s = store;
  const cells = el.children;
  const t = s.strings;
  const text = [
    fmtTime(s.time[r]),
    SOURCE_LABELS[s.src[r]],
    t.op[s.dict.op[r]],
    s.status[r] ? String(s.status[r]) : '',
    t.actor[s.dict.actor[r]],
    t.ip[s.dict.ip[r]],
    t.bucket[s.dict.bucket[r]],
    t.key[s.dict.key[r]],
    Number.isNaN(s.bytes[r]) ? '' : fmtInt(s.bytes[r]),
    t.ua[s.dict.ua[r]],
  ];
  for (let k = 0; k < text.length; k++) cells[k].textContent = cellText(text[k]);
  el.dataset.row = String(r);
  el.classList.toggle('ct', s.src[r] === 1);
  el.classList.toggle('fail', s.status[r] >= 400 || s.dict.err[r] !== 0);
}

const errorsPanel = new ErrorsPanel(store.errors);
const coverageBox = h('div', { class: 'coverage-box' });
const eventsTab = h('div', { class: 'events-tab' }, histogram.el, h('div', { class: 'table' }, header, table.el));
const tabButtons = {
  events: h('button', { class: 'tab', onclick: () => showTab('events'), 'data-testid': 'tab-events' }, 'Events'),
  errors: h('button', { class: 'tab', onclick: () => showTab('errors'), 'data-testid': 'tab-errors' }, 'Errors (', errorTabCount, ')'),
  coverage: h('button', { class: 'tab', onclick: () => showTab('coverage'), 'data-testid': 'tab-coverage' }, 'Both logs: coverage'),
};

document.body.append(
  h(
    'header',
    null,
    h('h1', null, 's3norm viewer'),
    loader.el,
    h('div', { class: 'progress' }, progressBar, progressText, cancelBtn),
    h('div', { class: 'counts' }, eventCount, ' events · ', shownCount, ' shown · ', errorCount, ' errors ', queryMs),
  ),
  h(
    'div',
    { class: 'toolbar' },
    searchInput,
    h('label', null, regexBox, ' regex'),
    searchError,
    timeRange,
    zoomOut,
    clearBtn,
    exportBtn,
    about,
  ),
  h(
    'main',
    null,
    facets.el,
    h('div', { class: 'center' }, h('nav', { class: 'tabs' }, tabButtons.events, tabButtons.errors, tabButtons.coverage), eventsTab, errorsPanel.el, coverageBox),
    inspector.el,
    sameRequestPane,
  ),
  h('div', { class: 'drop-hint' }, 'Drop files or folders to open them: they are read here and never leave this machine'),
);

function showTab(t: typeof tab) {
  tab = t;
  eventsTab.hidden = t !== 'events';
  errorsPanel.el.hidden = t !== 'errors';
  coverageBox.hidden = t !== 'coverage';
  for (const [k, b] of Object.entries(tabButtons)) b.classList.toggle('active', k === t);
  if (t === 'errors') errorsPanel.update();
  if (t === 'coverage') {
    // During a load, ask for the report of the files read so far (sent when the current one ends).
    if (loading) send({ t: 'coverage' });
    renderCoverage();
  }
}
showTab('events');

// ---- filter state -----------------------------------------------------------------------------

searchInput.value = state.q;
regexBox.checked = state.re;
let searchTimer = 0;
searchInput.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => setState({ ...state, q: searchInput.value }), 120);
});
regexBox.addEventListener('change', () => setState({ ...state, re: regexBox.checked }));

function setState(next: FilterState) {
  state = next;
  const hash = encodeHash(state);
  if (hash !== location.hash && !(hash === '' && location.hash === '')) history.replaceState(null, '', hash || location.pathname + location.search);
  runQuery(false);
}

window.addEventListener('hashchange', () => {
  state = decodeHash(location.hash);
  searchInput.value = state.q;
  regexBox.checked = state.re;
  runQuery(false);
});

function toggleFacet(f: FacetField, v: string) {
  const inc = new Set(state.inc[f] ?? []);
  const exc = new Set(state.exc[f] ?? []);
  if (inc.has(v)) {
    inc.delete(v);
    exc.add(v);
  } else if (exc.has(v)) exc.delete(v);
  else inc.add(v);
  setState({ ...state, inc: { ...state.inc, [f]: [...inc] }, exc: { ...state.exc, [f]: [...exc] } });
}

// ---- query ------------------------------------------------------------------------------------

function runQuery(keepScroll: boolean) {
  const started = performance.now();
  result = engine.run(state, !loading || store.n <= 100_000);
  table.setCount(result.count, keepScroll);
  facets.render(result, state);
  histogram.render(result);
  shownCount.textContent = fmtInt(result.count);
  shownCount.dataset.value = String(result.count);
  queryMs.dataset.value = String(result.ms);
  searchError.textContent = result.searchError ? `regex: ${result.searchError}` : '';
  timeRange.textContent = store.n ? `${fmtTime(result.hist.t0)} – ${fmtTime(result.hist.t1)}` : '';
  timeRange.dataset.t0 = String(result.hist.t0);
  timeRange.dataset.t1 = String(result.hist.t1);
  for (const b of header.querySelectorAll<HTMLElement>('.th')) {
    b.classList.toggle('sorted', b.dataset.sort === state.sort);
    b.classList.toggle('desc', b.dataset.sort === state.sort && state.desc);
  }
  // The whole update (query and every panel's DOM), for the status line and the benchmark.
  const total = performance.now() - started;
  queryMs.dataset.total = String(total);
  queryMs.textContent = `${result.ms.toFixed(0)} ms query, ${total.toFixed(0)} ms update${result.unsorted ? ' · sorted when loaded' : ''}`;
}

let queryTimer = 0;
let lastQuery = 0;
let lastQueryCost = 0;
function scheduleQuery() {
  if (queryTimer) return;
  // During a load the table refreshes at most every 400 ms, and less often when a refresh is slow
  // (a million rows): the page spends at most a fifth of its time on it.
  const wait = Math.max(0, Math.max(400, lastQueryCost * 5) - (performance.now() - lastQuery));
  queryTimer = window.setTimeout(() => {
    queryTimer = 0;
    lastQuery = performance.now();
    runQuery(true);
    lastQueryCost = performance.now() - lastQuery;
    handlerMs.query = Math.max(handlerMs.query ?? 0, lastQueryCost);
  }, wait);
}

// ---- rows: inspector, same request ------------------------------------------------------------

async function fetchRecord(row: number): Promise<RecordView> {
  const m = await request({ t: 'detail', id: ++reqId, file: store.file[row], off: store.off[row], len: store.len[row], sub: store.sub[row] });
  if (m.t !== 'detail') throw new Error('unexpected answer');
  if (!m.ok) throw new Error(m.message);
  return { kind: m.kind, file: store.fileName(row), raw: m.raw, event: m.event, fields: m.fields };
}

let selectTimer = 0;
let selectSeq = 0;
function selectRow(i: number, now = false) {
  clearTimeout(selectTimer);
  const row = result!.view[i];
  const go = async () => {
    const seq = ++selectSeq;
    sameRequestPane.hidden = true;
    inspector.loading();
    try {
      const r = await fetchRecord(row);
      if (seq === selectSeq) inspector.show(r, row);
    } catch (e) {
      if (seq === selectSeq) inspector.error(String(e instanceof Error ? e.message : e));
    }
  };
  if (now) void go();
  else selectTimer = window.setTimeout(() => void go(), 60);
}

function closeInspector() {
  inspector.hide();
  sameRequestPane.hidden = true;
  table.el.focus();
}

async function openSameRequest(rid: string) {
  const { sal, cloudtrail } = store.rowsOfRequest(rid);
  const [s, c] = await Promise.all([Promise.all(sal.slice(0, 4).map(fetchRecord)), Promise.all(cloudtrail.slice(0, 4).map(fetchRecord))]);
  replace(sameRequestPane, sameRequestView({ requestId: rid, sal: s, cloudtrail: c }, () => (sameRequestPane.hidden = true)));
  inspector.hide();
  sameRequestPane.hidden = false;
}

window.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') closeInspector();
  if (e.key === '/' && document.activeElement !== searchInput) {
    e.preventDefault();
    searchInput.focus();
  }
});

function renderCoverage() {
  if (!coverage) {
    replace(
      coverageBox,
      h('p', { class: 'note' }, loading ? 'The coverage report comes when the first load ends.' : 'Load server access logs and CloudTrail files to see which requests each one saw, and why the other one did not.'),
    );
    return;
  }
  coverage.loading = loading;
  replace(
    coverageBox,
    coveragePanel(
      coverage,
      (op) => {
        setState({ ...state, inc: { ...state.inc, op: [op] } });
        showTab('events');
      },
      () => send({ t: 'coverage' }),
    ),
  );
}

// ---- load, export -----------------------------------------------------------------------------

function showProgress(p: Progress, done: boolean, stopped = false) {
  const secs = p.elapsedMs / 1000;
  progressBar.max = Math.max(p.bytesTotal, 1);
  progressBar.value = done && !stopped ? progressBar.max : p.bytesDone;
  const rate = secs > 0 ? Math.round(p.lines / secs) : 0;
  progressText.textContent = `${fmtBytes(p.bytesDone)} / ${fmtBytes(p.bytesTotal)} · ${fmtInt(p.lines)} lines · ${fmtInt(rate)} lines/s · ${secs.toFixed(1)} s${stopped ? ' · stopped: the rest of the files were not read' : done ? ' · done' : ''}${p.skipped ? ` · ${fmtInt(p.skipped)} skipped (other services)` : ''}`;
  progressText.dataset.elapsedMs = String(p.elapsedMs);
}

function startLoad(items: LoadItem[]) {
  if (!items.length) return;
  loading = true;
  root.dataset.state = 'loading';
  cancelBtn.hidden = false;
  if (tab === 'coverage') renderCoverage();
  send({ t: 'load', items });
}

async function exportNdjson() {
  if (!store.n) return;
  exportBtn.disabled = true;
  try {
    const mask = engine.lastMask();
    const m = await request({ t: 'export', id: ++reqId, mask }, [mask.buffer]);
    if (m.t !== 'export') return;
    const url = URL.createObjectURL(m.blob);
    const a = h('a', { download: 's3norm-events.ndjson' });
    a.href = url; // a blob: URL of this page's own data
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } finally {
    exportBtn.disabled = false;
  }
}

let parseReady = false;
let columnsReady = false;
function becomeReady() {
  root.dataset.state = 'ready';
  runQuery(false);
}

// The longest time each kind of message kept the main thread (for the benchmark).
const handlerMs: Record<string, number> = {};
(window as unknown as { __handlerMs: typeof handlerMs }).__handlerMs = handlerMs;

const onWorkerMessage = (ev: MessageEvent<FromWorker>) => {
  const started = performance.now();
  handle(ev.data);
  const ms = performance.now() - started;
  if (ms > (handlerMs[ev.data.t] ?? 0)) handlerMs[ev.data.t] = ms;
};

function handle(m: FromWorker) {
  switch (m.t) {
    case 'ready':
      about.textContent = `s3norm ${m.version} · ABI ${m.abi}`;
      parseReady = true;
      if (columnsReady) becomeReady();
      break;
    case 'columns-ready':
      columnsReady = true;
      if (parseReady) becomeReady();
      break;
    case 'files': {
      for (const f of m.files) store.files[f.id] = f;
      // About 400 bytes a SAL line; gzip files hold about ten times their size.
      const bytes = m.files.reduce((a, f) => a + f.size * (f.gz ? 10 : 1), 0);
      store.reserve(Math.ceil(bytes / 400));
      break;
    }
    case 'rows':
      store.append(m.batch);
      eventCount.textContent = fmtInt(store.n);
      eventCount.dataset.value = String(store.n);
      scheduleQuery();
      break;
    case 'errors':
      store.addErrors(m.rows);
      errorCount.textContent = fmtInt(store.errors.length);
      errorCount.dataset.value = String(store.errors.length);
      errorTabCount.textContent = errorCount.textContent;
      if (tab === 'errors') errorsPanel.update();
      break;
    case 'progress':
      showProgress(m.p, false);
      break;
    case 'coverage':
      // A report of part of a load that arrives after the whole one is stale.
      if (m.partial && !loading) break;
      coverage = { report: m.report, partial: m.partial, loading };
      if (tab === 'coverage') renderCoverage();
      break;
    case 'done':
      showProgress(m.p, true, m.cancelled);
      loading = false;
      if (tab === 'coverage') renderCoverage();
      cancelBtn.hidden = true;
      clearTimeout(queryTimer);
      queryTimer = 0;
      eventCount.textContent = fmtInt(store.n);
      eventCount.dataset.value = String(store.n);
      errorCount.textContent = fmtInt(store.errors.length);
      errorCount.dataset.value = String(store.errors.length);
      runQuery(true);
      if (tab === 'errors') errorsPanel.update();
      // Search indexes and a first compiled run, in short tasks, before the load counts as done.
      {
        const step = () => {
          if (!engine.warmSearch()) {
            setTimeout(step, 0);
            return;
          }
          setTimeout(() => {
            engine.warmQuery();
            runQuery(true);
            root.dataset.loads = String(Number(root.dataset.loads ?? 0) + 1);
            root.dataset.state = 'idle';
          }, 0);
        };
        setTimeout(step, 0);
      }
      break;
    case 'detail':
    case 'export': {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      w?.(m);
      break;
    }
    case 'fatal':
      root.dataset.state = 'fatal';
      progressText.textContent = `error: ${m.message}`;
      break;
  }
}
worker.onmessage = onWorkerMessage;
columnsWorker.onmessage = onWorkerMessage;
worker.onerror = columnsWorker.onerror = (e) => {
  root.dataset.state = 'fatal';
  progressText.textContent = `worker error: ${e.message}`;
};
