//! What the fuzz targets assert, shared by all of them.
//!
//! - [`collect`] runs the library into a sink that records every output, and [`check_run`] holds a
//!   run to the contract: one output per input unit (counted here, by the sink, not by the
//!   library's own counter), `inputs = events + errors + skipped`, every event valid
//!   ([`check_event`]) and every error record well formed.
//! - [`units_in_text`] and [`units_in_value`] count input units by the documented rules (src/read.rs
//!   and src/cloudtrail.rs module documentation), written here apart from the library's code, so
//!   a run that loses or invents a unit fails even when its own counts add up.
//! - [`check_event`]: the OCSF 1.8.0 API Activity JSON Schema, and no `null`, `"-"` or `""` in any
//!   value the mapping wrote (the blobs carried verbatim from the input are exempt: `raw_data`,
//!   `api.request.data`, `api.response.data`, `unmapped.source_event`).

use s3norm::{sink_fn, write_event, ErrorRecord, Options, Output, Sink, Stats, MAX_ERROR_INPUT};
use serde_json::Value;
use std::sync::OnceLock;

/// One output of a run: an event as the one writer writes it, an error record, or a skip.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Event(String),
    Error(ErrorRecord),
    Skip(String, String),
}

/// Every output of a run, in order, and the counts the library returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub outputs: Vec<Out>,
    pub stats: Stats,
}

/// Run `f` with a sink that records every output.
pub fn collect(f: impl FnOnce(&mut dyn Sink) -> Stats) -> Run {
    let mut outputs = Vec::new();
    let stats = {
        let mut sink = sink_fn(|out| {
            outputs.push(match out {
                Output::Event(e) => {
                    let mut bytes = Vec::new();
                    write_event(&mut bytes, e);
                    Out::Event(String::from_utf8(bytes).expect("events are UTF-8"))
                }
                Output::Error(e) => Out::Error(e),
                Output::Skip(s) => Out::Skip(s.event_source, s.event_name),
            })
        });
        f(&mut sink)
    };
    Run { outputs, stats }
}

/// The contract of a run: outputs counted by the sink agree with the returned counts, and every
/// output is well formed.
pub fn check_run(run: &Run) {
    let s = run.stats;
    assert_eq!(s.inputs, s.events + s.errors + s.skipped, "counts do not add up: {s:?}");
    let (mut events, mut errors, mut skips) = (0, 0, 0);
    for out in &run.outputs {
        match out {
            Out::Event(text) => {
                events += 1;
                let value: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("event is not JSON ({e}): {text}"));
                check_event(&value);
            }
            Out::Error(e) => {
                errors += 1;
                check_error(e);
            }
            Out::Skip(_, _) => skips += 1,
        }
    }
    assert_eq!((events, errors, skips), (s.events, s.errors, s.skipped), "sink saw other counts than the library returned");
}

/// An error record: a known kind, a message, the input cut only at the documented limit.
pub fn check_error(e: &ErrorRecord) {
    assert!(s3norm::ErrorKind::ALL.contains(&e.kind), "{e:?}");
    assert!(!e.message.is_empty(), "{e:?}");
    assert!(e.input.len() <= MAX_ERROR_INPUT, "input over the limit: {} bytes", e.input.len());
    if e.input_truncated && e.kind != s3norm::ErrorKind::TooLarge {
        assert!(e.input.len() + 4 > MAX_ERROR_INPUT, "cut short of the limit: {} bytes", e.input.len());
    }
}

/// The committed OCSF schema, compiled once.
fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(include_str!("../../schema/api_activity.schema.json")).expect("schema is JSON");
        jsonschema::validator_for(&schema).expect("schema compiles")
    })
}

/// Paths whose subtree is the input carried verbatim, where `null` and `"-"` may legitimately be:
/// the raw text, CloudTrail's request and response, the shipper's fields, and the SAL tokens past
/// the known fields (kept in order as written, so a `-` there keeps its place).
const VERBATIM: [&str; 5] =
    ["/raw_data", "/api/request/data", "/api/response/data", "/unmapped/source_event", "/unmapped/s3_access_log/extra_fields"];

/// An event: valid OCSF 1.8.0 API Activity, with the class constants right, and no `null`, `"-"`
/// or empty string written by the mapping.
pub fn check_event(event: &Value) {
    let errors: Vec<String> = validator().iter_errors(event).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "event is not valid OCSF: {errors:?}\n{event}");
    assert_eq!(event["class_uid"], 6003);
    let activity = event["activity_id"].as_u64().expect("activity_id");
    assert_eq!(event["type_uid"].as_u64(), Some(600_300 + activity));
    assert!(event["api"]["operation"].as_str().is_some_and(|o| !o.is_empty()), "{event}");
    no_placeholders(event, &mut String::new());
}

