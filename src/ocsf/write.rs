//! The one writer: an event or an error record becomes bytes here, and nowhere else.
//!
//! Every output path (the CLI's NDJSON, the ABI response, the WebAssembly adapters, the benches)
//! calls [`write_event`]. Its output is *defined* as the serde-derived serialization of [`Event`]
//! (compact JSON, keys in declaration order, absent values left out) — that derivation stays as the
//! obviously-correct reference, and differential tests hold this writer to it byte for byte on
//! every fixture event and on generated ones.
//!
//! Why a hand-written writer: the event shape is fixed, so every key (with its quotes, colon and
//! comma) is a constant byte string written with one copy; text is copied as is unless a fast scan
//! finds a byte JSON must escape; integers are written by `itoa`. Writing JSON was about two thirds
//! of the time per SAL line with the generic serializer.
//!
//! Advice for the next change: a field added to a struct in `ocsf/mod.rs` must be added here too,
//! in the same position. The differential tests fail until it is (they compare with serde's output
//! of the same event). Values copied from CloudTrail records (`serde_json::Value`) are written by
//! serde_json itself: their shape is open.

use super::*;
use crate::error::ErrorRecord;
use crate::swar::{bytes_below, bytes_equal, word_at};

/// Append `event` as one line of compact JSON (no newline) to `out`.
pub fn write_event(out: &mut Vec<u8>, e: &Event<'_>) {
    out.reserve(2048);
    out.extend_from_slice(b"{\"class_uid\":");
    int(out, e.class_uid);
    fixed(out, b",\"class_name\":", e.class_name);
    out.extend_from_slice(b",\"category_uid\":");
    int(out, e.category_uid);
    fixed(out, b",\"category_name\":", e.category_name);
    out.extend_from_slice(b",\"activity_id\":");
    int(out, e.activity_id);
    fixed(out, b",\"activity_name\":", e.activity_name);
    out.extend_from_slice(b",\"type_uid\":");
    int(out, e.type_uid);
    fixed(out, b",\"type_name\":", e.type_name);
    out.extend_from_slice(b",\"severity_id\":");
    int(out, e.severity_id);
    fixed(out, b",\"severity\":", e.severity);
    out.extend_from_slice(b",\"status_id\":");
    int(out, e.status_id);
    fixed(out, b",\"status\":", e.status);
    opt(out, b",\"status_code\":", e.status_code);
    opt(out, b",\"status_detail\":", e.status_detail);
    out.extend_from_slice(b",\"time\":");
    int(out, e.time);
    out.extend_from_slice(b",\"time_dt\":\"");
    out.extend_from_slice(e.time_dt.as_str().as_bytes());
    out.push(b'"');
    if let Some(d) = e.duration {
        out.extend_from_slice(b",\"duration\":");
        int(out, d);
    }
    metadata(out, &e.metadata);
    api(out, &e.api);
    actor(out, &e.actor);
    out.extend_from_slice(b",\"src_endpoint\":");
    endpoint(out, &e.src_endpoint);
    if let Some(dst) = &e.dst_endpoint {
        out.extend_from_slice(b",\"dst_endpoint\":");
        endpoint(out, dst);
    }
    if let Some(r) = &e.http_request {
        http_request(out, r);
    }
    if let Some(r) = &e.http_response {
        out.extend_from_slice(b",\"http_response\":{\"code\":");
        int(out, r.code);
        if let Some(n) = r.length {
            out.extend_from_slice(b",\"length\":");
            int(out, n);
        }
        if let Some(n) = r.latency {
            out.extend_from_slice(b",\"latency\":");
            int(out, n);
        }
        out.push(b'}');
    }
    if !e.resources.is_empty() {
        out.extend_from_slice(b",\"resources\":[");
        for (i, r) in e.resources.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            resource(out, r);
        }
        out.push(b']');
    }
    fixed(out, b",\"cloud\":{\"provider\":", e.cloud.provider);
    opt(out, b",\"region\":", e.cloud.region);
    if let Some(a) = &e.cloud.account {
        account(out, b",\"account\":", a);
    }
    out.push(b'}');
    unmapped(out, &e.unmapped);
    opt(out, b",\"raw_data\":", e.raw_data);
    out.push(b'}');
}

