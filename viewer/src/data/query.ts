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

/** Row matches of one search, extended incrementally as rows and dictionary strings arrive. */
class SearchCache {
  key = '';
  rx: RegExp | null = null;
  dictHit = Object.fromEntries(DICT_FIELDS.map((f) => [f, new Uint8Array(0)])) as Record<DictField, Uint8Array>;
  dictDone = Object.fromEntries(DICT_FIELDS.map((f) => [f, 0])) as Record<DictField, number>;
  rowHit = new Uint8Array(0);
  rowDone = 0;

  get(s: Store, rx: RegExp, key: string): Uint8Array {
    if (key !== this.key) {
      this.key = key;
      this.rx = rx;
      for (const f of DICT_FIELDS) this.dictDone[f] = 0;
      this.rowDone = 0;
    }
    for (const f of SEARCH_DICTS) {
      const strs = s.strings[f];
      if (this.dictHit[f].length < strs.length) {
        const b = new Uint8Array(Math.max(strs.length, this.dictHit[f].length * 2));
        b.set(this.dictHit[f]);
        this.dictHit[f] = b;
      }
      const hit = this.dictHit[f];
      for (let i = Math.max(this.dictDone[f], 1); i < strs.length; i++) hit[i] = rx.test(strs[i]) ? 1 : 0;
      this.dictDone[f] = strs.length;
    }
    if (this.rowHit.length < s.n) {
      const b = new Uint8Array(Math.max(s.n, this.rowHit.length * 2));
      b.set(this.rowHit);
      this.rowHit = b;
    }
    const { op, err, actor, ip, bucket, key: k, ua } = this.dictHit;
    const d = s.dict;
    const rows = this.rowHit;
    for (let i = this.rowDone; i < s.n; i++) {
      rows[i] =
        op[d.op[i]] | err[d.err[i]] | actor[d.actor[i]] | ip[d.ip[i]] | bucket[d.bucket[i]] | k[d.key[i]] | ua[d.ua[i]] ||
        (s.rid[i] !== '' && rx.test(s.rid[i]) ? 1 : 0);
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
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  if (col === 'time' || col === 'bytes' || col === 'status' || col === 'src') {
    const key = col === 'time' ? s.time : col === 'bytes' ? s.bytes : col === 'status' ? s.status : s.src;
    // Already in order (a single time-ordered file): nothing to do.
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) if (!(key[i - 1] <= key[i])) sorted = false;
    if (sorted) return perm;
    const k = col === 'bytes' ? Float64Array.from(s.bytes, (b) => (Number.isNaN(b) ? -1 : b)) : key;
    perm.sort((a, b) => k[a] - k[b] || a - b);
    return perm;
  }
  // Dictionary column: rank the strings once, then a counting sort of the rows by rank.
  const f = col as DictField;
  const strs = s.strings[f];
  const order = Array.from(strs.keys()).sort((a, b) => (strs[a] < strs[b] ? -1 : strs[a] > strs[b] ? 1 : 0));
  const rank = new Uint32Array(strs.length);
  order.forEach((id, r) => (rank[id] = r));
  const codes = s.dict[f];
  const count = new Uint32Array(strs.length + 1);
  for (let i = 0; i < n; i++) count[rank[codes[i]] + 1]++;
  for (let r = 1; r <= strs.length; r++) count[r] += count[r - 1];
  for (let i = 0; i < n; i++) perm[count[rank[codes[i]]]++] = i;
  return perm;
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
  private counts = new Map<FacetField, Uint32Array>();

  constructor(private s: Store) {}

  /** The match flags of the last run (row id → 1), e.g. for an export. */
  lastMask(): Uint8Array {
    return this.mask.slice(0, this.s.n);
  }

  run(st: FilterState, allowSort = true): QueryResult {
    const t = performance.now();
    const s = this.s;
    const n = s.n;
    if (this.mask.length < n) this.mask = new Uint8Array(Math.max(n, this.mask.length * 2));
    const mask = this.mask;

    // Facets: per facet its codes, counts, and the include/exclude lookup table when filtered.
    const cols = FACETS.map((f) => facetColumn(s, f));
    const counts = FACETS.map((f, k) => {
      let c = this.counts.get(f);
      if (!c || c.length < cols[k].size) {
        c = new Uint32Array(cols[k].size);
        this.counts.set(f, c);
      } else c.fill(0);
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
    const hits = rx ? this.search.get(s, rx, `${st.re ? 're' : 'sub'}:${st.q}`) : null;

    const useTime = st.t0 !== undefined && st.t1 !== undefined;
    const t0 = useTime ? st.t0! : s.tMin;
    const t1 = useTime ? st.t1! : s.tMax + 1;
    const bins = new Uint32Array(HIST_BINS);
    const binW = (t1 - t0) / HIST_BINS || 1;
    const time = s.time;

    const nf = FACETS.length;
    const codes = cols.map((c) => c.codes);
    const na = active.length;
    const aCodes = active.map((k) => codes[k]);
    const aCounts = active.map((k) => counts[k]);
    let count = 0;
    for (let i = 0; i < n; i++) {
      let fails = 0;
      let which = -1;
      for (let a = 0; a < na; a++) {
        const v = luts[a][aCodes[a][i]];
        if (v === 2 || (hasInc[a] && v !== 1)) {
          fails++;
          which = a;
          if (fails > 1) break;
        }
      }
      if (fails < 2 && useTime && !(time[i] >= t0 && time[i] < t1)) {
        fails++;
        which = -1;
      }
      if (fails < 2 && hits !== null && hits[i] === 0) {
        fails++;
        which = -1;
      }
      if (fails === 0) {
        mask[i] = 1;
        count++;
        for (let f = 0; f < nf; f++) counts[f][codes[f][i]]++;
        let b = Math.floor((time[i] - t0) / binW);
        if (b >= HIST_BINS) b = HIST_BINS - 1;
        if (b >= 0) bins[b]++;
      } else {
        mask[i] = 0;
        if (fails === 1 && which >= 0) aCounts[which][aCodes[which][i]]++;
      }
    }

    // The view, in sort order. Sorting a growing table would redo the sort on every batch, so
    // during a load of many rows the view stays in load order.
    const view = new Uint32Array(count);
    let unsorted = false;
    if (st.sort === 'time' && !st.desc && isAscending(s)) {
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
    return { view, count, facets, hist: { t0, t1, bins }, searchError, unsorted, ms: performance.now() - t };
  }
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
