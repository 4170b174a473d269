//! Normalize Amazon S3 access records into OCSF 1.8.0 API Activity events.
//!
//! AWS records S3 access twice, in two shapes: server access log (SAL) text lines and CloudTrail
//! JSON records. This crate reads both and writes one event shape, so the same request looks the
//! same whichever source saw it, and the two join on the S3 request ID (`api.request.uid`).
//!
//! # Reading a log file
//!
//! [`Normalizer::read`] takes any [`std::io::Read`]: a file, standard input, or a decompressor
//! for the gzip files AWS delivers. Events borrow the line they came from, so they are lent to a
//! [`Sink`] (here a closure, via [`sink_fn`]) rather than returned:
//!
//! ```
//! use std::{fs::File, io};
//! use flate2::read::MultiGzDecoder;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gzip/awsdocs__LogFormat__example_lines.log.gz");
//! let file = MultiGzDecoder::new(File::open(path)?);
//! let mut out = Vec::new();
//! let stats = s3norm::Normalizer::default().read(file, &mut s3norm::sink_fn(|unit| match unit {
//!     s3norm::Output::Event(event) => s3norm::write_event(&mut out, event),
//!     s3norm::Output::Error(error) => eprintln!("{error}"),
//!     s3norm::Output::Skip(_) => {}
//! }))?;
//! println!("{stats}"); // "5 events, 0 errors, 0 skipped"
//! # assert_eq!(stats.events, 5);
//! # Ok(()) }
//! ```
//!
//! Every input unit — a SAL line, a CloudTrail record, a JSON text that does not parse — comes
//! out exactly once: as an [`Event`], an [`ErrorRecord`] carrying the original text, or a counted
//! [`Skip`] (a CloudTrail record of another service). The reader counts them and returns
//! [`Stats`]: `inputs == events + errors + skipped`. Nothing here panics on input.
//!
//! # Layout
//! Data flows one way: bytes → [`read`](Normalizer::read) (units) → [`sal`] tokens or parsed
//! CloudTrail JSON → [`Event`] (the [`ocsf`] module, filled through the one table of truth,
//! [`operations`]) → [`write_event`] → bytes.
//!
//! - [`sal`]: the SAL line tokenizer (byte scanner, zero-copy), usable on its own.
//! - [`operations`]: SAL operations and CloudTrail eventNames side by side, with evidence.
//! - [`ocsf`]: the event types and the writer.
//! - [`abi`]: the JSON-in/JSON-out `transform` every binding (wasm-bindgen, the raw module) shares.
//! - [`shipper`]: what a log shipper (Vector, Fluent Bit) hands on, and how it is read.
//! - [`json`]: JSON text with bounded cost: scans, a parse that need not recurse, a value limit.

mod aws;
mod cloudtrail;
mod error;
mod normalize;
mod read;
mod sink;
mod swar;
mod timefmt;

pub mod abi;
pub mod correlate;
pub mod json;
pub mod ocsf;
pub mod operations;
pub mod sal;
pub mod shipper;

pub use error::{ErrorKind, ErrorRecord, RecordError, MAX_ERROR_INPUT};
pub use json::MAX_JSON_VALUES;
pub use normalize::{Normalizer, Options};
pub use ocsf::{write_error, write_event, Event};
pub use read::{LineChunk, LineChunks, Opened, ReadError};
pub use sink::{sink_fn, FnSink, Output, Sink, Skip, Stats};

/// The crate version, as reported by `version()` in every binding.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The README's Rust examples, compiled and run as doctests so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
