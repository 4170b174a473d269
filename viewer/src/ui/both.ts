// "Both logs together": the coverage panel and the same-request view. The coverage panel shows
// the package's own coverage report (the parse worker builds it with `coverageBuilder()` while it
// reads the files: the same report as `s3norm coverage --json`); the viewer words the reason
// codes and lays them out, and computes nothing of its own.
import type { Coverage, CoverageReason, CoverageRow } from '../engine/s3norm';
import { fmtInt, h, replace, visible } from './dom';
import { recordView, type RecordView } from './inspector';

/**
 * Every reason code, in the report's order (README, "Correlation"), with a short wording: why
 * the other log has no record of a request one log saw.
 */
export const REASONS: Record<CoverageReason, string> = {
  not_logged_by_cloudtrail: 'CloudTrail never logs this operation',
  not_logged_by_sal: 'server access logs never record this operation',
  cloudtrail_name_unknown: 'CloudTrail logs it under an eventName no AWS document gives',
  host_id_mismatch: 'same request ID, different host IDs: two requests',
  no_request_id: 'no request ID to join on',
  outside_overlap: "the other log's files do not cover this time or bucket",
  unverified: "the pairing of the two logs' records is not confirmed",
  cloudtrail_data_events_off: 'no CloudTrail data event for the bucket that day: data events off or not selected',
  cloudtrail_management_events_off: 'no CloudTrail management event that day: management events off',
  missing_from_sal: 'SAL covers the bucket and hour but has no record (best-effort delivery)',
  missing_from_cloudtrail: 'CloudTrail covers the time but has no record',
};

/** A side's reasons, in the order above; a code this viewer does not know yet is shown as is. */
function reasonList(counts: Partial<Record<string, number>>): [string, number][] {
  const known = Object.keys(REASONS).filter((c) => counts[c]);
  const other = Object.keys(counts).filter((c) => !(c in REASONS) && counts[c]);
  return [...known, ...other].map((c) => [c, counts[c] ?? 0]);
}

function reasonsCell(r: CoverageRow): HTMLElement {
  const side = (label: string, key: 'sal' | 'cloudtrail', counts: Partial<Record<string, number>>) => {
    const list = reasonList(counts);
    if (!list.length) return null;
    return h(
      'div',
      { class: 'reasons', 'data-side': key },
      h('span', { class: 'side-label' }, label),
      ...list.map(([code, n]) =>
        h(
          'span',
          { class: 'reason', 'data-reason': code, 'data-count': n, title: code },
          h('span', { class: 'count' }, fmtInt(n)),
          ` ${REASONS[code as CoverageReason] ?? code} `,
          h('small', { class: 'code' }, code),
        ),
      ),
    );
  };
  return h('td', null, side('SAL only:', 'sal', r.sal_only_reasons), side('CloudTrail only:', 'cloudtrail', r.cloudtrail_only_reasons));
}

function countCells(r: CoverageRow): HTMLElement[] {
  return (['both', 'sal_only', 'cloudtrail_only'] as const).map((k) => h('td', { class: 'num', 'data-col': k, 'data-value': r[k] }, fmtInt(r[k])));
}

const fmtSeconds = (s: number) => (s < 120 ? `${fmtInt(s)} s` : s < 7200 ? `${fmtInt(s)} s (${Math.round(s / 60)} min)` : `${fmtInt(s)} s (${(s / 3600).toFixed(1)} h)`);
const fmtSpan = (a: string, b: string) => (a === b ? a.replace('.000Z', 'Z') : `${a.replace('.000Z', 'Z')} – ${b.replace('.000Z', 'Z')}`);

export interface CoverageView {
  report: Coverage;
  /** Sent during a load: the files read so far. */
  partial: boolean;
  /** A load is running. */
  loading: boolean;
}

