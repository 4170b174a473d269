//! Input detection and the driver: turns input units into events, error records or skips.
//!
//! An input unit is a SAL line, a CloudTrail record, or a JSON document or line that does not
//! parse. Each unit produces exactly one call on the [`Sink`]: `event`, `error` or `skip` (a
//! CloudTrail record of another service, or a CloudWatch Logs control message). Blank lines are
//! not units. So counts in equal counts out, and nothing disappears.

use crate::cloudtrail::{self, classify_source, Shape, Source};
use crate::error::{ErrorKind, ErrorRecord};
use crate::ocsf::{from_cloudtrail, from_sal, Context, Event};
use crate::sal;
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Caller's choices for one normalization run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Put the original line or record text into `raw_data`.
    pub raw_data: bool,
    /// Host-supplied origin (file path, S3 object key) for `metadata.log_name`.
    pub log_name: Option<String>,
    /// Longest accepted line, in bytes; a longer one becomes a `too_large` error.
    pub max_line_bytes: usize,
    /// Largest accepted JSON document, in bytes; a larger one becomes a `too_large` error.
    pub max_json_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { raw_data: false, log_name: None, max_line_bytes: 1 << 20, max_json_bytes: 64 << 20 }
    }
}

/// A unit that is neither an event nor an error: a CloudTrail record of another service (IAM,
/// EC2, …) or a CloudWatch Logs control message. Skipped and counted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Skip {
    pub event_source: String,
    pub event_name: String,
}

/// Where the outputs of a run go. Every input unit produces exactly one call.
pub trait Sink {
    fn event(&mut self, event: &Event<'_>);
    fn error(&mut self, error: ErrorRecord);
    fn skip(&mut self, skip: Skip);
}

/// Counts of one run. Invariant: `inputs == events + errors + skipped`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub inputs: u64,
    pub events: u64,
    pub errors: u64,
    pub skipped: u64,
}

impl Stats {
    pub fn add(&mut self, other: Stats) {
        self.inputs += other.inputs;
        self.events += other.events;
        self.errors += other.errors;
        self.skipped += other.skipped;
    }
}

/// How a text is to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextShape {
    /// One unit per line: SAL lines and/or NDJSON CloudTrail records (detected per line).
    Lines,
    /// One JSON document (a record, a trail file, an envelope, an array) spanning the text.
    JsonDocument,
}

/// A UTF-8 byte-order mark, which some tools write at the start of a file: not part of the data.
const BOM: &str = "\u{FEFF}";

/// Where a unit sits in its source, for error records.
#[derive(Clone, Copy, Debug, Default)]
struct Location {
    line: Option<u64>,
    index: Option<u64>,
}

pub struct Normalizer {
    options: Options,
    source_event: Option<Map<String, Value>>,
}

impl Normalizer {
    pub fn new(options: Options) -> Self {
        Normalizer { options, source_event: None }
    }

