// The facet panel: per facet its most frequent values with counts; a click includes a value,
// another click excludes it, a third clears it.
import { FACETS, FACET_NAMES, FACET_TITLES, facetColumn, type FacetField, type FilterState, type QueryResult } from '../data/query';
import type { Store } from '../data/store';
import { cellText, fmtInt, h, replace } from './dom';

const TOP = 12;
const MORE = 200;

/** The `k` codes with the highest counts (count > 0), highest first. */
function top(counts: Uint32Array, size: number, k: number): number[] {
  const best: number[] = [];
  let min = 0;
  for (let c = 0; c < size; c++) {
    const v = counts[c];
    if (v === 0 || (best.length === k && v <= min)) continue;
    let i = best.length;
    while (i > 0 && counts[best[i - 1]] < v) i--;
    best.splice(i, 0, c);
    if (best.length > k) best.pop();
    min = counts[best[best.length - 1]];
  }
  return best;
}

export class FacetPanel {
  readonly el = h('div', { class: 'facets' });
  private expanded = new Set<FacetField>();

  constructor(
    private store: Store,
    private onToggle: (f: FacetField, value: string) => void,
  ) {}

  render(r: QueryResult, st: FilterState) {
    const sections = FACETS.map((f) => {
      const col = facetColumn(this.store, f);
      const counts = r.facets[f];
      const size = Math.min(col.size, counts.length);
      const limit = this.expanded.has(f) ? MORE : TOP;
      const codes = top(counts, size, limit + 1);
      const inc = new Set(st.inc[f] ?? []);
      const exc = new Set(st.exc[f] ?? []);
      const labels = codes.slice(0, limit).map((c) => ({ label: col.label(c), n: counts[c] }));
      // Values in the filter stay visible whatever their count.
      for (const v of [...inc, ...exc]) if (!labels.some((l) => l.label === v)) labels.push({ label: v, n: 0 });
      let distinct = 0;
      for (let c = 0; c < size; c++) if (counts[c]) distinct++;
      const items = labels.map(({ label, n }) => {
        const state = inc.has(label) ? 'inc' : exc.has(label) ? 'exc' : '';
        return h(
          'button',
          {
            class: `facet-value ${state}`,
            'data-testid': `facet-${FACET_NAMES[f]}`,
            'data-value': label,
            'data-count': n,
            title: state === 'inc' ? 'included: click to exclude' : state === 'exc' ? 'excluded: click to clear' : 'click to include',
            onclick: () => this.onToggle(f, label),
          },
          h('span', { class: 'fv-mark' }, state === 'inc' ? '+' : state === 'exc' ? '−' : ''),
          h('span', { class: 'fv-label' }, cellText(label, 80)),
          h('span', { class: 'fv-count' }, fmtInt(n)),
        );
      });
      const more =
        distinct > limit || this.expanded.has(f)
          ? h(
              'button',
              {
                class: 'facet-more',
                onclick: () => {
                  if (this.expanded.has(f)) this.expanded.delete(f);
                  else this.expanded.add(f);
                  this.render(r, st);
                },
              },
              this.expanded.has(f) ? 'fewer' : `more (${fmtInt(distinct)} values)`,
            )
          : null;
      return h('section', { class: 'facet', 'data-facet': FACET_NAMES[f] }, h('h3', null, FACET_TITLES[f]), ...items, more);
    });
    replace(this.el, ...sections);
  }
}
