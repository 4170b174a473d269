// Filtering, facet counts, the time histogram and sorting over the Store's columns. One pass over
// the rows per change; facet counts follow the usual rule (each facet counts the rows that pass
// every filter except its own), computed in the same pass by counting rows that fail exactly one.
import { DICT_FIELDS, type DictField } from '../protocol';
import type { Store } from './store';

export const FACETS = ['src', 'op', 'act', 'status', 'err', 'actor', 'ip', 'bucket', 'cte'] as const;
export type FacetField = (typeof FACETS)[number];

export const FACET_TITLES: Record<FacetField, string> = {
  src: 'Source',
  op: 'Operation',
  act: 'Activity',
  status: 'HTTP status',
  err: 'Error code',
  actor: 'Actor',
  ip: 'Source IP',
  bucket: 'Bucket',
  cte: 'cloudtrail_equivalent',
};

/** The URL-facing names of the facets (facet-<name> test ids too). */
export const FACET_NAMES: Record<FacetField, string> = {
  src: 'source',
  op: 'operation',
  act: 'activity',
  status: 'status',
  err: 'error_code',
  actor: 'actor',
  ip: 'source_ip',
  bucket: 'bucket',
  cte: 'cloudtrail_equivalent',
};

export const SORT_COLUMNS = ['time', 'src', 'op', 'status', 'actor', 'ip', 'bucket', 'key', 'bytes', 'ua'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];

export interface FilterState {
  inc: Partial<Record<FacetField, string[]>>;
  exc: Partial<Record<FacetField, string[]>>;
  /** Time range [t0, t1), epoch ms. */
  t0?: number;
  t1?: number;
  q: string;
  re: boolean;
  sort: SortColumn;
  desc: boolean;
}

export const emptyFilter = (): FilterState => ({ inc: {}, exc: {}, q: '', re: false, sort: 'time', desc: false });

