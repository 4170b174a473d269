//! Parsing JSON text from the input with a bound on what it may cost.
//!
//! A parsed `serde_json::Value` takes 80 bytes or more per JSON value, while a value can take two
//! bytes of text (`1,`): a 256 MiB request of `[1,1,…]` parses into more than 20 GB. So text is
//! parsed only when it holds at most [`MAX_JSON_VALUES`] values, which bounds the parsed tree to
//! well under a gigabyte whatever the text (real CloudTrail JSON takes 29-38 bytes per value, so
//! a 64 MiB trail file holds about 2.3 million). Counting is a byte scan, and it is skipped for
//! text too short to hold that many values (under 8 MiB), so lines and records never pay for it.
//! Nesting depth is bounded by serde_json itself (128 levels).

use serde_json::Value;

/// Most JSON values one parsed text (an ABI request, a document, a line, a CloudWatch Logs
/// message) may hold.
pub const MAX_JSON_VALUES: usize = 1 << 22;

/// Why a JSON text was not parsed.
#[derive(Debug)]
pub(crate) enum JsonError {
    /// Not JSON (or nested deeper than serde_json's 128 levels).
    Syntax(serde_json::Error),
    /// More than [`MAX_JSON_VALUES`] values.
    TooManyValues,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonError::Syntax(e) => e.fmt(f),
            JsonError::TooManyValues => write!(f, "it holds more than {MAX_JSON_VALUES} JSON values"),
        }
    }
}

/// Parse `text`, unless it holds more than [`MAX_JSON_VALUES`] values.
pub(crate) fn parse(text: &str) -> Result<Value, JsonError> {
    if !values_at_most(text.as_bytes(), MAX_JSON_VALUES) {
        return Err(JsonError::TooManyValues);
    }
    serde_json::from_str(text).map_err(JsonError::Syntax)
}

/// Whether JSON text holds at most `limit` values. Every value but the first follows a `[`, a `,`
/// or a `:` outside a string, so counting those (plus one) bounds the count from above.
pub(crate) fn values_at_most(text: &[u8], limit: usize) -> bool {
    // A value takes at least one byte and a separator: short text cannot hold too many.
    if text.len() / 2 < limit {
        return true;
    }
    let mut count = 1usize;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'"' => {
                // Skip the string: to its closing quote, stepping over escapes.
                i += 1;
                loop {
                    match text.get(i..).and_then(|rest| rest.iter().position(|&b| b == b'"' || b == b'\\')) {
                        Some(offset) if text[i + offset] == b'\\' => i += offset + 2,
                        Some(offset) => {
                            i += offset;
                            break;
                        }
                        // Unterminated: no value follows outside a string.
                        None => return true,
                    }
                }
            }
            b',' | b'[' | b':' => {
                count += 1;
                if count > limit {
                    return false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_values_outside_strings() {
        assert!(values_at_most(b"[1,2,3]", 4) && !values_at_most(b"[1,2,3]", 3));
        assert!(values_at_most(b"{\"a\":[]}", 3) && !values_at_most(b"{\"a\":[1,2]}", 3));
        let many = format!("[{}1]", "1,".repeat(100));
        assert!(values_at_most(many.as_bytes(), 102) && !values_at_most(many.as_bytes(), 101));
        let in_strings = format!("[\"{}\",\"\\\"{}\"]", ",".repeat(100), "[:".repeat(100));
        assert!(values_at_most(in_strings.as_bytes(), 4));
        // An escape or a string left open at the end ends the scan without reading past it.
        assert!(values_at_most(b"\"\\", 1));
        assert!(values_at_most(b"[\"a,b,c,d,e,f", 2));
    }

    #[test]
    fn too_many_values_are_not_parsed() {
        let text = format!("[{}1]", "1,".repeat(MAX_JSON_VALUES));
        assert!(matches!(parse(&text), Err(JsonError::TooManyValues)));
        let text = format!("[{}1]", "1,".repeat(MAX_JSON_VALUES - 2));
        assert_eq!(parse(&text).map(|v| v.as_array().map(Vec::len)).ok(), Some(Some(MAX_JSON_VALUES - 1)));
    }
}
