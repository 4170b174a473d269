//! JSON text without building whole values: where a value ends and a string's contents (so a
//! host can look at the top level of an object without parsing the rest, as for a shipper's
//! event, see [`crate::shipper`]), and a parse that does not recurse and keeps whatever nests
//! deeper than a limit as text, so that nothing recurses deeper than a host's stack allows.
//!
//! # Invariants
//! - The scans do not recurse and do not allocate, except `string_at` when a string has escapes.
//!   They look at eight bytes at a time where they can: in an interpreter (Fluent Bit's WAMR)
//!   the cost of a record is the instructions run, and most of a record is plain text.
//! - The scans are *conservative*: on valid JSON they give the exact answer; on anything they do
//!   not understand they give up (`None`), and the caller parses the text with serde_json, whose
//!   verdict (and error message) stands. So they never accept a text serde_json would refuse, and
//!   `string_at` gives exactly serde_json's string.
//! - [`parse`] builds exactly the [`Value`] serde_json builds, or, when asked to bound nesting,
//!   the same value with its deepest parts kept as their JSON text, without recursing.
//!
//! # What a parse may cost
//! A parsed `serde_json::Value` takes 80 bytes or more per JSON value, while a value can take two
//! bytes of text (`1,`): a 256 MiB request of `[1,1,…]` parses into more than 20 GB. So text is
//! parsed only when it holds at most [`MAX_JSON_VALUES`] values, which bounds the parsed tree to
//! well under a gigabyte whatever the text (real CloudTrail JSON takes 29-38 bytes per value, so
//! a 64 MiB trail file holds about 2.3 million). Counting is a byte scan, and it is skipped for
//! text too short to hold that many values (under 8 MiB), so lines and records never pay for it.
//! Nesting depth is bounded by serde_json itself (128 levels), or by `flatten_below`.

use crate::swar::{bytes_below, bytes_equal, find_hit, first, word_at};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Most JSON values one parsed text (an ABI request, a document, a line, a CloudWatch Logs
/// message) may hold.
pub const MAX_JSON_VALUES: usize = 1 << 22;

/// serde_json's own nesting limit: deeper JSON does not parse.
pub const SERDE_MAX_DEPTH: usize = 128;

/// JSON text parsed into the [`Value`] serde_json builds for it. With `flatten_below: Some(n)`
/// the parse keeps its open arrays and objects on a heap stack instead of recursing, so a host's
/// call stack does not grow with the input's nesting, and an array or object nested more than `n`
/// levels deep (`{"a":[1]}` is 2 levels) becomes a string holding its JSON text: still checked to
/// be valid JSON, still all there, but no longer a structure that anything recurses into or that
/// nests an output deeper. With `None` nothing is flattened and, as serde_json does, the 128th
/// level is refused: the value or the error `serde_json::from_str` gives, built without recursion
/// and with every array and map allocated once, at its final size. Either way its errors are
/// serde_json's, message and position (held to it by the tests on every cut and many one-byte
/// changes of a record), but for nesting when flattening (serde_json refuses the 128th level).
/// Text of more than [`MAX_JSON_VALUES`] values is not parsed at all.
pub fn parse(text: &str, flatten_below: Option<usize>) -> Result<Value, ParseError> {
    if !values_at_most(text.as_bytes(), MAX_JSON_VALUES) {
        return Err(ParseError::TooManyValues);
    }
    match flatten_below {
        None => parse_flat(text, usize::MAX, Some(SERDE_DEPTH_LIMIT)),
        Some(levels) => parse_flat(text, levels, None),
    }
}

/// Why JSON text was not parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// Not JSON (or nested deeper than serde_json's 128 levels): serde_json's message.
    Syntax(String),
    /// More than [`MAX_JSON_VALUES`] values: not read.
    TooManyValues,
}

impl ParseError {
    /// The error kind a unit that did not parse gets: `too_large` or `json_syntax`.
    pub(crate) fn kind(&self) -> crate::ErrorKind {
        match self {
            ParseError::TooManyValues => crate::ErrorKind::TooLarge,
            ParseError::Syntax(_) => crate::ErrorKind::JsonSyntax,
        }
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Syntax(message) => f.write_str(message),
            ParseError::TooManyValues => write!(f, "it holds more than {MAX_JSON_VALUES} JSON values"),
        }
    }
}

impl std::error::Error for ParseError {}

/// An array or object being read.
enum Open {
    /// Being built: its items so far are `items[first..]`, its members `members[first..]` (the
    /// last one's value waiting, `Null`, while it is read). Built at its close, at its final size:
    /// no array or map grows one item at a time.
    Array {
        first: usize,
    },
    Object {
        first: usize,
    },
    /// Too deep to build: checked and kept as the text from `start` (the outermost such).
    Flat {
        start: usize,
        object: bool,
    },
    /// Inside a `Flat` one: checked only.
    Skipped {
        object: bool,
    },
}