    /// Carry a shipper's event fields (everything around its `message`) into every event's
    /// `unmapped.source_event`.
    pub fn with_source_event(mut self, fields: Map<String, Value>) -> Self {
        self.source_event = Some(fields);
        self
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Decide from the start of a text whether it is lines or one document. Give it at least the
    /// whole first line (or the whole text): a `{` whose first line is cut short reads as a document.
    ///
    /// A text whose first non-blank byte is `[` is a document; one starting with `{` is NDJSON when
    /// its first line is a whole JSON value, else a (pretty-printed) document. Anything else is
    /// lines, each detected on its own (SAL, or a `{`-line of NDJSON).
    pub fn shape(head: &[u8]) -> TextShape {
        let head = head.strip_prefix(BOM.as_bytes()).unwrap_or(head);
        let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
        match head.get(start) {
            Some(b'[') => TextShape::JsonDocument,
            Some(b'{') => {
                let rest = &head[start..];
                match rest.iter().position(|&b| b == b'\n') {
                    Some(end) if serde_json::from_slice::<serde::de::IgnoredAny>(&rest[..end]).is_ok() => TextShape::Lines,
                    _ => TextShape::JsonDocument,
                }
            }
            _ => TextShape::Lines,
        }
    }

    /// Normalize a whole text: a file's contents or a shipper's message.
    pub fn text(&self, text: &str, sink: &mut dyn Sink) {
        let text = text.strip_prefix(BOM).unwrap_or(text);
        // The whole text, not a head: a first NDJSON record may be longer than any fixed head.
        match Self::shape(text.as_bytes()) {
            TextShape::Lines => {
                for (i, line) in text.split('\n').enumerate() {
                    let at = Location { line: Some(i as u64 + 1), index: None };
                    if let Some(line) = self.admit(line.as_bytes(), at, sink) {
                        // `admit` returns a sub-slice of a `&str` cut at ASCII bytes: still UTF-8.
                        self.line(std::str::from_utf8(line).unwrap_or_default(), at, sink);
                    }
                }
            }
            TextShape::JsonDocument => self.json_document(text, sink),
        }
    }

    /// Normalize one line of a line-oriented stream; `line_no` counts from 1. Handles invalid
    /// UTF-8 and over-long lines itself. Blank lines are not input units and produce nothing.
    pub fn line_bytes(&self, line: &[u8], line_no: u64, sink: &mut dyn Sink) {
        let line = if line_no == 1 { line.strip_prefix(BOM.as_bytes()).unwrap_or(line) } else { line };
        let at = Location { line: Some(line_no), index: None };
        let Some(line) = self.admit(line, at, sink) else { return };
        match std::str::from_utf8(line) {
            Ok(text) => self.line(text, at, sink),
            Err(e) => {
                let message = format!("line is not UTF-8 (invalid byte at offset {})", e.valid_up_to());
                sink.error(self.error(ErrorKind::InvalidUtf8, message, &String::from_utf8_lossy(line), at))
            }
        }
    }

    /// The checks every line passes before it is read: strip one `\r`, drop blank lines (not
    /// units), refuse over-long ones. `None` when the line needs no further reading.
    fn admit<'l>(&self, line: &'l [u8], at: Location, sink: &mut dyn Sink) -> Option<&'l [u8]> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        if line.len() > self.options.max_line_bytes {
            let record = ErrorRecord::line_too_large(line.len() as u64, self.options.max_line_bytes, line);
            sink.error(self.locate(record, at));
            return None;
        }
        Some(line)
    }

    /// Normalize a parsed JSON value: a record or a container of records. `raw` is its text,
    /// when the caller has it (for `raw_data` and error records).
    pub fn value(&self, value: &Value, raw: Option<&str>, sink: &mut dyn Sink) {
        self.walk(value, raw, Location::default(), sink)
    }

    fn line(&self, line: &str, at: Location, sink: &mut dyn Sink) {
        if line.trim_start().starts_with('{') {
            return match serde_json::from_str::<Value>(line) {
                Ok(value) => self.walk(&value, Some(line), at, sink),
                Err(e) => sink.error(self.error(ErrorKind::JsonSyntax, format!("line is not valid JSON: {e}"), line, at)),
            };
        }
        match sal::parse_line(line) {
            Ok(record) => {
                let key = record.get(sal::field::KEY).map(from_sal::decode_key);
                let event = from_sal::event(&record, key.as_deref(), &self.context(line));
                sink.event(&event);
            }
            Err(e) => sink.error(self.error(ErrorKind::SalSyntax, format!("not an S3 server access log record: {e}"), line, at)),
        }
    }

    fn json_document(&self, text: &str, sink: &mut dyn Sink) {
        let at = Location::default();
        if text.len() > self.options.max_json_bytes {
            let record = ErrorRecord::document_too_large(Some(text.len() as u64), self.options.max_json_bytes, text.as_bytes());
            return sink.error(self.locate(record, at));
        }
        match serde_json::from_str::<Value>(text) {
            Ok(value) => self.walk(&value, Some(text.trim()), at, sink),
            Err(e) => sink.error(self.error(ErrorKind::JsonSyntax, format!("JSON document does not parse: {e}"), text, at)),
        }
    }

    fn walk(&self, value: &Value, raw: Option<&str>, at: Location, sink: &mut dyn Sink) {
        match cloudtrail::shape(value) {
            Shape::Record(record) => self.record(record, raw, at, sink),
            Shape::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.walk(item, None, Location { index: Some(i as u64), ..at }, sink);
                }
            }
            Shape::Wrapped(inner) => self.walk(inner, None, at, sink),
            Shape::LogEvents(events) => {
                for (i, log_event) in events.iter().enumerate() {
                    let at = Location { index: Some(i as u64), ..at };
                    match log_event.get("message").and_then(Value::as_str) {
                        Some(message) => match serde_json::from_str::<Value>(message) {
                            Ok(inner) => self.walk(&inner, Some(message), at, sink),
                            Err(e) => sink.error(self.error(
                                ErrorKind::JsonSyntax,
                                format!("CloudWatch Logs message is not JSON: {e}"),
                                message,
                                at,
                            )),
                        },
                        None => sink.error(self.error_for_value(
                            ErrorKind::NotCloudTrail,
                            "CloudWatch Logs event has no message string",
                            log_event,
                            None,
                            at,
                        )),
                    }
                }
            }
            Shape::ControlMessage => sink.skip(Skip { event_source: "logs.amazonaws.com".into(), event_name: "CONTROL_MESSAGE".into() }),
            Shape::S3EventNotification(what) => {
                let message = format!("an S3 Event Notification ({what}), not a CloudTrail record");
                sink.error(self.error_for_value(ErrorKind::S3EventNotification, &message, value, raw, at))
            }
            Shape::Unknown(why) => {
                sink.error(self.error_for_value(ErrorKind::NotCloudTrail, &format!("not CloudTrail: {why}"), value, raw, at))
            }
        }
    }

    fn record(&self, record: &Map<String, Value>, raw: Option<&str>, at: Location, sink: &mut dyn Sink) {
        let event_source = cloudtrail::str_of(record, "eventSource");
        match classify_source(event_source) {
            Source::S3 => {}
            Source::EventNotification => {
                let message = "an S3 Event Notification record (eventSource \"aws:s3\"), not a CloudTrail record";
                return sink.error(self.error_for_record(ErrorKind::S3EventNotification, message, record, raw, at));
            }
            Source::Other => {
                let event_name = cloudtrail::str_of(record, "eventName").unwrap_or_default();
                return sink.skip(Skip { event_source: event_source.unwrap_or_default().to_owned(), event_name: event_name.to_owned() });
            }
        }
        // raw_data wants the record's own text; inside a container only a re-serialization exists.
        let rebuilt;
        let raw_text = match raw {
            Some(text) => Some(text),
            None if self.options.raw_data => {
                rebuilt = serde_json::to_string(record).unwrap_or_default();
                Some(rebuilt.as_str())
            }
            None => None,
        };
        match from_cloudtrail::event(record, &self.context(raw_text.unwrap_or_default())) {
            Ok(event) => sink.event(&event),
            Err(why) => sink.error(self.error_for_record(ErrorKind::InvalidRecord, &why, record, raw_text, at)),
        }
    }

    fn context<'a>(&'a self, raw: &'a str) -> Context<'a> {
        Context {
            log_name: self.options.log_name.as_deref(),
            raw_data: self.options.raw_data.then_some(raw),
            source_event: self.source_event.as_ref(),
        }
    }

    fn error(&self, kind: ErrorKind, message: String, input: &str, at: Location) -> ErrorRecord {
        self.locate(ErrorRecord::new(kind, message, input), at)
    }

    /// Stamp a record with where its unit came from.
    fn locate(&self, mut e: ErrorRecord, at: Location) -> ErrorRecord {
        e.log_name = self.options.log_name.clone();
        e.line = at.line;
        e.index = at.index;
        e
    }

    fn error_for_value(&self, kind: ErrorKind, message: &str, value: &Value, raw: Option<&str>, at: Location) -> ErrorRecord {
        let input = raw.map(Cow::Borrowed).unwrap_or_else(|| Cow::Owned(value.to_string()));
        self.error(kind, message.to_owned(), &input, at)
    }

    fn error_for_record(
        &self,
        kind: ErrorKind,
        message: &str,
        record: &Map<String, Value>,
        raw: Option<&str>,
        at: Location,
    ) -> ErrorRecord {
        let input = raw.map(Cow::Borrowed).unwrap_or_else(|| Cow::Owned(serde_json::to_string(record).unwrap_or_default()));
        self.error(kind, message.to_owned(), &input, at)
    }
}