export const SOURCE_LABELS = ['SAL', 'CloudTrail'];
const ACTIVITY: Record<number, string> = { 0: 'Unknown', 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete', 99: 'Other' };
const CTE = ['(absent)', 'true', 'false'];
export const NONE = '(none)';

/** A facet's per-row codes, the number of codes, and the label of a code. */
export function facetColumn(s: Store, f: FacetField): { codes: ArrayLike<number>; size: number; label: (c: number) => string } {
  switch (f) {
    case 'src':
      return { codes: s.src, size: 2, label: (c) => SOURCE_LABELS[c] };
    case 'act':
      return { codes: s.act, size: 256, label: (c) => ACTIVITY[c] ?? String(c) };
    case 'status':
      return { codes: s.status, size: 65536, label: (c) => (c === 0 ? NONE : String(c)) };
    case 'cte':
      return { codes: s.cte, size: 3, label: (c) => CTE[c] };
    default: {
      const strings = s.strings[f as DictField];
      return { codes: s.dict[f as DictField], size: strings.length, label: (c) => (c === 0 ? NONE : strings[c]) };
    }
  }
}

/** The code of a facet label (undefined when no row has it). */
function codeOf(s: Store, f: FacetField, label: string): number | undefined {
  switch (f) {
    case 'src':
      return SOURCE_LABELS.indexOf(label) >= 0 ? SOURCE_LABELS.indexOf(label) : undefined;
    case 'act': {
      const e = Object.entries(ACTIVITY).find(([, v]) => v === label);
      return e ? Number(e[0]) : undefined;
    }
    case 'status':
      return label === NONE ? 0 : /^\d+$/.test(label) ? Number(label) : undefined;
    case 'cte':
      return CTE.indexOf(label) >= 0 ? CTE.indexOf(label) : undefined;
    default: {
      if (label === NONE) return 0;
      const i = s.strings[f as DictField].indexOf(label);
      return i > 0 ? i : undefined;
    }
  }
}

// ---- search -----------------------------------------------------------------------------------

/** The columns search looks at. */
const SEARCH_DICTS: DictField[] = ['op', 'err', 'actor', 'ip', 'bucket', 'key', 'ua'];

export function compileSearch(q: string, re: boolean): RegExp | null | Error {
  if (q === '') return null;
  try {
    return re ? new RegExp(q, 'i') : new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/**
 * A column's strings lowercased and joined with newlines, with each string's start: a substring
 * search is then one native indexOf scan over all of them, whatever their number.
 */
class Joined {
  count = -1;
  text = '';
  starts = new Uint32Array(0);

  /** The index of strings[0..count); extended (not rebuilt) when only new strings were added. */
  of(strings: string[], count: number): this {
    if (count === this.count) return this;
    const from = count > this.count && this.count >= 0 ? this.count : 0;
    const lower = new Array<string>(count - from);
    const starts = new Uint32Array(count + 1);
    if (from > 0) starts.set(this.starts.subarray(0, from + 1));
    let pos = from > 0 ? this.starts[from] : 0;
    for (let i = from; i < count; i++) {
      const l = strings[i].toLowerCase();
      lower[i - from] = l;
      starts[i] = pos;
      pos += l.length + 1;
    }
    starts[count] = pos;
    const part = lower.join('\n');
    this.text = from > 0 ? this.text + '\n' + part : part;
    this.starts = starts;
    this.count = count;
    return this;
  }

  /** The index of the store's request IDs (already newline-separated bytes: no copy per row). */
  ofRid(s: Store, count: number): this {
    if (count === this.count) return this;
    const from = count > this.count && this.count >= 0 ? this.count : 0;
    const part = s.ridText(from, count).toLowerCase();
    this.text = from > 0 ? this.text + part : part;
    this.starts = s.ridStart;
    this.count = count;
    return this;
  }

  /** Mark rows whose string a regular expression matches (run over the joined text, 'm' mode). */
  markRegex(rx: RegExp, hit: Uint8Array, from: number) {
    const g = new RegExp(rx.source, 'gim');
    const { text, starts } = this;
    g.lastIndex = starts[from];
    for (;;) {
      const m = g.exec(text);
      if (!m) return;
      if (m[0].length === 0) g.lastIndex++;
      let lo = from;
      let hi = this.count - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= m.index) lo = mid;
        else hi = mid - 1;
      }
      if (starts[lo + 1] - 1 > starts[lo]) hit[lo] = 1; // not an absent (empty) ID
      if (g.lastIndex >= text.length) return;
    }
  }

  /** Mark (hit[i] = 1) every string that contains q (lowercase). */
  mark(q: string, hit: Uint8Array) {
    hit.fill(0, 0, this.count);
    const { text, starts } = this;
    let from = 0;
    for (;;) {
      const at = text.indexOf(q, from);
      if (at < 0) return;
      let lo = 0;
      let hi = this.count - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= at) lo = mid;
        else hi = mid - 1;
      }
      hit[lo] = 1;
      from = starts[lo + 1];
    }
  }
}

/** Row matches of one search, extended incrementally as rows and dictionary strings arrive. */
class SearchCache {
  key = '';
  dictHit = Object.fromEntries(DICT_FIELDS.map((f) => [f, new Uint8Array(0)])) as Record<DictField, Uint8Array>;
  dictDone = Object.fromEntries(DICT_FIELDS.map((f) => [f, 0])) as Record<DictField, number>;
  ridHit = new Uint8Array(0);
  ridDone = 0;
  rowHit = new Uint8Array(0);
  rowDone = 0;
  private joined = Object.fromEntries([...DICT_FIELDS, 'rid'].map((f) => [f, new Joined()])) as Record<DictField | 'rid', Joined>;

  /**
   * Build the substring indexes ahead of the first search, a step at a time (after a load, when
   * the page is idle): returns false while there is more to do.
   */
  warmStep(s: Store): boolean {
    for (const f of SEARCH_DICTS) {
      const j = this.joined[f];
      if (j.count !== s.strings[f].length) {
        j.of(s.strings[f], Math.min(s.strings[f].length, Math.max(j.count, 0) + 200_000));
        return false;
      }
    }
    const j = this.joined.rid;
    if (j.count !== s.n) {
      j.ofRid(s, Math.min(s.n, Math.max(j.count, 0) + 200_000));
      return false;
    }
    return true;
  }

