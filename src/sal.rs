//! S3 server access log (SAL) lines: a byte-scanning tokenizer into borrowed fields.
//!
//! A SAL line is space-separated fields, some bracketed (`[time]`) or quoted (`"request-URI"`,
//! `"referer"`, `"user agent"`), with `-` for an absent value. AWS does not escape what it quotes,
//! and real lines break every naive rule, so the tokenizer reads each field by what that field is:
//!
//! - Requester (field 5) may contain spaces (`arn:aws:iam::cloudfront:user/CloudFront Origin Access
//!   Identity E…`). It spans every token up to the one before the first token shaped like an
//!   operation (`REST.GET.OBJECT`); that one before is the request ID.
//! - A quoted field ends at a `"` followed by a space or the line's end. Inner quotes (`"xinba";`,
//!   `""Mozilla`, `id=452""`) are kept. The request-URI prefers a close right after ` HTTP/x.y`,
//!   and the referer a close followed by the user agent's opening (`"` or `-`), so a `" ` inside
//!   them does not end them early.
//! - A quoted field may instead be a bare `-` (copy and batch-delete records).
//! - Runs of spaces between fields count as one separator (a real DANDI line has two).
//!
//! Invariants: the tokenizer never allocates, never panics, and every `&str` it returns is a
//! sub-slice of the input line. A line is accepted only when its fields have the shapes AWS
//! documents (time, operation grammar, numeric fields); anything else is an error, never a guess.
//!
//! Masked values: people share logs with parts blanked out (`xx.xx.41.39`, `***.***.***.***`,
//! `F6425****`). A line whose structure is intact is accepted with its masked text as written: a
//! remote IP may be an IP address with digits masked ([`is_masked_ip`]), and free-text fields
//! (owner, requester, request ID, host ID) are never shape-checked. [`is_masked`] tells a masked
//! value apart, so the event can say so; nothing is ever filled in.

use crate::swar::{bytes_equal, find, rsplit_once, split_once, word_at};
use std::net::IpAddr;

/// Field positions (0-based) of the 27 fields AWS documents today, in line order.
pub mod field {
    pub const BUCKET_OWNER: usize = 0;
    pub const BUCKET: usize = 1;
    pub const TIME: usize = 2;
    pub const REMOTE_IP: usize = 3;
    pub const REQUESTER: usize = 4;
    pub const REQUEST_ID: usize = 5;
    pub const OPERATION: usize = 6;
    pub const KEY: usize = 7;
    pub const REQUEST_URI: usize = 8;
    pub const HTTP_STATUS: usize = 9;
    pub const ERROR_CODE: usize = 10;
    pub const BYTES_SENT: usize = 11;
    pub const OBJECT_SIZE: usize = 12;
    pub const TOTAL_TIME: usize = 13;
    pub const TURN_AROUND_TIME: usize = 14;
    pub const REFERER: usize = 15;
    pub const USER_AGENT: usize = 16;
    pub const VERSION_ID: usize = 17;
    pub const HOST_ID: usize = 18;
    pub const SIGNATURE_VERSION: usize = 19;
    pub const CIPHER_SUITE: usize = 20;
    pub const AUTHENTICATION_TYPE: usize = 21;
    pub const HOST_HEADER: usize = 22;
    pub const TLS_VERSION: usize = 23;
    pub const ACCESS_POINT_ARN: usize = 24;
    pub const ACL_REQUIRED: usize = 25;
    pub const SOURCE_REGION: usize = 26;
    /// Fields AWS documents today; more may follow at the end of a line.
    pub const KNOWN: usize = 27;
    /// Fields every accepted line has: through User-Agent. Lines written before S3 had versioning
    /// (2006-2009) end there, without Version Id; from 2010 on every line has at least 18.
    pub const MINIMUM: usize = 17;

    /// Each field's name as AWS's log format documentation titles it, in line order.
    pub const NAMES: [&str; KNOWN] = [
        "Bucket Owner",
        "Bucket",
        "Time",
        "Remote IP",
        "Requester",
        "Request ID",
        "Operation",
        "Key",
        "Request-URI",
        "HTTP status",
        "Error Code",
        "Bytes Sent",
        "Object Size",
        "Total Time",
        "Turn-Around Time",
        "Referer",
        "User-Agent",
        "Version Id",
        "Host Id",
        "Signature Version",
        "Cipher Suite",
        "Authentication Type",
        "Host Header",
        "TLS version",
        "Access Point ARN",
        "aclRequired",
        "Source region",
    ];
}

