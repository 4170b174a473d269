// The errors panel: every error record (file, line, kind, message, original text), virtualized.
import type { ErrorRow } from '../protocol';
import { cellText, h, replace, visible } from './dom';
import { VList } from './vlist';

export class ErrorsPanel {
  readonly el: HTMLElement;
  private list: VList;
  private detail = h('div', { class: 'error-detail', 'data-testid': 'error-detail' });

  constructor(private rows: ErrorRow[]) {
    this.list = new VList({
      rowHeight: 24,
      makeRow: () =>
        h('div', { class: 'erow', 'data-testid': 'error-row' }, h('span', { class: 'c-file' }), h('span', { class: 'c-line num' }), h('span', { class: 'c-kind' }), h('span', { class: 'c-msg' }), h('span', { class: 'c-input mono' })),
      render: (el, i) => {
        const r = this.rows[i];
        const c = el.children;
        c[0].textContent = cellText(r.file, 120);
        c[1].textContent = r.line !== undefined ? String(r.line) : r.index !== undefined ? `#${r.index}` : '';
        c[2].textContent = r.kind;
        c[3].textContent = cellText(r.message, 200);
        c[4].textContent = cellText(r.input, 300);
      },
      onSelect: (i) => this.showDetail(i),
    });
    const head = h('div', { class: 'erow head' }, h('span', null, 'file'), h('span', null, 'line'), h('span', null, 'kind'), h('span', null, 'message'), h('span', null, 'original text'));
    this.el = h('div', { class: 'errors-panel' }, head, this.list.el, this.detail);
  }

  update() {
    this.list.setCount(this.rows.length, true);
  }

  private showDetail(i: number) {
    const r = this.rows[i];
    replace(
      this.detail,
      h('p', null, h('strong', null, r.kind), ' in ', h('span', { class: 'mono' }, visible(r.file)), r.line !== undefined ? `, line ${r.line}` : '', r.index !== undefined ? `, record #${r.index}` : ''),
      h('p', null, visible(r.message)),
      h('pre', { class: 'raw' }, visible(r.input)),
      r.truncated ? h('p', { class: 'note' }, 'text cut at 64 KiB by the module') : null,
      r.cut ? h('p', { class: 'note' }, 'text cut at 4 KiB by the viewer (past the first 10,000 error records): the whole line is in the file') : null,
    );
  }
}