impl Open {
    fn is_object(&self) -> bool {
        match self {
            Open::Array { .. } => false,
            Open::Object { .. } => true,
            Open::Flat { object, .. } | Open::Skipped { object } => *object,
        }
    }
    fn building(&self) -> bool {
        matches!(self, Open::Array { .. } | Open::Object { .. })
    }
}

/// An integer of at most 18 digits (no fraction, no exponent; a valid number's text), as serde_json
/// reads it: `u64` when positive, `i64` when negative; `None` for the rest, `-0` included (a
/// float to serde_json). Most numbers in logs are such: calling serde_json for each made a
/// document of four million of them four times slower.
fn small_integer(number: &[u8]) -> Option<Value> {
    let (negative, digits) = match number.split_first() {
        Some((b'-', digits)) => (true, digits),
        _ => (false, number),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
    match (negative, n) {
        (false, n) => Some(Value::from(n)),
        (true, 0) => None,
        // n < 10^18 < 2^63: the negation fits.
        (true, n) => Some(Value::from(-(n as i64))),
    }
}

/// Items from which a closed array may take the stack's buffer rather than a copy of its part.
const LARGE_ARRAY: usize = 4096;

/// serde_json refuses the 128th level of nesting ("recursion limit exceeded").
const SERDE_DEPTH_LIMIT: usize = 128;

fn parse_flat(text: &str, flatten_below: usize, depth_limit: Option<usize>) -> Result<Value, ParseError> {
    let bytes = text.as_bytes();
    let fail = |at: usize, what: &str| syntax_error(bytes, at, what);
    let mut open: Vec<Open> = Vec::new();
    let mut items: Vec<Value> = Vec::new();
    let mut members: Vec<(String, Value)> = Vec::new();
    let mut i = skip_ws(bytes, 0);
    loop {
        // A value starts at `i`. Inside a flattened container it is checked, not kept (`Null`).
        let building = open.last().is_none_or(Open::building);
        let mut value = match bytes.get(i) {
            None => return Err(fail(i, "EOF while parsing a value")),
            Some(&b) if b == b'{' || b == b'[' => {
                let object = b == b'{';
                let start = i;
                if depth_limit.is_some_and(|limit| open.len() + 1 >= limit) {
                    return Err(fail(i, "recursion limit exceeded"));
                }
                i = skip_ws(bytes, i + 1);
                if !object && i == bytes.len() {
                    return Err(fail(i, "EOF while parsing a list"));
                }
                let empty = bytes.get(i) == Some(if object { &b'}' } else { &b']' });
                let container = if !building {
                    Open::Skipped { object }
                } else if open.len() >= flatten_below {
                    Open::Flat { start, object }
                } else if object {
                    Open::Object { first: members.len() }
                } else {
                    Open::Array { first: items.len() }
                };
                if empty {
                    i += 1;
                    close(container, text, i, &mut items, &mut members)
                } else {
                    if object {
                        let key;
                        (key, i) = object_key(text, i, true)?;
                        if let Open::Object { .. } = container {
                            members.push((key, Value::Null));
                        }
                    }
                    open.push(container);
                    continue;
                }
            }
            Some(b'"') => {
                let (end, s, _) = string_at(text, i).ok_or_else(|| string_error(text, i))?;
                i = end;
                if building {
                    Value::String(s.into_owned())
                } else {
                    Value::Null
                }
            }
            Some(b't' | b'f' | b'n') => {
                let (word, value) = match bytes[i] {
                    b't' => ("true", Value::Bool(true)),
                    b'f' => ("false", Value::Bool(false)),
                    _ => ("null", Value::Null),
                };
                // serde_json's error is at the first byte that differs (or the end).
                if let Some(k) = word.bytes().zip(&bytes[i..]).position(|(w, &b)| w != b) {
                    return Err(fail(i + k, "expected ident"));
                }
                if i + word.len() > bytes.len() {
                    return Err(fail(bytes.len(), "EOF while parsing a value"));
                }
                i += word.len();
                value
            }
            Some(b'-' | b'0'..=b'9') => {
                let end = number_end(bytes, i).map_err(|(at, what)| fail(at, what))?;
                let number = match small_integer(&bytes[i..end]) {
                    Some(number) => number,
                    // serde_json reads the others itself, so they are the same numbers (as a
                    // `Value`: the parser the module has anyway, not a second copy for `Number`).
                    None => match serde_json::from_str::<Value>(&text[i..end]) {
                        Ok(number @ Value::Number(_)) => number,
                        Ok(_) => return Err(fail(i, "invalid number")), // never: the text is a number
                        Err(e) => return Err(serde_error_at(text, i, &e)), // number out of range
                    },
                };
                i = end;
                number
            }
            Some(_) => return Err(fail(i, "expected value")),
        };
        // Put the value where it belongs, closing every array and object it completes.
        loop {
            i = skip_ws(bytes, i);
            let Some(top) = open.last_mut() else {
                return if i == bytes.len() { Ok(value) } else { Err(fail(i, "trailing characters")) };
            };
            let object = top.is_object();
            match top {
                Open::Array { .. } => items.push(value),
                Open::Object { .. } => {
                    if let Some(member) = members.last_mut() {
                        member.1 = value;
                    }
                }
                Open::Flat { .. } | Open::Skipped { .. } => {}
            }
            match (bytes.get(i), object) {
                (Some(b','), false) => {
                    i = skip_ws(bytes, i + 1);
                    if bytes.get(i) == Some(&b']') {
                        return Err(fail(i, "trailing comma"));
                    }
                    break;
                }
                (Some(b','), true) => {
                    let key;
                    (key, i) = object_key(text, skip_ws(bytes, i + 1), false)?;
                    if let Open::Object { .. } = top {
                        members.push((key, Value::Null));
                    }
                    break;
                }
                (Some(b']'), false) | (Some(b'}'), true) => i += 1,
                (Some(_), false) => return Err(fail(i, "expected `,` or `]`")),
                (Some(_), true) => return Err(fail(i, "expected `,` or `}`")),
                (None, false) => return Err(fail(i, "EOF while parsing a list")),
                (None, true) => return Err(fail(i, "EOF while parsing an object")),
            }
            value = match open.pop() {
                Some(done) => close(done, text, i, &mut items, &mut members),
                None => Value::Null, // never: `top` was just seen
            };
        }
    }
}

/// The value of a container whose closing bracket ends just before `end`, its items or members
/// taken off the stacks. Members go in in order, so a repeated key keeps its first place and its
/// last value, as serde_json's map does.
fn close(done: Open, text: &str, end: usize, items: &mut Vec<Value>, members: &mut Vec<(String, Value)>) -> Value {
    match done {
        Open::Array { first } => {
            let n = items.len() - first;
            if n >= LARGE_ARRAY && first <= n / 8 && items.capacity() <= 2 * items.len() {
                // A large array that is nearly all of the stack takes the stack's buffer (and
                // its spare capacity, at most as much again) instead of a copy: a record holding
                // four million numbers needed 656 MB with the copy, 490 MB without.
                let mut all = std::mem::take(items);
                items.extend(all.drain(..first));
                Value::Array(all)
            } else {
                Value::Array(items.drain(first..).collect())
            }
        }
        Open::Object { first } => {
            let mut map = Map::with_capacity(members.len() - first);
            for (key, value) in members.drain(first..) {
                map.insert(key, value);
            }
            Value::Object(map)
        }
        Open::Flat { start, .. } => Value::String(text[start..end].to_owned()),
        Open::Skipped { .. } => Value::Null,
    }
}

/// serde_json's error for the byte at `at` (the one it read or peeked at; the text's length at
/// its end): `what`, then the line and column serde_json gives, which count the bytes up to and
/// including that one (a `\n` there is line + 1, column 0).
fn syntax_error(bytes: &[u8], at: usize, what: &str) -> ParseError {
    let (line, column) = position(bytes, (at + 1).min(bytes.len()));
    ParseError::Syntax(format!("{what} at line {line} column {column}"))
}

/// serde_json's line and column after reading `bytes[..read]`.
fn position(bytes: &[u8], read: usize) -> (usize, usize) {
    let line_start = bytes[..read].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    (1 + bytes[..line_start].iter().filter(|&&b| b == b'\n').count(), read - line_start)
}

/// `e`, serde_json's error for the text from `start` on, with its position moved into the whole
/// text's.
fn serde_error_at(text: &str, start: usize, e: &serde_json::Error) -> ParseError {
    let message = e.to_string();
    let what = message.rsplit_once(" at line ").map_or(message.as_str(), |(what, _)| what);
    let (line, column) = position(text.as_bytes(), start);
    let (line, column) = match e.line() {
        1 => (line, column + e.column()),
        more => (line + more - 1, e.column()),
    };
    ParseError::Syntax(format!("{what} at line {line} column {column}"))
}

/// serde_json's error for the invalid string that opens at `start`, word for word: it reads the
/// string again from there (only on this error path; a string does not nest).
fn string_error(text: &str, start: usize) -> ParseError {
    match serde_json::from_str::<Value>(&text[start..]) {
        Err(e) => serde_error_at(text, start, &e),
        Ok(_) => syntax_error(text.as_bytes(), start, "invalid string"), // never: both refuse the same strings
    }
}

/// The end of the number at `i` by JSON's grammar, or serde_json's error for it (the offending
/// byte and the message). What follows a number is its container's business (`12-3` is the
/// number `12`, then a byte that is not `,`).
fn number_end(bytes: &[u8], mut i: usize) -> Result<usize, (usize, &'static str)> {
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let bad = |i: usize| Err((i, if i < bytes.len() { "invalid number" } else { "EOF while parsing a value" }));
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'0') if digit(i + 1) => return Err((i + 1, "invalid number")),
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while digit(i) {
                i += 1;
            }
        }
        _ => return bad(i),
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if !digit(i) {
            return bad(i);
        }
        while digit(i) {
            i += 1;
        }
    }
    if let Some(b'e' | b'E') = bytes.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = bytes.get(i) {
            i += 1;
        }
        if !digit(i) {
            return bad(i);
        }
        while digit(i) {
            i += 1;
        }
    }
    Ok(i)
}