/// Append `error` as compact JSON (no newline) to `out`.
pub fn write_error(out: &mut Vec<u8>, error: &ErrorRecord) {
    // Error records are rare and small: the generic serializer is fast enough.
    let _ = serde_json::to_writer(out, error);
}

fn metadata(out: &mut Vec<u8>, m: &Metadata<'_>) {
    fixed(out, b",\"metadata\":{\"version\":", m.version);
    out.extend_from_slice(b",\"profiles\":[");
    for (i, p) in m.profiles.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        fixed(out, b"", p);
    }
    fixed(out, b"],\"product\":{\"vendor_name\":", m.product.vendor_name);
    fixed(out, b",\"name\":", m.product.name);
    if let Some(f) = &m.product.feature {
        fixed(out, b",\"feature\":{\"name\":", f.name);
        out.push(b'}');
    }
    key(out, b"},\"event_code\":", m.event_code);
    opt(out, b",\"uid\":", m.uid);
    opt(out, b",\"correlation_uid\":", m.correlation_uid);
    key(out, b",\"original_time\":", m.original_time);
    opt(out, b",\"log_name\":", m.log_name);
    out.push(b'}');
}

fn api(out: &mut Vec<u8>, a: &Api<'_>) {
    key(out, b",\"api\":{\"operation\":", &a.operation);
    if let Some(r) = &a.request {
        key(out, b",\"request\":{\"uid\":", r.uid);
        if let Some(data) = r.data {
            out.extend_from_slice(b",\"data\":");
            value(out, data);
        }
        out.push(b'}');
    }
    if let Some(r) = &a.response {
        let mut first = true;
        out.extend_from_slice(b",\"response\":{");
        if let Some(s) = r.error {
            field(out, &mut first, b"\"error\":");
            string(out, s);
        }
        if let Some(s) = r.error_message {
            field(out, &mut first, b"\"error_message\":");
            string(out, s);
        }
        if let Some(data) = r.data {
            field(out, &mut first, b"\"data\":");
            value(out, data);
        }
        out.push(b'}');
    }
    key(out, b",\"service\":{\"name\":", a.service.name);
    out.extend_from_slice(b"}}");
}

fn actor(out: &mut Vec<u8>, a: &Actor<'_>) {
    let u = &a.user;
    key(out, b",\"actor\":{\"user\":{\"type\":", u.kind.as_str());
    opt(out, b",\"uid\":", u.uid);
    opt(out, b",\"uid_alt\":", u.uid_alt);
    opt(out, b",\"name\":", u.name);
    opt(out, b",\"credential_uid\":", u.credential_uid);
    if let Some(acc) = &u.account {
        account(out, b",\"account\":", acc);
    }
    out.push(b'}');
    if let Some(s) = &a.session {
        let mut first = true;
        out.extend_from_slice(b",\"session\":{");
        if let Some(issuer) = s.issuer {
            field(out, &mut first, b"\"issuer\":");
            string(out, issuer);
        }
        if let Some(mfa) = s.is_mfa {
            field(out, &mut first, b"\"is_mfa\":");
            out.extend_from_slice(if mfa { b"true" } else { b"false" });
        }
        if let Some(t) = s.created_time {
            field(out, &mut first, b"\"created_time\":");
            int(out, t);
        }
        if let Some(t) = &s.created_time_dt {
            field(out, &mut first, b"\"created_time_dt\":");
            string(out, t.as_str());
        }
        out.push(b'}');
    }
    opt(out, b",\"app_name\":", a.app_name);
    out.push(b'}');
}

fn endpoint(out: &mut Vec<u8>, e: &Endpoint<'_>) {
    let mut first = true;
    out.push(b'{');
    for (name, v) in [
        (&b"\"ip\":"[..], e.ip),
        (b"\"hostname\":", e.hostname),
        (b"\"name\":", e.name),
        (b"\"svc_name\":", e.svc_name),
        (b"\"uid\":", e.uid),
    ] {
        if let Some(v) = v {
            field(out, &mut first, name);
            string(out, v);
        }
    }
    out.push(b'}');
}