fn no_placeholders(value: &Value, path: &mut String) {
    if VERBATIM.contains(&path.as_str()) {
        return;
    }
    match value {
        Value::Null => panic!("null at {path}"),
        Value::String(s) => assert!(!s.is_empty() && s != "-", "{s:?} at {path}"),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("/{i}"));
                no_placeholders(item, path);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let len = path.len();
                path.push('/');
                path.push_str(k);
                no_placeholders(v, path);
                path.truncate(len);
            }
        }
        Value::Bool(_) | Value::Number(_) => {}
    }
}

// ------------------------------------------------------------------------------------------------
// The unit oracle

const BOM: &[u8] = b"\xEF\xBB\xBF";
const CLOUDTRAIL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";

/// Input units in a parsed JSON value, by the container rules of src/cloudtrail.rs.
pub fn units_in_value(v: &Value) -> u64 {
    let map = match v {
        Value::Array(items) => return items.iter().map(units_in_value).sum(),
        Value::Object(map) => map,
        _ => return 1,
    };
    let is_record =
        matches!(map.get("eventName"), Some(Value::String(_))) && (map.contains_key("eventSource") || map.contains_key("eventTime"));
    if is_record {
        return 1;
    }
    if let Some(Value::Array(records)) = map.get("Records") {
        return records.iter().map(units_in_value).sum();
    }
    if let (Some(Value::String(detail_type)), Some(detail @ Value::Object(_))) = (map.get("detail-type"), map.get("detail")) {
        return if detail_type == CLOUDTRAIL_DETAIL_TYPE { units_in_value(detail) } else { 1 };
    }
    if let (Some(Value::String(message_type)), Some(Value::Array(events))) = (map.get("messageType"), map.get("logEvents")) {
        if message_type == "CONTROL_MESSAGE" {
            return 1;
        }
        return events
            .iter()
            .map(|e| match e.get("message") {
                Some(Value::String(m)) => serde_json::from_str::<Value>(m).map_or(1, |inner| units_in_value(&inner)),
                _ => 1,
            })
            .sum();
    }
    if let Some(record @ Value::Object(_)) = map.get("record") {
        if map.keys().all(|k| k == "record" || k.starts_with('_')) {
            return units_in_value(record);
        }
    }
    1
}

/// Units in one line of a line-read text (its `\n` removed): 0 for a blank line.
pub fn units_in_line(line: &[u8], options: &Options) -> u64 {
    units_in_line_of(line, options, true)
}

/// [`units_in_line`]; `shippers`: whether a `{` line may be a shipper's event (not inside one).
fn units_in_line_of(line: &[u8], options: &Options, shippers: bool) -> u64 {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return 0;
    }
    if line.len() > options.max_line_bytes {
        return 1;
    }
    let Ok(text) = std::str::from_utf8(line) else { return 1 };
    if text.trim_start().starts_with('{') {
        return serde_json::from_str::<Value>(text).map_or(1, |v| units_in_unit_of(&v, options, shippers));
    }
    1
}

fn units_as_lines(text: &[u8], options: &Options, shippers: bool) -> u64 {
    text.split(|&b| b == b'\n').map(|line| units_in_line_of(line, options, shippers)).sum()
}

/// The log text of a shipper's event (src/shipper.rs): an object without `eventName` whose
/// `message` (else `log`) is a string.
pub fn shipper_text(v: &Value) -> Option<&str> {
    let map = v.as_object()?;
    if map.contains_key("eventName") {
        return None;
    }
    ["message", "log"].iter().find_map(|k| map.get(*k).and_then(Value::as_str))
}

/// Input units in a whole unit (a line, a document, a value given to `read_value`): a shipper's
/// event is its text's units, read as any text is but without shipper events inside; anything
/// else counts by the container rules ([`units_in_value`]).
pub fn units_in_unit(v: &Value, options: &Options) -> u64 {
    units_in_unit_of(v, options, true)
}

fn units_in_unit_of(v: &Value, options: &Options, shippers: bool) -> u64 {
    match shipper_text(v) {
        Some(text) if shippers => units_in_shipper_text(text, options),
        _ => units_in_value(v),
    }
}