/// One SAL line split into fields. All text borrows from the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalRecord<'a> {
    /// The known fields as written (`-` included); fields past `field_count` are "".
    fields: [&'a str; field::KNOWN],
    /// How many fields the line has, extra trailing fields included.
    pub field_count: usize,
    /// Fields past the 27th, as one slice of the line (split on spaces to read them).
    pub extra: &'a str,
    /// Time in epoch milliseconds.
    pub time_ms: i64,
}

impl<'a> SalRecord<'a> {
    /// The field's text, or `None` when it is `-`, empty or beyond the line's end.
    #[inline]
    pub fn get(&self, index: usize) -> Option<&'a str> {
        match self.fields.get(index) {
            Some(&s) if !s.is_empty() && s != "-" => Some(s),
            _ => None,
        }
    }

    /// The field's text exactly as written (`-` included; "" beyond the line's end).
    pub fn raw(&self, index: usize) -> &'a str {
        self.fields.get(index).copied().unwrap_or("")
    }

    /// A numeric field: `None` when absent. Parse errors were rejected when the line was read.
    pub fn number(&self, index: usize) -> Option<u64> {
        self.get(index).and_then(|s| s.parse().ok())
    }

    /// Fields past the 27th, in order.
    pub fn extra_fields(&self) -> impl Iterator<Item = &'a str> {
        self.extra.split(' ').filter(|s| !s.is_empty())
    }

    /// Where field `index` sits in `line` (the text given to [`parse_line`]), as a byte range
    /// inside its brackets or quotes; `None` when the line has no such field. For a viewer that
    /// labels a line's fields by name ([`field::NAMES`]).
    pub fn span(&self, line: &str, index: usize) -> Option<std::ops::Range<usize>> {
        span_in(line, self.fields.get(index)?)
    }

    /// Where the fields past the 27th sit in `line`, when there are any.
    pub fn extra_span(&self, line: &str) -> Option<std::ops::Range<usize>> {
        span_in(line, self.extra).filter(|r| !r.is_empty())
    }
}

/// The byte range of `part` within `line`, when `part` is a slice of it.
fn span_in(line: &str, part: &str) -> Option<std::ops::Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= line.len()).then_some(start..end)
}

/// Why a line is not a SAL record. `column` is the 0-based byte offset where reading failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SalError {
    pub message: String,
    pub column: usize,
}

impl std::fmt::Display for SalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.column)
    }
}

impl std::error::Error for SalError {}

