//! The normalizer: one input unit in, one output out.
//!
//! An input unit is a SAL line, a CloudTrail record, or a JSON text that does not parse. This
//! module turns each into exactly one [`Counter`] call (event, error or skip); [`crate::read`]
//! finds the units in bytes, texts and streams. Data flows one way: line or record → tokens or
//! parsed JSON → [`Event`] (borrowing the input) → the caller's sink.
//!
//! Error records carry their unit's text and where it sat (`log_name`, `line`, `index`), so
//! nothing refused is lost from sight.

use crate::cloudtrail::{self, classify_source, Shape, Source};
use crate::error::{ErrorKind, ErrorRecord};
use crate::json;
use crate::ocsf::{from_cloudtrail, from_sal, Context};
use crate::sal;
use crate::shipper::{self, ShipperEvent};
use crate::sink::{Counter, Skip};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Caller's choices for a normalizer. Build with [`Options::default`] and the setters:
///
/// ```
/// let options = s3norm::Options::default().raw_data(true).log_name("access-2024-01-01.log");
/// assert!(options.raw_data);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// Put the original line or record text into `raw_data`. Default: false.
    pub raw_data: bool,
    /// Where the input came from (file path, S3 object key), for `metadata.log_name` and error
    /// records. Default: none.
    pub log_name: Option<String>,
    /// Longest accepted line, in bytes; a longer one becomes a `too_large` error. Default: 1 MiB.
    pub max_line_bytes: usize,
    /// Largest accepted JSON document, in bytes; a larger one becomes a `too_large` error.
    /// Default: 64 MiB.
    pub max_json_bytes: usize,
    /// `Some(n)`: JSON input is parsed (and dropped) without recursion, and its arrays and
    /// objects nested more than `n` levels deep are kept as their JSON text, a string
    /// ([`crate::json::parse`]): for hosts with a small stack (Fluent Bit's WASM filter), where
    /// nothing may recurse with the input's nesting. Default: `None` (serde_json, which refuses
    /// more than 128 levels).
    pub flatten_below: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options { raw_data: false, log_name: None, max_line_bytes: 1 << 20, max_json_bytes: 64 << 20, flatten_below: None }
    }
}

impl Options {
    /// Set [`Options::raw_data`].
    pub fn raw_data(mut self, yes: bool) -> Self {
        self.raw_data = yes;
        self
    }
    /// Set [`Options::log_name`].
    pub fn log_name(mut self, name: impl Into<String>) -> Self {
        self.log_name = Some(name.into());
        self
    }
    /// Set [`Options::max_line_bytes`].
    pub fn max_line_bytes(mut self, bytes: usize) -> Self {
        self.max_line_bytes = bytes;
        self
    }
    /// Set [`Options::max_json_bytes`].
    pub fn max_json_bytes(mut self, bytes: usize) -> Self {
        self.max_json_bytes = bytes;
        self
    }
    /// Set [`Options::flatten_below`].
    pub fn flatten_below(mut self, levels: usize) -> Self {
        self.flatten_below = Some(levels);
        self
    }
}

/// Where a unit sits in its source, for error records.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Location {
    pub(crate) line: Option<u64>,
    pub(crate) index: Option<u64>,
}

impl Location {
    pub(crate) fn line(line: u64) -> Self {
        Location { line: Some(line), index: None }
    }
}

/// Turns S3 server access log lines and CloudTrail records into OCSF events. Cheap to build,
/// immutable once built, and shareable across threads. Read with [`Normalizer::read`] (a stream),
/// [`Normalizer::read_str`], [`Normalizer::read_bytes`], [`Normalizer::read_line`] or [`Normalizer::read_value`].
#[derive(Clone, Debug)]
pub struct Normalizer {
    pub(crate) options: Options,
    source_event: Option<Map<String, Value>>,
    /// Whether a top-level object may be a shipper's event; off inside a shipper's text.
    shipper_events: bool,
}

impl Default for Normalizer {
    fn default() -> Self {
        Normalizer::new(Options::default())
    }
}

impl Normalizer {
    pub fn new(options: Options) -> Self {
        Normalizer { options, source_event: None, shipper_events: true }
    }