fn http_request(out: &mut Vec<u8>, r: &HttpRequest<'_>) {
    let mut first = true;
    out.extend_from_slice(b",\"http_request\":{");
    if let Some(m) = r.http_method {
        field(out, &mut first, b"\"http_method\":");
        string(out, m);
    }
    if let Some(u) = &r.url {
        field(out, &mut first, b"\"url\":{");
        let mut url_first = true;
        if let Some(h) = u.hostname {
            field(out, &mut url_first, b"\"hostname\":");
            string(out, h);
        }
        field(out, &mut url_first, b"\"path\":");
        string(out, u.path);
        opt(out, b",\"query_string\":", u.query_string);
        out.push(b'}');
    }
    for (name, v) in [(&b"\"version\":"[..], r.version), (b"\"referrer\":", r.referrer), (b"\"user_agent\":", r.user_agent)] {
        if let Some(v) = v {
            field(out, &mut first, name);
            string(out, v);
        }
    }
    out.push(b'}');
}

fn resource(out: &mut Vec<u8>, r: &Resource<'_>) {
    key(out, b"{\"type\":", r.kind.as_str());
    out.extend_from_slice(b",\"uid\":");
    arn(out, &r.uid);
    opt(out, b",\"name\":", r.name.as_deref());
    opt(out, b",\"version\":", r.version);
    if let Some(o) = &r.owner {
        let mut first = true;
        out.extend_from_slice(b",\"owner\":{");
        if let Some(uid) = o.uid {
            field(out, &mut first, b"\"uid\":");
            string(out, uid);
        }
        if let Some(a) = &o.account {
            field(out, &mut first, b"\"account\":{\"uid\":");
            string(out, a.uid);
            out.push(b'}');
        }
        out.push(b'}');
    }
    if let Some(id) = r.role_id {
        out.extend_from_slice(b",\"role_id\":");
        int(out, id);
    }
    opt(out, b",\"role\":", r.role);
    out.push(b'}');
}

fn arn(out: &mut Vec<u8>, a: &Arn<'_>) {
    match a {
        Arn::Given(s) => string(out, s),
        Arn::S3 { partition, bucket, key } => {
            out.extend_from_slice(b"\"arn:");
            escaped(out, partition);
            out.extend_from_slice(b":s3:::");
            escaped(out, bucket);
            if let Some(k) = key {
                out.push(b'/');
                escaped(out, k);
            }
            out.push(b'"');
        }
        Arn::S3Express { partition, region, account, bucket, key } => {
            out.extend_from_slice(b"\"arn:");
            escaped(out, partition);
            out.extend_from_slice(b":s3express:");
            escaped(out, region);
            out.push(b':');
            escaped(out, account);
            out.extend_from_slice(b":bucket/");
            escaped(out, bucket);
            out.push(b'/');
            escaped(out, key);
            out.push(b'"');
        }
    }
}

