//! The error record: what every input unit that is not an event becomes.
//!
//! Invariant: one bad input unit yields exactly one `ErrorRecord`, and the record carries the
//! original text (cut to [`MAX_ERROR_INPUT`] bytes, flagged by `input_truncated`), so nothing
//! disappears and the caller can always see what was refused.

use serde::{Serialize, Serializer};

/// Longest `input` an error record carries; a longer input is cut on a UTF-8 boundary.
pub const MAX_ERROR_INPUT: usize = 64 * 1024;

/// Why an input unit was refused. More kinds may be added; match with a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A text line that is not a server access log record.
    SalSyntax,
    /// JSON text that does not parse.
    JsonSyntax,
    /// Parsed JSON that is neither a CloudTrail record nor a known container of records.
    NotCloudTrail,
    /// An S3 Event Notification (`eventSource: aws:s3`): a different product, refused by name.
    S3EventNotification,
    /// A CloudTrail S3 record missing a field the event cannot do without (eventTime, eventName).
    InvalidRecord,
    /// A line or JSON document over the configured size limit.
    TooLarge,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// An ABI request of a shape `transform` does not accept.
    InvalidRequest,
}

impl ErrorKind {
    /// Every kind, for documentation and tests.
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::SalSyntax,
        ErrorKind::JsonSyntax,
        ErrorKind::NotCloudTrail,
        ErrorKind::S3EventNotification,
        ErrorKind::InvalidRecord,
        ErrorKind::TooLarge,
        ErrorKind::InvalidUtf8,
        ErrorKind::InvalidRequest,
    ];

    /// The kind's name in error records (the one spelling: serialization uses it too).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::SalSyntax => "sal_syntax",
            ErrorKind::JsonSyntax => "json_syntax",
            ErrorKind::NotCloudTrail => "not_cloudtrail",
            ErrorKind::S3EventNotification => "s3_event_notification",
            ErrorKind::InvalidRecord => "invalid_record",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::InvalidUtf8 => "invalid_utf8",
            ErrorKind::InvalidRequest => "invalid_request",
        }
    }
}

impl Serialize for ErrorKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One refused input unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ErrorRecord {
    pub kind: ErrorKind,
    /// What was wrong, for a person.
    pub message: String,
    /// Where the input came from (file name, S3 object key), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_name: Option<String>,
    /// 1-based line number of the unit within its source text, when it is line-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 0-based index of the record within its container (trail file, batch), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// The original text of the unit.
    pub input: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub input_truncated: bool,
}

impl ErrorRecord {
    pub fn new(kind: ErrorKind, message: impl Into<String>, input: &str) -> Self {
        let (input, input_truncated) = clip(input);
        ErrorRecord { kind, message: message.into(), log_name: None, line: None, index: None, input: input.to_owned(), input_truncated }
    }

    /// A line over the length limit, of which the caller kept `start` (a streaming reader never
    /// holds the whole line). One wording for the library and the CLI.
    pub fn line_too_large(length: u64, limit: usize, start: &[u8]) -> Self {
        let message = format!("line is {length} bytes, over the {limit}-byte limit");
        Self::too_large(message, length, start)
    }

    /// A JSON document over the size limit (`length` when known), of which `start` was read.
    pub fn document_too_large(length: Option<u64>, limit: usize, start: &[u8]) -> Self {
        let message = match length {
            Some(length) => format!("JSON document is {length} bytes, over the {limit}-byte limit"),
            None => format!("JSON document is over the {limit}-byte limit"),
        };
        Self::too_large(message, length.unwrap_or(u64::MAX), start)
    }

    fn too_large(message: String, length: u64, start: &[u8]) -> Self {
        let kept = &start[..start.len().min(MAX_ERROR_INPUT)];
        let mut record = ErrorRecord::new(ErrorKind::TooLarge, message, &String::from_utf8_lossy(kept));
        record.input_truncated |= (kept.len() as u64) < length;
        record
    }

    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    pub fn at_index(mut self, index: u64) -> Self {
        self.index = Some(index);
        self
    }

    pub fn with_log_name(mut self, log_name: Option<&str>) -> Self {
        self.log_name = log_name.map(str::to_owned);
        self
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `kind: message (line N, record I)`.
impl std::fmt::Display for ErrorRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)?;
        match (self.line, self.index) {
            (Some(line), Some(index)) => write!(f, " (line {line}, record {index})"),
            (Some(line), None) => write!(f, " (line {line})"),
            (None, Some(index)) => write!(f, " (record {index})"),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for ErrorRecord {}

/// Why a CloudTrail S3 record cannot become an event (an [`ErrorKind::InvalidRecord`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordError {
    /// No `eventName` string.
    NoEventName,
    /// No `eventTime` (nor Logstash's `@timestamp`) string.
    NoEventTime,
    /// An `eventTime` that is not an RFC 3339 timestamp.
    BadEventTime(String),
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordError::NoEventName => f.write_str("record has no eventName"),
            RecordError::NoEventTime => f.write_str("record has no eventTime"),
            RecordError::BadEventTime(t) => write!(f, "eventTime `{t}` is not an RFC 3339 timestamp"),
        }
    }
}

impl std::error::Error for RecordError {}

/// Cut `s` to at most `MAX_ERROR_INPUT` bytes on a character boundary.
fn clip(s: &str) -> (&str, bool) {
    if s.len() <= MAX_ERROR_INPUT {
        return (s, false);
    }
    let mut end = MAX_ERROR_INPUT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (&s[..end], true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_input_is_clipped_on_a_char_boundary() {
        let s = "é".repeat(MAX_ERROR_INPUT); // 2 bytes each
        let e = ErrorRecord::new(ErrorKind::TooLarge, "x", &s);
        assert!(e.input_truncated);
        assert_eq!(e.input.len(), MAX_ERROR_INPUT);
        assert!(e.input.chars().all(|c| c == 'é'));
    }

    #[test]
    fn kinds_serialize_as_their_documented_names() {
        let names: Vec<String> = ErrorKind::ALL.iter().map(|k| serde_json::to_value(k).unwrap().as_str().unwrap().to_owned()).collect();
        assert_eq!(
            names,
            [
                "sal_syntax",
                "json_syntax",
                "not_cloudtrail",
                "s3_event_notification",
                "invalid_record",
                "too_large",
                "invalid_utf8",
                "invalid_request"
            ]
        );
    }

    #[test]
    fn serializes_without_absent_fields() {
        let e = ErrorRecord::new(ErrorKind::SalSyntax, "bad", "x y").at_line(3);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v, serde_json::json!({"kind":"sal_syntax","message":"bad","line":3,"input":"x y"}));
    }
}