/// An object's key at `i` and the `:` after it: the key and where its value starts. `first`: the
/// key right after `{` (else after a `,`), which serde_json words its errors by.
fn object_key(text: &str, i: usize, first: bool) -> Result<(String, usize), ParseError> {
    let bytes = text.as_bytes();
    let fail = |at: usize, what: &str| Err(syntax_error(bytes, at, what));
    match bytes.get(i) {
        Some(b'"') => {}
        Some(b'}') => return fail(i, "trailing comma"),
        Some(_) => return fail(i, "key must be a string"),
        None if first => return fail(i, "EOF while parsing an object"),
        None => return fail(i, "EOF while parsing a value"),
    }
    let (end, key, _) = string_at(text, i).ok_or_else(|| string_error(text, i))?;
    let colon = skip_ws(bytes, end);
    match bytes.get(colon) {
        Some(b':') => Ok((key.into_owned(), skip_ws(bytes, colon + 1))),
        Some(_) => fail(colon, "expected `:`"),
        None => fail(colon, "EOF while parsing an object"),
    }
}

/// Drop a value without recursing into it (a deep value's own drop recurses once per level).
/// Only non-empty containers wait on the list; everything else is dropped where it is met.
pub fn drop_flat(value: Value) {
    fn holds_values(value: &Value) -> bool {
        match value {
            Value::Array(items) => !items.is_empty(),
            Value::Object(map) => !map.is_empty(),
            _ => false,
        }
    }
    if !holds_values(&value) {
        return;
    }
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::Array(items) => pending.extend(items.into_iter().filter(holds_values)),
            Value::Object(map) => pending.extend(map.into_iter().map(|(_, v)| v).filter(holds_values)),
            _ => {}
        }
    }
}

