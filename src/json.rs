//! Byte scans over JSON text that do not build values: where a value ends, how deep a text nests,
//! and a string's contents. They let a host look at the top level of an object without parsing
//! the rest (a shipper's event, see [`crate::shipper`]), and bound the nesting of what is then
//! parsed, so that nothing recurses deeper than a host allows.
//!
//! # Invariants
//! - No recursion and no allocation, except [`unescape`] when a string has escapes.
//! - The scans are *conservative*: on valid JSON they give the exact answer; on anything they do
//!   not understand they give up (`None`), and the caller parses the text with serde_json, whose
//!   verdict (and error message) stands. So they never accept a text serde_json would refuse, and
//!   [`unescape`] gives exactly serde_json's string.

use std::borrow::Cow;

/// serde_json's own nesting limit: deeper JSON does not parse.
pub const SERDE_MAX_DEPTH: usize = 128;

/// Whether `text` nests arrays and objects more than `max` levels deep (`{"a":[1]}` is 2 levels).
/// A string-aware byte scan; for invalid JSON it answers for the part before the error, which is
/// as far as a parser would recurse.
pub fn nesting_exceeds(text: &[u8], max: usize) -> bool {
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'"' => match string_end(text, i) {
                Some(end) => {
                    i = end;
                    continue;
                }
                None => return false,
            },
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

/// `i` moved past JSON whitespace.
pub(crate) fn skip_ws(text: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = text.get(i) {
        i += 1;
    }
    i
}

/// The index just past the string that opens at `start` (a `"`), or `None` if it does not close.
pub(crate) fn string_end(text: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < text.len() {
        match text[i] {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// The index just past the value that starts at `start`, and how deep it nests (0 for a scalar).
/// `None` when the value is not one this scan can delimit (the caller then parses the text).
pub(crate) fn value_end(text: &[u8], start: usize) -> Option<(usize, usize)> {
    match *text.get(start)? {
        b'"' => string_end(text, start).map(|end| (end, 0)),
        b'{' | b'[' => {
            let (mut depth, mut deepest) = (0usize, 0usize);
            let mut i = start;
            while i < text.len() {
                match text[i] {
                    b'"' => {
                        i = string_end(text, i)?;
                        continue;
                    }
                    b'{' | b'[' => {
                        depth += 1;
                        deepest = deepest.max(depth);
                    }
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some((i + 1, deepest));
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        // A number or a literal runs to the next delimiter; serde_json checks it when it is parsed.
        b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
            let len = text[start..].iter().position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))?;
            Some((start + len, 0))
        }
        _ => None,
    }
}

/// The contents of a JSON string literal (`raw` is the text between its quotes), as serde_json
/// reads it: borrowed when it has no escape, `None` when it is not a valid string (a control
/// character, a bad escape, a lone surrogate). The flag says whether the result holds a `\n`.
pub(crate) fn unescape(raw: &str) -> Option<(Cow<'_, str>, bool)> {
    let bytes = raw.as_bytes();
    let Some(first) = bytes.iter().position(|&b| b == b'\\' || b < 0x20) else {
        return Some((Cow::Borrowed(raw), false));
    };
    let mut out = String::with_capacity(raw.len());
    let mut newline = false;
    let mut i = first;
    out.push_str(&raw[..i]);
    while i < bytes.len() {
        // Copy the run up to the next escape in one go.
        let run = bytes[i..].iter().position(|&b| b == b'\\' || b < 0x20).unwrap_or(bytes.len() - i);
        out.push_str(&raw[i..i + run]);
        i += run;
        if i == bytes.len() {
            break;
        }
        if bytes[i] != b'\\' {
            return None; // a raw control character
        }
        let c = match *bytes.get(i + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let (c, used) = unicode_escape(bytes, i)?;
                i += used;
                out.push(c);
                newline |= c == '\n';
                continue;
            }
            _ => return None,
        };
        newline |= c == '\n';
        out.push(c);
        i += 2;
    }
    Some((Cow::Owned(out), newline))
}

/// `\uXXXX` (or a surrogate pair `\uD8xx\uDCxx`) at `i`: the character and the bytes used.
fn unicode_escape(bytes: &[u8], i: usize) -> Option<(char, usize)> {
    let hex = |at: usize| -> Option<u32> {
        let digits = bytes.get(at..at + 4)?;
        let mut n = 0;
        for &d in digits {
            n = n * 16 + (d as char).to_digit(16)?;
        }
        Some(n)
    };
    let first = hex(i + 2)?;
    match first {
        0xD800..=0xDBFF => {
            if bytes.get(i + 6..i + 8)? != b"\\u" {
                return None;
            }
            let second = hex(i + 8)?;
            if !(0xDC00..=0xDFFF).contains(&second) {
                return None;
            }
            char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)).map(|c| (c, 12))
        }
        0xDC00..=0xDFFF => None,
        n => char::from_u32(n).map(|c| (c, 6)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_agrees_with_serde_json() {
        let cases = [
            r#""plain""#,
            r#""a \"quoted\" \\ path\/x \b\f\n\r\t""#,
            r#""\u00e9\u20ac \ud83d\ude00 \u0000""#,
            r#""\ud83d""#,
            r#""\ude00 x""#,
            r#""\ud83d\u0041""#,
            r#""bad \x escape""#,
            "\"raw \u{1} control\"",
            r#""é €""#,
            r#""\u12""#,
            r#""trailing \""#,
        ];
        for case in cases {
            let ours = unescape(&case[1..case.len() - 1]).map(|(s, nl)| (s.into_owned(), nl));
            let serde: Option<String> = serde_json::from_str(case).ok();
            assert_eq!(ours.as_ref().map(|(s, _)| s.clone()), serde, "{case}");
            if let Some((s, nl)) = ours {
                assert_eq!(nl, s.contains('\n'), "{case}");
            }
        }
        assert!(matches!(unescape("no escapes"), Some((Cow::Borrowed(_), false))));
    }

    #[test]
    fn values_are_delimited() {
        let text = br#"{"a": [1, {"b": "]}"}], "c": -1.5e3 , "d": true}"#;
        let at = |s: &[u8]| text.windows(s.len()).position(|w| w == s).unwrap();
        let (array, number) = (at(b"[1"), at(b"-1.5"));
        assert_eq!(value_end(text, array), Some((array + 16, 2)));
        assert_eq!(&text[array..array + 16], br#"[1, {"b": "]}"}]"#);
        assert_eq!(value_end(text, number), Some((number + 6, 0)));
        assert_eq!(value_end(b"[1,2", 0), None);
        assert_eq!(value_end(b"x", 0), None);
    }

    #[test]
    fn nesting_is_measured_outside_strings() {
        assert!(!nesting_exceeds(br#"{"a":[{"b":"[[[[[["}]}"#, 3));
        assert!(nesting_exceeds(br#"{"a":[{"b":[]}]}"#, 3));
        assert!(nesting_exceeds(&b"[".repeat(200), 128));
        assert!(!nesting_exceeds(br#""\"[[[[""#, 1));
    }
}
