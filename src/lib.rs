//! s3norm: normalize Amazon S3 access records into OCSF 1.8.0 API Activity.
//!
//! Two sources describe the same S3 requests in different shapes:
//! server access log (SAL) text lines and CloudTrail JSON records. This crate reads both and writes
//! one event shape, so the same request looks the same whichever source saw it, and the two can be
//! joined on the S3 request ID (`api.request.uid`).
//!
//! Module map (one concern each):
//! - [`sal`]: the SAL line tokenizer (byte scanner, zero-copy) and typed record.
//! - [`cloudtrail`]: CloudTrail records and their containers (trail file, EventBridge, CloudWatch Logs).
//! - [`operations`]: the one table of truth mapping SAL operations and CloudTrail eventNames.
//! - [`ocsf`]: the OCSF event shape and the writers that fill it from either source.
//! - [`normalize`]: input detection and the driver that turns input units into events or errors.
//! - [`error`]: the error record every bad input unit becomes.
//! - [`timefmt`]: timestamp parsing and RFC 3339 formatting without a date crate.
//! - [`abi`]: the JSON-in/JSON-out `transform` shared by native, wasm-bindgen and raw WebAssembly.
//!
//! Nothing in this crate panics on input: every unit comes out as an event, an error record, or a
//! counted skip (CloudTrail records of other services).

pub mod abi;
pub mod cloudtrail;
pub mod error;
pub mod normalize;
pub mod ocsf;
pub mod operations;
pub mod sal;
pub mod timefmt;

#[cfg(feature = "js")]
mod wasm_js;
#[cfg(feature = "raw")]
pub mod wasm_raw;

pub use error::{ErrorKind, ErrorRecord};
pub use normalize::{Normalizer, Options, Sink, Skip, Stats};

/// The crate version, as reported by `version()` in every binding.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
