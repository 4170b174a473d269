//! The raw WebAssembly module's host-facing logic, natively: the bounds checks its exports make on
//! a host's (pointer, length) pairs, and the Fluent Bit filter on arbitrary record bytes.
//!
//! Asserts: a range is accepted exactly when it lies inside memory (no wrap-around, no null
//! pointer); the filter's answer is never empty and has no NUL in it (Fluent Bit copies a
//! NUL-terminated string and drops a record on an empty answer): for a MessagePack record
//! (`event_format msgpack`) a MessagePack map refusing it that carries the record's first bytes,
//! else one JSON object; for a record that is a JSON object, the answer agrees with `transform` on
//! the same bytes (but for what the filter keeps as text below `NESTING_KEPT` levels).
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3norm_wasm_raw::bounds::{check_range, inside_block};
use s3norm_wasm_raw::{filter_record, msgpack, refused, NESTING_KEPT};
use serde_json::{Map, Value};

fn u32_at(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 16 {
        return;
    }
    let (ptr, len, start, cap) = (u32_at(data, 0), u32_at(data, 4), u32_at(data, 8), u32_at(data, 12));
    // Memory sizes a wasm32 host can have: 0 to 65536 pages of 64 KiB.
    let memory = u64::from(start % 65537) * 65536;
    let fits = len == 0 || (ptr != 0 && u64::from(ptr) + u64::from(len) <= memory);
    match check_range(ptr, len, memory, "record") {
        Ok(()) => assert!(fits, "accepted {ptr}+{len} in {memory}"),
        Err(why) => {
            assert!(!fits, "refused {ptr}+{len} in {memory}: {why}");
            let answer: Value = serde_json::from_slice(&refused(&why)).expect("refusal is JSON");
            assert_eq!(answer["s3norm_error"]["kind"], "invalid_request");
        }
    }
    let inside = u64::from(start) <= u64::from(ptr) && u64::from(start) + u64::from(cap) >= u64::from(ptr) + u64::from(len);
    assert_eq!(inside_block(start, cap, ptr, len), inside);

    let record = &data[16..];
    let answer = filter_record(record);
    assert!(!answer.is_empty() && !answer.contains(&0), "empty or NUL in the answer");
    if msgpack::is_map(record) {
        check_msgpack_refusal(record, &answer);
        return;
    }
    let v: Value = serde_json::from_slice(&answer).unwrap_or_else(|e| panic!("answer is not JSON ({e})"));
    assert!(v.is_object() && !v.as_object().is_some_and(|o| o.is_empty()), "{v}");
    let Ok(text) = std::str::from_utf8(record) else {
        assert_eq!(v["s3norm_error"]["kind"], "invalid_utf8");
        return;
    };
    let Ok(Value::Object(_)) = serde_json::from_str::<Value>(text) else { return };
    let response: Value = serde_json::from_str(&s3norm::abi::transform(text)).expect("transform answers JSON");
    let count = |k: &str| response["stats"][k].as_u64().expect("a count");
    if (count("inputs"), count("events")) == (1, 1) {
        assert!(
            agrees(&v, &response["events"][0]),
            "one event: the filter's answer is not transform's event\n{v}\n{}",
            response["events"][0]
        );
        return;
    }
    // Otherwise the record with notes: transform's response when there is more than one output or
    // any event, else the first error or skip; the record's own fields kept, in order.
    let notes = ["s3norm_error", "s3norm_skipped", "s3norm_result"];
    if count("inputs") > 1 || count("events") > 0 {
        assert!(agrees(&v["s3norm_result"], &response), "the filter's s3norm_result is not transform's response\n{v}\n{response}");
    } else {
        assert!(v.get("s3norm_result").is_none(), "{v}");
        assert!(v.get("s3norm_error").is_some() || v.get("s3norm_skipped").is_some(), "{v}");
    }
    let Ok(Value::Object(record)) = serde_json::from_str::<Value>(text) else { return };
    let kept: Vec<&String> = v.as_object().expect("an object").keys().filter(|k| !notes.contains(&k.as_str())).collect();
    let given: Vec<&String> = record.keys().filter(|k| !notes.contains(&k.as_str())).collect();
    assert_eq!(kept, given, "the record's own fields are not kept");
});