    /// Carry a shipper's event fields (everything around its log text) into every event's
    /// `unmapped.source_event`.
    pub fn with_source_event(mut self, fields: Map<String, Value>) -> Self {
        self.source_event = (!fields.is_empty()).then_some(fields);
        self
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// One line of a line-oriented input (without its `\n`): strip one `\r`, drop a blank line (not
    /// a unit), refuse an over-long one, check UTF-8, then read it.
    pub(crate) fn line_bytes(&self, line: &[u8], at: Location, out: &mut Counter<'_>) {
        let Some(line) = self.line_to_read(line, at, out) else { return };
        match std::str::from_utf8(line) {
            Ok(text) => self.line(text, at, out),
            Err(e) => {
                let message = format!("line is not UTF-8 (invalid byte at offset {})", e.valid_up_to());
                out.error(self.error(ErrorKind::InvalidUtf8, message, &String::from_utf8_lossy(line), at))
            }
        }
    }

    /// [`Normalizer::line_bytes`] of a line known to be UTF-8 (cut from a `str`): not checked again.
    pub(crate) fn line_str(&self, line: &str, at: Location, out: &mut Counter<'_>) {
        let Some(bytes) = self.line_to_read(line.as_bytes(), at, out) else { return };
        // `bytes` is the line or the line less a final `\r`: whole characters either way.
        match line.get(..bytes.len()) {
            Some(text) => self.line(text, at, out),
            None => self.line_bytes(bytes, at, out),
        }
    }

    /// A line less its final `\r`, or `None` when there is nothing to read: a blank line (no
    /// output), or one over `max_line_bytes` (its error record written here).
    fn line_to_read<'l>(&self, line: &'l [u8], at: Location, out: &mut Counter<'_>) -> Option<&'l [u8]> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        if line.len() > self.options.max_line_bytes {
            // The start a streaming reader holds of such a line, so both readers carry the same.
            let start = &line[..line.len().min(self.options.max_line_bytes.saturating_add(2))];
            let record = ErrorRecord::line_too_large(line.len() as u64, self.options.max_line_bytes, start);
            out.error(self.locate(record, at));
            return None;
        }
        Some(line)
    }

    /// A non-blank line: a shipper's event or an NDJSON CloudTrail record (or container) when it
    /// starts with `{`, else SAL.
    fn line(&self, line: &str, at: Location, out: &mut Counter<'_>) {
        if line.trim_start().starts_with('{') {
            if self.shipper_events {
                if let Some(event) = ShipperEvent::from_json(line, self.options.flatten_below) {
                    return self.shipper(event, at, out);
                }
            }
            return match self.parse(line) {
                Ok(value) => {
                    self.value(&value, Some(line), at, out);
                    self.discard(value)
                }
                Err(e @ json::ParseError::TooManyValues) => out.error(self.error(e.kind(), format!("line is not read: {e}"), line, at)),
                Err(e) => out.error(self.error(e.kind(), format!("line is not valid JSON: {e}"), line, at)),
            };
        }
        match sal::parse_line(line) {
            Ok(record) => {
                let key = record.get(sal::field::KEY).map(from_sal::decode_key);
                let event = from_sal::event(&record, key.as_deref(), &self.context(line));
                out.event(&event);
            }
            Err(e) => out.error(self.error(ErrorKind::SalSyntax, format!("not an S3 server access log record: {e}"), line, at)),
        }
    }

    /// A whole JSON text (a document, not a line): a record, a container, or an error.
    pub(crate) fn json_text(&self, text: &str, at: Location, out: &mut Counter<'_>) {
        match self.parse(text) {
            Ok(value) => {
                self.value(&value, Some(text.trim()), at, out);
                self.discard(value)
            }
            Err(e) => out.error(self.error(e.kind(), format!("JSON document does not parse: {e}"), text, at)),
        }
    }

    /// Drop a parsed value; without recursing when the caller bounds recursion (see
    /// [`Options::flatten_below`]).
    pub(crate) fn discard(&self, value: Value) {
        if self.options.flatten_below.is_some() {
            json::drop_flat(value)
        }
    }

    /// JSON text parsed as [`Options::flatten_below`] says.
    pub(crate) fn parse(&self, text: &str) -> Result<Value, json::ParseError> {
        json::parse(text, self.options.flatten_below)
    }