/// Tokenize and check one SAL line (without its line terminator).
pub fn parse_line(line: &str) -> Result<SalRecord<'_>, SalError> {
    let line = line.trim_end_matches([' ', '\t', '\r', '\n']);
    let mut cur = Cursor { s: line, pos: 0 };
    let mut fields = [""; field::KNOWN];

    fields[field::BUCKET_OWNER] = cur.plain().ok_or_else(|| cur.error("empty line"))?;
    fields[field::BUCKET] = cur.plain().ok_or_else(|| cur.error("line ends before the bucket field"))?;
    fields[field::TIME] = cur.bracketed().ok_or_else(|| cur.error("time field is not a bracketed `[dd/Mon/yyyy:HH:MM:SS +zzzz]`"))?;
    let time_ms = crate::timefmt::parse_sal_time(fields[field::TIME])
        .ok_or_else(|| SalError { message: format!("time `{}` is not dd/Mon/yyyy:HH:MM:SS +zzzz", fields[field::TIME]), column: 0 })?;
    fields[field::REMOTE_IP] = cur.plain().ok_or_else(|| cur.error("line ends before the remote IP field"))?;
    let (requester, request_id, operation) = cur.requester_through_operation()?;
    fields[field::REQUESTER] = requester;
    fields[field::REQUEST_ID] = request_id;
    fields[field::OPERATION] = operation;
    fields[field::KEY] = cur.plain().ok_or_else(|| cur.error("line ends before the key field"))?;
    fields[field::REQUEST_URI] = cur.quoted(Close::RequestUri)?.ok_or_else(|| cur.error("line ends before the request-URI field"))?;
    let mut count = field::REQUEST_URI + 1;
    for slot in &mut fields[field::HTTP_STATUS..=field::TURN_AROUND_TIME] {
        *slot =
            cur.plain().ok_or_else(|| cur.error(format!("line ends after {count} fields; at least {} are expected", field::MINIMUM)))?;
        count += 1;
    }
    fields[field::REFERER] = cur.quoted(Close::Referer)?.ok_or_else(|| cur.error("line ends before the referer field"))?;
    fields[field::USER_AGENT] = cur.quoted(Close::UserAgent)?.ok_or_else(|| cur.error("line ends before the user-agent field"))?;
    count = field::USER_AGENT + 1;
    for slot in fields.iter_mut().skip(field::VERSION_ID) {
        match cur.plain() {
            Some(token) => *slot = token,
            None => break,
        }
        count += 1;
    }
    if count < field::MINIMUM {
        return Err(cur.error(format!("line ends after {count} fields; at least {} are expected", field::MINIMUM)));
    }
    cur.skip_spaces();
    let mut extra = &line[cur.pos..];
    count += extra.split(' ').filter(|s| !s.is_empty()).count();
    // Fields 25-27 came late and are short of shape; a value that does not have its documented
    // shape means this line's tail is not AWS's current layout: keep it as extra fields, in order.
    if let Some(first_off) = (field::ACCESS_POINT_ARN..field::KNOWN).find(|&i| !fields[i].is_empty() && !late_field_fits(i, fields[i])) {
        extra = &line[column_of(line, fields[first_off])..];
        fields[first_off..].fill("");
    }

    let record = SalRecord { fields, field_count: count, extra, time_ms };
    check_shapes(&record, line)?;
    Ok(record)
}

/// Reject lines whose fields do not have the shapes AWS documents: such a line is misaligned or
/// not a SAL record, and any event made from it would be a guess.
fn check_shapes(r: &SalRecord<'_>, line: &str) -> Result<(), SalError> {
    let at = |index: usize| column_of(line, r.raw(index));
    if let Some(ip) = r.get(field::REMOTE_IP) {
        if ip.parse::<IpAddr>().is_err() && !is_masked_ip(ip) {
            return Err(SalError { message: format!("remote IP `{ip}` is not an IP address"), column: at(field::REMOTE_IP) });
        }
    }
    if let Some(status) = r.get(field::HTTP_STATUS) {
        if status.len() != 3 || !status.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SalError { message: format!("HTTP status `{status}` is not a 3-digit number"), column: at(field::HTTP_STATUS) });
        }
    }
    for (index, name) in [
        (field::BYTES_SENT, "bytes sent"),
        (field::OBJECT_SIZE, "object size"),
        (field::TOTAL_TIME, "total time"),
        (field::TURN_AROUND_TIME, "turn-around time"),
    ] {
        if let Some(value) = r.get(index) {
            if value.parse::<u64>().is_err() {
                return Err(SalError { message: format!("{name} `{value}` is not a number"), column: at(index) });
            }
        }
    }
    Ok(())
}

/// Characters people mask log values with.
fn is_mask_char(c: u8) -> bool {
    matches!(c, b'x' | b'X' | b'*')
}

/// Whether `s` is an IP address with some of it masked: `xx.xx.41.39`, `***.***.***.***`,
/// `xxx.xxxx.xx.xxx`, `2001:db8:xxxx::1`. Four dot-separated groups of digits and mask characters
/// (`x`, `X`, `*`), or colon-separated groups of hex digits and mask characters; at least one mask
/// character. Anything else in the remote IP field (a host name, a shifted field) is refused.
pub fn is_masked_ip(s: &str) -> bool {
    let b = s.as_bytes();
    if !b.iter().copied().any(is_mask_char) || b.len() > 45 {
        return false;
    }
    let v4_group = |g: &[u8]| (1..=4).contains(&g.len()) && g.iter().all(|&c| c.is_ascii_digit() || is_mask_char(c));
    if b.split(|&c| c == b'.').count() == 4 && b.split(|&c| c == b'.').all(v4_group) {
        return true;
    }
    let v6_group = |g: &[u8]| g.len() <= 4 && g.iter().all(|&c| c.is_ascii_hexdigit() || is_mask_char(c));
    b.iter().filter(|&&c| c == b':').count() >= 2 && b.split(|&c| c == b':').all(v6_group)
}

