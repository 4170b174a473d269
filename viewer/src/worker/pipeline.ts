// The second half of loading: a module response (JSON text) becomes events matched to the lines
// they came from. Runs in the columns worker during a load (so the parse worker only reads and
// calls the module, and the two halves run on two cores), and in the parse worker for an export.
import type { Coverage, ErrorRecord, OcsfApiActivity } from '../engine/s3norm';
import type { ErrorRow, Progress } from '../protocol';

/** One unit of work from the parse worker, in file order. */
export type WorkItem =
  /** An error record the parse worker wrote itself (unreadable file, bytes that are not UTF-8). */
  | { k: 'error'; row: ErrorRow }
  /** A batch of lines read from line `firstLine` on (the response's line numbers are the file's):
   * every unit line gave one event or one error record. */
  | { k: 'lines'; text: string; file: number; name: string; base: number; firstLine: number; starts: Uint32Array; ends: Uint32Array; unit: Uint8Array }
  /** One line (`line`, the file's line number): every event and error is that line's. */
  | { k: 'line'; text: string; file: number; name: string; off: number; len: number; line: number }
  /** One JSON document. */
  | { k: 'doc'; text: string; file: number; name: string; len: number }
  /** The end of a load, with the session's coverage report after it (passed on to the page
   * before 'done', so a finished load always has its report). */
  | { k: 'end'; p: Progress; cancelled: boolean; coverage?: Coverage };

export interface EventSink {
  event(e: OcsfApiActivity, file: number, off: number, len: number, sub: number): void;
  error(r: ErrorRow): void;
}

interface Response {
  events: OcsfApiActivity[];
  errors: ErrorRecord[];
}

export function errorRow(e: ErrorRecord, file: string, line?: number): ErrorRow {
  const r: ErrorRow = { file, kind: e.kind, message: e.message, input: e.input };
  if (line !== undefined) r.line = line;
  if (e.index !== undefined) r.index = e.index;
  if (e.input_truncated) r.truncated = true;
  return r;
}

/** Counts from the end of a response, without parsing it (keys are in a fixed order: docs/abi.md). */
export function statsOf(response: string): { events: number; errors: number; skipped: number } {
  const m = /"stats":\{"inputs":(\d+),"events":(\d+),"errors":(\d+),"skipped":(\d+)\}\}$/.exec(response.slice(-200));
  if (!m) throw new Error(`unexpected response end: ${response.slice(-200)}`);
  return { events: Number(m[2]), errors: Number(m[3]), skipped: Number(m[4]) };
}

export function consume(it: WorkItem, sink: EventSink) {
  switch (it.k) {
    case 'error':
      sink.error(it.row);
      return;
    case 'end':
      return;
    case 'doc': {
      const r = JSON.parse(it.text) as Response;
      for (const x of r.errors) sink.error(errorRow(x, it.name, x.line));
      r.events.forEach((ev, sub) => sink.event(ev, it.file, 0, it.len, sub));
      return;
    }
    case 'line': {
      const r = JSON.parse(it.text) as Response;
      for (const x of r.errors) sink.error(errorRow(x, it.name, x.line ?? it.line));
      r.events.forEach((ev, sub) => sink.event(ev, it.file, it.off, it.len, sub));
      return;
    }
    case 'lines': {
      const r = JSON.parse(it.text) as Response;
      // The response numbers lines as the file does: line L is batch line L - firstLine (0-based).
      const errLines = new Set<number>();
      for (const x of r.errors) {
        errLines.add((x.line ?? it.firstLine) - it.firstLine);
        sink.error(errorRow(x, it.name, x.line));
      }
      let j = 0;
      for (let k = 0; k < it.starts.length && j < r.events.length; k++) {
        if (!it.unit[k] || errLines.has(k)) continue;
        sink.event(r.events[j++], it.file, it.base + it.starts[k], it.ends[k] - it.starts[k], 0);
      }
      return;
    }
  }
}
