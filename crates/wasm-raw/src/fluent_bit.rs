//! The Fluent Bit filter's logic, host-independent: one record (JSON text, as Fluent Bit's
//! `event_format json` passes it) in, one JSON object out. The exported function in `lib.rs` only
//! moves bytes in and out of linear memory.
//!
//! Output, always one non-empty JSON object (Fluent Bit drops a record on an empty result):
//! - the record yields exactly one event and nothing else → that OCSF event, byte for byte what
//!   `transform` writes for it;
//! - otherwise → the original record with, added at its end: `s3norm_error` (the first error
//!   record's `kind`, `message`, `line`, `index`) when there are errors, `s3norm_skipped` (the
//!   first skip's `event_source`, `event_name`) when a record was skipped, and `s3norm_result`
//!   (the whole ABI response) when there is more than one output or any event to carry.
//!   A record that held no log data at all gets an `invalid_request` error. A record that is not
//!   JSON is kept as `{"message": <its text>}`.
//! - a MessagePack record (`event_format msgpack`) → a MessagePack map saying so ([`msgpack`]):
//!   Fluent Bit reads that mode's result as MessagePack cut at its first NUL byte, which no event
//!   could survive, so the filter refuses it in the only form that host can read.
//!
//! # The per-record path (what the interpreter runs for every line)
//! Fluent Bit runs the module in WAMR's interpreter, with an 8 KiB interpreter stack unless
//! configured otherwise, so the path is kept short and its recursion bounded:
//! - a shipper's record (`{"log": "<line>"}`, perhaps with `file`) is not parsed into a JSON value:
//!   its top level is scanned and the line unescaped once ([`ShipperEvent::from_json`]);
//! - any JSON that is parsed (a record object, a CloudTrail text in `log`) is parsed without
//!   recursion, and its arrays and objects nested more than [`NESTING_KEPT`] levels deep are kept
//!   as their JSON text ([`s3norm::json::parse`]), so nothing downstream (building the event,
//!   writing it, dropping it) recurses deeper either, whatever the input. That also keeps every
//!   output below the 64 levels Fluent Bit's MessagePack decoder takes (see `docs/abi.md`);
//! - the original record is echoed as the text it came in, not re-serialized.

use s3norm::shipper::ShipperEvent;
use s3norm::{ErrorKind, ErrorRecord, Event, Normalizer, Options, Sink, Skip};
use serde::Serialize;
use serde_json::{Map, Value};

/// Levels of JSON nesting kept as structure (see the module documentation). With it, no record
/// needs more than the interpreter stack measured in `examples/fluent-bit/README.md`, and no
/// output nests more than `NESTING_KEPT + 6` levels (an annotated record's
/// `s3norm_result.events[].api.request.data`, under a trail file's `Records`).
pub const NESTING_KEPT: usize = 12;

/// Output buffer to start with: an event is 1.5–3 KB, plus what it carries of the record. Enough
/// up front that the buffer need not grow (a deeper call chain) while nested data is written.
fn output_capacity(record_len: usize) -> usize {
    4096 + 2 * record_len
}

/// Normalize one Fluent Bit record; the bytes to hand back (without the NUL terminator).
pub fn filter_record(record: &[u8]) -> Vec<u8> {
    if msgpack::is_map(record) {
        return msgpack::refusal(record);
    }
    let text = match std::str::from_utf8(record) {
        Ok(text) => text,
        Err(e) => {
            let message = format!("record is not UTF-8: invalid byte at offset {}", e.valid_up_to());
            let lossy = String::from_utf8_lossy(record);
            return annotated(Original::Message(&lossy), &Outputs::refused(ErrorKind::InvalidUtf8, message));
        }
    };
    let options = Options::default().flatten_below(NESTING_KEPT);
    // A record is one line of its file; let it be as long as a JSON document may be.
    let normalizer = Normalizer::new(options.clone().max_line_bytes(options.max_json_bytes));
    let mut outputs = Outputs::with_capacity(output_capacity(record.len()));
    let original = match ShipperEvent::from_json(text, Some(NESTING_KEPT)) {
        Some(event) => {
            outputs.stats = normalizer.read_shipper_event(event, &mut outputs);
            Original::Object(text)
        }
        None => match s3norm::json::parse(text, Some(NESTING_KEPT)) {
            Ok(value @ Value::Object(_)) => {
                outputs.stats = normalizer.read_value(&value, &mut outputs);
                s3norm::json::drop_flat(value);
                Original::Object(text)
            }
            // Fluent Bit's JSON mode always sends an object; anything else is taken as the log text.
            Ok(other) => {
                let mut map = Map::new();
                map.insert("message".to_owned(), other);
                let value = Value::Object(map);
                outputs.stats = normalizer.read_value(&value, &mut outputs);
                return finish(Original::Value(&value), outputs);
            }
            Err(e) => {
                let message = format!("record is not JSON (is the filter's event_format json?): {e}");
                return annotated(Original::Message(text), &Outputs::refused(ErrorKind::JsonSyntax, message));
            }
        },
    };
    finish(original, outputs)
}

