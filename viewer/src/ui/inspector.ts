// The row inspector: the server access log line with every field labelled, or the CloudTrail
// record pretty-printed; the OCSF event; copy as JSON. Everything is set as text.
import type { OcsfApiActivity } from '../engine/s3norm';
import type { SalFieldLabel } from '../protocol';
import { h, replace, visible } from './dom';

/** One side of a request as the inspector shows it: plain data, from a row detail or correlate(). */
export interface RecordView {
  kind: 'sal' | 'cloudtrail';
  file: string;
  raw: string;
  /** The OCSF event's JSON text. */
  event: string;
  /** For a SAL line: its fields as the package's tokenizer cut them (null when it could not). */
  fields?: SalFieldLabel[] | null;
}

/** The raw SAL line with each field in its own labelled span, and the fields as a table. */
export function salView(raw: string, fields: SalFieldLabel[] | null | undefined): HTMLElement {
  if (!fields) {
    return h('div', { class: 'sal' }, h('p', { class: 'note' }, 'The fields of this line could not be labelled; the line as written:'), h('pre', { class: 'raw', 'data-testid': 'raw-line' }, visible(raw)));
  }
  const line = h('pre', { class: 'raw sal-line', 'data-testid': 'raw-line' });
  let p = 0;
  for (const f of fields) {
    if (f.start > p) line.appendChild(document.createTextNode(visible(raw.slice(p, f.start))));
    line.appendChild(h('span', { class: `sf sf${f.n % 6}`, title: `${f.n}. ${f.name}`, 'data-field': f.name }, visible(raw.slice(f.start, f.end))));
    p = f.end;
  }
  if (p < raw.length) line.appendChild(document.createTextNode(visible(raw.slice(p))));
  const table = h(
    'table',
    { class: 'fields', 'data-testid': 'sal-fields' },
    h('thead', null, h('tr', null, h('th', null, '#'), h('th', null, 'field'), h('th', null, 'value'))),
    h(
      'tbody',
      null,
      ...fields.map((f) => h('tr', null, h('td', null, String(f.n)), h('th', { scope: 'row' }, f.name), h('td', { class: 'mono' }, visible(raw.slice(f.start, f.end))))),
    ),
  );
  return h('div', { class: 'sal' }, line, table);
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** One record (either source) with its OCSF event. */
export function recordView(r: RecordView): HTMLElement {
  const source =
    r.kind === 'sal'
      ? h('section', null, h('h4', null, 'Server access log line'), salView(r.raw, r.fields))
      : h('section', null, h('h4', null, 'CloudTrail record'), h('pre', { class: 'raw json', 'data-testid': 'raw-record' }, visible(pretty(r.raw))));
  return h(
    'div',
    { class: 'record' },
    h('p', { class: 'from' }, 'from ', h('span', { class: 'mono' }, visible(r.file))),
    source,
    h('section', null, h('h4', null, 'OCSF event'), h('pre', { class: 'raw json', 'data-testid': 'ocsf-event' }, visible(pretty(r.event)))),
  );
}

export class Inspector {
  readonly el = h('aside', { class: 'inspector', 'data-testid': 'inspector', hidden: true });
  private current: RecordView | null = null;

  constructor(
    private actions: { onClose(): void; onSameRequest(rid: string): void; hasOtherSide(rid: string, kind: 'sal' | 'cloudtrail'): boolean },
  ) {}

  loading() {
    this.el.hidden = false;
    this.el.dataset.row = '';
    replace(this.el, h('p', { class: 'note' }, 'loading…'));
  }

  error(message: string) {
    this.el.hidden = false;
    replace(this.el, this.header(null), h('p', { class: 'error' }, message));
  }

  /** Show a record; `row` (the store's row id) is kept in data-row for tests and tools. */
  show(r: RecordView, row?: number) {
    this.current = r;
    this.el.hidden = false;
    this.el.dataset.row = row === undefined ? '' : String(row);
    replace(this.el, this.header(r), recordView(r));
  }

  hide() {
    this.el.hidden = true;
    this.current = null;
  }

  private header(r: RecordView | null): HTMLElement {
    const bar = h('div', { class: 'insp-bar' });
    if (r) {
      const ev = JSON.parse(r.event) as OcsfApiActivity;
      const rid = ev.api.request?.uid;
      bar.append(
        h('strong', null, r.kind === 'sal' ? 'SAL' : 'CloudTrail', ' · ', visible(ev.api.operation)),
        h(
          'button',
          {
            'data-testid': 'copy-json',
            onclick: () => {
              void navigator.clipboard.writeText(JSON.stringify(JSON.parse(r.event), null, 2));
            },
          },
          'Copy as JSON',
        ),
      );
      if (rid && this.actions.hasOtherSide(rid, r.kind)) {
        bar.append(h('button', { 'data-testid': 'same-request-open', onclick: () => this.actions.onSameRequest(rid) }, r.kind === 'sal' ? 'CloudTrail record of this request' : 'SAL line of this request'));
      }
    }
    bar.append(h('button', { class: 'close', title: 'close (Esc)', onclick: () => this.actions.onClose() }, '×'));
    return bar;
  }

  get shown(): RecordView | null {
    return this.current;
  }
}