fn unmapped(out: &mut Vec<u8>, u: &Unmapped<'_>) {
    let s = &u.s3;
    let mut first = true;
    out.extend_from_slice(b",\"unmapped\":{\"s3\":{");
    for (name, v) in [
        (&b"\"bucket_owner\":"[..], s.bucket_owner),
        (b"\"host_id\":", s.host_id),
        (b"\"signature_version\":", s.signature_version),
        (b"\"cipher_suite\":", s.cipher_suite),
        (b"\"authentication_type\":", s.authentication_type),
        (b"\"tls_version\":", s.tls_version.as_deref()),
        (b"\"acl_required\":", s.acl_required),
        (b"\"access_point_arn\":", s.access_point_arn),
    ] {
        if let Some(v) = v {
            field(out, &mut first, name);
            string(out, v);
        }
    }
    for (name, v) in [(&b"\"bytes_in\":"[..], s.bytes_in), (b"\"bytes_out\":", s.bytes_out), (b"\"object_size\":", s.object_size)] {
        if let Some(v) = v {
            field(out, &mut first, name);
            int(out, v);
        }
    }
    if let Some(v) = s.source_region {
        field(out, &mut first, b"\"source_region\":");
        string(out, v);
    }
    if let Some(v) = s.cloudtrail_equivalent {
        field(out, &mut first, b"\"cloudtrail_equivalent\":");
        out.extend_from_slice(if v { b"true" } else { b"false" });
    }
    if let Some(sources) = s.sources {
        field(out, &mut first, b"\"sources\":");
        strings(out, sources);
    }
    out.push(b'}');
    if let Some(sal) = &u.s3_access_log {
        let mut first = true;
        out.extend_from_slice(b",\"s3_access_log\":{");
        if let Some(uri) = sal.request_uri {
            field(out, &mut first, b"\"request_uri\":");
            string(out, uri);
        }
        if !sal.extra_fields.is_empty() {
            field(out, &mut first, b"\"extra_fields\":");
            strings(out, &sal.extra_fields);
        }
        if !sal.masked_fields.is_empty() {
            field(out, &mut first, b"\"masked_fields\":");
            strings(out, &sal.masked_fields);
        }
        for (name, v) in [(&b"\"event_code\":"[..], sal.event_code), (b"\"log_name\":", sal.log_name)] {
            if let Some(v) = v {
                field(out, &mut first, name);
                string(out, v);
            }
        }
        out.push(b'}');
    }
    if let Some(ct) = &u.cloudtrail {
        let mut first = true;
        out.extend_from_slice(b",\"cloudtrail\":{");
        for (name, v) in [
            (&b"\"event_version\":"[..], ct.event_version),
            (b"\"event_type\":", ct.event_type),
            (b"\"event_category\":", ct.event_category),
        ] {
            if let Some(v) = v {
                field(out, &mut first, name);
                string(out, v);
            }
        }
        for (name, v) in [(&b"\"read_only\":"[..], ct.read_only), (b"\"management_event\":", ct.management_event)] {
            if let Some(v) = v {
                field(out, &mut first, name);
                out.extend_from_slice(if v { b"true" } else { b"false" });
            }
        }
        for (name, v) in [(&b"\"shared_event_id\":"[..], ct.shared_event_id), (b"\"vpc_endpoint_account_id\":", ct.vpc_endpoint_account_id)]
        {
            if let Some(v) = v {
                field(out, &mut first, name);
                string(out, v);
            }
        }
        if !ct.arn_prefixes.is_empty() {
            field(out, &mut first, b"\"arn_prefixes\":");
            strings(out, &ct.arn_prefixes);
        }
        out.push(b'}');
    }
    if let Some(fields) = u.source_event {
        out.extend_from_slice(b",\"source_event\":");
        let _ = serde_json::to_writer(&mut *out, fields);
    }
    out.push(b'}');
}

fn account(out: &mut Vec<u8>, name: &[u8], a: &Account<'_>) {
    out.extend_from_slice(name);
    key(out, b"{\"uid\":", a.uid);
    out.push(b'}');
}

// ------------------------------------------------------------------------------------------------
// Pieces

/// [`key`] for the crate's own constant texts (class names, product names): written without an
/// escape scan. A debug build checks that they need none.
#[inline]
fn fixed(out: &mut Vec<u8>, name: &[u8], text: &'static str) {
    debug_assert_eq!(first_to_escape(text.as_bytes(), 0), text.len(), "{text:?}");
    out.extend_from_slice(name);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// `name` (a constant holding its own comma, quotes and colon), then `text` as a JSON string.
#[inline]
fn key(out: &mut Vec<u8>, name: &[u8], text: &str) {
    out.extend_from_slice(name);
    string(out, text);
}

/// [`key`] when there is a value.
#[inline]
fn opt(out: &mut Vec<u8>, name: &[u8], text: Option<&str>) {
    if let Some(text) = text {
        key(out, name, text);
    }
}

/// A member of an object whose members are all optional: a comma before all but the first.
#[inline]
fn field(out: &mut Vec<u8>, first: &mut bool, name: &[u8]) {
    if !std::mem::take(first) {
        out.push(b',');
    }
    out.extend_from_slice(name);
}

#[inline]
fn int(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn strings(out: &mut Vec<u8>, items: &[&str]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, s);
    }
    out.push(b']');
}

fn value(out: &mut Vec<u8>, v: &serde_json::Value) {
    // A Value into a Vec cannot fail: its keys are strings and its numbers finite.
    let _ = serde_json::to_writer(&mut *out, v);
}

/// `text` as a JSON string, quoted.
#[inline]
fn string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    escaped(out, text);
    out.push(b'"');
}

/// `text` escaped as serde_json escapes it: `"` and `\` with a backslash, the control characters
/// below 0x20 as `\b \t \n \f \r` or `\u00XX`; everything else (all of UTF-8) as is. The common
/// case, nothing to escape, is one scan and one copy.
#[inline]
fn escaped(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut i = first_to_escape(bytes, 0);
    if i == bytes.len() {
        out.extend_from_slice(bytes);
        return;
    }
    let mut start = 0;
    while i < bytes.len() {
        out.extend_from_slice(&bytes[start..i]);
        let b = bytes[i];
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\x08' => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\x0c' => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
            }
        }
        start = i + 1;
        i = first_to_escape(bytes, start);
    }
    out.extend_from_slice(&bytes[start..]);
}

