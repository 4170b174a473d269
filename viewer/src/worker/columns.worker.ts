/// <reference lib="webworker" />
// The columns worker: parses the module's responses the parse worker hands over (in file order,
// through a MessageChannel), matches events to their lines, and sends compact columns and error
// records to the page. Holds the string dictionaries, so their ids match the page's copy.
import type { ErrorRow, FromWorker } from '../protocol';
import { ColumnBuilder } from './extract';
import { consume, type WorkItem } from './pipeline';

declare const self: DedicatedWorkerGlobalScope;

const cols = new ColumnBuilder();
let errs: ErrorRow[] = [];
let totalErrors = 0;
let lastPost = 0;

function post(m: FromWorker, transfer: Transferable[] = []) {
  self.postMessage(m, transfer);
}

function flush(force: boolean) {
  const now = performance.now();
  if (!force && cols.n < 65536 && now - lastPost < 200) return;
  lastPost = now;
  if (cols.n > 0) {
    const { batch, transfer } = cols.flush();
    post({ t: 'rows', batch }, transfer);
  }
  if (errs.length) {
    post({ t: 'errors', rows: errs });
    errs = [];
  }
}

const sink = {
  event: cols.add.bind(cols),
  error(r: ErrorRow) {
    // Past the first 10,000 error records (a binary file, the wrong kind of file) each keeps the
    // first 4 KiB of its text, so a bad folder cannot exhaust the tab; the record itself, its
    // file, line, kind and message are all kept.
    if (totalErrors >= 10_000 && r.input.length > 4096) {
      r.input = r.input.slice(0, 4096);
      r.cut = true;
    }
    totalErrors++;
    errs.push(r);
  },
};

self.onmessage = (ev: MessageEvent<{ port: MessagePort }>) => {
  const port = ev.data.port;
  port.onmessage = (m: MessageEvent<WorkItem>) => {
    const it = m.data;
    try {
      consume(it, sink);
    } catch (err) {
      post({ t: 'fatal', message: `columns worker: ${err instanceof Error ? err.stack || err.message : String(err)}` });
    }
    if (it.k === 'end') {
      flush(true);
      if (it.coverage) post({ t: 'coverage', report: it.coverage, partial: false });
      post({ t: 'done', p: it.p, cancelled: it.cancelled });
    } else flush(false);
    port.postMessage(1); // one item done: the parse worker keeps a few in flight, no more
  };
  post({ t: 'columns-ready' });
};
