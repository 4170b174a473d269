// The page's copy of the loaded rows: compact typed columns (about 70 bytes a row plus the
// request ID), dictionary strings, error records. No per-event objects.
import { DICT_FIELDS, safeRid, type DictField, type ErrorRow, type FileInfo, type RowBatch } from '../protocol';

type Num = Float64Array | Uint8Array | Uint16Array | Uint32Array;

function grow<T extends Num>(a: T, n: number, cap: number): T {
  const b = new (a.constructor as { new (n: number): T })(cap);
  b.set(a.subarray(0, n) as never);
  return b;
}

export class Store {
  n = 0;
  private cap = 0;
  time = new Float64Array(0);
  src = new Uint8Array(0);
  act = new Uint8Array(0);
  status = new Uint16Array(0);
  bytes = new Float64Array(0);
  cte = new Uint8Array(0);
  dict = Object.fromEntries(DICT_FIELDS.map((f) => [f, new Uint32Array(0)])) as Record<DictField, Uint32Array>;
  /** Dictionary strings by id (id 0: ''). */
  strings = Object.fromEntries(DICT_FIELDS.map((f) => [f, ['']])) as Record<DictField, string[]>;
  /** Request IDs: ASCII bytes, each followed by '\n'; row i's runs from ridStart[i] to ridStart[i + 1] - 1. */
  ridBuf = new Uint8Array(0);
  ridStart = new Uint32Array(1);
  file = new Uint32Array(0);
  off = new Float64Array(0);
  len = new Uint32Array(0);
  sub = new Uint32Array(0);
  files: FileInfo[] = [];
  errors: ErrorRow[] = [];
  tMin = Infinity;
  tMax = -Infinity;
  /** Bumped on every change, so caches know when they are stale. */
  version = 0;

  /**
   * Make room for about `rows` more rows at once (the page calls this with an estimate from the
   * files' sizes), so a long load does not copy every column each time it doubles. Memory that
   * is never written is never touched, so a generous estimate costs little.
   */
  reserve(rows: number) {
    this.ensure(Math.min(rows, 50_000_000));
  }

  private ensure(extra: number) {
    const need = this.n + extra;
    if (need <= this.cap) return;
    const cap = Math.max(need, this.cap * 2, 65536);
    const n = this.n;
    this.time = grow(this.time, n, cap);
    this.src = grow(this.src, n, cap);
    this.act = grow(this.act, n, cap);
    this.status = grow(this.status, n, cap);
    this.bytes = grow(this.bytes, n, cap);
    this.cte = grow(this.cte, n, cap);
    for (const f of DICT_FIELDS) this.dict[f] = grow(this.dict[f], n, cap);
    this.file = grow(this.file, n, cap);
    this.off = grow(this.off, n, cap);
    this.len = grow(this.len, n, cap);
    this.sub = grow(this.sub, n, cap);
    this.ridStart = grow(this.ridStart, n + 1, cap + 1);
    this.cap = cap;
  }

  append(b: RowBatch) {
    for (const f of DICT_FIELDS) {
      const s = this.strings[f];
      for (const x of b.dictAdds[f]) s.push(x);
    }
    this.ensure(b.n);
    const n = this.n;
    this.time.set(b.time, n);
    this.src.set(b.src, n);
    this.act.set(b.act, n);
    this.status.set(b.status, n);
    this.bytes.set(b.bytes, n);
    this.cte.set(b.cte, n);
    for (const f of DICT_FIELDS) this.dict[f].set(b.dict[f], n);
    // Request IDs: append the bytes, record where each row's starts.
    const rb = b.ridBytes;
    const at = this.ridStart[n];
    if (at + rb.length > this.ridBuf.length) {
      const nb = new Uint8Array(Math.max(at + rb.length, this.ridBuf.length * 2, 1 << 20));
      nb.set(this.ridBuf.subarray(0, at));
      this.ridBuf = nb;
    }
    this.ridBuf.set(rb, at);
    let row = n;
    for (let i = 0; i < rb.length; i++) if (rb[i] === 0x0a) this.ridStart[++row] = at + i + 1;
    this.file.set(b.file, n);
    this.off.set(b.off, n);
    this.len.set(b.len, n);
    this.sub.set(b.sub, n);
    for (let i = 0; i < b.n; i++) {
      const t = b.time[i];
      if (t < this.tMin) this.tMin = t;
      if (t > this.tMax) this.tMax = t;
    }
    this.n += b.n;
    this.version++;
  }

  addErrors(rows: ErrorRow[]) {
    for (const r of rows) this.errors.push(r);
    this.version++;
  }

  /** Row i's request ID ('' when absent). */
  rid(i: number): string {
    const a = this.ridStart[i];
    const b = this.ridStart[i + 1] - 1;
    return b > a ? String.fromCharCode.apply(null, this.ridBuf.subarray(a, b) as unknown as number[]) : '';
  }

  /** The request IDs of rows [0, to) as one string, each followed by '\n' (positions = ridStart). */
  ridText(from: number, to: number): string {
    const a = this.ridStart[from];
    const b = this.ridStart[to];
    let out = '';
    for (let p = a; p < b; p += 65536) out += String.fromCharCode.apply(null, this.ridBuf.subarray(p, Math.min(b, p + 65536)) as unknown as number[]);
    return out;
  }

  /** Rows whose request ID is exactly `rid`. */
  rowsWithRid(rid: string): number[] {
    const out: number[] = [];
    if (rid === '') return out;
    rid = safeRid(rid);
    const len = rid.length;
    const bytes = Uint8Array.from(rid, (c) => c.charCodeAt(0));
    const buf = this.ridBuf;
    const st = this.ridStart;
    outer: for (let i = 0; i < this.n; i++) {
      const a = st[i];
      if (st[i + 1] - 1 - a !== len) continue;
      for (let k = 0; k < len; k++) if (buf[a + k] !== bytes[k]) continue outer;
      out.push(i);
    }
    return out;
  }

  /** Rows (row ids) of one request ID, per source: the same-request view's two sides. */
  rowsOfRequest(rid: string): { sal: number[]; cloudtrail: number[] } {
    const sal: number[] = [];
    const cloudtrail: number[] = [];
    for (const i of this.rowsWithRid(rid)) (this.src[i] === 0 ? sal : cloudtrail).push(i);
    return { sal, cloudtrail };
  }

  fileName(row: number): string {
    return this.files[this.file[row]]?.name ?? '';
  }

  /** Approximate bytes held by the columns (for the status line). */
  columnBytes(): number {
    return this.cap * (8 + 1 + 1 + 2 + 8 + 1 + 4 + 8 + 4 + 4 + 4 + 4 * DICT_FIELDS.length) + this.ridBuf.length;
  }
}
