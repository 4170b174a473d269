//! The Fluent Bit filter's logic, host-independent: one record (JSON text, as Fluent Bit's
//! `event_format json` passes it) in, one JSON object out. The exported function in `lib.rs` only
//! moves bytes in and out of linear memory.
//!
//! The record is parsed once and handed to the library as a value ([`s3norm::abi::process`]): the
//! same request semantics as `transform` (a shipper event `{"log": …}` / `{"message": …}`, a
//! CloudTrail record, a container), without re-serializing it or parsing a response.
//!
//! Output, always one non-empty JSON object (Fluent Bit drops a record on an empty result):
//! - the record yields exactly one event and nothing else → that OCSF event, byte for byte what
//!   `transform` writes for it;
//! - otherwise → the original record with, added at its end: `s3norm_error` (the first error
//!   record's `kind`, `message`, `line`, `index`) when there are errors, `s3norm_skipped` (the
//!   first skip's `event_source`, `event_name`) when a record was skipped, and `s3norm_result`
//!   (the whole ABI response) when there is more than one output or any event to carry.
//!   A record that held no log data at all gets an `invalid_request` error.

use s3norm::{ErrorKind, ErrorRecord, Event, Sink, Skip};
use serde::Serialize;
use serde_json::{Map, Value};

/// Normalize one Fluent Bit record; the JSON object to hand back (without its NUL).
pub fn filter_record(record: &[u8]) -> Vec<u8> {
    let text = match std::str::from_utf8(record) {
        Ok(text) => text,
        Err(e) => {
            let message = format!("record is not UTF-8: invalid byte at offset {}", e.valid_up_to());
            let original = message_record(Value::String(String::from_utf8_lossy(record).into_owned()));
            return annotated(&original, &Outputs::refused(ErrorKind::InvalidUtf8, message));
        }
    };
    let request = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map,
        // Fluent Bit's JSON mode always sends an object; anything else is taken as the log text.
        Ok(other) => message_record(other),
        Err(e) => {
            let message = format!("record is not JSON (is the filter's event_format json?): {e}");
            return annotated(&message_record(Value::String(text.to_owned())), &Outputs::refused(ErrorKind::JsonSyntax, message));
        }
    };
    let request = Value::Object(request);
    let mut outputs = Outputs::default();
    outputs.stats = s3norm::abi::process(&request, &mut outputs);
    let no_fields = Map::new();
    let original = request.as_object().unwrap_or(&no_fields); // always an object (built above)
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
    annotated(&Map::new(), &Outputs::refused(ErrorKind::InvalidRequest, message.to_owned()))
}

fn message_record(value: Value) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("message".to_owned(), value);
    map
}

/// What the library produced for one record: events already written as JSON (comma-separated),
/// error records and skips kept for the annotation.
#[derive(Default)]
struct Outputs {
    events: Vec<u8>,
    errors: Vec<ErrorRecord>,
    skips: Vec<Skip>,
    stats: s3norm::Stats,
}

impl Outputs {
    /// One error for a record that never reached the normalizer.
    fn refused(kind: ErrorKind, message: String) -> Outputs {
        let error = ErrorRecord::new(kind, message, "");
        let stats = s3norm::Stats { inputs: 1, events: 0, errors: 1, skipped: 0 };
        Outputs { errors: vec![error], stats, ..Outputs::default() }
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

/// The original record with the notes appended: written as text, the record serialized once.
fn annotated(original: &Map<String, Value>, outputs: &Outputs) -> Vec<u8> {
    // Notes a record already carries (it went through a filter before) are stale: they are
    // replaced, never repeated, since an object with a key twice is not one Fluent Bit can keep.
    const NOTES: [&str; 3] = ["s3norm_error", "s3norm_skipped", "s3norm_result"];
    let without_notes: Map<String, Value>;
    let original = if NOTES.iter().any(|k| original.contains_key(*k)) {
        without_notes = original.iter().filter(|(k, _)| !NOTES.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
        &without_notes
    } else {
        original
    };
    let mut out = Vec::with_capacity(256 + outputs.events.len());
    // Serializing a map of JSON values into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut out, original);
    out.pop(); // the closing brace
    let mut sep = if original.is_empty() { "" } else { "," };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(record: &[u8]) -> Value {
        serde_json::from_slice(&filter_record(record)).expect("the filter answers JSON")
    }

    const LINE: &str = r#"79a5 mybucket [06/Feb/2014:00:00:38 +0000] 192.0.2.3 79a5 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /mybucket?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -"#;

    #[test]
    fn one_line_is_the_event_byte_for_byte() {
        let record = serde_json::json!({"log": LINE, "file": "/var/log/s3/a.log"}).to_string();
        let response = s3norm::abi::transform(&record);
        let event = response.strip_prefix("{\"abi_version\":1,\"events\":[").and_then(|r| r.split_once("],\"errors\":[]")).unwrap().0;
        assert_eq!(String::from_utf8(filter_record(record.as_bytes())).unwrap(), event);
    }

    #[test]
    fn garbage_keeps_the_record() {
        let v = filter(b"{\"log\":");
        assert_eq!(v["message"], "{\"log\":");
        assert_eq!(v["s3norm_error"]["kind"], "json_syntax");

        let v = filter(b"\x93\xa3abc");
        assert_eq!(v["s3norm_error"]["kind"], "invalid_utf8");

        let v = filter(b"{\"other\":1}");
        assert_eq!(v["other"], 1);
        assert_eq!(v["s3norm_error"]["kind"], "not_cloudtrail");

        let v: Value = serde_json::from_slice(&refused("record: null pointer with length 9")).unwrap();
        assert_eq!(v, serde_json::json!({"s3norm_error": {"kind": "invalid_request", "message": "record: null pointer with length 9"}}));

        // A record that went through the filter before: its notes are replaced, not repeated
        // (found by fuzzing: the answer had `s3norm_result` twice).
        let answer = filter_record(br#"{"s3norm_result":"old","log":"junk","s3norm_error":{"kind":"x"}}"#);
        let text = String::from_utf8(answer).unwrap();
        assert_eq!((text.matches("\"s3norm_error\"").count(), text.matches("s3norm_result").count()), (1, 0), "{text}");
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["s3norm_error"]["kind"], "sal_syntax");

        let v = filter(b"{\"log\":\"\"}");
        assert_eq!(v["s3norm_error"]["kind"], "invalid_request");
        assert!(v.get("s3norm_result").is_none());
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
}
