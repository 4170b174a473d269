//! Where outputs go, and the one place they are counted.
//!
//! Every input unit (a SAL line, a CloudTrail record, a JSON text that does not parse) produces
//! exactly one call on a [`Sink`]: an event, an error record, or a skip. Sinks do not count: the
//! reader wraps the caller's sink in [`Counter`] and returns the [`Stats`], so the invariant
//! `inputs == events + errors + skipped` holds by construction in every binding.

use crate::error::ErrorRecord;
use crate::ocsf::Event;
use serde::Serialize;

/// A unit that is neither an event nor an error: a CloudTrail record of another service (IAM,
/// EC2, …) or a CloudWatch Logs control message. Skipped and counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Skip {
    /// The record's `eventSource` (`iam.amazonaws.com`), or `logs.amazonaws.com` for a control message.
    pub event_source: String,
    /// The record's `eventName`, or `CONTROL_MESSAGE`.
    pub event_name: String,
}

impl Skip {
    pub(crate) fn new(event_source: &str, event_name: &str) -> Self {
        Skip { event_source: event_source.to_owned(), event_name: event_name.to_owned() }
    }
}

/// Where the outputs of a run go. Every input unit produces exactly one call.
///
/// Events borrow the input (the line, the parsed record), so they are lent to the sink for the
/// length of the call; write them out ([`crate::write_event`]) or copy what you need.
pub trait Sink {
    fn event(&mut self, event: &Event<'_>);
    fn error(&mut self, error: ErrorRecord);
    fn skip(&mut self, skip: Skip);
    /// Whether the sink wants no more input (its output went away, say). The reader asks between
    /// lines and stops early, with the counts so far. Default: never.
    fn stopped(&self) -> bool {
        false
    }
}

/// One output, for sinks written as a closure ([`sink_fn`]).
#[derive(Debug)]
pub enum Output<'o, 'e> {
    Event(&'o Event<'e>),
    Error(ErrorRecord),
    Skip(Skip),
}

/// A sink that hands every output to a closure:
///
/// ```
/// let mut refused = Vec::new();
/// let stats = s3norm::Normalizer::default().read_str(
///     "not a log line\n",
///     &mut s3norm::sink_fn(|out| {
///         if let s3norm::Output::Error(error) = out {
///             refused.push(error.input);
///         }
///     }),
/// );
/// assert_eq!((stats.inputs, stats.errors), (1, 1));
/// assert_eq!(refused, ["not a log line"]);
/// ```
pub fn sink_fn<F: FnMut(Output<'_, '_>)>(f: F) -> FnSink<F> {
    FnSink(f)
}

/// The sink [`sink_fn`] makes.
pub struct FnSink<F>(F);

impl<F: FnMut(Output<'_, '_>)> Sink for FnSink<F> {
    fn event(&mut self, event: &Event<'_>) {
        (self.0)(Output::Event(event))
    }
    fn error(&mut self, error: ErrorRecord) {
        (self.0)(Output::Error(error))
    }
    fn skip(&mut self, skip: Skip) {
        (self.0)(Output::Skip(skip))
    }
}

/// Counts of a run. Invariant: `inputs == events + errors + skipped`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Input units read: SAL lines and CloudTrail records (blank lines are not units), plus JSON
    /// texts that do not parse.
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

/// `N events, M errors, K skipped`: the CLI's summary line.
impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} events, {} errors, {} skipped", self.events, self.errors, self.skipped)
    }
}

/// The caller's sink, counted. Every output of the reader passes through here.
pub(crate) struct Counter<'s> {
    sink: &'s mut dyn Sink,
    pub(crate) stats: Stats,
    /// Stamped on error records that have no `index` of their own (the ABI's batch position).
    pub(crate) default_index: Option<u64>,
}

impl<'s> Counter<'s> {
    pub(crate) fn new(sink: &'s mut dyn Sink) -> Self {
        Counter { sink, stats: Stats::default(), default_index: None }
    }

    pub(crate) fn event(&mut self, event: &Event<'_>) {
        self.stats.inputs += 1;
        self.stats.events += 1;
        self.sink.event(event)
    }

    pub(crate) fn error(&mut self, mut error: ErrorRecord) {
        if error.index.is_none() {
            error.index = self.default_index;
        }
        self.stats.inputs += 1;
        self.stats.errors += 1;
        self.sink.error(error)
    }

    pub(crate) fn skip(&mut self, skip: Skip) {
        self.stats.inputs += 1;
        self.stats.skipped += 1;
        self.sink.skip(skip)
    }

    pub(crate) fn stopped(&self) -> bool {
        self.sink.stopped()
    }
}