    /// A whole parsed unit (a line, a document, a request): a shipper's event, or what [`walk`]
    /// reads.
    ///
    /// [`walk`]: Normalizer::walk
    pub(crate) fn value(&self, value: &Value, raw: Option<&str>, at: Location, out: &mut Counter<'_>) {
        let Value::Object(map) = value else { return self.walk(value, raw, at, out) };
        if !self.shipper_events {
            return self.walk(value, raw, at, out);
        }
        if let Some(event) = ShipperEvent::from_map(map) {
            return self.shipper(event, at, out);
        }
        // A record that names its source (a shipper parsed the line and added `file`).
        match shipper::named_source(map) {
            Some(name) if self.options.log_name.is_none() => {
                let named = Normalizer { options: self.options.clone().log_name(name), source_event: None, shipper_events: false };
                named.walk(value, raw, at, out)
            }
            _ => self.walk(value, raw, at, out),
        }
    }

    /// A shipper's event: its text read by a normalizer that names the source and carries the
    /// other fields, as any text is read (so a line and an ABI request give the same units).
    /// Errors in a one-line text point at the event's own line when it has one.
    pub(crate) fn shipper(&self, event: ShipperEvent<'_>, at: Location, out: &mut Counter<'_>) {
        let multiline = event.multiline();
        let (text, log_name, fields) = event.into_parts();
        let mut options = self.options.clone();
        if options.log_name.is_none() {
            options.log_name = log_name.map(Cow::into_owned);
        }
        let mut inner = Normalizer { options, source_event: (!fields.is_empty()).then_some(fields), shipper_events: false };
        if multiline {
            inner.slice_str(&text, out);
        } else {
            inner.one_line(&text, at, out);
        }
        if let Some(fields) = inner.source_event.take() {
            inner.discard(Value::Object(fields));
        }
    }

