/// <reference lib="webworker" />
// The parse worker: reads files (gzip through DecompressionStream), cuts them into batches of
// whole lines, normalizes each batch with the s3norm package, and sends compact columns to the
// page. It keeps the File objects (not their contents), so one row's raw line and full OCSF event
// are recomputed on demand from the row's (file, byte offset, length, ordinal).
//
// A load feeds every piece through the session's coverage builder (engine/s3norm.ts,
// CoverageSession) exactly once: that call is both the normalization the rows come from and the
// indexing of the coverage report. Detail requests and export re-read with readers of their own,
// so they never count in the report.
import { CoverageSession, engineVersion, initEngine, labelSalLine, normalizeText, scratchReader, type PieceReader } from '../engine/s3norm';
import type { ErrorRow, FileInfo, FromWorker, LoadItem, Progress, ToWorker } from '../protocol';
import { consume, statsOf, type EventSink, type WorkItem } from './pipeline';

declare const self: DedicatedWorkerGlobalScope;

const BATCH_BYTES = 1 << 18; // lines are normalized 256 KiB at a time (smaller: more calls; larger: more heap)
const DOC_LIMIT = 256 << 20; // a JSON document larger than this is refused here, as the ABI would
const HEAD_BYTES = (1 << 20) + 2; // the module guesses a text's shape from this much of it (max line + 2)

interface Entry {
  id: number;
  name: string;
  blob: Blob;
  gz: boolean;
  /** 'lines' (SAL, NDJSON) or 'doc' (one JSON document); decided from the first line. */
  shape?: 'lines' | 'doc';
}

const entries: Entry[] = [];
let cancelled = false;
let busy = Promise.resolve();

function post(m: FromWorker, transfer: Transferable[] = []) {
  self.postMessage(m, transfer);
}

// ---- reading ----------------------------------------------------------------------------------

async function isGzip(blob: Blob): Promise<boolean> {
  const head = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
  return head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** The file's (decompressed) bytes as a stream of chunks; `onRead` counts the bytes read. */
async function* chunks(e: Entry, onRead: (n: number) => void = () => {}): AsyncGenerator<Uint8Array> {
  let stream: ReadableStream<Uint8Array> = e.blob.stream().pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(c, ctl) {
        onRead(c.byteLength);
        ctl.enqueue(c);
      },
    }),
  );
  if (e.gz) stream = stream.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    if (value.byteLength) yield value;
  }
}

