//! Correlation: one event per request from both logs, and a report of what each log missed.
//!
//! AWS records an S3 request twice, and neither record is complete: server access logs (SAL) are
//! best effort and never see bucket-level calls such as `ListBuckets`; CloudTrail needs data events
//! enabled per trail and never sees lifecycle actions or website requests. This module is a layer
//! above the OCSF events: it consumes what the normalizer produces (the reader and the normalizer
//! do not know it exists), joins the records of one request by its S3 request ID
//! (`api.request.uid`), and gives
//! - **one event per request** ([`write()`]): a request both logs saw becomes one event with the
//!   union of what they know (rules in `merge.rs`), a request one log saw passes
//!   through; every event says where it came from in `unmapped.s3.sources`
//!   (`["cloudtrail", "server_access_log"]`, `["server_access_log"]` or `["cloudtrail"]`);
//! - **a coverage report** ([`Index::coverage`]): per operation, requests both logs saw and
//!   requests only one saw, each with the reason the other has no record ([`Reason`]), each log's
//!   time span per bucket, and each log's delivery lag where the inputs are named as AWS names log
//!   objects.
//!
//! # What a request is
//! Most requests are one record in each log. The exceptions, which is where joining by request
//! ID alone would go wrong:
//! - A copy is two SAL lines with one request ID (`REST.COPY.OBJECT`, the destination side, and
//!   `REST.COPY.OBJECT_GET`, the source side; real 2014 lines show the shared ID) and one
//!   CloudTrail `CopyObject`. All three make one event; the source side adds its bucket and object
//!   to `resources`. `REST.COPY.PART`/`_GET` are treated alike, but their shared ID is an
//!   assumption the operation table marks unverified.
//! - A multi-object delete is one `REST.POST.MULTI_OBJECT_DELETE` line plus one
//!   `BATCH.DELETE.OBJECT` line per key, all with the request's ID (real 2021 lines show it), and
//!   one CloudTrail `DeleteObjects` — plus, since 9 June 2025, one CloudTrail `DeleteObject` per
//!   deleted key with `eventType: "AwsServiceEvent"` (AWS's selector example filters them by that
//!   field). Each deleted key is a request of its own here, keyed by request ID, bucket and key, so
//!   the request gives 1 + N events. No sample of the per-key CloudTrail records has been
//!   published; **assumed**: they carry the `DeleteObjects` call's request ID (they describe that
//!   call, and CloudTrail's `requestID` for S3 is the request's `x-amz-request-id`). The join does
//!   not rely on it: a per-key record left alone is joined with the lone `BATCH.DELETE.OBJECT` line
//!   of the same bucket and key nearest in time (within 60 s), whatever its request ID.
//! - A list through an access point may be `ListObjectsV2` in CloudTrail and `REST.GET.BUCKET`
//!   (`ListObjects`) in SAL: the join uses the request ID only, never the operation's name.
//! - The host ID (`x-amz-id-2`, in both logs) must agree when both have one; when it does not, the
//!   two are different requests and stay apart (`host_id_mismatch`).
//! - A request with more than one record in one part (the same CloudTrail record delivered twice,
//!   a file given twice, two requests under one ID) is counted once in the report and its records
//!   are written one by one, unmerged (`Summary::unmerged`).
//!
//! # Two passes
//! Events borrow their input, so nothing of one can be kept after the sink returns. The first pass
//! ([`index()`]) keeps, per request, a unit of 16 bytes (counts per part, the kept operation,
//! bucket, time and a host-ID digest) under its 8-byte key: the packed request ID (S3's
//! IDs are 16 hex digits: 64 bits exactly; other IDs are hashed, and merging compares the IDs
//! themselves). That is all the coverage report needs; it never holds an event. The second pass
//! ([`write()`]) reads the inputs again and writes; only the SAL lines of requests waiting for their
//! other records are held, as text, bounded by [`Options::merge_memory`] (see `assemble.rs` for the
//! reading order that keeps that set small and what happens past the bound: more rounds, never
//! loss). An input that cannot be read twice (standard input) is the caller's to spool: the CLI
//! copies it to a temporary file.
//!
//! Measured (whole process, `/usr/bin/time -v`, 10 million requests / 17 million records
//! generated from the fixtures by `examples/correlate_workload.rs`): the index is 336 MB (33.6
//! bytes a request); `s3norm coverage` peaks at 443 MB, `s3norm correlate` at 447 MB with the
//! default bound. With a 1 MiB bound, 100 000 requests took 39 readings and the same events came
//! out. Details and how to redo it: the README's "Correlation" section.
//!
//! # Invariants
//! - Every record read is written exactly once, alone or inside one merged event:
//!   `records == merged_records + (events - merged_events)` ([`Summary`]); error records and skips
//!   pass through as the normalizer made them.
//! - Nothing depends on the order of the inputs: the index is built from order-free aggregates,
//!   and the writing pass reads inputs in an order computed from their content (and names).
//! - Every event written validates against the OCSF schema: merged events are [`Event`]s built
//!   from the normalizer's events and written by the one writer.
//!
//! # Fuzzing
//! [`correlate_json`] takes any text (a JSON request, or anything else: an `invalid_request`
//! answer) and [`correlate_texts`] any set of texts; neither panics on input. The `correlate`
//! fuzz target (`fuzz/`) cuts arbitrary bytes into texts and holds the latter to the invariants
//! above, reversing the texts and tightening the merge bound.

