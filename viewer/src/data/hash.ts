// The filter state in the URL hash, so a view can be shared:
//   #q=text&re=1&from=<ms>&to=<ms>&sort=bytes&desc=1&operation=GetObject&-status=200
// A facet name (FACET_NAMES) includes a value; with a leading '-' it excludes one. Repeated keys
// give several values.
import { FACETS, FACET_NAMES, SORT_COLUMNS, emptyFilter, type FacetField, type FilterState, type SortColumn } from './query';

const BY_NAME = new Map(FACETS.map((f) => [FACET_NAMES[f], f] as [string, FacetField]));

export function encodeHash(st: FilterState): string {
  const p = new URLSearchParams();
  if (st.q) p.set('q', st.q);
  if (st.re) p.set('re', '1');
  if (st.t0 !== undefined && st.t1 !== undefined) {
    p.set('from', String(st.t0));
    p.set('to', String(st.t1));
  }
  if (st.sort !== 'time') p.set('sort', st.sort);
  if (st.desc) p.set('desc', '1');
  for (const f of FACETS) {
    for (const v of st.inc[f] ?? []) p.append(FACET_NAMES[f], v);
    for (const v of st.exc[f] ?? []) p.append('-' + FACET_NAMES[f], v);
  }
  const s = p.toString();
  return s ? '#' + s : '';
}

export function decodeHash(hash: string): FilterState {
  const st = emptyFilter();
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  st.q = p.get('q') ?? '';
  st.re = p.get('re') === '1';
  const from = Number(p.get('from'));
  const to = Number(p.get('to'));
  if (p.has('from') && p.has('to') && Number.isFinite(from) && Number.isFinite(to) && to > from) {
    st.t0 = from;
    st.t1 = to;
  }
  const sort = p.get('sort');
  if (sort && (SORT_COLUMNS as readonly string[]).includes(sort)) st.sort = sort as SortColumn;
  st.desc = p.get('desc') === '1';
  for (const [k, v] of p) {
    const exc = k.startsWith('-');
    const f = BY_NAME.get(exc ? k.slice(1) : k);
    if (!f) continue;
    const m = exc ? st.exc : st.inc;
    (m[f] ??= []).push(v);
  }
  return st;
}
