//! The raw WebAssembly module's host-facing logic, natively: the bounds checks its exports make on
//! a host's (pointer, length) pairs, and the Fluent Bit filter on arbitrary record bytes.
//!
//! Asserts: a range is accepted exactly when it lies inside memory (no wrap-around, no null
//! pointer); the filter always answers one non-empty JSON object with no NUL in it (Fluent Bit
//! copies a NUL-terminated string and drops a record on an empty answer); for a record that is a
//! JSON object, the answer agrees with `transform` on the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3norm_wasm_raw::bounds::{check_range, inside_block};
use s3norm_wasm_raw::{filter_record, refused};
use serde_json::Value;

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
        assert_eq!(v, response["events"][0], "one event: the filter's answer is transform's event");
        return;
    }
    // Otherwise the record with notes: transform's response when there is more than one output or
    // any event, else the first error or skip; the record's own fields kept, in order.
    let notes = ["s3norm_error", "s3norm_skipped", "s3norm_result"];
    if count("inputs") > 1 || count("events") > 0 {
        assert_eq!(v["s3norm_result"], response, "the filter's s3norm_result is not transform's response");
    } else {
        assert!(v.get("s3norm_result").is_none(), "{v}");
        assert!(v.get("s3norm_error").is_some() || v.get("s3norm_skipped").is_some(), "{v}");
    }
    let Ok(Value::Object(record)) = serde_json::from_str::<Value>(text) else { return };
    let kept: Vec<&String> = v.as_object().expect("an object").keys().filter(|k| !notes.contains(&k.as_str())).collect();
    let given: Vec<&String> = record.keys().filter(|k| !notes.contains(&k.as_str())).collect();
    assert_eq!(kept, given, "the record's own fields are not kept");
});