/// The index of the first byte at or after `from` that JSON must escape, or `bytes.len()`.
/// Sixteen bytes at a time (SSE2) or eight (a word) while that many remain; the rest of a text of
/// sixteen bytes or more in one last block that overlaps what was checked (most values are
/// short: the tail is most of the work); byte by byte only below eight, or in a word that hit.
#[inline]
fn first_to_escape(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    if bytes.len().saturating_sub(from) >= 16 {
        while let Some(chunk) = bytes.get(i..i + 16) {
            // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 processor has it.
            let mask = unsafe { sse2::escape_mask(chunk) };
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
        if i < bytes.len() {
            let last = bytes.len() - 16;
            // SAFETY: as above. Bit k is byte last + k; the bytes before `i` were checked.
            let mask = unsafe { sse2::escape_mask(&bytes[last..]) } >> (i - last);
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
        }
        return bytes.len();
    }
    while let Some(w) = word_at(bytes, i) {
        if needs_escape(w) {
            break;
        }
        i += 8;
    }
    // Fewer than eight left after clean words: the last eight bytes, overlapping, in one word.
    let tail = bytes.len().wrapping_sub(i);
    if (1..8).contains(&tail) && bytes.len().saturating_sub(from) >= 8 {
        if let Some(w) = word_at(bytes, bytes.len() - 8) {
            if !needs_escape(w) {
                return bytes.len();
            }
        }
    }
    while let Some(&b) = bytes.get(i) {
        if b < 0x20 || b == b'"' || b == b'\\' {
            return i;
        }
        i += 1;
    }
    bytes.len()
}

/// Sixteen bytes at a time with SSE2, which every x86_64 processor has. The intrinsics used take
/// no pointers: the only unsafety is the target feature, which x86_64 always has.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// Bit i is set when byte i of `chunk` (16 bytes) is below 0x20, `"` or `\\`.
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(super) fn escape_mask(chunk: &[u8]) -> u32 {
        let mut lo = [0u8; 8];
        let mut hi = [0u8; 8];
        lo.copy_from_slice(&chunk[..8]);
        hi.copy_from_slice(&chunk[8..16]);
        let v = _mm_set_epi64x(i64::from_le_bytes(hi), i64::from_le_bytes(lo));
        // v >= 0x20 (unsigned) exactly where max(v, 0x20) == v.
        let printable = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x20)), v);
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        let bad = _mm_or_si128(_mm_andnot_si128(printable, _mm_set1_epi8(-1)), _mm_or_si128(quote, backslash));
        _mm_movemask_epi8(bad) as u32
    }
}

/// Whether one of the eight bytes of `w` is below 0x20, `"` or `\\` (exact for the word as a
/// whole; which byte, the byte loop finds).
#[inline]
fn needs_escape(w: u64) -> bool {
    (bytes_equal(w, b'"') | bytes_equal(w, b'\\') | bytes_below(w, 0x20)) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_serde_json_does() {
        let mut all = String::new();
        for c in (0u32..0x80).chain([0xe9, 0x2028, 0x1f600]) {
            all.push(char::from_u32(c).unwrap());
        }
        for text in [all.as_str(), "", "plain", "a\"b", "12345678\"", "1234567\\8", "\u{7f}\u{1f}", "é\"ü\n"] {
            let mut out = Vec::new();
            string(&mut out, text);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn the_word_scan_finds_every_position() {
        for len in 0..50 {
            for at in 0..len {
                for bad in [b'"', b'\\', 0u8, 0x1f] {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = bad;
                    for from in [0, 1, 7, 8, 9, 15, 16, 17, 31, 33] {
                        let want = if from <= at { at } else { len };
                        assert_eq!(
                            first_to_escape(&bytes, from.min(len)),
                            want.max(from.min(len)),
                            "len {len} at {at} from {from} byte {bad}"
                        );
                    }
                    // Bytes that only look close: 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xff.
                    let near = [0x20u8, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xff];
                    bytes[at] = near[at % near.len()];
                    assert_eq!(first_to_escape(&bytes, 0), len);
                    assert_eq!(first_to_escape(&bytes, at / 2), len);
                }
            }
        }
    }
}