/** A growable byte buffer. */
class Bytes {
  buf = new Uint8Array(BATCH_BYTES * 2);
  len = 0;
  push(c: Uint8Array) {
    if (this.len + c.length > this.buf.length) {
      const b = new Uint8Array(Math.max(this.buf.length * 2, this.len + c.length));
      b.set(this.buf.subarray(0, this.len));
      this.buf = b;
    }
    this.buf.set(c, this.len);
    this.len += c.length;
  }
  /** Drop the first n bytes. */
  shift(n: number) {
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
  }
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

const isWs = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d;
const hasBom = (b: Uint8Array) => b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossyDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** A line that starts like a member of a JSON or JavaScript object: a key, a colon, a value. */
const MEMBER = /^(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_$][A-Za-z0-9_$-]*)[ \t]*:[ \t]*["'{[\-0-9tfn]/;

/**
 * The module's own guess of a text's shape (src/read.rs, `shape`), from its first HEAD_BYTES: a
 * first non-blank `[`, `]` or `}` is a document; a `{` is NDJSON when its line is a whole JSON
 * value, else a document; a line that starts like an object member (`"key": …`, `key: …`) is a
 * document; anything else is lines. A document is read whole, and the module itself reads it
 * again as lines when it does not parse and one of its lines is a record. `undefined`: the first
 * line is not complete yet.
 */
function shapeOf(all: Uint8Array, eof: boolean): 'lines' | 'doc' | undefined {
  const b = all.subarray(0, HEAD_BYTES);
  const whole = eof || all.length >= HEAD_BYTES; // all the module looks at is here
  let i = hasBom(b) ? 3 : 0;
  while (i < b.length && isWs(b[i])) i++;
  if (i === b.length) return whole ? 'lines' : undefined;
  const c = b[i];
  if (c === 0x5b || c === 0x5d || c === 0x7d) return 'doc';
  const nl = b.indexOf(0x0a, i);
  if (nl < 0 && !whole) return undefined;
  const line = b.subarray(i, nl < 0 ? b.length : nl);
  if (c === 0x7b) {
    if (nl < 0) return 'doc';
    try {
      JSON.parse(strictDecoder.decode(line));
      return 'lines';
    } catch {
      return 'doc';
    }
  }
  return MEMBER.test(lossyDecoder.decode(line)) ? 'doc' : 'lines';
}

// ---- normalizing ------------------------------------------------------------------------------

/** Where the parse worker's work goes: items in file order, and counts for the progress bar. */
interface Sink {
  item(it: WorkItem): void;
  units(n: number): void;
  counts(events: number, errors: number, skipped: number): void;
}

function ownError(sink: Sink, row: ErrorRow) {
  sink.counts(0, 1, 0);
  sink.item({ k: 'error', row });
}

/**
 * One batch of whole lines: `bytes` starts at byte `base` of the file and at line `firstLine`.
 * The whole batch goes to `read` in one call (a load's reader is the coverage builder: this is
 * the one time these lines are normalized and indexed), answered as JSON text that the columns
 * worker parses. Its events are matched to lines in order when every non-blank line gave one
 * event or one error record (read from the counts at the response's end). When that does not
 * hold (a skipped record of another service, a line holding several records), the counts stand
 * and the rows are located by reading each line again on its own with a scratch reader, which
 * counts in no report. Bytes that are not UTF-8 cannot be a JS string: then each line goes to
 * `read` on its own, and the lines that are not UTF-8 become error records written here.
 */
function linesBatch(e: Entry, bytes: Uint8Array, base: number, firstLine: number, sink: Sink, read: PieceReader) {
  const startsA: number[] = [];
  const endsA: number[] = [];
  let s = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, s);
    const end = nl < 0 ? bytes.length : nl;
    if (nl >= 0 || s < bytes.length) {
      startsA.push(s);
      endsA.push(end > s && bytes[end - 1] === 0x0d ? end - 1 : end);
    }
    if (nl < 0) break;
    s = nl + 1;
  }
  const starts = Uint32Array.from(startsA);
  const ends = Uint32Array.from(endsA);
  const unit = new Uint8Array(starts.length);
  let units = 0;
  for (let k = 0; k < starts.length; k++) {
    for (let i = starts[k]; i < ends[k]; i++) {
      if (!isWs(bytes[i])) {
        unit[k] = 1;
        units++;
        break;
      }
    }
  }
  sink.units(units);
  if (units === 0) return;

  let text: string | undefined;
  try {
    text = strictDecoder.decode(bytes);
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    const response = read.lines(text, e.name, firstLine);
    const st = statsOf(response);
    sink.counts(st.events, st.errors, st.skipped);
    if (st.skipped === 0 && st.events + st.errors === units) {
      sink.item({ k: 'lines', text: response, file: e.id, name: e.name, base, firstLine, starts, ends, unit });
      return;
    }
    // Counted (and indexed) above; only where each event came from is still to find.
    for (let k = 0; k < starts.length; k++) {
      if (!unit[k]) continue;
      const line = strictDecoder.decode(bytes.subarray(starts[k], ends[k]));
      sink.item({ k: 'line', text: scratchReader.lines(line, e.name, firstLine + k), file: e.id, name: e.name, off: base + starts[k], len: ends[k] - starts[k], line: firstLine + k });
    }
    return;
  }
  // Not UTF-8 somewhere: line by line.
  for (let k = 0; k < starts.length; k++) {
    if (!unit[k]) continue;
    const lineBytes = bytes.subarray(starts[k], ends[k]);
    let line: string;
    try {
      line = strictDecoder.decode(lineBytes);
    } catch {
      // The CLI reads bytes and refuses such a line the same way (a JS string cannot hold it).
      ownError(sink, { file: e.name, kind: 'invalid_utf8', message: 'line is not UTF-8', line: firstLine + k, input: lossyDecoder.decode(lineBytes) });
      continue;
    }
    const response = read.lines(line, e.name, firstLine + k);
    const st = statsOf(response);
    sink.counts(st.events, st.errors, st.skipped);
    sink.item({ k: 'line', text: response, file: e.id, name: e.name, off: base + starts[k], len: ends[k] - starts[k], line: firstLine + k });
  }
}

function docBatch(e: Entry, bytes: Uint8Array, sink: Sink, read: PieceReader) {
  sink.units(1);
  let text: string;
  try {
    text = strictDecoder.decode(bytes);
  } catch {
    ownError(sink, { file: e.name, kind: 'invalid_utf8', message: 'JSON document is not UTF-8', input: lossyDecoder.decode(bytes.subarray(0, 65536)), truncated: bytes.length > 65536 });
    return;
  }
  if (bytes.length > DOC_LIMIT) {
    ownError(sink, { file: e.name, kind: 'too_large', message: `JSON document of ${bytes.length} bytes is over the limit`, input: text.slice(0, 65536), truncated: true });
    return;
  }
  const response = read.doc(text, e.name);
  const st = statsOf(response);
  sink.counts(st.events, st.errors, st.skipped);
  sink.item({ k: 'doc', text: response, file: e.id, name: e.name, len: bytes.length });
}

