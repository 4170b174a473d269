// The viewer's own join of the two sources by S3 request ID, giving the coverage table's plain
// data. Stand-in for the package's correlate() (DESIGN.md); the coverage panel does not care
// which produced it.
import type { Coverage, CoverageRow } from '../ui/both';
import type { Store } from './store';

export interface OpInfo {
  operation: string;
  in_sal: boolean;
  cloudtrail: 'Data' | 'Management' | 'No';
}

export function computeCoverage(s: Store, ops: OpInfo[]): Coverage {
  const opInfo = new Map<string, OpInfo>();
  for (const o of ops) if (!opInfo.has(o.operation)) opInfo.set(o.operation, o);
  const seen = new Map<string, number>(); // request ID -> 1 SAL, 2 CloudTrail, 3 both
  let unjoinable = 0;
  // Request IDs as strings only for this computation (the store keeps them as bytes).
  const rids = s.ridText(0, s.n).split('\n');
  for (let i = 0; i < s.n; i++) {
    const rid = rids[i];
    if (rid === '') {
      unjoinable++;
      continue;
    }
    seen.set(rid, (seen.get(rid) ?? 0) | (s.src[i] === 0 ? 1 : 2));
  }
  const rows = new Map<string, CoverageRow & { why: Map<string, number> }>();
  const opNames = s.strings.op;
  for (let i = 0; i < s.n; i++) {
    const rid = rids[i];
    if (rid === '') continue;
    const op = opNames[s.dict.op[i]] || '(none)';
    let r = rows.get(op);
    if (!r) {
      r = { operation: op, both: 0, salOnly: 0, cloudtrailOnly: 0, reasons: [], why: new Map() };
      rows.set(op, r);
    }
    const bits = seen.get(rid)!;
    const sal = s.src[i] === 0;
    let why: string | undefined;
    if (bits === 3) {
      if (sal) r.both++;
    } else if (sal) {
      r.salOnly++;
      const info = opInfo.get(op);
      why =
        s.cte[i] === 2 || info?.cloudtrail === 'No'
          ? 'CloudTrail never logs this operation'
          : info?.cloudtrail === 'Management'
            ? 'a management event: no CloudTrail record of it in the loaded files'
            : 'no CloudTrail data event loaded for it (data events off for the bucket, or its trail files not loaded)';
    } else {
      r.cloudtrailOnly++;
      const info = opInfo.get(op);
      why =
        info && !info.in_sal
          ? 'server access logs never record this operation'
          : 'no server access log line loaded for it (access logging off, best-effort delivery, or its log files not loaded)';
    }
    if (why) r.why.set(why, (r.why.get(why) ?? 0) + 1);
  }
  const out = [...rows.values()].map(({ why, ...r }) => ({ ...r, reasons: [...why].map(([text, count]) => ({ text, count })) }));
  out.sort((a, b) => b.both + b.salOnly + b.cloudtrailOnly - (a.both + a.salOnly + a.cloudtrailOnly) || (a.operation < b.operation ? -1 : 1));
  return { rows: out, unjoinable, by: 'viewer' };
}

/** Rows (row ids) of one request ID, per source. */
export function rowsOfRequest(s: Store, rid: string): { sal: number[]; cloudtrail: number[] } {
  const sal: number[] = [];
  const cloudtrail: number[] = [];
  for (const i of s.rowsWithRid(rid)) (s.src[i] === 0 ? sal : cloudtrail).push(i);
  return { sal, cloudtrail };
}