fn finish(original: Original<'_>, mut outputs: Outputs) -> Vec<u8> {
    if outputs.stats.inputs == 0 {
        outputs = Outputs::refused(ErrorKind::InvalidRequest, "record holds no log data".to_owned());
    }
    if outputs.stats.events == 1 && outputs.stats.inputs == 1 {
        return outputs.events;
    }
    annotated(original, &outputs)
}

/// The answer when the record could not even be read from memory.
pub fn refused(message: &str) -> Vec<u8> {
    annotated(Original::Value(&Value::Object(Map::new())), &Outputs::refused(ErrorKind::InvalidRequest, message.to_owned()))
}

/// The answer when the host passed no copy of a record of `len` bytes: Fluent Bit does that when
/// the copy does not fit WAMR's app heap (only when the module's own allocator is not used).
pub fn not_copied(len: u32) -> Vec<u8> {
    refused(&format!(
        "record: the host passed no copy of this {len}-byte record (null pointer); in Fluent Bit, raise the wasm filter's wasm_heap_size above the largest record"
    ))
}

/// The record as it is echoed under the notes.
enum Original<'a> {
    /// A JSON object's text (already checked to be one): echoed as it came.
    Object(&'a str),
    /// A value built here (an object).
    Value(&'a Value),
    /// Text that is not a JSON object: kept as `{"message": text}`.
    Message(&'a str),
}

/// What the library produced for one record: events already written as JSON (comma-separated),
/// error records and skips kept for the annotation.
struct Outputs {
    events: Vec<u8>,
    errors: Vec<ErrorRecord>,
    skips: Vec<Skip>,
    stats: s3norm::Stats,
}

impl Outputs {
    fn with_capacity(bytes: usize) -> Outputs {
        Outputs { events: Vec::with_capacity(bytes), errors: Vec::new(), skips: Vec::new(), stats: s3norm::Stats::default() }
    }

    /// One error for a record that never reached the normalizer.
    fn refused(kind: ErrorKind, message: String) -> Outputs {
        let error = ErrorRecord::new(kind, message, "");
        let stats = s3norm::Stats { inputs: 1, events: 0, errors: 1, skipped: 0 };
        Outputs { events: Vec::new(), errors: vec![error], skips: Vec::new(), stats }
    }
}

impl Sink for Outputs {
    fn event(&mut self, event: &Event<'_>) {
        if !self.events.is_empty() {
            self.events.push(b',');
        }
        s3norm::write_event(&mut self.events, event);
    }
    fn error(&mut self, error: ErrorRecord) {
        self.errors.push(error);
    }
    fn skip(&mut self, skip: Skip) {
        self.skips.push(skip);
    }
}

/// `s3norm_error`: an error record without what the record itself already shows.
#[derive(Serialize)]
struct ErrorNote<'a> {
    kind: ErrorKind,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<u64>,
}

/// The original record with the notes appended.
fn annotated(original: Original<'_>, outputs: &Outputs) -> Vec<u8> {
    // Notes a record already carries (it went through a filter before) are stale: they are
    // replaced, never repeated, since an object with a key twice is not one Fluent Bit can keep.
    const NOTES: [&str; 3] = ["s3norm_error", "s3norm_skipped", "s3norm_result"];
    let stale = |map: &Map<String, Value>| NOTES.iter().any(|k| map.contains_key(*k));
    let without_notes = |map: &Map<String, Value>| -> Value {
        Value::Object(map.iter().filter(|(k, _)| !NOTES.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect())
    };
    let cleaned: Value;
    let original = match original {
        Original::Object(text) if text.contains("\"s3norm_") => match s3norm::json::parse(text, Some(NESTING_KEPT)) {
            Ok(Value::Object(map)) if stale(&map) => {
                cleaned = without_notes(&map);
                Original::Value(&cleaned)
            }
            _ => original,
        },
        Original::Value(Value::Object(map)) if stale(map) => {
            cleaned = without_notes(map);
            Original::Value(&cleaned)
        }
        other => other,
    };
    let mut out = Vec::with_capacity(256 + outputs.events.len());
    // Serializing JSON values and strings into a Vec cannot fail.
    let mut sep = match original {
        Original::Object(text) => {
            let body = text.trim_end().strip_suffix('}').unwrap_or(text);
            out.extend_from_slice(body.as_bytes());
            if body.trim_end().ends_with('{') {
                ""
            } else {
                ","
            }
        }
        Original::Value(value) => {
            let _ = serde_json::to_writer(&mut out, value);
            out.pop(); // the closing brace
            if value.as_object().is_some_and(Map::is_empty) {
                ""
            } else {
                ","
            }
        }
        Original::Message(text) => {
            out.extend_from_slice(b"{\"message\":");
            let _ = serde_json::to_writer(&mut out, text);
            ","
        }
    };
    let mut key = |out: &mut Vec<u8>, name: &str| {
        out.extend_from_slice(sep.as_bytes());
        out.extend_from_slice(b"\"");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
        sep = ",";
    };
    if let Some(e) = outputs.errors.first() {
        key(&mut out, "s3norm_error");
        let _ = serde_json::to_writer(&mut out, &ErrorNote { kind: e.kind, message: &e.message, line: e.line, index: e.index });
    }
    if let Some(skip) = outputs.skips.first() {
        key(&mut out, "s3norm_skipped");
        let _ = serde_json::to_writer(&mut out, skip);
    }
    if outputs.stats.inputs > 1 || outputs.stats.events > 0 {
        key(&mut out, "s3norm_result");
        out.extend_from_slice(format!("{{\"abi_version\":{},\"events\":[", s3norm::abi::ABI_VERSION).as_bytes());
        out.extend_from_slice(&outputs.events);
        out.extend_from_slice(b"],\"errors\":[");
        for (i, e) in outputs.errors.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            s3norm::write_error(&mut out, e);
        }
        out.extend_from_slice(b"],\"stats\":");
        let _ = serde_json::to_writer(&mut out, &outputs.stats);
        out.push(b'}');
    }
    out.push(b'}');
    out
}

/// `event_format msgpack`: recognising a MessagePack record and refusing it in MessagePack.
///
/// In that mode Fluent Bit passes the record body as MessagePack (a map) and takes the result as
/// MessagePack up to its first NUL byte (`strlen`), so the answer is a map with no 0x00 byte in
/// it: fixstr/str8/str16 strings whose length bytes are never zero, and `true`.
pub mod msgpack {
    /// Most record bytes carried in the answer (base64, one str16 of at most 65535 characters).
    const MAX_CARRIED: usize = 3 * 16383;
    const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// Whether `record` starts like a MessagePack map (fixmap, map16, map32). JSON mode always
    /// sends text starting with `{`.
    pub fn is_map(record: &[u8]) -> bool {
        matches!(record.first(), Some(0x80..=0x8f | 0xde | 0xdf))
    }

    /// `{"s3norm_error": {"kind": "invalid_request", "message": …}, "input_base64": …,
    /// "input_truncated": true}` (the last only when the record was cut), as MessagePack.
    pub fn refusal(record: &[u8]) -> Vec<u8> {
        let mut carried = &record[..record.len().min(MAX_CARRIED)];
        if base64_len(carried.len()) % 256 == 0 && !carried.is_empty() {
            carried = &carried[..carried.len() - 3]; // a str16 length with a zero low byte
        }
        let truncated = carried.len() < record.len();
        let mut out = Vec::with_capacity(base64_len(carried.len()) + 200);
        out.push(0x80 | if truncated { 3 } else { 2 });
        string(&mut out, "s3norm_error");
        out.push(0x82);
        string(&mut out, "kind");
        string(&mut out, "invalid_request");
        string(&mut out, "message");
        string(
            &mut out,
            "the record is MessagePack, not JSON: set `event_format json` on the s3norm wasm filter (input_base64 holds the record)",
        );
        string(&mut out, "input_base64");
        let mut encoded = String::with_capacity(base64_len(carried.len()));
        for chunk in carried.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
            for i in 0..4 {
                encoded.push(if i <= chunk.len() { BASE64[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
            }
        }
        string(&mut out, &encoded);
        if truncated {
            string(&mut out, "input_truncated");
            out.push(0xc3);
        }
        out
    }

    fn base64_len(n: usize) -> usize {
        n.div_ceil(3) * 4
    }

    /// A MessagePack string whose header has no zero byte (the caller keeps lengths that way).
    fn string(out: &mut Vec<u8>, s: &str) {
        let n = s.len();
        match n {
            0..=31 => out.push(0xa0 | n as u8),
            32..=255 => out.extend_from_slice(&[0xd9, n as u8]),
            _ => out.extend_from_slice(&[0xda, (n >> 8) as u8, n as u8]),
        }
        out.extend_from_slice(s.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(record: &[u8]) -> Value {
        serde_json::from_slice(&filter_record(record)).expect("the filter answers JSON")
    }

    const LINE: &str = r#"79a5 mybucket [06/Feb/2014:00:00:38 +0000] 192.0.2.3 79a5 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /mybucket?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -"#;

    #[test]
    fn one_line_is_the_event_byte_for_byte() {
        for record in [
            serde_json::json!({"log": LINE, "file": "/var/log/s3/a.log"}).to_string(),
            serde_json::json!({"log": LINE}).to_string(),
            format!(" {{ \"file\" : \"a\" , \"log\" : {} }} ", serde_json::to_string(LINE).unwrap()),
        ] {
            let response = s3norm::abi::transform(&record);
            let event = response.strip_prefix("{\"abi_version\":1,\"events\":[").and_then(|r| r.split_once("],\"errors\":[]")).unwrap().0;
            assert_eq!(String::from_utf8(filter_record(record.as_bytes())).unwrap(), event);
        }
    }

    #[test]
    fn garbage_keeps_the_record() {
        let v = filter(b"{\"log\":");
        assert_eq!(v["message"], "{\"log\":");
        assert_eq!(v["s3norm_error"]["kind"], "json_syntax");

        let v = filter(b"\x7b\xff");
        assert_eq!(v["s3norm_error"]["kind"], "invalid_utf8");

        let v = filter(b"{\"other\":1}");
        assert_eq!(v["other"], 1);
        assert_eq!(v["s3norm_error"]["kind"], "not_cloudtrail");

        let v = filter(b" { } ");
        assert_eq!(v, serde_json::json!({"s3norm_error": {"kind": "not_cloudtrail", "message": v["s3norm_error"]["message"]}}));

        let v: Value = serde_json::from_slice(&refused("record: null pointer with length 9")).unwrap();
        assert_eq!(v, serde_json::json!({"s3norm_error": {"kind": "invalid_request", "message": "record: null pointer with length 9"}}));
        let v: Value = serde_json::from_slice(&not_copied(100551)).unwrap();
        assert!(v["s3norm_error"]["message"].as_str().unwrap().contains("wasm_heap_size"), "{v}");

        // A record that went through the filter before: its notes are replaced, not repeated
        // (found by fuzzing: the answer had `s3norm_result` twice).
        let answer = filter_record(br#"{"s3norm_result":"old","log":"junk","s3norm_error":{"kind":"x"}}"#);
        let text = String::from_utf8(answer).unwrap();
        assert_eq!((text.matches("\"s3norm_error\"").count(), text.matches("s3norm_result").count()), (1, 0), "{text}");
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["s3norm_error"]["kind"], "sal_syntax");

        let v = filter(b"{\"log\":\"\"}");
        assert_eq!(v["s3norm_error"]["kind"], "invalid_request");
        assert!(v.get("s3norm_result").is_none());

        let v = filter(b"[1]");
        assert_eq!(v["message"], serde_json::json!([1]));
        assert_eq!(v["s3norm_error"]["kind"], "not_cloudtrail");
    }

    #[test]
    fn error_kinds_are_the_library_kinds() {
        let iam = serde_json::json!({"eventSource": "iam.amazonaws.com", "eventName": "ListUsers", "eventTime": "2020-01-01T00:00:00Z"});
        let v = filter(serde_json::json!({"message": iam.to_string()}).to_string().as_bytes());
        assert!(v.get("s3norm_error").is_none(), "{v}");
        assert_eq!(v["s3norm_skipped"]["event_name"], "ListUsers");

        let s3 = serde_json::json!({"eventSource": "s3.amazonaws.com", "eventName": "GetObject", "eventTime": "2020-01-01T00:00:00Z"});
        let trail = serde_json::json!({"Records": [s3, s3]});
        let v = filter(serde_json::json!({"message": trail.to_string(), "host": "h"}).to_string().as_bytes());
        assert!(v.get("s3norm_error").is_none(), "{v}");
        assert_eq!(v["s3norm_result"]["events"].as_array().map(Vec::len), Some(2));
        assert_eq!(v["s3norm_result"]["stats"]["inputs"], 2);
        assert_eq!(v["host"], "h");
    }

    /// Depth of a JSON value (a scalar is 0, `{}` is 1).
    fn depth(v: &Value) -> usize {
        match v {
            Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
            Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }

    #[test]
    fn deep_input_is_kept_as_text_and_no_output_nests_64_levels() {
        // Built as text: the test itself must not recurse 5000 levels either.
        let params = |levels: usize| format!("{}1{}", "{\"a\":".repeat(levels), "}".repeat(levels));
        for levels in [4, NESTING_KEPT - 2, NESTING_KEPT, 65, 5000] {
            let record = format!(
                r#"{{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2020-01-01T00:00:00Z","requestID":"R","requestParameters":{}}}"#,
                params(levels)
            );
            let quoted = serde_json::to_string(&record).unwrap();
            for text in [
                record.clone(),
                format!(r#"{{"log":{quoted},"file":"f"}}"#),
                format!(r#"{{"log":"{{\"Records\":[{0},{0}]}}"}}"#, &quoted[1..quoted.len() - 1]),
            ] {
                let out = filter(text.as_bytes());
                assert!(depth(&out) <= NESTING_KEPT + 6, "{levels} levels: output nests {} levels", depth(&out));
                assert!(out.get("s3norm_error").is_none(), "{levels}: {}", &out.to_string()[..300.min(out.to_string().len())]);
                // What was kept as text is the rest of the record, unchanged.
                let events = match out.get("s3norm_result") {
                    Some(result) => result["events"].as_array().unwrap().clone(),
                    None => vec![out.clone()],
                };
                assert!(!events.is_empty());
                for event in events {
                    let mut data = &event["api"]["request"]["data"];
                    let mut steps = 0;
                    while let Some(next) = data.get("a") {
                        (data, steps) = (next, steps + 1);
                    }
                    match data.as_str() {
                        Some(kept) => assert_eq!(kept, params(levels - steps)),
                        None => assert_eq!((data, steps), (&Value::from(1), levels)),
                    }
                }
            }
        }
    }

    #[test]
    fn msgpack_records_are_refused_in_msgpack() {
        // {"log": "abc"} as MessagePack, as event_format msgpack passes it.
        let record = b"\x81\xa3log\xa3abc";
        let out = filter_record(record);
        assert!(!out.contains(&0), "no NUL byte: Fluent Bit cuts the result at the first one");
        assert_eq!(out[0], 0x82);
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("event_format json") && text.contains("input_base64") && text.contains("gaNsb2ejYWJj"), "{text}");
        for n in [3usize, 4, 5, 190, 191, 192, 193, 40_000, 49_149, 100_000] {
            let mut big = vec![0xde, 0, 1];
            big.resize(n, 0);
            let out = filter_record(&big);
            assert!(!out.contains(&0), "{n}");
            assert_eq!(out[0] == 0x83, n > 49_149 || (n.div_ceil(3) * 4) % 256 == 0, "{n}");
        }
    }
}