/// A sink that keeps counts and hands every output to closures; handy for tests and tools.
pub struct CountingSink<F: FnMut(&Event<'_>), G: FnMut(ErrorRecord)> {
    pub stats: Stats,
    on_event: F,
    on_error: G,
}

impl<F: FnMut(&Event<'_>), G: FnMut(ErrorRecord)> CountingSink<F, G> {
    pub fn new(on_event: F, on_error: G) -> Self {
        CountingSink { stats: Stats::default(), on_event, on_error }
    }
}

impl<F: FnMut(&Event<'_>), G: FnMut(ErrorRecord)> Sink for CountingSink<F, G> {
    fn event(&mut self, event: &Event<'_>) {
        self.stats.inputs += 1;
        self.stats.events += 1;
        (self.on_event)(event)
    }
    fn error(&mut self, error: ErrorRecord) {
        self.stats.inputs += 1;
        self.stats.errors += 1;
        (self.on_error)(error)
    }
    fn skip(&mut self, _: Skip) {
        self.stats.inputs += 1;
        self.stats.skipped += 1;
    }
}

/// Normalize `text` and collect the events as JSON values, the errors and the counts.
pub fn normalize_to_values(text: &str, options: Options) -> (Vec<Value>, Vec<ErrorRecord>, Stats) {
    let (mut events, mut errors) = (Vec::new(), Vec::new());
    let mut sink = CountingSink::new(|e: &Event<'_>| events.push(serde_json::to_value(e).unwrap_or(Value::Null)), |e| errors.push(e));
    Normalizer::new(options).text(text, &mut sink);
    let stats = sink.stats;
    (events, errors, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_of_texts() {
        assert_eq!(Normalizer::shape(b"owner bucket [06/Feb/2019:00:00:38 +0000] ..."), TextShape::Lines);
        assert_eq!(Normalizer::shape(b"{\"a\":1}\n{\"a\":2}\n"), TextShape::Lines);
        assert_eq!(Normalizer::shape(b"{\n \"Records\": []\n}"), TextShape::JsonDocument);
        assert_eq!(Normalizer::shape(b"\xEF\xBB\xBF  [1]"), TextShape::JsonDocument);
        assert_eq!(Normalizer::shape(b"{\"Records\": []}"), TextShape::JsonDocument);
        assert_eq!(Normalizer::shape(b""), TextShape::Lines);
    }

    #[test]
    fn ndjson_with_a_long_first_record_is_still_lines() {
        let big = format!("{{\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"GetUser\",\"pad\":\"{}\"}}", "x".repeat(100_000));
        let (_, errors, stats) = normalize_to_values(&format!("{big}\n{big}\n"), Options::default());
        assert!(errors.is_empty());
        assert_eq!(stats.skipped, 2);
    }

    #[test]
    fn a_byte_order_mark_is_not_data() {
        let record = r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2020-01-01T00:00:00Z"}"#;
        for text in [format!("\u{FEFF}{record}\n{record}\n"), format!("\u{FEFF}{{\"Records\":[{record}]}}")] {
            let (events, errors, _) = normalize_to_values(&text, Options::default());
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(events.len(), text.matches("GetObject").count());
        }
        let n = Normalizer::new(Options::default());
        let mut errors = Vec::new();
        let mut sink = CountingSink::new(|_: &Event<'_>| {}, |e| errors.push(e));
        n.line_bytes(format!("\u{FEFF}{record}").as_bytes(), 1, &mut sink);
        assert_eq!(sink.stats.events, 1);
    }

    #[test]
    fn every_unit_comes_out_once() {
        let text = "junk line\n\n{\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"GetUser\",\"eventTime\":\"2020-01-01T00:00:00Z\"}\n{broken\n\u{0}";
        let (events, errors, stats) = normalize_to_values(text, Options::default());
        assert_eq!((events.len(), errors.len()), (0, 3));
        assert_eq!(stats, Stats { inputs: 4, events: 0, errors: 3, skipped: 1 });
        assert_eq!(errors[0].line, Some(1));
        assert_eq!(errors[1].kind, ErrorKind::JsonSyntax);
        assert_eq!(errors[1].line, Some(4));
        assert_eq!(errors[1].input, "{broken");
    }

    #[test]
    fn limits_and_bad_bytes() {
        let n = Normalizer::new(Options { max_line_bytes: 10, ..Options::default() });
        let (mut errors, mut events) = (Vec::new(), 0);
        let mut sink = CountingSink::new(|_: &Event<'_>| events += 1, |e| errors.push(e));
        n.line_bytes(b"0123456789ABC", 1, &mut sink);
        n.line_bytes(b"\xff\xfe", 2, &mut sink);
        n.line_bytes(b"   \r", 3, &mut sink);
        assert_eq!(sink.stats.inputs, 2);
        assert_eq!(errors[0].kind, ErrorKind::TooLarge);
        assert_eq!(errors[1].kind, ErrorKind::InvalidUtf8);
        assert_eq!(errors[1].input, "\u{FFFD}\u{FFFD}");
    }
}