    /// A text of one line read as [`Normalizer::slice`] reads it (a JSON document when it starts
    /// with `{` or `[`, else a line), without looking for line ends. Errors carry `at`'s line, or
    /// line 1 as `slice` gives a text of lines.
    fn one_line(&self, text: &str, at: Location, out: &mut Counter<'_>) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        match text.trim_start_matches([' ', '\t', '\r', '\x0c']).as_bytes().first() {
            Some(b'{' | b'[') if text.len() > self.options.max_json_bytes => {
                let record = ErrorRecord::document_too_large(Some(text.len() as u64), self.options.max_json_bytes, text.as_bytes());
                out.error(self.locate(record, at))
            }
            Some(b'{' | b'[') => self.json_text(text, at, out),
            _ => self.line_bytes(text.as_bytes(), if at.line.is_some() { at } else { Location::line(1) }, out),
        }
    }

    /// A parsed JSON value: a record or a container of records. `raw` is its text, when known.
    pub(crate) fn walk(&self, value: &Value, raw: Option<&str>, at: Location, out: &mut Counter<'_>) {
        self.walk_within(value, raw, at, true, out)
    }

    /// [`Normalizer::walk`]. Containers nest (an array of trail files, an envelope in an array):
    /// they are walked with a stack of pending values rather than by recursion, so the call stack
    /// does not grow with the input's nesting (Fluent Bit's interpreter has 8 KiB). A CloudWatch
    /// Logs message is parsed and walked in turn, once (`logs`): CloudWatch Logs does not put a
    /// payload inside a payload's message.
    fn walk_within<'v>(&self, value: &'v Value, raw: Option<&'v str>, at: Location, logs: bool, out: &mut Counter<'_>) {
        let mut next = Some((value, raw, at));
        let mut pending: Vec<(&'v Value, Option<&'v str>, Location)> = Vec::new();
        while let Some((value, raw, at)) = next.take().or_else(|| pending.pop()) {
            match cloudtrail::shape(value) {
                Shape::Record(record) => self.record(record, raw, at, out),
                Shape::List(_) if out.stopped() => return,
                Shape::List(items) => {
                    // In order: the first item comes off the stack first.
                    pending.extend(items.iter().enumerate().rev().map(|(i, item)| (item, None, Location { index: Some(i as u64), ..at })));
                }
                Shape::Wrapped(inner) => next = Some((inner, None, at)),
                Shape::LogEvents(events) if logs => {
                    for (i, log_event) in events.iter().enumerate() {
                        let at = Location { index: Some(i as u64), ..at };
                        match log_event.get("message").and_then(Value::as_str) {
                            Some(message) => match self.parse(message) {
                                Ok(inner) => {
                                    self.walk_within(&inner, Some(message), at, false, out);
                                    self.discard(inner)
                                }
                                Err(e) => out.error(self.error(e.kind(), format!("CloudWatch Logs message is not JSON: {e}"), message, at)),
                            },
                            None => out.error(self.error_for_value(
                                ErrorKind::NotCloudTrail,
                                "CloudWatch Logs event has no message string",
                                log_event,
                                None,
                                at,
                            )),
                        }
                    }
                }
                Shape::LogEvents(_) => out.error(self.error_for_value(
                    ErrorKind::NotCloudTrail,
                    "not CloudTrail: a CloudWatch Logs payload inside a CloudWatch Logs message",
                    value,
                    raw,
                    at,
                )),
                Shape::ControlMessage => out.skip(Skip::new("logs.amazonaws.com", "CONTROL_MESSAGE")),
                Shape::S3EventNotification(what) => {
                    let message = format!("an S3 Event Notification ({what}), not a CloudTrail record");
                    out.error(self.error_for_value(ErrorKind::S3EventNotification, &message, value, raw, at))
                }
                Shape::Unknown(why) => {
                    out.error(self.error_for_value(ErrorKind::NotCloudTrail, &format!("not CloudTrail: {why}"), value, raw, at))
                }
            }
        }
    }

    fn record(&self, record: &Map<String, Value>, raw: Option<&str>, at: Location, out: &mut Counter<'_>) {
        let event_source = cloudtrail::str_of(record, "eventSource");
        match classify_source(event_source) {
            Source::S3 => {}
            Source::EventNotification => {
                let message = "an S3 Event Notification record (eventSource \"aws:s3\"), not a CloudTrail record";
                let value_text = raw.map(Cow::Borrowed).unwrap_or_else(|| Cow::Owned(record_text(record)));
                return out.error(self.error(ErrorKind::S3EventNotification, message.to_owned(), &value_text, at));
            }
            Source::Other => {
                let event_name = cloudtrail::str_of(record, "eventName").unwrap_or_default();
                return out.skip(Skip::new(event_source.unwrap_or_default(), event_name));
            }
        }
        // raw_data wants the record's own text; inside a container only a re-serialization exists.
        let rebuilt;
        let raw_text = match raw {
            Some(text) => Some(text),
            None if self.options.raw_data => {
                rebuilt = record_text(record);
                Some(rebuilt.as_str())
            }
            None => None,
        };
        match from_cloudtrail::event(record, &self.context(raw_text.unwrap_or_default())) {
            Ok(event) => out.event(&event),
            Err(why) => {
                let input = raw_text.map(Cow::Borrowed).unwrap_or_else(|| Cow::Owned(record_text(record)));
                out.error(self.error(ErrorKind::InvalidRecord, why.to_string(), &input, at))
            }
        }
    }

    fn context<'a>(&'a self, raw: &'a str) -> Context<'a> {
        Context {
            log_name: self.options.log_name.as_deref(),
            raw_data: self.options.raw_data.then_some(raw),
            source_event: self.source_event.as_ref(),
        }
    }

    pub(crate) fn error(&self, kind: ErrorKind, message: String, input: &str, at: Location) -> ErrorRecord {
        self.locate(ErrorRecord::new(kind, message, input), at)
    }

    /// Stamp a record with where its unit came from.
    pub(crate) fn locate(&self, mut e: ErrorRecord, at: Location) -> ErrorRecord {
        e.log_name = self.options.log_name.clone();
        e.line = at.line;
        e.index = at.index;
        e
    }

    fn error_for_value(&self, kind: ErrorKind, message: &str, value: &Value, raw: Option<&str>, at: Location) -> ErrorRecord {
        let input = raw.map(Cow::Borrowed).unwrap_or_else(|| Cow::Owned(value.to_string()));
        self.error(kind, message.to_owned(), &input, at)
    }
}

/// A record's text when only the parsed record is at hand (inside a container).
fn record_text(record: &Map<String, Value>) -> String {
    serde_json::to_string(record).unwrap_or_default()
}