export function coveragePanel(v: CoverageView, onOperation: (op: string) => void, onRefresh: () => void): HTMLElement {
  const c = v.report;
  const i = c.inputs;
  const body = c.operations.map((r) =>
    h(
      'tr',
      { 'data-operation': r.operation },
      h('th', { scope: 'row' }, h('button', { class: 'link', onclick: () => onOperation(r.operation), title: 'show these events' }, visible(r.operation))),
      ...countCells(r),
      reasonsCell(r),
    ),
  );
  const total = h('tr', { class: 'total', 'data-operation': c.requests.operation }, h('th', { scope: 'row' }, 'requests'), ...countCells(c.requests), reasonsCell(c.requests));

  const sal = c.delivery_lag.server_access_log;
  const ct = c.delivery_lag.cloudtrail;
  const lagRow = (label: string, key: string, l: NonNullable<typeof sal>) =>
    h(
      'tr',
      { 'data-log': key },
      h('th', { scope: 'row' }, label),
      ...([l.records, l.p50, l.p90, l.p99, l.max] as number[]).map((x, k) => h('td', { class: 'num', 'data-value': x }, k === 0 ? fmtInt(x) : fmtSeconds(x))),
    );
  const span = (s: { records: number; first: string; last: string } | undefined) =>
    s ? [h('td', { class: 'num', 'data-value': s.records }, fmtInt(s.records)), h('td', { class: 'mono' }, fmtSpan(s.first, s.last))] : [h('td', { class: 'num', 'data-value': 0 }, '–'), h('td', null)];

  return h(
    'div',
    { class: 'coverage', 'data-testid': 'coverage-panel', 'data-partial': v.partial ? '1' : '0' },
    h(
      'p',
      { class: 'note' },
      'Requests by S3 request ID, per operation: seen by both logs, by the server access log (SAL) only, or by CloudTrail only, and why the other log has no record. ',
      "From the s3norm package's coverage report of the loaded files (the same as ",
      h('code', null, 's3norm coverage --json'),
      ' on them).',
    ),
    v.partial || v.loading
      ? h('p', { class: 'note warn' }, v.partial ? 'Loading: this report covers the files read so far. ' : 'Loading: this report covers the files loaded before. ', h('button', { onclick: onRefresh, 'data-testid': 'coverage-refresh' }, 'update when the current file ends'))
      : null,
    h(
      'p',
      { 'data-testid': 'coverage-inputs', class: 'muted' },
      `${fmtInt(i.units)} input units: ${fmtInt(i.events)} events (${fmtInt(i.server_access_log)} server access log, ${fmtInt(i.cloudtrail)} CloudTrail), ${fmtInt(i.errors)} errors, ${fmtInt(i.skipped)} skipped`,
    ),
    h(
      'table',
      { 'data-testid': 'coverage' },
      h('thead', null, h('tr', null, h('th', null, 'operation'), h('th', null, 'both'), h('th', null, 'SAL only'), h('th', null, 'CloudTrail only'), h('th', null, 'why the other log has no record'))),
      h('tbody', null, ...body),
      h('tfoot', null, total),
    ),
    h('h3', null, 'Delivery lag'),
    sal || ct
      ? h(
          'table',
          { 'data-testid': 'coverage-lag' },
          h('thead', null, h('tr', null, h('th', null, 'log'), h('th', null, 'records'), h('th', null, 'p50'), h('th', null, 'p90'), h('th', null, 'p99'), h('th', null, 'max'))),
          h('tbody', null, sal ? lagRow('server access log', 'server_access_log', sal) : null, ct ? lagRow('CloudTrail', 'cloudtrail', ct) : null),
        )
      : null,
    h(
      'p',
      { class: 'note' },
      sal || ct
        ? "Delivery time (from the file's name) minus event time, for files named as AWS names log objects."
        : 'None of the files is named as AWS names log objects (…/2019-02-06-00-14-37-8D1E4E4A4B0C0F11, 111122223333_CloudTrail_us-west-1_20190206T0015Z_….json.gz), so delivery lag is not known.',
    ),
    h('h3', null, 'Buckets: what each log holds'),
    h(
      'table',
      { 'data-testid': 'coverage-buckets' },
      h('thead', null, h('tr', null, h('th', null, 'bucket'), h('th', null, 'SAL records'), h('th', null, 'SAL first – last (UTC)'), h('th', null, 'CloudTrail records'), h('th', null, 'CloudTrail first – last (UTC)'))),
      h('tbody', null, ...c.buckets.map((b) => h('tr', { 'data-bucket': b.bucket }, h('th', { scope: 'row', class: 'mono' }, visible(b.bucket)), ...span(b.server_access_log), ...span(b.cloudtrail)))),
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