/// A shipper's text: several lines are read as a text; one line is a JSON document when it
/// starts with `{` or `[`, else a line (src/normalize.rs `one_line`).
fn units_in_shipper_text(text: &str, options: &Options) -> u64 {
    if text.contains('\n') {
        return units_in_text_of(text.as_bytes(), options, false);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match text.trim_start_matches([' ', '\t', '\r', '\x0c']).as_bytes().first() {
        Some(b'{' | b'[') if text.len() > options.max_json_bytes => 1,
        Some(b'{' | b'[') => serde_json::from_str::<Value>(text).map_or(1, |v| units_in_value(&v)),
        _ => units_in_line_of(text.as_bytes(), options, false),
    }
}

/// Whether a line of a text taken for a document is a unit on its own.
fn unit_on_its_own(line: &[u8], options: &Options) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() > options.max_line_bytes {
        return false;
    }
    let Ok(text) = std::str::from_utf8(line) else { return false };
    let text = text.trim();
    if text.starts_with('{') {
        // Syntax only, as the library checks it (`1e400` is JSON, though no f64 holds it).
        serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
    } else {
        !text.is_empty() && s3norm::sal::parse_line(text).is_ok()
    }
}

/// Whether the first non-blank line of a text starts like a JSON document (src/read.rs `shape`).
fn taken_for_a_document(text: &[u8]) -> bool {
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len());
    let rest = &text[start..];
    let newline = rest.iter().position(|&b| b == b'\n');
    let line = &rest[..newline.unwrap_or(rest.len())];
    match rest.first() {
        None => false,
        Some(b'[' | b']' | b'}') => true,
        Some(b'{') => newline.is_none() || serde_json::from_slice::<serde::de::IgnoredAny>(line).is_err(),
        Some(_) => member_start(line),
    }
}

/// `"key":`, `'key':` or `identifier:` followed by the start of a value.
fn member_start(line: &[u8]) -> bool {
    let text = String::from_utf8_lossy(line);
    let after_key = if let Some(rest) = text.strip_prefix('"').or_else(|| text.strip_prefix('\'')) {
        let quote = text.as_bytes()[0] as char;
        let mut escaped = false;
        let mut end = None;
        for (i, c) in rest.char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == quote {
                end = Some(i + 1);
                break;
            }
        }
        match end {
            Some(end) => &rest[end..],
            None => return false,
        }
    } else if text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$') {
        text.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '-')
    } else {
        return false;
    };
    let Some(value) = after_key.trim_start_matches([' ', '\t']).strip_prefix(':') else { return false };
    value.trim_start_matches([' ', '\t']).starts_with(|c: char| matches!(c, '"' | '\'' | '{' | '[' | '-' | '0'..='9' | 't' | 'f' | 'n'))
}

/// Input units in a text, by the rules of src/read.rs: lines, a document, or a text taken for a
/// document that is read again as lines.
pub fn units_in_text(text: &[u8], options: &Options) -> u64 {
    units_in_text_of(text, options, true)
}

fn units_in_text_of(text: &[u8], options: &Options, shippers: bool) -> u64 {
    // The guess sees the first line as far as `max_line_bytes + 2` bytes of the text reach.
    let limit = options.max_line_bytes.saturating_add(2);
    let data_at = text.iter().position(|b| !b.is_ascii_whitespace() && !BOM.contains(b));
    let head_end = match data_at.and_then(|at| text[at..].iter().position(|&b| b == b'\n').map(|n| at + n + 1)) {
        Some(end) => end.min(limit),
        None => text.len().min(limit),
    };
    let head = &text[..head_end];
    let text = text.strip_prefix(BOM).unwrap_or(text);
    if !taken_for_a_document(head.strip_prefix(BOM).unwrap_or(head)) {
        return units_as_lines(text, options, shippers);
    }
    let max = options.max_json_bytes;
    let whole = text.len() <= max;
    let window = &text[..text.len().min(max.saturating_add(1))];
    if whole {
        if let Some(v) = std::str::from_utf8(text).ok().and_then(|t| serde_json::from_str::<Value>(t).ok()) {
            return units_in_unit_of(&v, options, shippers);
        }
    }
    let mut lines: Vec<&[u8]> = window.split(|&b| b == b'\n').collect();
    if !whole {
        lines.pop();
    }
    if lines.iter().any(|line| unit_on_its_own(line, options)) {
        units_as_lines(text, options, shippers)
    } else {
        1
    }
}

/// Options for a run, chosen by the fuzzer from one byte: mostly the defaults, sometimes tiny
/// limits so the limit paths are reached by small inputs.
pub fn options_from(byte: u8) -> Options {
    let options = Options::default().raw_data(byte & 1 == 1);
    match byte >> 1 & 3 {
        0 | 1 => options,
        2 => options.max_line_bytes(usize::from(byte >> 3) * 8).max_json_bytes(4096),
        _ => options.max_line_bytes(512).max_json_bytes(usize::from(byte >> 3) * 16),
    }
}