/// Whether the filter's `ours` is transform's `theirs`, but for what the filter keeps as text: an
/// array or object nested deeper than `NESTING_KEPT` levels in its input is a string holding its
/// JSON text (the module documentation of `fluent_bit.rs`). No output nests more than
/// `NESTING_KEPT + 6` levels.
fn agrees(ours: &Value, theirs: &Value) -> bool {
    assert!(depth(ours) <= NESTING_KEPT + 6, "the answer nests {} levels", depth(ours));
    same(ours, theirs)
}

fn same(ours: &Value, theirs: &Value) -> bool {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => a.len() == b.len() && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && same(va, vb)),
        (Value::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b)),
        (Value::String(text), Value::Array(_) | Value::Object(_)) => serde_json::from_str::<Value>(text).is_ok_and(|kept| &kept == theirs),
        _ => ours == theirs,
    }
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// The MessagePack refusal: a map with the `s3norm_error` kind, the record's first bytes in
/// `input_base64`, and `input_truncated` exactly when those are not the whole record. Decoded here
/// by a reader of just the types the answer may use, written apart from the encoder.
fn check_msgpack_refusal(record: &[u8], answer: &[u8]) {
    let mut at = 0;
    let v = read_value(answer, &mut at).unwrap_or_else(|| panic!("not MessagePack: {answer:?}"));
    assert_eq!(at, answer.len(), "bytes after the map");
    assert_eq!(v["s3norm_error"]["kind"], "invalid_request", "{v}");
    assert!(v["s3norm_error"]["message"].as_str().is_some_and(|m| m.contains("event_format json")), "{v}");
    let carried = decode_base64(v["input_base64"].as_str().expect("input_base64"));
    assert!(!carried.is_empty() && record.starts_with(&carried), "input_base64 is not the record's start");
    let truncated = carried.len() < record.len();
    assert_eq!(v.get("input_truncated") == Some(&Value::Bool(true)), truncated, "{v}");
    assert_eq!(v.as_object().map(|o| o.len()), Some(2 + usize::from(truncated)), "{v}");
}

fn read_value(b: &[u8], at: &mut usize) -> Option<Value> {
    let tag = *b.get(*at)?;
    *at += 1;
    let mut take = |n: usize| -> Option<&[u8]> {
        let s = b.get(*at..*at + n)?;
        *at += n;
        Some(s)
    };
    let string = |s: &[u8]| std::str::from_utf8(s).ok().map(|s| Value::from(s));
    match tag {
        0xc2 => Some(Value::Bool(false)),
        0xc3 => Some(Value::Bool(true)),
        0xa0..=0xbf => string(take(usize::from(tag & 0x1f))?),
        0xd9 => {
            let n = take(1)?[0];
            string(take(usize::from(n))?)
        }
        0xda => {
            let n = take(2)?;
            string(take(usize::from(u16::from_be_bytes([n[0], n[1]])))?)
        }
        0x80..=0x8f => {
            let mut map = Map::new();
            for _ in 0..tag & 0x0f {
                let Value::String(key) = read_value(b, at)? else { return None };
                let value = read_value(b, at)?;
                assert!(map.insert(key, value).is_none(), "a key twice");
            }
            Some(Value::Object(map))
        }
        _ => None,
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    let sextet = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    assert_eq!(text.len() % 4, 0, "base64 length");
    let mut out = Vec::new();
    for quad in text.as_bytes().chunks(4) {
        let pad = quad.iter().filter(|&&c| c == b'=').count();
        let n = quad.iter().fold(0u32, |n, &c| n << 6 | if c == b'=' { 0 } else { u32::from(sextet(c)) });
        out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    out
}
