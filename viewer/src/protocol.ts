// Messages between the page and the parse worker, and the compact column layout shared by both.
// The page never holds one object per event: a row is an index into the columns below.
import type { Coverage } from './engine/s3norm';

/** Dictionary-encoded string columns (id 0 is always the empty string: "absent"). */
export const DICT_FIELDS = ['op', 'err', 'actor', 'ip', 'bucket', 'key', 'ua'] as const;
export type DictField = (typeof DICT_FIELDS)[number];

/** A batch of rows, column by column (every array has length `n`). Transferred, not copied. */
export interface RowBatch {
  n: number;
  /** Epoch milliseconds. */
  time: Float64Array;
  /** 0 server access log, 1 CloudTrail. */
  src: Uint8Array;
  /** OCSF activity_id (1 Create, 2 Read, 3 Update, 4 Delete, 99 Other). */
  act: Uint8Array;
  /** HTTP status, 0 when absent. */
  status: Uint16Array;
  /** Bytes sent (unmapped.s3.bytes_out, else http_response.length); NaN when absent. */
  bytes: Float64Array;
  /** unmapped.s3.cloudtrail_equivalent: 0 absent, 1 true, 2 false. */
  cte: Uint8Array;
  dict: Record<DictField, Uint32Array>;
  /** New dictionary strings, in id order, appended to the page's copy before this batch is read. */
  dictAdds: Record<DictField, string[]>;
  /** S3 request IDs (api.request.uid) as ASCII bytes, each followed by a newline (an absent one
   * is just the newline): no string per row. Characters outside printable ASCII are written as
   * \uXXXX (a request ID never has them; a hostile record might). */
  ridBytes: Uint8Array;
  /** Where the row came from: file id, byte offset and length of its line (or document) in the
   * decompressed file, and the event's ordinal within that line/document. */
  file: Uint32Array;
  off: Float64Array;
  len: Uint32Array;
  sub: Uint32Array;
}

/** One error record, with the file it came from (line numbers are the file's own). */
export interface ErrorRow {
  file: string;
  kind: string;
  message: string;
  line?: number;
  index?: number;
  input: string;
  truncated?: boolean;
  /** The viewer kept only the start of the text (after the first 10,000 error records). */
  cut?: boolean;
}

export interface FileInfo {
  id: number;
  name: string;
  size: number;
  gz: boolean;
}

export interface Progress {
  bytesDone: number;
  bytesTotal: number;
  lines: number;
  events: number;
  errors: number;
  skipped: number;
  elapsedMs: number;
  file: string;
}

/** What the page sends for loading: files (with their relative paths) or pasted text. */
export interface LoadItem {
  name: string;
  file?: File;
  text?: string;
}

export type ToWorker =
  | { t: 'load'; items: LoadItem[] }
  | { t: 'detail'; id: number; file: number; off: number; len: number; sub: number }
  | { t: 'export'; id: number; mask: Uint8Array }
  /** Send the coverage report now (during a load: when the current file ends). */
  | { t: 'coverage' }
  | { t: 'cancel' }
  /** The parse worker's end of the channel to the columns worker. */
  | { t: 'port'; port: MessagePort };

export type FromWorker =
  | { t: 'ready'; version: string; abi: number }
  /** The package's coverage report of every file read so far (`partial`: sent during a load). */
  | { t: 'coverage'; report: Coverage; partial: boolean }
  | { t: 'files'; files: FileInfo[] }
  | { t: 'rows'; batch: RowBatch }
  | { t: 'errors'; rows: ErrorRow[] }
  | { t: 'progress'; p: Progress }
  | { t: 'done'; p: Progress; cancelled: boolean }
  | { t: 'detail'; id: number; ok: true; kind: 'sal' | 'cloudtrail'; raw: string; event: string; fields: SalFieldLabel[] | null }
  | { t: 'detail'; id: number; ok: false; message: string }
  | { t: 'export'; id: number; blob: Blob; count: number }
  | { t: 'fatal'; message: string }
  /** The columns worker has its end of the channel. */
  | { t: 'columns-ready' };

/** A request ID as the columns keep it: printable ASCII as is, anything else as \uXXXX. */
export function safeRid(rid: string): string {
  return /^[\x21-\x7e]*$/.test(rid) ? rid : rid.replace(/[^\x21-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One labelled field of a SAL line (the package's salFields): UTF-16 offsets into the line. */
export interface SalFieldLabel {
  n: number;
  name: string;
  start: number;
  end: number;
}