/// `i` moved past JSON whitespace.
pub(crate) fn skip_ws(text: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = text.get(i) {
        i += 1;
    }
    i
}

/// The first index at or after `i` holding `"`, `\` or a control character (or the end): where
/// a string's plain run stops. Eight bytes at a time, as most of a line is plain text.
#[inline]
fn string_stop(text: &[u8], mut i: usize) -> usize {
    while let Some(w) = word_at(text, i) {
        let hits = bytes_equal(w, b'"') | bytes_equal(w, b'\\') | bytes_below(w, 0x20);
        if hits != 0 {
            return i + first(hits);
        }
        i += 8;
    }
    while i < text.len() && !matches!(text[i], b'"' | b'\\' | 0..=0x1f) {
        i += 1;
    }
    i
}

/// Copy the plain run that starts at `i` (up to the next `"`, `\\` or control character, or the
/// end) onto `out`; return where it stops. A run shorter than a word (CloudTrail text inside a
/// request has an escape every few bytes) is appended as the whole word and the length cut back:
/// no copy of a run's own length, which WebAssembly makes a call out of the module in V8. A
/// longer one is found, then copied at once (one instruction in an interpreter).
#[inline]
fn copy_run(out: &mut Vec<u8>, bytes: &[u8], i: usize) -> usize {
    let Some(w) = word_at(bytes, i) else {
        let stop = string_stop(bytes, i);
        out.extend_from_slice(&bytes[i..stop]);
        return stop;
    };
    let hits = bytes_equal(w, b'"') | bytes_equal(w, b'\\') | bytes_below(w, 0x20);
    if hits != 0 {
        let n = first(hits);
        out.extend_from_slice(&w.to_le_bytes());
        out.truncate(out.len() - (8 - n));
        return i + n;
    }
    let stop = string_stop(bytes, i + 8);
    out.extend_from_slice(&bytes[i..stop]);
    stop
}