/** Read one file through `sink`, batch by batch, each piece normalized by `read`. */
async function processEntry(e: Entry, sink: Sink, read: PieceReader, onRead: (n: number) => void, between: () => Promise<void>) {
  const acc = new Bytes();
  let base = 0; // byte offset of acc[0] in the decompressed file
  let line = 1; // line number of acc[0]
  let first = true;
  const flushLines = (upto: number) => {
    let b = acc.view().subarray(0, upto);
    let skip = 0;
    if (first && hasBom(b)) {
      skip = 3;
      b = b.subarray(3);
    }
    first = false;
    linesBatch(e, b, base + skip, line, sink, read);
    let nls = 0;
    for (let i = 0; i < b.length; i++) if (b[i] === 0x0a) nls++;
    line += nls;
    base += upto;
    acc.shift(upto);
  };
  try {
    for await (const c of chunks(e, onRead)) {
      acc.push(c);
      if (e.shape === undefined) e.shape = shapeOf(acc.view(), false);
      if (e.shape === 'lines' && acc.len >= BATCH_BYTES) {
        const last = acc.view().lastIndexOf(0x0a);
        if (last >= 0) {
          flushLines(last + 1);
          await between();
          if (cancelled) return;
        }
      }
    }
  } catch (err) {
    ownError(sink, { file: e.name, kind: 'unreadable', message: `could not read the file: ${err instanceof Error ? err.message : String(err)}`, input: '' });
    if (acc.len === 0) return;
  }
  if (e.shape === undefined) e.shape = shapeOf(acc.view(), true);
  if (e.shape === 'doc') docBatch(e, acc.view(), sink, read);
  else if (acc.len > 0) flushLines(acc.len);
}

// ---- load -------------------------------------------------------------------------------------

// The columns worker's end of the channel (the page sends it at start). Items in flight are
// bounded: the parse worker waits when the columns worker is this many behind.
let columns: MessagePort | undefined;
const MAX_IN_FLIGHT = 6;
let inFlight = 0;
let drained: (() => void) | undefined;

function toColumns(it: WorkItem) {
  const transfer = it.k === 'lines' ? [it.starts.buffer, it.ends.buffer, it.unit.buffer] : [];
  inFlight++;
  columns!.postMessage(it, transfer as Transferable[]);
}

// The session's coverage report, built as files are read (created once the module is ready).
let session: CoverageSession | undefined;
let loading = false;
/** The page asked for the report during a load: it is sent when the current file ends. */
let reportWanted = false;

function sendReport(partial: boolean) {
  reportWanted = false;
  if (session) post({ t: 'coverage', report: session.report(), partial });
}

async function load(items: LoadItem[]) {
  cancelled = false;
  loading = true;
  try {
    await loadFiles(items);
  } finally {
    loading = false;
  }
}

async function loadFiles(items: LoadItem[]) {
  session ??= new CoverageSession();
  const added: Entry[] = [];
  for (const it of items) {
    const blob = it.file ?? new Blob([it.text ?? '']);
    const e: Entry = { id: entries.length, name: it.name, blob, gz: await isGzip(blob) };
    entries.push(e);
    added.push(e);
  }
  post({ t: 'files', files: added.map((e): FileInfo => ({ id: e.id, name: e.name, size: e.blob.size, gz: e.gz })) });

  const t0 = performance.now();
  const p: Progress = { bytesDone: 0, bytesTotal: added.reduce((a, e) => a + e.blob.size, 0), lines: 0, events: 0, errors: 0, skipped: 0, elapsedMs: 0, file: '' };
  let lastPost = 0;
  const progress = (force: boolean) => {
    const now = performance.now();
    if (!force && now - lastPost < 200) return;
    lastPost = now;
    p.elapsedMs = now - t0;
    post({ t: 'progress', p: { ...p } });
  };
  const sink: Sink = {
    item: toColumns,
    units(n) {
      p.lines += n;
    },
    counts(events, errors, skipped) {
      p.events += events;
      p.errors += errors;
      p.skipped += skipped;
    },
  };
  // Between batches: wait while the columns worker is behind, and yield to the event loop so
  // detail requests and cancel are answered mid-load.
  const between = async () => {
    progress(false);
    while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => (drained = r));
    await new Promise<void>((r) => setTimeout(r, 0));
  };
  for (const e of added) {
    if (cancelled) break;
    p.file = e.name;
    session.begin(e.name);
    try {
      await processEntry(e, sink, session, (n) => (p.bytesDone += n), between);
    } finally {
      session.end();
    }
    progress(true);
    if (reportWanted) sendReport(true);
  }
  p.elapsedMs = performance.now() - t0;
  progress(true);
  reportWanted = false;
  // The report goes with the end of the load, so the page has it when the load is done.
  toColumns({ k: 'end', p: { ...p }, cancelled, coverage: session.report() });
}