  get(s: Store, rx: RegExp, key: string, literal: string | null): Uint8Array {
    if (key !== this.key) {
      this.key = key;
      for (const f of DICT_FIELDS) this.dictDone[f] = 0;
      this.ridDone = 0;
      this.rowDone = 0;
    }
    const grow = (a: Uint8Array, n: number): Uint8Array<ArrayBuffer> => {
      if (a.length >= n) return a as Uint8Array<ArrayBuffer>;
      const b = new Uint8Array(Math.max(n, a.length * 2));
      b.set(a);
      return b;
    };
    for (const f of SEARCH_DICTS) {
      const strs = s.strings[f];
      this.dictHit[f] = grow(this.dictHit[f], strs.length);
      if (this.dictDone[f] === strs.length) continue;
      const hit = this.dictHit[f];
      if (literal !== null) this.joined[f].of(strs, strs.length).mark(literal, hit);
      else for (let i = this.dictDone[f]; i < strs.length; i++) hit[i] = rx.test(strs[i]) ? 1 : 0;
      hit[0] = 0;
      this.dictDone[f] = strs.length;
    }
    this.ridHit = grow(this.ridHit, s.n);
    if (this.ridDone !== s.n) {
      const j = this.joined.rid.ofRid(s, s.n);
      if (literal !== null) j.mark(literal, this.ridHit);
      else {
        this.ridHit.fill(0, this.ridDone, s.n);
        j.markRegex(rx, this.ridHit, this.ridDone);
      }
      this.ridDone = s.n;
    }
    this.rowHit = grow(this.rowHit, s.n);
    const { op, err, actor, ip, bucket, key: k, ua } = this.dictHit;
    const d = s.dict;
    const rows = this.rowHit;
    const rid = this.ridHit;
    for (let i = this.rowDone; i < s.n; i++) {
      rows[i] = op[d.op[i]] | err[d.err[i]] | actor[d.actor[i]] | ip[d.ip[i]] | bucket[d.bucket[i]] | k[d.key[i]] | ua[d.ua[i]] | rid[i];
    }
    this.rowDone = s.n;
    return rows;
  }
}

// ---- sorting ----------------------------------------------------------------------------------

/** Row ids in ascending order of a column (stable: ties keep load order), cached per column. */
class SortCache {
  private perms = new Map<SortColumn, { n: number; perm: Uint32Array }>();

  get(s: Store, col: SortColumn): Uint32Array {
    const c = this.perms.get(col);
    if (c && c.n === s.n) return c.perm;
    const perm = sortRows(s, col);
    this.perms.set(col, { n: s.n, perm });
    return perm;
  }
}

function sortRows(s: Store, col: SortColumn): Uint32Array {
  const n = s.n;
  if (col === 'src' || col === 'status') return countingSort(col === 'src' ? s.src : s.status, n, col === 'src' ? 2 : 65536);
  if (col === 'time' || col === 'bytes') {
    const key = col === 'time' ? s.time.subarray(0, n) : Float64Array.from(s.bytes.subarray(0, n), (b) => (Number.isNaN(b) ? -1 : b));
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) if (!(key[i - 1] <= key[i])) sorted = false;
    if (sorted) return Uint32Array.from({ length: n }, (_, i) => i);
    return packedSort(key, n);
  }
  // Dictionary column: rank the strings once, then a counting sort of the rows by rank.
  const f = col as DictField;
  const strs = s.strings[f];
  const order = Array.from(strs.keys()).sort((a, b) => (strs[a] < strs[b] ? -1 : strs[a] > strs[b] ? 1 : 0));
  const rank = new Uint32Array(strs.length);
  order.forEach((id, r) => (rank[id] = r));
  const codes = s.dict[f];
  const ranks = new Uint32Array(n);
  for (let i = 0; i < n; i++) ranks[i] = rank[codes[i]];
  return countingSort(ranks, n, strs.length);
}

/** Stable counting sort of row ids by a small integer key. */
function countingSort(key: ArrayLike<number>, n: number, size: number): Uint32Array {
  const perm = new Uint32Array(n);
  const count = new Uint32Array(size + 1);
  for (let i = 0; i < n; i++) count[key[i] + 1]++;
  for (let r = 1; r <= size; r++) count[r] += count[r - 1];
  for (let i = 0; i < n; i++) perm[count[key[i]]++] = i;
  return perm;
}

