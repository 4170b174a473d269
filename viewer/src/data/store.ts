// The page's copy of the loaded rows: compact typed columns (about 70 bytes a row plus the
// request ID), dictionary strings, error records. No per-event objects.
import { DICT_FIELDS, type DictField, type ErrorRow, type FileInfo, type RowBatch } from '../protocol';

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
  rid: string[] = [];
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
    for (const r of b.rid) this.rid.push(r);
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

  fileName(row: number): string {
    return this.files[this.file[row]]?.name ?? '';
  }

  /** Approximate bytes held by the columns (for the status line). */
  columnBytes(): number {
    let b = this.cap * (8 + 1 + 1 + 2 + 8 + 1 + 4 + 8 + 4 + 4 + 4 * DICT_FIELDS.length);
    for (const r of this.rid) b += r.length + 16;
    return b;
  }
}
