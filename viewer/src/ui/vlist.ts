// A virtual list of fixed-height rows: only the rows in view exist in the DOM (a pool reused as
// it scrolls). Fixed heights make this a few lines of arithmetic; past ~8M pixels of content the
// scroll position is scaled, so a million rows stay reachable in every browser.
import { h } from './dom';

const MAX_PX = 8_000_000;

export interface VListOptions {
  rowHeight: number;
  /** Fill a pooled row element for list index `i` (called only when the index shown changes). */
  render(el: HTMLElement, i: number): void;
  /** Make a pooled row element. */
  makeRow(): HTMLElement;
  onSelect?(i: number): void;
  onActivate?(i: number): void;
}

export class VList {
  readonly el: HTMLElement;
  private spacer: HTMLElement;
  private layer: HTMLElement;
  private pool: HTMLElement[] = [];
  private shown: number[] = [];
  private count = 0;
  selected = -1;
  private raf = 0;

  constructor(private o: VListOptions) {
    this.layer = h('div', { class: 'vlayer' });
    this.spacer = h('div', { class: 'vspacer' }, this.layer);
    this.el = h('div', { class: 'vscroll', tabindex: 0, role: 'grid' }, this.spacer);
    this.el.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.el.addEventListener('keydown', (e) => this.key(e));
    this.el.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('[data-i]');
      if (row) this.select(Number(row.dataset.i));
    });
    this.el.addEventListener('dblclick', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('[data-i]');
      if (row) this.o.onActivate?.(Number(row.dataset.i));
    });
    new ResizeObserver(() => this.schedule()).observe(this.el);
  }

  private get total(): number {
    return this.count * this.o.rowHeight;
  }
  private get scaled(): boolean {
    return this.total > MAX_PX;
  }

  setCount(n: number, keepScroll = false) {
    this.count = n;
    this.spacer.style.height = `${Math.min(this.total, MAX_PX)}px`;
    if (!keepScroll) {
      this.el.scrollTop = 0;
      this.selected = -1;
    } else if (this.selected >= n) this.selected = -1;
    this.shown = [];
    this.schedule();
  }

  /** Re-render every visible row (the data behind the indices changed). */
  refresh() {
    this.shown = [];
    this.schedule();
  }

  private schedule() {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.draw();
    });
  }

  /** The list position (fractional row) at the top of the viewport. */
  private topRow(): number {
    const rh = this.o.rowHeight;
    const view = this.el.clientHeight;
    if (!this.scaled) return this.el.scrollTop / rh;
    const maxScroll = MAX_PX - view;
    const maxRow = this.count - view / rh;
    return maxScroll > 0 ? (this.el.scrollTop / maxScroll) * maxRow : 0;
  }

  private draw() {
    const rh = this.o.rowHeight;
    const view = this.el.clientHeight;
    const top = this.topRow();
    const first = Math.max(0, Math.floor(top));
    const visible = Math.ceil(view / rh) + 2;
    const last = Math.min(this.count, first + visible);
    while (this.pool.length < visible) {
      const r = this.o.makeRow();
      this.pool.push(r);
      this.layer.appendChild(r);
    }
    const frac = (top - first) * rh;
    this.layer.style.transform = `translateY(${this.el.scrollTop - frac}px)`;
    for (let k = 0; k < this.pool.length; k++) {
      const el = this.pool[k];
      const i = first + k;
      if (i >= last) {
        if (!el.hidden) el.hidden = true;
        this.shown[k] = -1;
        continue;
      }
      if (el.hidden) el.hidden = false;
      if (this.shown[k] !== i) {
        el.dataset.i = String(i);
        this.o.render(el, i);
        this.shown[k] = i;
      }
      el.classList.toggle('sel', i === this.selected);
      el.setAttribute('aria-selected', i === this.selected ? 'true' : 'false');
    }
  }

  /** Scroll so that row i is in view. */
  reveal(i: number) {
    const rh = this.o.rowHeight;
    const view = this.el.clientHeight;
    const rows = view / rh;
    const top = this.topRow();
    let target = top;
    if (i < top) target = i;
    else if (i + 1 > top + rows) target = i + 1 - rows;
    if (target === top) return;
    if (!this.scaled) this.el.scrollTop = target * rh;
    else {
      const maxRow = this.count - rows;
      this.el.scrollTop = maxRow > 0 ? (target / maxRow) * (MAX_PX - view) : 0;
    }
  }

  select(i: number) {
    if (this.count === 0) return;
    i = Math.max(0, Math.min(this.count - 1, i));
    this.selected = i;
    this.reveal(i);
    this.schedule();
    this.o.onSelect?.(i);
  }

  private key(e: KeyboardEvent) {
    const page = Math.max(1, Math.floor(this.el.clientHeight / this.o.rowHeight) - 1);
    const cur = this.selected < 0 ? -1 : this.selected;
    const moves: Record<string, number> = {
      ArrowDown: cur + 1,
      ArrowUp: Math.max(0, cur - 1),
      PageDown: cur + page,
      PageUp: Math.max(0, cur - page),
      Home: 0,
      End: this.count - 1,
      j: cur + 1,
      k: Math.max(0, cur - 1),
    };
    if (e.key in moves) {
      e.preventDefault();
      this.select(moves[e.key]);
    } else if (e.key === 'Enter' && this.selected >= 0) {
      e.preventDefault();
      this.o.onActivate?.(this.selected);
    }
  }
}
