//! The rule that makes the schema "unified": the same request seen by both sources yields the same
//! values in the keys the spec lists. Checked on pairs of records of one request each
//! (tests/fixtures/written/unified_pairs.json; provenance in tests/fixtures/README.md).

mod common;

use common::normalize_to_values;
use s3norm::Options;
use serde_json::Value;

/// The keys the spec says must agree, as JSON pointers.
const UNIFIED: [&str; 9] = [
    "/api/operation",
    "/api/request/uid",
    "/metadata/correlation_uid",
    "/src_endpoint/ip",
    "/actor/user/uid",
    "/actor/user/type",
    "/activity_id",
    "/status_id",
    "/time",
];

fn one_event(text: &str) -> Value {
    let (events, errors, _) = normalize_to_values(text, Options::default());
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(events.len(), 1);
    common::assert_valid(&events[0]);
    events.into_iter().next().expect("one event")
}

fn resource_uids(e: &Value) -> Vec<&str> {
    e["resources"].as_array().map(|a| a.iter().filter_map(|r| r["uid"].as_str()).collect()).unwrap_or_default()
}

#[test]
fn same_request_from_both_sources_agrees() {
    let pairs: Vec<Value> = serde_json::from_str(&common::fixture("written/unified_pairs.json")).expect("pairs");
    assert_eq!(pairs.len(), 3);
    for pair in &pairs {
        let name = pair["name"].as_str().unwrap_or("?");
        let sal = one_event(pair["sal"].as_str().expect("sal line"));
        let ct = one_event(&pair["cloudtrail"].to_string());
        assert_eq!(sal["metadata"]["product"]["name"], "Amazon S3", "{name}");
        assert_eq!(ct["metadata"]["product"]["name"], "AWS CloudTrail", "{name}");
        for pointer in UNIFIED {
            assert_eq!(sal.pointer(pointer), ct.pointer(pointer), "{name}: {pointer} differs");
        }
        assert!(sal.pointer("/api/request/uid").is_some(), "{name}: no request ID to join on");
        assert_eq!(resource_uids(&sal), resource_uids(&ct), "{name}: resources[].uid differ");
        // Shared keys of unmapped.s3: every key both sides have must hold the same value.
        let (a, b) = (sal["unmapped"]["s3"].as_object().expect("s3"), ct["unmapped"]["s3"].as_object().expect("s3"));
        let shared: Vec<&String> = a.keys().filter(|k| b.contains_key(*k)).collect();
        assert!(shared.len() >= 5, "{name}: too few shared keys to mean anything: {shared:?}");
        for k in shared {
            assert_eq!(a[k], b[k], "{name}: unmapped.s3.{k} differs");
        }
    }
}

#[test]
fn pairs_carry_the_expected_join_values() {
    let pairs: Vec<Value> = serde_json::from_str(&common::fixture("written/unified_pairs.json")).expect("pairs");
    let expected = [
        ("PutObject", "CF9748DFDC5FB0A4", Some("AssumedRole"), 1),
        ("GetObject", "DD6CC733AEXAMPLE", Some("Anonymous"), 2),
        ("ListObjects", "9E67F4B1EA896060", Some("AssumedRole"), 2),
    ];
    for (pair, (operation, request_id, user_type, activity)) in pairs.iter().zip(expected) {
        let ct = one_event(&pair["cloudtrail"].to_string());
        assert_eq!(ct["api"]["operation"], operation);
        assert_eq!(ct["api"]["request"]["uid"], request_id);
        assert_eq!(ct["actor"]["user"]["type"].as_str(), user_type);
        assert_eq!(ct["activity_id"], activity);
    }
    // Anonymous: no invented uid on either side, and the string byte counts became integers.
    let ct = one_event(&pairs[1]["cloudtrail"].to_string());
    assert!(ct["actor"]["user"].get("uid").is_none());
    assert_eq!(ct["unmapped"]["s3"]["bytes_out"], 4_406_583);
    assert_eq!(ct["unmapped"]["s3"]["tls_version"], "TLSv1.2");
}
