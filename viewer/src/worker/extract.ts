// Turn parsed OCSF events into compact columns. The only place that knows which event fields the
// table, facets and histogram need (DESIGN.md: what a `project` entry point would return).
import type { OcsfApiActivity } from '../engine/s3norm';
import { DICT_FIELDS, safeRid, type DictField, type RowBatch } from '../protocol';

class Dict {
  map = new Map<string, number>([['', 0]]);
  pending: string[] = [];
  id(s: string | undefined): number {
    if (s === undefined || s === '') return 0;
    let id = this.map.get(s);
    if (id === undefined) {
      id = this.map.size;
      this.map.set(s, id);
      this.pending.push(s);
    }
    return id;
  }
  take(): string[] {
    const p = this.pending;
    this.pending = [];
    return p;
  }
}

/** Accumulates rows for one batch; `flush` hands the typed arrays over. */
export class ColumnBuilder {
  private dicts = Object.fromEntries(DICT_FIELDS.map((f) => [f, new Dict()])) as Record<DictField, Dict>;
  private cap = 0;
  n = 0;
  private time!: Float64Array;
  private src!: Uint8Array;
  private act!: Uint8Array;
  private status!: Uint16Array;
  private bytes!: Float64Array;
  private cte!: Uint8Array;
  private dict!: Record<DictField, Uint32Array>;
  private rid = new Uint8Array(1 << 16);
  private ridLen = 0;
  private file!: Uint32Array;
  private off!: Float64Array;
  private len!: Uint32Array;
  private sub!: Uint32Array;

  constructor() {
    this.alloc(4096);
  }

  private alloc(cap: number) {
    const grow = <T extends Float64Array | Uint8Array | Uint16Array | Uint32Array>(old: T | undefined, make: (n: number) => T): T => {
      const a = make(cap);
      if (old) a.set(old.subarray(0, this.n) as never);
      return a;
    };
    this.time = grow(this.time, (n) => new Float64Array(n));
    this.src = grow(this.src, (n) => new Uint8Array(n));
    this.act = grow(this.act, (n) => new Uint8Array(n));
    this.status = grow(this.status, (n) => new Uint16Array(n));
    this.bytes = grow(this.bytes, (n) => new Float64Array(n));
    this.cte = grow(this.cte, (n) => new Uint8Array(n));
    const old = this.dict;
    this.dict = Object.fromEntries(DICT_FIELDS.map((f) => [f, grow(old?.[f], (n) => new Uint32Array(n))])) as Record<DictField, Uint32Array>;
    this.file = grow(this.file, (n) => new Uint32Array(n));
    this.off = grow(this.off, (n) => new Float64Array(n));
    this.len = grow(this.len, (n) => new Uint32Array(n));
    this.sub = grow(this.sub, (n) => new Uint32Array(n));
    this.cap = cap;
  }

  add(e: OcsfApiActivity, file: number, off: number, len: number, sub: number) {
    if (this.n === this.cap) this.alloc(this.cap * 2);
    const i = this.n++;
    this.time[i] = e.time;
    this.src[i] = e.metadata.product.name === 'Amazon S3' ? 0 : 1;
    this.act[i] = e.activity_id;
    this.status[i] = e.http_response?.code ?? 0;
    const s3 = e.unmapped?.s3;
    const b = s3?.bytes_out ?? e.http_response?.length;
    this.bytes[i] = b === undefined ? NaN : b;
    this.cte[i] = s3?.cloudtrail_equivalent === undefined ? 0 : s3.cloudtrail_equivalent ? 1 : 2;
    const d = this.dicts;
    this.dict.op[i] = d.op.id(e.api.operation);
    this.dict.err[i] = d.err.id(e.api.response?.error ?? e.status_code);
    const u = e.actor?.user;
    this.dict.actor[i] = d.actor.id(u?.uid ?? u?.name ?? u?.type);
    this.dict.ip[i] = d.ip.id(e.src_endpoint?.ip ?? e.src_endpoint?.svc_name);
    let bucket: string | undefined;
    let key: string | undefined;
    for (const r of e.resources ?? []) {
      if (bucket === undefined && r.type === 'AWS::S3::Bucket') bucket = r.name;
      else if (key === undefined && r.type === 'AWS::S3::Object') key = r.name;
    }
    this.dict.bucket[i] = d.bucket.id(bucket);
    this.dict.key[i] = d.key.id(key);
    this.dict.ua[i] = d.ua.id(e.http_request?.user_agent);
    this.pushRid(e.api.request?.uid ?? '');
    this.file[i] = file;
    this.off[i] = off;
    this.len[i] = len;
    this.sub[i] = sub;
  }

  private pushRid(rid: string) {
    const safe = safeRid(rid);
    if (this.ridLen + safe.length + 1 > this.rid.length) {
      const b = new Uint8Array(Math.max(this.rid.length * 2, this.ridLen + safe.length + 1));
      b.set(this.rid.subarray(0, this.ridLen));
      this.rid = b;
    }
    for (let i = 0; i < safe.length; i++) this.rid[this.ridLen++] = safe.charCodeAt(i);
    this.rid[this.ridLen++] = 0x0a;
  }

  /** The rows so far as a batch (typed arrays cut to size, to be transferred), and a fresh start. */
  flush(): { batch: RowBatch; transfer: ArrayBuffer[] } {
    const n = this.n;
    const cut = <T extends Float64Array | Uint8Array | Uint16Array | Uint32Array>(a: T): T => a.slice(0, n) as T;
    const batch: RowBatch = {
      n,
      time: cut(this.time),
      src: cut(this.src),
      act: cut(this.act),
      status: cut(this.status),
      bytes: cut(this.bytes),
      cte: cut(this.cte),
      dict: Object.fromEntries(DICT_FIELDS.map((f) => [f, cut(this.dict[f])])) as Record<DictField, Uint32Array>,
      dictAdds: Object.fromEntries(DICT_FIELDS.map((f) => [f, this.dicts[f].take()])) as Record<DictField, string[]>,
      ridBytes: this.rid.slice(0, this.ridLen),
      file: cut(this.file),
      off: cut(this.off),
      len: cut(this.len),
      sub: cut(this.sub),
    };
    this.ridLen = 0;
    this.n = 0;
    const transfer = [batch.ridBytes, batch.time, batch.src, batch.act, batch.status, batch.bytes, batch.cte, batch.file, batch.off, batch.len, batch.sub, ...Object.values(batch.dict)].map(
      (a) => a.buffer as ArrayBuffer,
    );
    return { batch, transfer };
  }
}
