// Field boundaries of one server access log line, for the inspector's labels.
//
// Stand-in for a package entry point `salFields(line)` (DESIGN.md) that would return the Rust
// tokenizer's own boundaries. Until it exists, the line is cut here with the help of the event
// the package made from it: the event knows the values of the hard fields (requester, request ID,
// operation, referer, user agent), so the quoted fields are found by value, not guessed.
import type { OcsfApiActivity } from 's3norm';

export interface SalField {
  /** 1-based position in the SAL format. */
  n: number;
  name: string;
  start: number;
  end: number;
}

export const SAL_FIELD_NAMES = [
  'Bucket Owner',
  'Bucket',
  'Time',
  'Remote IP',
  'Requester',
  'Request ID',
  'Operation',
  'Key',
  'Request-URI',
  'HTTP status',
  'Error Code',
  'Bytes Sent',
  'Object Size',
  'Total Time',
  'Turn-Around Time',
  'Referer',
  'User-Agent',
  'Version Id',
  'Host Id',
  'Signature Version',
  'Cipher Suite',
  'Authentication Type',
  'Host Header',
  'TLS version',
  'Access Point ARN',
  'aclRequired',
  'Source Region',
];

/** Labelled fields of `line`, or null when the line cannot be cut consistently with `event`. */
export function salFields(line: string, event: OcsfApiActivity): SalField[] | null {
  const out: SalField[] = [];
  const add = (start: number, end: number) => {
    const n = out.length + 1;
    out.push({ n, name: SAL_FIELD_NAMES[n - 1] ?? `Field ${n}`, start, end });
  };
  let p = 0;
  const token = (): boolean => {
    if (p >= line.length) return false;
    const sp = line.indexOf(' ', p);
    const end = sp < 0 ? line.length : sp;
    add(p, end);
    p = end + 1;
    return true;
  };
  // 1-2: owner, bucket.
  if (!token() || !token()) return null;
  // 3: [time].
  if (line[p] !== '[') return null;
  const close = line.indexOf(']', p);
  if (close < 0) return null;
  add(p, close + 1);
  p = close + 2;
  // 4: remote IP.
  if (!token()) return null;
  // 5-7: requester (may hold spaces) up to " <request id> <operation> ".
  const rid = event.api.request?.uid ?? '-';
  const op = event.metadata.event_code;
  const mark = ` ${rid} ${op} `;
  const at = line.indexOf(mark, p);
  if (at < 0) return null;
  add(p, at);
  add(at + 1, at + 1 + rid.length);
  add(at + 2 + rid.length, at + 2 + rid.length + op.length);
  p = at + mark.length;
  // 8: key.
  if (!token()) return null;
  const afterKey = p;
  const keep = out.length;
  if (!anchoredTail(line, event, p, add)) {
    // A line whose quoted fields are not where the event says (an old line with a bare `-` for
    // the referer, say): the rest is cut at spaces, a token opening with `"` running to the next
    // token that closes one.
    out.length = keep;
    p = afterKey;
    while (p < line.length) {
      let end: number;
      if (line[p] === '"') {
        end = line.indexOf('" ', p + 1);
        end = end < 0 ? line.length : end + 1;
      } else {
        const sp = line.indexOf(' ', p);
        end = sp < 0 ? line.length : sp;
      }
      add(p, end);
      p = end + 1;
    }
  }
  return out;
}

/** Fields 9 on, anchored on the event's user agent and referer (the quoted fields). */
function anchoredTail(line: string, event: OcsfApiActivity, p: number, add: (s: number, e: number) => void): boolean {
  // 16-17 from the end: the user agent's closing quote is the last quote of the line (the tail
  // fields hold none); its value is known from the event.
  const uaClose = line.lastIndexOf('"');
  const ua = event.http_request?.user_agent ?? '-';
  const uaOpen = uaClose - ua.length - 1;
  if (uaOpen < p || line[uaOpen] !== '"' || line.slice(uaOpen + 1, uaClose) !== ua) return false;
  const ref = event.http_request?.referrer ?? '-';
  const refClose = uaOpen - 2;
  const refOpen = refClose - ref.length - 1;
  if (line[refClose] !== '"' || line[refOpen] !== '"' || line[refClose + 1] !== ' ') return false;
  // 9-15: request-URI (quoted, may hold spaces and quotes) and six unquoted tokens.
  const middle = line.slice(p, refOpen - 1);
  const parts: number[] = []; // starts of the six tokens, from the right
  let q = middle.length;
  for (let k = 0; k < 6; k++) {
    const sp = middle.lastIndexOf(' ', q - 1);
    if (sp < 0) return false;
    parts.unshift(sp + 1);
    q = sp;
  }
  add(p, p + q);
  for (let k = 0; k < 6; k++) {
    const s = parts[k];
    const e = k < 5 ? parts[k + 1] - 1 : middle.length;
    add(p + s, p + e);
  }
  add(refOpen, refClose + 1);
  add(uaOpen, uaClose + 1);
  // 18-: the tail, unquoted.
  p = uaClose + 2;
  while (p < line.length) {
    const sp = line.indexOf(' ', p);
    const end = sp < 0 ? line.length : sp;
    add(p, end);
    p = end + 1;
  }
  return true;
}