mod assemble;
mod coverage;
mod index;
mod logname;
mod merge;
mod record;

pub use coverage::{
    BucketRow, BucketSpan, Coverage, InputCounts, Lag, Lags, OperationRow, Reason, ReasonCounts, DELETED_KEY_RECORDS_SINCE, REASONS,
};
pub use index::Index;
pub use record::Source;

use crate::error::{ErrorKind, ErrorRecord};
use crate::normalize::{Normalizer, Options as NormalizerOptions};
use crate::ocsf::{write_error, write_event, Event};
use crate::read::ReadError;
use crate::sink::{Sink, Skip, Stats};
use assemble::{Mode, Writer};
use serde::Serialize;
use serde_json::Value;

/// The inputs of a correlation, each readable more than once: files (the CLI opens and
/// decompresses them), texts in memory ([`Text`]).
pub trait Inputs {
    /// How many inputs.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Input `index`'s name (`metadata.log_name` of its events); delivery lag is read from it.
    fn log_name(&self, index: usize) -> Option<&str>;
    /// Read input `index` from its start with `normalizer` into `sink` (a
    /// [`Normalizer::read`] of the file, a [`Normalizer::read_str`] of the text).
    fn read(&mut self, index: usize, normalizer: &Normalizer, sink: &mut dyn Sink) -> Result<Stats, ReadError>;
    /// Input `index`'s bytes when they are at hand (texts in memory; not files, which have
    /// names): the reading order's last tie-break before position, so that two unnamed texts
    /// whose records start at the same time are read in one order whatever order they came in.
    fn content(&self, _index: usize) -> Option<&[u8]> {
        None
    }
}

/// A log text held in memory, and its name.
#[derive(Clone, Copy, Debug)]
pub struct Text<'t> {
    pub text: &'t str,
    pub log_name: Option<&'t str>,
}

impl Inputs for &[Text<'_>] {
    fn len(&self) -> usize {
        <[Text<'_>]>::len(self)
    }
    fn log_name(&self, index: usize) -> Option<&str> {
        self.get(index).and_then(|t| t.log_name)
    }
    fn read(&mut self, index: usize, normalizer: &Normalizer, sink: &mut dyn Sink) -> Result<Stats, ReadError> {
        Ok(self.get(index).map_or_else(Stats::default, |t| normalizer.read_str(t.text, sink)))
    }
    fn content(&self, index: usize) -> Option<&[u8]> {
        self.get(index).map(|t| t.text.as_bytes())
    }
}

/// Choices for [`write()`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// Bytes of SAL lines the writing pass may hold while their requests wait for CloudTrail's
    /// record (each line costs its length plus 64). Past it, requests wait for another round.
    /// Default: 256 MiB.
    pub merge_memory: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { merge_memory: 256 << 20 }
    }
}

impl Options {
    /// Set [`Options::merge_memory`].
    pub fn merge_memory(mut self, bytes: usize) -> Self {
        self.merge_memory = bytes;
        self
    }
}

/// Counts of a [`write()`]. `inputs == records + errors + skipped` (what was read), and
/// `records == merged_records + events - merged_events` (nothing lost, nothing twice).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Input units read (the first reading).
    pub inputs: u64,
    /// Of those, events: the records correlated.
    pub records: u64,
    pub errors: u64,
    pub skipped: u64,
    /// Events written.
    pub events: u64,
    /// Events from both logs.
    pub both: u64,
    /// Events from the server access log alone.
    pub sal_only: u64,
    /// Events from CloudTrail alone.
    pub cloudtrail_only: u64,
    /// Events made from more than one record, and how many records went into them.
    pub merged_events: u64,
    pub merged_records: u64,
    /// Records written alone although their request had several (duplicates, host-ID mismatch).
    pub unmerged: u64,
    /// Readings of the inputs in the writing pass (1 when every waiting line fit the bound).
    pub rounds: u32,
    /// Most bytes of SAL lines held at once.
    pub held_peak_bytes: u64,
    /// Inputs whose second reading differed from the first (changed on disk meanwhile).
    pub changed_inputs: u64,
}