/**
 * Row ids by a time-like key, stable. When the keys are whole seconds (both logs write whole
 * seconds) or whole milliseconds spanning less than 2^32 units, an LSD radix sort on 32-bit
 * offsets: two counting passes, a few tens of milliseconds for a million rows. Otherwise a
 * comparator sort.
 */
function packedSort(key: Float64Array, n: number): Uint32Array {
  let min = Infinity;
  let max = -Infinity;
  let wholeMs = true;
  let wholeS = true;
  for (let i = 0; i < n; i++) {
    const k = key[i];
    if (k < min) min = k;
    if (k > max) max = k;
    if (wholeMs && !Number.isInteger(k)) wholeMs = wholeS = false;
    else if (wholeS && k % 1000 !== 0) wholeS = false;
  }
  const unit = wholeS ? 1000 : wholeMs ? 1 : 0;
  if (unit && (max - min) / unit < 2 ** 32) {
    const k32 = new Uint32Array(n);
    for (let i = 0; i < n; i++) k32[i] = (key[i] - min) / unit;
    return radixSort32(k32, n);
  }
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  return perm.sort((a, b) => key[a] - key[b] || a - b);
}

/** Stable LSD radix sort of row ids by 32-bit keys, 16 bits a pass. */
function radixSort32(k: Uint32Array, n: number): Uint32Array {
  let src = new Uint32Array(n);
  for (let i = 0; i < n; i++) src[i] = i;
  let dst = new Uint32Array(n);
  for (const shift of [0, 16]) {
    const count = new Uint32Array(65537);
    for (let i = 0; i < n; i++) count[((k[src[i]] >>> shift) & 0xffff) + 1]++;
    for (let d = 1; d <= 65536; d++) count[d] += count[d - 1];
    for (let i = 0; i < n; i++) {
      const r = src[i];
      dst[count[(k[r] >>> shift) & 0xffff]++] = r;
    }
    [src, dst] = [dst, src];
  }
  return src;
}

// ---- the query --------------------------------------------------------------------------------

export const HIST_BINS = 120;

export interface QueryResult {
  /** Matching row ids in display order. */
  view: Uint32Array;
  count: number;
  /** Per facet: count of each code. */
  facets: Record<FacetField, Uint32Array>;
  hist: { t0: number; t1: number; bins: Uint32Array };
  /** Why the search did nothing, when the regex does not compile. */
  searchError?: string;
  /** Set when the view is in load order because sorting waits for the load to finish. */
  unsorted: boolean;
  ms: number;
}

export class QueryEngine {
  private search = new SearchCache();
  private sorts = new SortCache();
  private mask = new Uint8Array(0);
  private fails = new Uint8Array(0);
  private viewBuf = new Uint32Array(0);
  private prev: { key: string; n: number; count: number; unsorted: boolean } | null = null;
  private which = new Uint8Array(0);
  private counts = new Map<FacetField, Uint32Array>();

  constructor(private s: Store) {}

  /** Build the search indexes ahead of the first search (each step its own task: no long freeze). */
  warmSearch(): boolean {
    return this.search.warmStep(this.s);
  }

  /** One search that matches nothing, so the first real one runs already-compiled loops. */
  warmQuery() {
    this.run({ ...emptyFilter(), q: '\u0000' }, true);
  }

  /** The match flags of the last run (row id → 1), e.g. for an export. */
  lastMask(): Uint8Array {
    return this.mask.slice(0, this.s.n);
  }

