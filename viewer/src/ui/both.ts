// "Both logs together": the coverage table and the same-request view. Both take plain data, so
// they work with the viewer's own join today and with the package's correlate() when it lands
// (only src/engine/ changes then).
import { fmtInt, h, replace, visible } from './dom';
import { recordView, type RecordView } from './inspector';

export interface CoverageRow {
  operation: string;
  both: number;
  salOnly: number;
  cloudtrailOnly: number;
  /** Why a request is seen by one side only, with how many. */
  reasons: { text: string; count: number }[];
}

export interface Coverage {
  rows: CoverageRow[];
  /** Events without a request ID (cannot be joined). */
  unjoinable: number;
  /** Where this came from: "viewer" (own join) or "correlate" (the package). */
  by: string;
}

export function coverageTable(c: Coverage, onOperation: (op: string) => void): HTMLElement {
  const body = c.rows.map((r) =>
    h(
      'tr',
      null,
      h('th', { scope: 'row' }, h('button', { class: 'link', onclick: () => onOperation(r.operation) }, visible(r.operation))),
      h('td', { class: 'num' }, fmtInt(r.both)),
      h('td', { class: 'num' }, fmtInt(r.salOnly)),
      h('td', { class: 'num' }, fmtInt(r.cloudtrailOnly)),
      h('td', null, ...r.reasons.map((x) => h('div', null, `${x.text} (${fmtInt(x.count)})`))),
    ),
  );
  return h(
    'div',
    { class: 'coverage' },
    h('p', { class: 'note' }, `Requests by S3 request ID, per operation. ${fmtInt(c.unjoinable)} events have no request ID and are not counted.`),
    h(
      'table',
      { 'data-testid': 'coverage' },
      h('thead', null, h('tr', null, h('th', null, 'operation'), h('th', null, 'both'), h('th', null, 'SAL only'), h('th', null, 'CloudTrail only'), h('th', null, 'why one side only'))),
      h('tbody', null, ...body),
    ),
  );
}

export interface SameRequest {
  requestId: string;
  sal: RecordView[];
  cloudtrail: RecordView[];
}

export function sameRequestView(s: SameRequest, onClose: () => void): HTMLElement {
  const side = (title: string, rs: RecordView[]) =>
    h('div', { class: 'side' }, h('h3', null, title), ...(rs.length ? rs.map(recordView) : [h('p', { class: 'note' }, 'not in the loaded files')]));
  const el = h(
    'div',
    { class: 'same-request', 'data-testid': 'same-request' },
    h('div', { class: 'insp-bar' }, h('strong', null, 'Request ', h('span', { class: 'mono' }, visible(s.requestId))), h('button', { class: 'close', onclick: onClose }, '×')),
    h('div', { class: 'sides' }, side('Server access log', s.sal), side('CloudTrail', s.cloudtrail)),
  );
  return el;
}

export function renderInto(el: HTMLElement, child: HTMLElement) {
  replace(el, child);
}
