//! Input detection and the driver: turns input units into events, error records or skips.
//! (STUB: API fixed, bodies being written.)

use crate::error::ErrorRecord;
use crate::ocsf::Event;
use serde::Serialize;

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

/// A CloudTrail record of another service, skipped and counted.
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

/// How a text is to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextShape {
    /// One unit per line: SAL lines and/or NDJSON CloudTrail records (detected per line).
    Lines,
    /// One JSON document (a record, a trail file, an envelope, an array) spanning the text.
    JsonDocument,
}

pub struct Normalizer {
    options: Options,
}

impl Normalizer {
    pub fn new(options: Options) -> Self {
        Normalizer { options }
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Decide from the start of a text (a few KiB are enough) whether it is lines or one document.
    pub fn shape(head: &[u8]) -> TextShape {
        let _ = head;
        TextShape::Lines
    }

    /// Normalize a whole text: a file's contents or a shipper's message.
    pub fn text(&self, text: &str, sink: &mut dyn Sink) {
        let _ = (text, sink);
    }

    /// Normalize one line of a line-oriented stream; `line_no` counts from 1. Handles invalid
    /// UTF-8 and over-long lines itself. Blank lines are not input units and produce nothing.
    pub fn line_bytes(&self, line: &[u8], line_no: u64, sink: &mut dyn Sink) {
        let _ = (line, line_no, sink);
    }

    /// Normalize a parsed JSON value: a record or a container of records.
    pub fn value(&self, value: &serde_json::Value, raw: Option<&str>, sink: &mut dyn Sink) {
        let _ = (value, raw, sink);
    }
}