/// Whether a free-text value was masked by whoever shared the log: it holds `*` or an ellipsis
/// (`F6425****`, `1e28afdbd73f***`, `0e...B4lA=`), which no owner ID, request ID, host ID or
/// requester ARN AWS writes does. A masked remote IP is told by [`is_masked_ip`].
pub fn is_masked(value: &str) -> bool {
    // Runs on four fields of every line: one pass, eight bytes at a time, looking closer only
    // where a word holds `*`, `.` or the ellipsis's first byte.
    let b = value.as_bytes();
    let masks_at = |i: usize| match b[i] {
        b'*' => true,
        b'.' => b.get(i + 1..i + 3) == Some(b".."),
        0xE2 => b.get(i + 1..i + 3) == Some(&[0x80, 0xA6]),
        _ => false,
    };
    let mut i = 0;
    while let Some(w) = word_at(b, i) {
        if (bytes_equal(w, b'*') | bytes_equal(w, b'.') | bytes_equal(w, 0xE2)) != 0 && (i..i + 8).any(masks_at) {
            return true;
        }
        i += 8;
    }
    (i..b.len()).any(masks_at)
}

/// Whether a value has the shape AWS documents for late field `index` (25-27).
fn late_field_fits(index: usize, value: &str) -> bool {
    value == "-"
        || match index {
            field::ACCESS_POINT_ARN => value.starts_with("arn:"),
            field::ACL_REQUIRED => value.eq_ignore_ascii_case("yes"),
            field::SOURCE_REGION => crate::aws::is_region(value),
            _ => true,
        }
}

/// Byte offset of `part` within `line` (both from the same allocation), for error positions.
fn column_of(line: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(line.as_ptr() as usize).min(line.len())
}

/// Whether `token` has the shape of a SAL operation: `PREFIX.PART[.PART…]` with an upper-case
/// prefix (`REST`, `SOAP`, `WEBSITE`, `BATCH`, `S3`, or one AWS adds later) and word characters.
pub fn is_operation(token: &str) -> bool {
    let b = token.as_bytes();
    let prefix_len = b.iter().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit()).count();
    prefix_len > 0
        && b[0].is_ascii_uppercase()
        && b.get(prefix_len) == Some(&b'.')
        && b.len() > prefix_len + 1
        && b[b.len() - 1] != b'.'
        && b[prefix_len..].iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        && !b.windows(2).any(|w| w == b"..")
}

#[derive(Clone, Copy)]
enum Close {
    RequestUri,
    Referer,
    UserAgent,
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

/// How many tokens a requester may span before the line is judged not to be a SAL record.
const MAX_REQUESTER_TOKENS: usize = 16;

impl<'a> Cursor<'a> {
    fn error(&self, message: impl Into<String>) -> SalError {
        SalError { message: message.into(), column: self.pos }
    }

    fn bytes(&self) -> &'a [u8] {
        self.s.as_bytes()
    }

    fn skip_spaces(&mut self) {
        while self.bytes().get(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
    }

    /// The next space-delimited token, or `None` at the end of the line.
    fn plain(&mut self) -> Option<&'a str> {
        self.skip_spaces();
        let start = self.pos;
        let rest = &self.bytes()[start..];
        let len = find(rest, b' ').unwrap_or(rest.len());
        if len == 0 {
            return None;
        }
        self.pos = start + len;
        // Splitting at an ASCII space always lands on a char boundary.
        self.s.get(start..start + len)
    }

