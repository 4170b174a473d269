//! The one writer: an event or an error record becomes bytes here, and nowhere else.
//!
//! Every output path (the CLI's NDJSON, the ABI response, the WebAssembly adapters, the benches)
//! calls [`write_event`]. Its output is defined as the serde-derived serialization of [`Event`]
//! (compact JSON, keys in declaration order, absent values left out); that derivation is kept as
//! the reference, and a differential test holds any faster writer to it byte for byte.

use super::Event;
use crate::error::ErrorRecord;

/// Append `event` as one line of compact JSON (no newline) to `out`.
pub fn write_event(out: &mut Vec<u8>, event: &Event<'_>) {
    // Writing plain data into a Vec cannot fail: every map key is a string and every number finite.
    let _ = serde_json::to_writer(out, event);
}

/// Append `error` as compact JSON (no newline) to `out`.
pub fn write_error(out: &mut Vec<u8>, error: &ErrorRecord) {
    let _ = serde_json::to_writer(out, error);
}