// ---- one row, on demand -----------------------------------------------------------------------

async function bytesOf(e: Entry, off: number, len: number): Promise<Uint8Array> {
  if (!e.gz) return new Uint8Array(await e.blob.slice(off, off + len).arrayBuffer());
  // gzip cannot be entered in the middle: decompress from the start up to the range.
  const out = new Uint8Array(len);
  let pos = 0;
  for await (const c of chunks(e)) {
    const a = Math.max(off - pos, 0);
    const b = Math.min(off + len - pos, c.length);
    if (b > a) out.set(c.subarray(a, b), pos + a - off);
    pos += c.length;
    if (pos >= off + len) break;
  }
  return out;
}

async function detail(m: Extract<ToWorker, { t: 'detail' }>) {
  const e = entries[m.file];
  try {
    if (!e) throw new Error(`no file ${m.file}`);
    const bytes = await bytesOf(e, m.off, m.len);
    const text = lossyDecoder.decode(bytes);
    // Plain normalize, never the session's builder: the report counts each record once.
    const r = normalizeText(text, e.name, true);
    const ev = r.events[m.sub];
    if (!ev) throw new Error('the record no longer gives this event (was the file changed on disk?)');
    const raw = e.shape === 'doc' ? (ev.raw_data ?? '') : text;
    delete ev.raw_data;
    const kind = ev.metadata.product.name === 'Amazon S3' ? 'sal' : 'cloudtrail';
    const fields = kind === 'sal' ? labelSalLine(raw) : null;
    post({ t: 'detail', id: m.id, ok: true, kind, raw, event: JSON.stringify(ev), fields });
  } catch (err) {
    post({ t: 'detail', id: m.id, ok: false, message: err instanceof Error ? err.message : String(err) });
  }
}

// ---- export -----------------------------------------------------------------------------------

/** The events of the rows set in `mask` (row ids in load order), as NDJSON, re-normalized. */
async function exportRows(id: number, mask: Uint8Array) {
  const parts: BlobPart[] = [];
  let chunk: string[] = [];
  let size = 0;
  let row = 0;
  let count = 0;
  const events: EventSink = {
    event(ev) {
      if (mask[row++]) {
        const s = JSON.stringify(ev);
        chunk.push(s, '\n');
        size += s.length;
        count++;
        if (size > 8 << 20) {
          parts.push(new Blob(chunk));
          chunk = [];
          size = 0;
        }
      }
    },
    error() {},
  };
  const sink: Sink = { item: (it) => consume(it, events), units() {}, counts() {} };
  // Read as the load read them (so the events come in the same order: row ids), counted in no report.
  for (const e of entries) await processEntry(e, sink, scratchReader, () => {}, () => Promise.resolve());
  parts.push(new Blob(chunk));
  post({ t: 'export', id, blob: new Blob(parts, { type: 'application/x-ndjson' }), count });
}

// ---- messages ---------------------------------------------------------------------------------

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.t === 'port') {
    columns = m.port;
    columns.onmessage = () => {
      inFlight--;
      if (inFlight < MAX_IN_FLIGHT && drained) {
        const d = drained;
        drained = undefined;
        d();
      }
    };
    return;
  }
  if (m.t === 'cancel') {
    cancelled = true;
    return;
  }
  if (m.t === 'detail') {
    // Answered between load batches: a click during a long load is not kept waiting.
    void detail(m);
    return;
  }
  if (m.t === 'coverage') {
    // During a load, when the current file ends (the builder reports between files only).
    if (loading) reportWanted = true;
    else sendReport(false);
    return;
  }
  // Loads and exports run one at a time, in order.
  busy = busy.then(() => (m.t === 'load' ? load(m.items) : exportRows(m.id, m.mask))).catch((err) => post({ t: 'fatal', message: String(err && err.stack ? err.stack : err) }));
};

initEngine().then(
  () => post({ t: 'ready', ...engineVersion() }),
  (err) => post({ t: 'fatal', message: `could not start the s3norm module: ${err}` }),
);