/// The first index at or after `i` holding `"`, `{`, `}`, `[` or `]` (or the end): where a
/// container's scan must look.
#[inline]
fn structure_stop(text: &[u8], mut i: usize) -> usize {
    while let Some(w) = word_at(text, i) {
        let hits = bytes_equal(w, b'"') | bytes_equal(w, b'{') | bytes_equal(w, b'}') | bytes_equal(w, b'[') | bytes_equal(w, b']');
        if hits != 0 {
            return i + first(hits);
        }
        i += 8;
    }
    while i < text.len() && !matches!(text[i], b'"' | b'{' | b'}' | b'[' | b']') {
        i += 1;
    }
    i
}

/// Bytes an unescaped string gets beyond its first run before it has to grow.
const STRING_ROOM: usize = 64;

/// A rest of the text an unescaped string may take whole as its capacity.
const SHORT_REST: usize = 4096;

/// The string that opens at `start` (a `"`): the index just past it, and its contents as
/// serde_json reads them (borrowed when it has no escape) with whether they hold a `\n`. `None`
/// when it is not a valid string (unterminated, a control character, a bad escape, a lone
/// surrogate).
pub(crate) fn string_at(text: &str, start: usize) -> Option<(usize, Cow<'_, str>, bool)> {
    let bytes = text.as_bytes();
    let i = start + 1;
    let mut stop = string_stop(bytes, i);
    match bytes.get(stop) {
        Some(b'"') => return Some((stop + 1, Cow::Borrowed(&text[i..stop]), false)),
        Some(b'\\') => {}
        _ => return None,
    }
    // Room for the rest of the text when that is short (a line, a shipper's record text: one
    // allocation; what is left over is given back below), else for the first run and a little
    // more, grown from there. Never a long rest of the text, which the string would keep: a
    // trail file holds thousands of strings (20,000 records of 28 MiB once took 19 GB). Nor a
    // scan for the end first: a request's one string is the whole log text, escapes every few
    // bytes for CloudTrail's.
    let rest = bytes.len() - i;
    let mut out: Vec<u8> = Vec::with_capacity(if rest <= SHORT_REST { rest } else { stop - i + STRING_ROOM });
    out.extend_from_slice(&bytes[i..stop]);
    let mut newline = false;
    loop {
        match bytes.get(stop) {
            Some(b'"') => break,
            Some(b'\\') => {}
            _ => return None,
        }
        let simple = match *bytes.get(stop + 1)? {
            // The escaped byte is itself.
            b @ (b'"' | b'\\' | b'/') => b,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let (c, used) = unicode_escape(bytes, stop)?;
                newline |= c == '\n';
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                stop = copy_run(&mut out, bytes, stop + used);
                continue;
            }
            _ => return None,
        };
        newline |= simple == b'\n';
        out.push(simple);
        stop = copy_run(&mut out, bytes, stop + 2);
    }
    // A short text's rest can be far more than this string needed (a string near the end of a
    // trail file): give it back.
    if out.capacity() > 2 * out.len() + STRING_ROOM {
        out.shrink_to_fit();
    }
    // SAFETY: `out` is runs of `text` (UTF-8) cut only before and after ASCII bytes (`"`, `\`,
    // the escapes), ASCII bytes, and whole encoded characters: valid UTF-8.
    debug_assert!(std::str::from_utf8(&out).is_ok(), "unescaped string is not UTF-8");
    let out = unsafe { String::from_utf8_unchecked(out) };
    Some((stop + 1, Cow::Owned(out), newline))
}

/// The index just past the value that starts at `start`, and how deep it nests (0 for a scalar).
/// `None` when the value is not one this scan can delimit (the caller then parses the text).
pub(crate) fn value_end(text: &[u8], start: usize) -> Option<(usize, usize)> {
    match *text.get(start)? {
        b'"' => skip_string(text, start).map(|end| (end, 0)),
        b'{' | b'[' => {
            let (mut depth, mut deepest) = (0usize, 0usize);
            let mut i = start;
            loop {
                i = structure_stop(text, i);
                match *text.get(i)? {
                    b'"' => {
                        i = skip_string(text, i)?;
                        continue;
                    }
                    b'{' | b'[' => {
                        depth += 1;
                        deepest = deepest.max(depth);
                    }
                    _ => {
                        depth -= 1;
                        if depth == 0 {
                            return Some((i + 1, deepest));
                        }
                    }
                }
                i += 1;
            }
        }
        // A number or a literal runs to the next delimiter; serde_json checks it when it is parsed.
        b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
            let len = text[start..].iter().position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))?;
            Some((start + len, 0))
        }
        _ => None,
    }
}

/// The index just past the string that opens at `start`, without reading its contents.
fn skip_string(text: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        i = string_stop(text, i);
        match *text.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1, // a control character: serde_json refuses it when the value is parsed
        }
    }
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

