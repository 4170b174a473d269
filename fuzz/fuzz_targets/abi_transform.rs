//! `abi::transform_bytes` on arbitrary requests: the response is always the documented JSON, in
//! its key order, with counts that add up, one entry per unit (counted by the request rules of
//! docs/abi.md), valid events, and error records that carry their input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3norm::{abi, Options};
use s3norm_fuzz::{check_event, units_in_text, units_in_unit};
use serde_json::{Map, Value};

/// Units in one request unit (docs/abi.md "Request"); `None` when the options are not accepted.
fn units_in_request(request: &Value) -> u64 {
    match request {
        Value::String(text) => units_in_text(text.as_bytes(), &Options::default()),
        Value::Array(items) => items.iter().map(units_in_request).sum(),
        Value::Object(map) if wrapped(map) => match (map.get("options").is_none_or(options_ok), map.get("input")) {
            (true, Some(input)) => units_in_request(input),
            _ => 1,
        },
        // A shipper's event (its text's units) or a CloudTrail record or container.
        Value::Object(_) => units_in_unit(request, &Options::default()),
        _ => 1,
    }
}

fn wrapped(map: &Map<String, Value>) -> bool {
    (map.contains_key("input") || map.contains_key("options")) && map.keys().all(|k| k == "input" || k == "options")
}

fn options_ok(options: &Value) -> bool {
    options.as_object().is_some_and(|o| {
        o.iter().all(|(k, v)| match k.as_str() {
            "raw_data" => v.is_boolean(),
            "log_name" => v.is_string() || v.is_null(),
            _ => false,
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let response = abi::transform_bytes(data);
    assert!(response.starts_with("{\"abi_version\":1,\"events\":["), "{response}");
    let r: Value = serde_json::from_str(&response).unwrap_or_else(|e| panic!("response is not JSON ({e}): {response}"));
    let keys: Vec<&str> = r.as_object().expect("an object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["abi_version", "events", "errors", "stats"]);
    let stat = |k: &str| r["stats"][k].as_u64().expect("a count");
    assert_eq!(stat("inputs"), stat("events") + stat("errors") + stat("skipped"));
    let (events, errors) = (r["events"].as_array().expect("events"), r["errors"].as_array().expect("errors"));
    assert_eq!((events.len() as u64, errors.len() as u64), (stat("events"), stat("errors")));
    for event in events {
        check_event(event);
    }
    for error in errors {
        assert!(error["kind"].is_string() && error["message"].is_string() && error["input"].is_string(), "{error}");
    }
    let expected = match std::str::from_utf8(data).ok().map(serde_json::from_str::<Value>) {
        Some(Ok(request)) if data.len() <= abi::MAX_REQUEST_BYTES => units_in_request(&request),
        _ => 1,
    };
    assert_eq!(stat("inputs"), expected, "units");
});