    /// `[…]`: the text inside the brackets.
    fn bracketed(&mut self) -> Option<&'a str> {
        self.skip_spaces();
        let rest = &self.bytes()[self.pos..];
        if rest.first() != Some(&b'[') {
            return None;
        }
        let close = find(rest, b']')?;
        let inner = self.s.get(self.pos + 1..self.pos + close)?;
        self.pos += close + 1;
        Some(inner)
    }

    /// Fields 5–7 together: the requester may contain spaces, so find the operation first.
    fn requester_through_operation(&mut self) -> Result<(&'a str, &'a str, &'a str), SalError> {
        self.skip_spaces();
        let start = self.pos;
        let mut ends = [0usize; MAX_REQUESTER_TOKENS + 2];
        let mut n = 0;
        loop {
            let Some(token) = self.plain() else {
                return Err(SalError { message: "no operation field (like REST.GET.OBJECT) after the remote IP".into(), column: start });
            };
            if n >= 2 && is_operation(token) {
                let requester = self.s.get(start..ends[n - 2]).unwrap_or("");
                let request_id_start = ends[n - 2] + 1;
                let request_id = self.s.get(request_id_start..ends[n - 1]).unwrap_or("").trim_start_matches(' ');
                return Ok((requester, request_id, token));
            }
            if n == ends.len() {
                return Err(SalError {
                    message: format!("no operation field (like REST.GET.OBJECT) within {} tokens of the remote IP", ends.len()),
                    column: start,
                });
            }
            ends[n] = self.pos;
            n += 1;
        }
    }

    /// A field AWS writes in quotes. Returns the text inside the quotes, or the bare token (`-`)
    /// when the field is not quoted, or `None` at the end of the line.
    fn quoted(&mut self, kind: Close) -> Result<Option<&'a str>, SalError> {
        self.skip_spaces();
        let b = self.bytes();
        if b.get(self.pos) != Some(&b'"') {
            return Ok(self.plain());
        }
        let open = self.pos;
        let inner_start = open + 1;
        let mut first = None;
        let mut search = inner_start;
        // Candidate closes: a `"` followed by a space or the end of the line.
        while let Some(offset) = find(&b[search..], b'"') {
            let q = search + offset;
            search = q + 1;
            let after = b.get(q + 1).copied();
            if !matches!(after, None | Some(b' ')) {
                continue;
            }
            first.get_or_insert(q);
            if self.close_fits(kind, inner_start, q) {
                return Ok(Some(self.take_quoted(inner_start, q)));
            }
        }
        match first {
            Some(q) => Ok(Some(self.take_quoted(inner_start, q))),
            None => Err(SalError { message: "quoted field has no closing quote".into(), column: open }),
        }
    }

    fn take_quoted(&mut self, inner_start: usize, close: usize) -> &'a str {
        self.pos = close + 1;
        self.s.get(inner_start..close).unwrap_or("")
    }

    /// Whether a `"` at `close` is the end this field's kind expects.
    fn close_fits(&self, kind: Close, inner_start: usize, close: usize) -> bool {
        let b = self.bytes();
        match kind {
            // `GET /key HTTP/1.1"`: the text before the close ends in ` HTTP/d.d`.
            Close::RequestUri => {
                let inner = &b[inner_start..close];
                inner == b"-"
                    || (inner.len() >= 9 && inner[inner.len() - 9..inner.len() - 3] == *b" HTTP/" && inner[inner.len() - 2] == b'.')
            }
            // The user agent follows: `"…"` or a bare `-`.
            Close::Referer => {
                let next = b[close + 1..].iter().position(|&c| c != b' ').map(|i| b[close + 1 + i]);
                matches!(next, Some(b'"') | Some(b'-'))
            }
            // Unquoted fields follow: Version Id, Host Id, then Signature Version (`SigV2`,
            // `SigV4` or `-`). None holds a quote.
            Close::UserAgent => {
                let mut rest = b[close + 1..].split(|&c| c == b' ').filter(|t| !t.is_empty());
                let version_id = rest.next();
                let signature = rest.nth(1);
                !version_id.is_some_and(|t| t.contains(&b'"')) && signature.is_none_or(|t| t == b"-" || t.starts_with(b"Sig"))
            }
        }
    }
}

/// A request-URI field split into its parts: `GET /bucket/key?acl HTTP/1.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLine<'a> {
    pub method: &'a str,
    pub target: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// Protocol version without `HTTP/`: `1.1`.
    pub version: &'a str,
}