  run(st: FilterState, allowSort = true): QueryResult {
    const t = performance.now();
    const s = this.s;
    const n = s.n;
    // While a load adds rows and the filter stays the same, only the new rows are evaluated: the
    // counts, match mask and (load-order) view of the last run are extended.
    const key = JSON.stringify([st.inc, st.exc, st.t0, st.t1, st.q, st.re]);
    const prev = this.prev;
    const start = !allowSort && prev && prev.key === key && prev.unsorted && prev.n <= n ? prev.n : 0;
    const keep = <T extends Uint8Array | Uint32Array>(a: T, size: number): T => {
      if (a.length >= size) return a;
      const b = new (a.constructor as { new (n: number): T })(Math.max(size, a.length * 2));
      if (start > 0) b.set(a as never);
      return b;
    };
    this.mask = keep(this.mask, n);
    const mask = this.mask;

    // Facets: per facet its codes, counts, and the include/exclude lookup table when filtered.
    const cols = FACETS.map((f) => facetColumn(s, f));
    const counts = FACETS.map((f, k) => {
      let c = this.counts.get(f);
      if (!c || c.length < cols[k].size) {
        const grown = new Uint32Array(cols[k].size);
        if (c && start > 0) grown.set(c);
        c = grown;
        this.counts.set(f, c);
      } else if (start === 0) c.fill(0);
      return c;
    });
    const active: number[] = [];
    const luts: Uint8Array[] = [];
    const hasInc: boolean[] = [];
    FACETS.forEach((f, k) => {
      const inc = st.inc[f] ?? [];
      const exc = st.exc[f] ?? [];
      if (inc.length === 0 && exc.length === 0) return;
      const lut = new Uint8Array(cols[k].size);
      for (const v of inc) {
        const c = codeOf(s, f, v);
        if (c !== undefined) lut[c] = 1;
      }
      for (const v of exc) {
        const c = codeOf(s, f, v);
        if (c !== undefined) lut[c] = 2;
      }
      active.push(k);
      luts.push(lut);
      hasInc.push(inc.length > 0);
    });

    let rx: RegExp | null = null;
    let searchError: string | undefined;
    const compiled = compileSearch(st.q, st.re);
    if (compiled instanceof Error) searchError = compiled.message;
    else rx = compiled;
    const hits = rx ? this.search.get(s, rx, `${st.re ? 're' : 'sub'}:${st.q}`, st.re ? null : st.q.toLowerCase()) : null;

    const useTime = st.t0 !== undefined && st.t1 !== undefined;
    const t0 = useTime ? st.t0! : s.tMin;
    const t1 = useTime ? st.t1! : s.tMax + 1;
    const bins = new Uint32Array(HIST_BINS);
    const binW = (t1 - t0) / HIST_BINS || 1;
    const time = s.time;

    // Pass 1, column by column (each loop reads one array: fast and monomorphic): how many
    // filters each row fails, and which facet when it fails one.
    this.fails = keep(this.fails, n);
    this.which = keep(this.which, n);
    const fails = this.fails;
    const which = this.which;
    fails.fill(0, start, n);
    active.forEach((k, a) => {
      const bad = new Uint8Array(luts[a].length);
      for (let c = 0; c < bad.length; c++) bad[c] = luts[a][c] === 2 || (hasInc[a] && luts[a][c] !== 1) ? 1 : 0;
      markFails(cols[k].codes as Codes, bad, start, n, fails, which, k);
    });
    if (useTime) {
      for (let i = start; i < n; i++) {
        const x = time[i];
        if (!(x >= t0 && x < t1)) {
          fails[i]++;
          which[i] = 255;
        }
      }
    }
    if (hits !== null) {
      for (let i = start; i < n; i++) {
        if (hits[i] === 0) {
          fails[i]++;
          which[i] = 255;
        }
      }
    }

    // Pass 2: rows that pass everything count in every facet and the histogram; rows that fail
    // exactly one facet count in that facet only.
    const [c0, c1, c2, c3, c4, c5, c6, c7, c8] = counts;
    const src = s.src;
    const act = s.act;
    const status = s.status;
    const cte = s.cte;
    const { op, err, actor, ip, bucket } = s.dict;
    let count = start > 0 ? prev!.count : 0;
    for (let i = start; i < n; i++) {
      const f = fails[i];
      if (f === 0) {
        mask[i] = 1;
        count++;
        c0[src[i]]++;
        c1[op[i]]++;
        c2[act[i]]++;
        c3[status[i]]++;
        c4[err[i]]++;
        c5[actor[i]]++;
        c6[ip[i]]++;
        c7[bucket[i]]++;
        c8[cte[i]]++;
      } else {
        mask[i] = 0;
        if (f === 1) {
          switch (which[i]) {
            case 0: c0[src[i]]++; break;
            case 1: c1[op[i]]++; break;
            case 2: c2[act[i]]++; break;
            case 3: c3[status[i]]++; break;
            case 4: c4[err[i]]++; break;
            case 5: c5[actor[i]]++; break;
            case 6: c6[ip[i]]++; break;
            case 7: c7[bucket[i]]++; break;
            case 8: c8[cte[i]]++; break;
          }
        }
      }
    }

    // The histogram: over every matching row (its range may have grown with the new rows).
    for (let i = 0; i < n; i++) {
      if (mask[i] === 0) continue;
      let b = Math.floor((time[i] - t0) / binW);
      if (b >= HIST_BINS) b = HIST_BINS - 1;
      if (b >= 0) bins[b]++;
    }

    // The view, in sort order. Sorting a growing table would redo the sort on every batch, so
    // during a load of many rows the view stays in load order.
    // One buffer, reused: a new result replaces the last one wholesale (or extends it).
    this.viewBuf = keep(this.viewBuf, count);
    const view = this.viewBuf.subarray(0, count);
    let unsorted = false;
    if (start > 0) {
      unsorted = true;
      let j = prev!.count;
      for (let i = start; i < n; i++) if (mask[i]) view[j++] = i;
    } else if (st.sort === 'time' && !st.desc && isAscending(s)) {
      let j = 0;
      for (let i = 0; i < n; i++) if (mask[i]) view[j++] = i;
    } else if (!allowSort) {
      unsorted = true;
      let j = 0;
      for (let i = 0; i < n; i++) if (mask[i]) view[j++] = i;
    } else {
      const perm = this.sorts.get(s, st.sort);
      let j = 0;
      if (st.desc) {
        for (let p = n - 1; p >= 0; p--) if (mask[perm[p]]) view[j++] = perm[p];
      } else {
        for (let p = 0; p < n; p++) if (mask[perm[p]]) view[j++] = perm[p];
      }
    }
    const facets = Object.fromEntries(FACETS.map((f, k) => [f, counts[k]])) as Record<FacetField, Uint32Array>;
    this.prev = { key, n, count, unsorted };
    return { view, count, facets, hist: { t0, t1, bins }, searchError, unsorted, ms: performance.now() - t };
  }
}