impl std::fmt::Display for Summary {
    /// `N events (B from both logs, S SAL only, C CloudTrail only) from R records, M errors, K skipped`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} events ({} from both logs, {} SAL only, {} CloudTrail only) from {} records, {} errors, {} skipped",
            self.events, self.both, self.sal_only, self.cloudtrail_only, self.records, self.errors, self.skipped
        )?;
        if self.unmerged > 0 {
            write!(f, "; {} records of requests seen twice by one log written unmerged", self.unmerged)?;
        }
        Ok(())
    }
}

/// Pass 1: read every input once into an [`Index`]. Error records and skips go to `side`; events
/// are indexed, not passed on. A read that fails is noted in the index ([`Index::read_errors`]).
pub fn index(inputs: &mut dyn Inputs, side: &mut dyn Sink) -> Index {
    let mut index = Index::new();
    for i in 0..inputs.len() {
        let log_name = inputs.log_name(i).map(str::to_owned);
        index.begin_input(log_name.as_deref());
        let normalizer = normalizer(log_name, false);
        let mut sink = IndexSink { index: &mut index, side };
        let (stats, error) = match inputs.read(i, &normalizer, &mut sink) {
            Ok(stats) => (stats, None),
            Err(e) => (e.stats, Some(e.error.to_string())),
        };
        index.end_input(stats, error);
        if side.stopped() {
            break;
        }
    }
    index.link_deleted_keys();
    index
}

impl Index {
    /// Inputs whose reading stopped early in pass 1, and why.
    pub fn read_errors(&self) -> impl Iterator<Item = (usize, &str)> {
        self.inputs.iter().enumerate().filter_map(|(i, info)| info.read_error.as_deref().map(|e| (i, e)))
    }
}

/// Pass 2: read the inputs again and write one event per request to `out`, with the inputs' error
/// records and skips. `index` must come from [`index()`] over the same inputs.
pub fn write(index: &mut Index, inputs: &mut dyn Inputs, options: &Options, out: &mut dyn Sink) -> Summary {
    index.link_deleted_keys();
    let n = inputs.len().min(index.inputs.len());
    let log_names: Vec<Option<String>> = (0..n).map(|i| inputs.log_name(i).map(str::to_owned)).collect();
    let order = reading_order(index, &log_names, &*inputs);
    let first_stats: Vec<Stats> = index.inputs.iter().map(|i| i.stats).collect();
    let has_sal: Vec<bool> = index.inputs.iter().map(|i| i.first_sal.is_some()).collect();
    let has_ct: Vec<bool> = index.inputs.iter().map(|i| i.last_cloudtrail.is_some()).collect();
    let mut w = Writer::new(index, out, log_names.clone(), options.merge_memory);

    let mut read = |w: &mut Writer<'_>, i: usize, raw: bool| -> Stats {
        w.input = i;
        let normalizer = normalizer(log_names[i].clone(), raw);
        match inputs.read(i, &normalizer, w) {
            Ok(stats) => stats,
            Err(e) => e.stats,
        }
    };
    for &i in &order {
        let stats = read(&mut w, i, has_sal[i]);
        let s = &mut w.summary;
        s.inputs += stats.inputs;
        s.records += stats.events;
        s.errors += stats.errors;
        s.skipped += stats.skipped;
        s.changed_inputs += u64::from(stats != first_stats[i]);
        if w.stopped() {
            return w.summary;
        }
    }
    w.end_round();
    w.summary.rounds = 1;
    while w.pending > 0 {
        let before = w.pending;
        w.mode = Mode::HoldSal;
        for &i in order.iter().filter(|&&i| has_sal[i]) {
            read(&mut w, i, true);
        }
        w.mode = Mode::CompleteCloudTrail;
        for &i in order.iter().filter(|&&i| has_ct[i]) {
            read(&mut w, i, false);
        }
        w.end_round();
        w.summary.rounds += 1;
        if w.pending == before || w.stopped() {
            break;
        }
    }
    if w.pending > 0 && !w.stopped() {
        // Only when the inputs changed between the passes: write what could not merge, alone.
        w.mode = Mode::Flush;
        for &i in &order {
            read(&mut w, i, false);
        }
    }
    w.summary
}