/// Whether JSON text holds at most `limit` values. Every value but the first follows a `[`, a `,`
/// or a `:` outside a string, so counting those (plus one) bounds the count from above.
pub(crate) fn values_at_most(text: &[u8], limit: usize) -> bool {
    // A value takes at least one byte and a separator: short text cannot hold too many.
    if text.len() / 2 < limit {
        return true;
    }
    let mut count = 1usize;
    let mut i = 0;
    // Eight bytes at a time to the next byte that matters (a request's log text is one string of
    // megabytes: byte by byte, this scan was a twentieth of the npm module's time on it).
    while let Some(at) = find_hit(text, i, |w| bytes_equal(w, b'"') | bytes_equal(w, b',') | bytes_equal(w, b'[') | bytes_equal(w, b':')) {
        if text[at] == b'"' {
            // Skip the string: to its closing quote, stepping over escapes.
            i = at + 1;
            loop {
                match find_hit(text, i, |w| bytes_equal(w, b'"') | bytes_equal(w, b'\\')) {
                    Some(at) if text[at] == b'\\' => i = at + 2,
                    Some(at) => {
                        i = at + 1;
                        break;
                    }
                    // Unterminated: no value follows outside a string.
                    None => return true,
                }
            }
        } else {
            count += 1;
            if count > limit {
                return false;
            }
            i = at + 1;
        }
    }
    true
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
            // Escapes that stand for themselves, back to back and at the ends.
            r#""\"\\\/\"""#,
            r#""\\""#,
            r#""x\/\\\u0041\\""#,
            r#""\\\""#,
        ];
        for case in cases {
            let ours = string_at(case, 0).map(|(end, s, nl)| {
                assert_eq!(end, case.len(), "{case}");
                (s.into_owned(), nl)
            });
            let serde: Option<String> = serde_json::from_str(case).ok();
            assert_eq!(ours.as_ref().map(|(s, _)| s.clone()), serde, "{case}");
            if let Some((s, nl)) = ours {
                assert_eq!(nl, s.contains('\n'), "{case}");
            }
        }
        assert!(matches!(string_at("\"no escapes\" x", 0), Some((12, Cow::Borrowed("no escapes"), false))));
        // Long runs, escapes on both sides of an eight-byte boundary.
        for n in 0..20 {
            let text = format!("\"{}\\n{}\\\"\"", "x".repeat(n), "é".repeat(n));
            let serde: String = serde_json::from_str(&text).unwrap();
            assert_eq!(string_at(&text, 0).map(|(_, s, nl)| (s.into_owned(), nl)), Some((serde, true)), "{text}");
        }
    }

    #[test]
    fn an_unescaped_string_holds_no_more_than_its_text() {
        // Each string of a document once got the rest of the document as capacity: 20,000 trail
        // records with a quote in their user agent (30 MB) took 19 GB.
        let tail = "x".repeat(1 << 20);
        let text = format!("[\"a \\\"b\\\"\", \"{tail}\"]");
        let Ok(Value::Array(items)) = parse(&text, None) else { panic!("not parsed: {text:.40}") };
        let Value::String(first) = &items[0] else { panic!("not a string: {:?}", items[0]) };
        assert_eq!(first, "a \"b\"");
        assert!(first.capacity() <= 8 + STRING_ROOM, "capacity {} for {first:?}", first.capacity());
        let Some((_, Cow::Owned(s), _)) = string_at(&text, 1) else { panic!("not unescaped") };
        assert!(s.capacity() <= 8 + STRING_ROOM, "capacity {}", s.capacity());
        // A real record (aws-cdk's PutObject) with quotes in its user agent, 2,000 times in a
        // trail file: every unescaped string holds about its own length.
        let fixture = include_str!("../tests/fixtures/cloudtrail/aws-cdk__sample_putobject.json");
        let Ok(mut record @ Value::Object(_)) = serde_json::from_str::<Value>(fixture) else { panic!("fixture") };
        record["userAgent"] = Value::from("aws-cli/1.16.96 \"quoted\" Python/2.7.12");
        let trail = format!("{{\"Records\":[{}]}}", vec![record.to_string(); 2000].join(","));
        let Ok(parsed) = parse(&trail, None) else { panic!("trail not parsed") };
        let agents: Vec<&String> = parsed["Records"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| match &r["userAgent"] {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect();
        assert_eq!(agents.len(), 2000);
        for agent in agents {
            assert_eq!(agent, "aws-cli/1.16.96 \"quoted\" Python/2.7.12");
            assert!(agent.capacity() <= agent.len() + STRING_ROOM, "capacity {}", agent.capacity());
        }
        // A long string with escapes all along grows to at most twice its length.
        let long = format!("\"{}\"", "ab\\\"".repeat(100_000));
        let Some((_, Cow::Owned(s), _)) = string_at(&long, 0) else { panic!("not unescaped") };
        assert_eq!(s.len(), 300_000);
        assert!(s.capacity() <= 2 * s.len(), "capacity {}", s.capacity());
    }

    #[test]
    fn integers_are_serde_json_integers() {
        let cases = [
            "0",
            "-0",
            "7",
            "-7",
            "123456789012345678",
            "-123456789012345678",
            "1234567890123456789",
            "-9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "1.0",
            "1e3",
            "-1.5e-3",
            "00",
        ];
        for case in cases {
            let serde = serde_json::from_str::<Value>(case).ok();
            let ours = parse(case, None).ok();
            assert_eq!(ours, serde, "{case}");
            // Equal values of different kinds (u64 7 vs f64 7.0) compare unequal: the kind too.
            if let (Some(Value::Number(a)), Some(Value::Number(b))) = (&ours, &serde) {
                assert_eq!((a.is_u64(), a.is_i64(), a.is_f64()), (b.is_u64(), b.is_i64(), b.is_f64()), "{case}");
                assert_eq!(a.to_string(), b.to_string(), "{case}");
            }
        }
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
    fn parse_is_serde_json_within_the_limit() {
        let texts = [
            r#" {"a":[{"b":"[[[[[[","n":-1.5e3,"u":18446744073709551615,"i":-3,"z":null,"t":true,"f":false}],"c":{},"d":[],"a":2} "#,
            r#"[1, 2.5, "x\"y", [], {}, [[]], {"k": {"k": []}}]"#,
            "\"top\"",
            "  0 ",
            "[1e300, -0, 0.1, 1E2, 123456789012345678901234567890]",
        ];
        for text in texts {
            let serde: Value = serde_json::from_str(text).unwrap();
            for levels in [Some(16), None] {
                let ours = parse(text, levels).unwrap();
                assert_eq!(ours, serde, "{text}");
                assert_eq!(ours.to_string(), serde.to_string(), "{text}");
            }
        }
        for bad in [
            "",
            " ",
            "{",
            "[",
            "[1,",
            "[1,]",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{1:2}",
            "[1 2]",
            "nul",
            "tru",
            "01",
            "1.",
            "-",
            "[1] x",
            "\"abc",
            "\"a\\qb\"",
            "{\"a\":1}}",
            "[\"\u{1}\"]",
            "1e400",
            "[--1]",
            "[[[[1,]]]]",
            "[[[[\"\\x\"]]]]",
            "[[[{\"a\" 1}]]]",
            "[[[[1}]]]",
            "[[[[1]]]",
            "{\"a\":[[[[{}]]]}",
        ] {
            let serde = serde_json::from_str::<Value>(bad);
            for levels in [1, 2, 16] {
                let ours = parse(bad, Some(levels));
                assert!(serde.is_err() && ours.is_err(), "{bad:?} at {levels}: serde {serde:?}, ours {ours:?}");
            }
        }
        assert_eq!(
            parse("[1,\n  x]", Some(16)).unwrap_err().to_string(),
            serde_json::from_str::<Value>("[1,\n  x]").unwrap_err().to_string()
        );
        assert_eq!(parse("[1 2]", Some(16)).unwrap_err().to_string(), serde_json::from_str::<Value>("[1 2]").unwrap_err().to_string());
        assert_eq!(parse("[[1]]", Some(2)).unwrap(), serde_json::json!([[1]]));
    }

    /// A damaged record gets serde_json's error word for word: every cut of a record, and every
    /// byte of it replaced by (or dropped for) text that breaks JSON in each way it can. One record
    /// written for the escapes and numbers it holds, one real trail record as AWS's docs print it.
    #[test]
    fn errors_are_serde_json_errors() {
        let written = "{\"eventVersion\":\"1.08\", \"userIdentity\": {\"type\":\"IAMUser\",\"mfa\":false},\n \
            \"eventTime\":\"2019-02-01T03:18:19Z\",\"requestParameters\":{\"key\":\"a\\\"b\\u00e9\\ud83d\\ude00\",\"n\":[1, -2.5e3, 0, null, true]},\n\
            \"bytes\": 1.25E+2, \"resources\": [{\"ARN\": \"arn:aws:s3:::b\"}, []], \"x\": -0.0}";
        let fixture = include_str!("../tests/fixtures/cloudtrail/aws-cdk__sample_putobject.json");
        let mut texts: Vec<String> = Vec::new();
        for record in [written, fixture] {
            serde_json::from_str::<Value>(record).expect("the record is JSON");
            assert!(record.is_ascii(), "cut at any byte");
            texts.extend((0..record.len()).map(|n| record[..n].to_owned()));
            for i in 0..record.len() {
                for with in [
                    "", "x", "\"", "{", "}", "[", "]", ",", ":", "1", "-", ".", "e", "0", "\\", " ", "\n", "\u{1}", "t", "nul", "1e",
                    "1e999", "01",
                ] {
                    texts.push(format!("{}{with}{}", &record[..i], &record[i + 1..]));
                }
            }
        }
        let mut errors = 0;
        for text in &texts {
            let serde = serde_json::from_str::<Value>(text).map_err(|e| e.to_string());
            for levels in [Some(2), Some(16), None] {
                let ours = parse(text, levels);
                match (&serde, ours) {
                    (Err(theirs), Err(ours)) => assert_eq!(&ours.to_string(), theirs, "{text:?}"),
                    (Ok(_), Ok(_)) => {}
                    (theirs, ours) => panic!("{text:?}: serde_json {theirs:?}, ours {ours:?}"),
                }
            }
            errors += usize::from(serde.is_err());
        }
        // Most changes break the record (the pretty-printed one has many blanks that do not).
        assert!(errors > texts.len() / 3, "{errors} of {} are errors", texts.len());
    }

    #[test]
    fn without_flattening_nesting_stops_where_serde_json_stops() {
        for depth in [1, 126, 127, 128, 129, 300] {
            for (open, close) in [("[", "]"), ("{\"k\":", "}"), ("[{\"k\":", "}]")] {
                let text = format!("{}1{}", open.repeat(depth), close.repeat(depth));
                let serde = serde_json::from_str::<Value>(&text).map_err(|e| e.to_string());
                let ours = parse(&text, None).map_err(|e| e.to_string());
                assert_eq!(ours, serde, "{depth} x {open}");
            }
        }
    }

    #[test]
    fn deep_parts_are_kept_as_their_text() {
        let text = r#"{"a": [1, {"b" : [ [], {"c": "x\"]"} ]}], "d": {"e": {}}}"#;
        assert_eq!(parse(text, Some(3)).unwrap(), serde_json::json!({"a": [1, {"b": r#"[ [], {"c": "x\"]"} ]"#}], "d": {"e": {}}}));
        assert_eq!(parse(text, Some(1)).unwrap(), serde_json::json!({"a": r#"[1, {"b" : [ [], {"c": "x\"]"} ]}]"#, "d": r#"{"e": {}}"#}));
        assert_eq!(parse("[[]]", Some(1)).unwrap(), serde_json::json!(["[]"]));
        assert_eq!(parse("[]", Some(0)).unwrap(), serde_json::json!("[]"));
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        let v = parse(&deep, Some(16)).unwrap();
        let mut inner = &v;
        for _ in 0..16 {
            inner = &inner[0];
        }
        assert_eq!(inner.as_str().map(str::len), Some(deep.len() - 32));
    }

    #[test]
    fn deep_values_drop_without_recursion() {
        let mut v = Value::Null;
        for _ in 0..200_000 {
            v = Value::Array(vec![v]);
        }
        drop_flat(v);
    }

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
        // The word-at-a-time scan against a byte-at-a-time count, at every alignment.
        let naive = |text: &[u8]| -> usize {
            let (mut count, mut i, mut in_string) = (1, 0, false);
            while i < text.len() {
                match (in_string, text[i]) {
                    (true, b'\\') => i += 1,
                    (_, b'"') => in_string = !in_string,
                    (false, b',' | b'[' | b':') => count += 1,
                    _ => {}
                }
                i += 1;
            }
            count
        };
        let pieces = ["[", "1", ",", "\"a,b\"", "\"\\\"[\"", ":", "{\"k\":", "\"\\\\\"", "  ", "\"xxxxxxxxxxxxxxxx\""];
        for n in 0..400usize {
            let text: String = (0..n % 37).map(|k| pieces[(n * 7 + k * 3) % pieces.len()]).collect();
            let count = naive(text.as_bytes());
            for limit in [count.saturating_sub(1).max(1), count] {
                let expected = count <= limit || text.len() / 2 < limit;
                assert_eq!(values_at_most(text.as_bytes(), limit), expected, "{text:?} limit {limit} count {count}");
            }
        }
    }

    #[test]
    fn too_many_values_are_not_parsed() {
        let text = format!("[{}1]", "1,".repeat(MAX_JSON_VALUES));
        assert!(matches!(parse(&text, None), Err(ParseError::TooManyValues)));
        let text = format!("[{}1]", "1,".repeat(MAX_JSON_VALUES - 2));
        assert_eq!(parse(&text, None).map(|v| v.as_array().map(Vec::len)).ok(), Some(Some(MAX_JSON_VALUES - 1)));
    }
}