/// Split a request-URI field; `None` when it is not `METHOD target HTTP/x.y` with a path in the
/// target (`?x` alone has none, and `-` is SAL's word for none) and a version after `HTTP/`. An
/// empty query, or `-`, is no query.
pub fn parse_request_line(uri: &str) -> Option<RequestLine<'_>> {
    let (method, rest) = split_once(uri, b' ')?;
    let (target, protocol) = rsplit_once(rest, b' ')?;
    let version = protocol.strip_prefix("HTTP/")?;
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) || version.is_empty() {
        return None;
    }
    let (path, query) = match split_once(target, b'?') {
        Some((p, q)) => (p, Some(q).filter(|q| !q.is_empty() && *q != "-")),
        None => (target, None),
    };
    if path.is_empty() || path == "-" {
        return None;
    }
    Some(RequestLine { method, target, path, query, version })
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWS_DOC_LINE: &str = r#"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be DOC-EXAMPLE-BUCKET1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /DOC-EXAMPLE-BUCKET1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader DOC-EXAMPLE-BUCKET1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes"#;

    #[test]
    fn reads_every_field_of_an_aws_example_line() {
        let r = parse_line(AWS_DOC_LINE).unwrap();
        assert_eq!(r.field_count, 26);
        assert_eq!(r.get(field::BUCKET), Some("DOC-EXAMPLE-BUCKET1"));
        assert_eq!(r.raw(field::TIME), "06/Feb/2019:00:00:38 +0000");
        assert_eq!(r.get(field::REQUEST_ID), Some("3E57427F3EXAMPLE"));
        assert_eq!(r.get(field::OPERATION), Some("REST.GET.VERSIONING"));
        assert_eq!(r.get(field::KEY), None);
        assert_eq!(r.get(field::REQUEST_URI), Some("GET /DOC-EXAMPLE-BUCKET1?versioning HTTP/1.1"));
        assert_eq!(r.number(field::BYTES_SENT), Some(113));
        assert_eq!(r.get(field::REFERER), None);
        assert_eq!(r.get(field::USER_AGENT), Some("S3Console/0.4"));
        assert_eq!(r.get(field::TLS_VERSION), Some("TLSV1.2"));
        assert_eq!(r.get(field::ACCESS_POINT_ARN), Some("arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP"));
        assert_eq!(r.get(field::ACL_REQUIRED), Some("Yes"));
        assert_eq!(r.get(field::SOURCE_REGION), None);
    }

    #[test]
    fn spans_point_at_each_field_in_the_line() {
        let line: &str = AWS_DOC_LINE; // one copy: spans are offsets into the very text parsed
        let r = parse_line(line).unwrap();
        let text = |i| r.span(line, i).map(|s: std::ops::Range<usize>| &line[s]);
        assert_eq!(text(field::TIME), Some("06/Feb/2019:00:00:38 +0000"));
        assert_eq!(text(field::REQUEST_URI), Some("GET /DOC-EXAMPLE-BUCKET1?versioning HTTP/1.1"));
        assert_eq!(text(field::KEY), Some("-"));
        assert_eq!(text(field::ACL_REQUIRED), Some("Yes"));
        assert_eq!(text(field::SOURCE_REGION), None, "the line has 26 fields");
        for i in 0..r.field_count.min(field::KNOWN) {
            assert_eq!(text(i), Some(r.raw(i)), "field {}", field::NAMES[i]);
        }
        assert_eq!(r.extra_span(line), None);
        let mut longer = AWS_DOC_LINE.to_owned();
        longer.push_str(" us-east-1 future1  future2");
        let r = parse_line(&longer).unwrap();
        assert_eq!(r.extra_span(&longer).map(|s| &longer[s]), Some("future1  future2"));
    }

    #[test]
    fn requester_with_spaces() {
        let line = r#"owner bucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLEID 3E57427F3EXAMPLE REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1 1 1 1 "-" "Amazon CloudFront" -"#;
        let r = parse_line(line).unwrap();
        assert_eq!(r.get(field::REQUESTER), Some("arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLEID"));
        assert_eq!(r.get(field::REQUEST_ID), Some("3E57427F3EXAMPLE"));
        assert_eq!(r.field_count, 18);
    }

    #[test]
    fn quotes_inside_quoted_fields() {
        let line = r#"o b [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - 5PCGX9WKFQMJH6FB REST.GET.OBJECT k "GET /k?a="x" HTTP/1.1" 200 - 12 174 205 35 "http://r/?id=452"" ""Mozilla/5.0 (X)" -"#;
        let r = parse_line(line).unwrap();
        assert_eq!(r.get(field::REQUEST_URI), Some(r#"GET /k?a="x" HTTP/1.1"#));
        assert_eq!(r.get(field::REFERER), Some(r#"http://r/?id=452""#));
        assert_eq!(r.get(field::USER_AGENT), Some(r#""Mozilla/5.0 (X)"#));
    }

    #[test]
    fn quote_space_inside_user_agent_does_not_end_it() {
        let line = r#"o b [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - ID REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1 1 1 1 "a" b" "ua "quoted" ua" - hostid SigV4 cipher AuthHeader host TLSv1.2"#;
        let r = parse_line(line).unwrap();
        assert_eq!(r.get(field::REFERER), Some(r#"a" b"#));
        assert_eq!(r.get(field::USER_AGENT), Some(r#"ua "quoted" ua"#));
        assert_eq!(r.get(field::SIGNATURE_VERSION), Some("SigV4"));
    }

    #[test]
    fn bare_dash_for_quoted_fields_and_ipv6() {
        let line = "o b [17/Sep/2010:13:38:36 +0000] 2001:db8::1 c 71F7D2AAA93B0A05 REST.COPY.OBJECT_GET k - 200 - - 13538337 - - - - -";
        let r = parse_line(line).unwrap();
        assert_eq!(r.get(field::REQUEST_URI), None);
        assert_eq!(r.get(field::REMOTE_IP), Some("2001:db8::1"));
        assert_eq!(r.number(field::OBJECT_SIZE), Some(13_538_337));
        assert_eq!(r.field_count, 18);
    }

    #[test]
    fn extra_trailing_fields_are_kept() {
        let mut line = AWS_DOC_LINE.to_owned();
        line.push_str(" us-east-1 future1  future2");
        let r = parse_line(&line).unwrap();
        assert_eq!(r.get(field::SOURCE_REGION), Some("us-east-1"));
        assert_eq!(r.extra_fields().collect::<Vec<_>>(), ["future1", "future2"]);
        assert_eq!(r.field_count, 29);
    }

    #[test]
    fn late_fields_out_of_shape_become_extra_fields() {
        // Panther's test line: a 24-field line followed by `test1 test2`.
        let line = AWS_DOC_LINE.replace(" arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes", " test1 test2");
        let r = parse_line(&line).unwrap();
        assert_eq!(r.get(field::ACCESS_POINT_ARN), None);
        assert_eq!(r.get(field::ACL_REQUIRED), None);
        assert_eq!(r.extra_fields().collect::<Vec<_>>(), ["test1", "test2"]);
        assert_eq!(r.field_count, 26);
        // A good access point ARN then an odd aclRequired: only the odd tail moves.
        let line = AWS_DOC_LINE.replace(" Yes", " maybe us-east-1");
        let r = parse_line(&line).unwrap();
        assert!(r.get(field::ACCESS_POINT_ARN).is_some());
        assert_eq!(r.extra_fields().collect::<Vec<_>>(), ["maybe", "us-east-1"]);
    }

    #[test]
    fn rejects_what_is_not_a_sal_line() {
        for bad in [
            "",
            "hello world",
            r#"{"eventName":"GetObject"}"#,
            "o b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 r ID REST.GET.OBJECT k \"GET /k HTTP/1.1",
            "o b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 r ID REST.GET.OBJECT k \"GET /k HTTP/1.1\" 200 - 1 1 1",
            "o b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 r ID REST.GET.OBJECT k \"GET /k HTTP/1.1\" 200 - 1 1 1 1 \"-\"",
            "o b [06/Feb/2019:00:00:38 +0000] xx.example.41.39 r ID REST.GET.OBJECT k - 200 - - - - - - - -",
            "o b [06/Feb/2019:00:00:38 +0000] host.example r ID REST.GET.OBJECT k - 200 - - - - - - - -",
            "o b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 r ID REST.GET.OBJECT k - 2000 - - - - - - - -",
            "o b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 r ID REST.GET.OBJECT k - 200 - x - - - - - -",
            "o b [06/Xyz/2019:00:00:38 +0000] 192.0.2.3 r ID REST.GET.OBJECT k - 200 - - - - - - - -",
        ] {
            assert!(parse_line(bad).is_err(), "accepted: {bad}");
        }
    }

    /// A line from 2009, before the Version Id field existed (apache/hive S3LogDeserializer.java,
    /// "sourced from genuine S3 logs"): 17 fields, raw quotes in the request-URI.
    #[test]
    fn seventeen_field_lines_end_after_the_user_agent() {
        let line = r#"04ff331638adc13885d6c42059584deabbdeabcd55bf0bee491172a79a87b196 static.zemanta.com [09/Apr/2009:23:12:39 +0000] 65.94.12.181 65a011a29cdf8ec533ec3d1ccaae921c EEE6FFE9B9F9EA29 REST.HEAD.OBJECT readside/loader.js%22+defer%3D%22defer "HEAD /readside/loader.js"+defer="defer HTTP/1.0" 403 AccessDenied 231 - 7 - "-" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.0)""#;
        let r = parse_line(line).unwrap();
        assert_eq!(r.field_count, 17);
        assert_eq!(r.get(field::REQUEST_URI), Some(r#"HEAD /readside/loader.js"+defer="defer HTTP/1.0"#));
        assert_eq!(r.get(field::USER_AGENT), Some("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.0)"));
        assert_eq!(r.get(field::VERSION_ID), None);
        // One field fewer is not a SAL line: the user agent is missing.
        let short = line.rsplit_once(" \"Mozilla").unwrap().0;
        assert!(parse_line(short).unwrap_err().message.contains("user-agent"), "{short}");
    }

    #[test]
    fn masked_remote_ips_are_accepted_as_written() {
        for ip in ["xx.xx.41.39", "***.***.***.***", "xxx.xxxx.xx.xxx", "xx.xx.xx.xx", "2001:db8:xxxx::1"] {
            assert!(is_masked_ip(ip), "{ip}");
            let line = format!("o b [06/Feb/2019:00:00:38 +0000] {ip} - ID REST.GET.OBJECT k - 200 - - - - - - - -");
            assert_eq!(parse_line(&line).unwrap().get(field::REMOTE_IP), Some(ip));
        }
        for not in ["192.0.2.3", "host.example", "x.y", "xx.xx.41", "xx.xx.41.39.1", "xxxxx.1.1.1", "10.0.0.1y", "ab:cd", "-", ""] {
            assert!(!is_masked_ip(not), "{not}");
        }
        assert!(is_masked("F6425****") && is_masked("0e...B4lA=") && !is_masked("3E57427F3EXAMPLE"));
    }

    #[test]
    fn operation_grammar() {
        for ok in ["REST.GET.OBJECT", "SOAP.CreateBucket", "S3.COMPUTE.OBJECT.CHECKSUM", "BATCH.DELETE.OBJECT", "S3.TRANSITION_SIA.OBJECT"]
        {
            assert!(is_operation(ok), "{ok}");
        }
        for bad in ["REST", "REST.", "rest.get", "3E57427F3EXAMPLE", "arn:aws:iam::1:user/a.b", "A..B", ".REST.GET", "REST.GET.OBJ-ECT"] {
            assert!(!is_operation(bad), "{bad}");
        }
    }

    #[test]
    fn request_line() {
        let r = parse_request_line("GET /b/k?versionId=1 HTTP/1.1").unwrap();
        assert_eq!((r.method, r.path, r.query, r.version), ("GET", "/b/k", Some("versionId=1"), "1.1"));
        assert_eq!(parse_request_line("OPTIONS * HTTP/1.0").unwrap().path, "*");
        assert!(parse_request_line("-").is_none());
        assert!(parse_request_line("GET /x").is_none());
        // Found by fuzzing: these gave an empty url.path, query or version.
        assert!(parse_request_line("GET ?x=1 HTTP/1.1").is_none());
        assert!(parse_request_line("GET /x HTTP/").is_none());
        assert!(parse_request_line("GET -?list-type=2 HTTP/1.1").is_none());
        assert_eq!(parse_request_line("GET /x? HTTP/1.1").unwrap().query, None);
        assert_eq!(parse_request_line("GET /x?- HTTP/1.1").unwrap().query, None);
    }
}