/// The writing pass's reading order: inputs with SAL lines by their earliest SAL record,
/// CloudTrail-only inputs by their latest record plus five minutes (so that a request's SAL line
/// is read before its CloudTrail record), inputs with neither first; then by name, by content
/// (texts in memory), then position. Inputs still tied are the same bytes under the same name,
/// whose outputs are the same whichever is read first.
fn reading_order(index: &Index, log_names: &[Option<String>], inputs: &dyn Inputs) -> Vec<usize> {
    let key = |i: usize| {
        let info = &index.inputs[i];
        match (info.first_sal, info.last_cloudtrail) {
            (Some(t), _) => (i64::from(t), 0),
            (None, Some(t)) => (i64::from(t) + 300, 1),
            (None, None) => (i64::MIN, 0),
        }
    };
    let mut order: Vec<usize> = (0..log_names.len()).collect();
    sort(&mut order, &|&a, &b| (key(a), &log_names[a], inputs.content(a), a) < (key(b), &log_names[b], inputs.content(b), b));
    order
}

/// Sort by `less`, which must be a total order (every sort here has one, so the result is the same
/// whatever the input order). One small heapsort for all of this module: each instantiation of the
/// standard library's sorts adds kilobytes to the WebAssembly build.
pub(crate) fn sort<T>(v: &mut [T], less: &dyn Fn(&T, &T) -> bool) {
    fn sift<T>(v: &mut [T], mut root: usize, end: usize, less: &dyn Fn(&T, &T) -> bool) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && less(&v[child], &v[child + 1]) {
                child += 1;
            }
            if !less(&v[root], &v[child]) {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    let n = v.len();
    for start in (0..n / 2).rev() {
        sift(v, start, n, less);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift(v, 0, end, less);
    }
}

fn normalizer(log_name: Option<String>, raw_data: bool) -> Normalizer {
    let mut options = NormalizerOptions::default().raw_data(raw_data);
    options.log_name = log_name;
    Normalizer::new(options)
}

/// Pass 1's sink: events into the index, the rest to the caller.
struct IndexSink<'a> {
    index: &'a mut Index,
    side: &'a mut dyn Sink,
}

impl Sink for IndexSink<'_> {
    fn event(&mut self, event: &Event<'_>) {
        self.index.add(event);
    }
    fn error(&mut self, error: ErrorRecord) {
        self.side.error(error);
    }
    fn skip(&mut self, skip: Skip) {
        self.side.skip(skip);
    }
    fn stopped(&self) -> bool {
        self.side.stopped()
    }
}

/// A sink that drops everything (pass 1 of a correlation whose errors come out in pass 2).
pub struct Discard;