type Codes = Uint8Array | Uint16Array | Uint32Array;

// One copy of the marking loop per array type, so each stays monomorphic.
function markFails8(codes: Uint8Array, bad: Uint8Array, from: number, n: number, fails: Uint8Array, which: Uint8Array, k: number) {
  for (let i = from; i < n; i++) if (bad[codes[i]]) (fails[i]++, (which[i] = k));
}
function markFails16(codes: Uint16Array, bad: Uint8Array, from: number, n: number, fails: Uint8Array, which: Uint8Array, k: number) {
  for (let i = from; i < n; i++) if (bad[codes[i]]) (fails[i]++, (which[i] = k));
}
function markFails32(codes: Uint32Array, bad: Uint8Array, from: number, n: number, fails: Uint8Array, which: Uint8Array, k: number) {
  for (let i = from; i < n; i++) if (bad[codes[i]]) (fails[i]++, (which[i] = k));
}
function markFails(codes: Codes, bad: Uint8Array, from: number, n: number, fails: Uint8Array, which: Uint8Array, k: number) {
  if (codes instanceof Uint8Array) markFails8(codes, bad, from, n, fails, which, k);
  else if (codes instanceof Uint16Array) markFails16(codes, bad, from, n, fails, which, k);
  else markFails32(codes, bad, from, n, fails, which, k);
}

const ascCache = new WeakMap<Store, { v: number; asc: boolean }>();
function isAscending(s: Store): boolean {
  const c = ascCache.get(s);
  if (c && c.v === s.version) return c.asc;
  let asc = true;
  for (let i = 1; i < s.n && asc; i++) if (!(s.time[i - 1] <= s.time[i])) asc = false;
  ascCache.set(s, { v: s.version, asc });
  return asc;
}