impl Sink for Discard {
    fn event(&mut self, _: &Event<'_>) {}
    fn error(&mut self, _: ErrorRecord) {}
    fn skip(&mut self, _: Skip) {}
}

/// Everything a correlation of texts in memory gives.
#[derive(Debug)]
#[non_exhaustive]
pub struct Correlated {
    /// The events, as NDJSON (one line each, the one writer's bytes).
    pub events: Vec<u8>,
    pub errors: Vec<ErrorRecord>,
    pub coverage: Coverage,
    pub summary: Summary,
}

/// Correlate texts held in memory: both passes, the events as NDJSON, the error records, the
/// coverage report and the counts. What the npm package's `correlate` returns, and the same as
/// `s3norm correlate` and `s3norm coverage` give for files of those texts and names.
pub fn correlate_texts(texts: &[Text<'_>], options: &Options) -> Correlated {
    let mut inputs = texts;
    let mut index = index(&mut inputs, &mut Discard);
    let coverage = index.coverage();
    let mut out = Collect::default();
    let summary = write(&mut index, &mut inputs, options, &mut out);
    Correlated { events: out.events, errors: out.errors, coverage, summary }
}

/// Collects events as NDJSON and error records.
#[derive(Default)]
struct Collect {
    events: Vec<u8>,
    errors: Vec<ErrorRecord>,
}

impl Sink for Collect {
    fn event(&mut self, event: &Event<'_>) {
        write_event(&mut self.events, event);
        self.events.push(b'\n');
    }
    fn error(&mut self, error: ErrorRecord) {
        self.errors.push(error);
    }
    fn skip(&mut self, _: Skip) {}
}

/// The JSON form of [`correlate_texts`], for the npm package (docs/abi.md, "correlate").
///
/// Request: `[{"text": "…", "log_name": "…"}, …]` (a bare string is a text without a name), or
/// `{"inputs": [...], "options": {"merge_memory": bytes}}`. Response, keys in this order:
/// `{"abi_version":1,"events":[…],"errors":[…],"coverage":{…},"stats":{…}}`, events exactly as
/// `s3norm correlate` writes them. A request of another shape gets one `invalid_request` error.
pub fn correlate_json(request: &str) -> String {
    let parsed = serde_json::from_str::<Value>(request).map_err(|e| format!("request is not valid JSON: {e}"));
    match parsed.and_then(|v| texts_of(&v).map(|(texts, options)| correlate_texts(&texts, &options))) {
        Ok(result) => response(&result.events, &result.errors, &result.coverage, &result.summary),
        Err(message) => {
            let error = ErrorRecord::new(ErrorKind::InvalidRequest, message, request);
            let summary = Summary { inputs: 1, errors: 1, ..Summary::default() };
            let coverage = Index::new().coverage();
            response(b"", &[error], &coverage, &summary)
        }
    }
}

/// The texts and options of a correlate request.
fn texts_of(v: &Value) -> Result<(Vec<Text<'_>>, Options), String> {
    let (items, options) = match v {
        Value::Array(items) => (items, Options::default()),
        Value::Object(map) => {
            for key in map.keys() {
                if key != "inputs" && key != "options" {
                    return Err(format!("unknown key {key:?} (expected \"inputs\", \"options\")"));
                }
            }
            let Some(Value::Array(items)) = map.get("inputs") else {
                return Err("\"inputs\" must be an array of {\"text\", \"log_name\"}".to_owned());
            };
            let mut options = Options::default();
            if let Some(o) = map.get("options") {
                let Some(o) = o.as_object() else { return Err("\"options\" must be an object".to_owned()) };
                for (key, value) in o {
                    match (key.as_str(), value.as_u64()) {
                        ("merge_memory", Some(bytes)) => options.merge_memory = usize::try_from(bytes).unwrap_or(usize::MAX),
                        ("merge_memory", None) => return Err("\"merge_memory\" must be a non-negative integer".to_owned()),
                        _ => return Err(format!("unknown option {key:?}")),
                    }
                }
            }
            (items, options)
        }
        _ => return Err("a correlate request is an array of inputs or {\"inputs\": [...]}".to_owned()),
    };
    let mut texts = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let text = match item {
            Value::String(text) => Text { text, log_name: None },
            Value::Object(o) => {
                let Some(Value::String(text)) = o.get("text") else {
                    return Err(format!("input {i}: \"text\" must be a string"));
                };
                let log_name = match o.get("log_name") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(name)) => Some(name.as_str()),
                    Some(_) => return Err(format!("input {i}: \"log_name\" must be a string")),
                };
                if let Some(key) = o.keys().find(|k| *k != "text" && *k != "log_name") {
                    return Err(format!("input {i}: unknown key {key:?}"));
                }
                Text { text, log_name }
            }
            _ => return Err(format!("input {i}: an input is {{\"text\", \"log_name\"}} or a string")),
        };
        texts.push(text);
    }
    Ok((texts, options))
}

fn response(ndjson: &[u8], errors: &[ErrorRecord], coverage: &Coverage, summary: &Summary) -> String {
    let mut out = Vec::with_capacity(ndjson.len() + 1024);
    out.extend_from_slice(b"{\"abi_version\":");
    out.extend_from_slice(crate::abi::ABI_VERSION.to_string().as_bytes());
    out.extend_from_slice(b",\"events\":[");
    for (i, line) in ndjson.split(|&b| b == b'\n').filter(|l| !l.is_empty()).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(line);
    }
    out.extend_from_slice(b"],\"errors\":[");
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_error(&mut out, e);
    }
    out.extend_from_slice(b"],\"coverage\":");
    let _ = serde_json::to_writer(&mut out, coverage);
    out.extend_from_slice(b",\"stats\":");
    let _ = serde_json::to_writer(&mut out, summary);
    out.push(b'}');
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_small_sort_sorts() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for n in [0usize, 1, 2, 3, 7, 64, 1000] {
            let mut v: Vec<u64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x % 50
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_unstable();
            super::sort(&mut v, &|a, b| a < b);
            assert_eq!(v, expected, "{n}");
        }
    }
}
