//! Proves the schema validator used by the other integration tests is worth trusting:
//! it accepts a hand-built minimal OCSF 1.8.0 API Activity event and rejects each kind
//! of breakage a writer bug could produce.

mod common;

use common::{assert_valid, validation_errors, validator};
use serde_json::{json, Value};

/// A minimal valid OCSF 1.8.0 API Activity event (an S3 server access log GetObject),
/// built by hand, independent of the crate's writer.
fn minimal_event() -> Value {
    json!({
        "class_uid": 6003,
        "category_uid": 6,
        "activity_id": 2,
        "type_uid": 600302,
        "severity_id": 1,
        "time": 1_549_411_238_000_i64,
        "time_dt": "2019-02-06T00:00:38.000Z",
        "metadata": {
            "version": "1.8.0",
            "product": {
                "name": "Amazon S3",
                "vendor_name": "AWS",
                "feature": { "name": "Server Access Logging" }
            },
            "profiles": ["cloud", "datetime"]
        },
        "actor": {
            "user": {
                "uid": "arn:aws:iam::123456789012:user/alice",
                "type": "IAMUser"
            }
        },
        "api": {
            "operation": "GetObject",
            "request": { "uid": "3E57427F3EXAMPLE" },
            "service": { "name": "s3.amazonaws.com" }
        },
        "cloud": { "provider": "AWS" },
        "src_endpoint": { "ip": "192.0.2.3" },
        "unmapped": {
            "s3": {
                "bucket_owner": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
                "operation": "REST.GET.VERSIONING",
                "signature_version": "SigV4",
                "tls_version": "TLSV1.2",
                "acl_required": null
            }
        }
    })
}

/// Sets the value at a JSON pointer, creating intermediate objects as needed.
fn set(event: &mut Value, pointer: &str, value: Value) {
    let mut cur = event;
    for key in pointer.trim_start_matches('/').split('/') {
        cur = cur.as_object_mut().unwrap_or_else(|| panic!("{pointer}: parent is not an object")).entry(key).or_insert(Value::Null);
        if cur.is_null() {
            *cur = json!({});
        }
    }
    *cur = value;
}

/// Removes the value at a JSON pointer; panics if it was not there.
fn remove(event: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a '/'");
    let parent = if parent.is_empty() { event } else { event.pointer_mut(parent).expect("parent exists") };
    parent.as_object_mut().expect("parent is an object").remove(key).unwrap_or_else(|| panic!("{pointer} was not present"));
}

/// Asserts that the validator rejects `event`, and that at least one error is reported
/// at `expected_path` (a JSON pointer; "/" for the root).
#[track_caller]
fn assert_rejected(event: &Value, expected_path: &str, what: &str) {
    assert!(!validator().is_valid(event), "validator accepted an event with {what}:\n{}", serde_json::to_string_pretty(event).unwrap());
    let errors = validation_errors(event);
    assert!(!errors.is_empty(), "{what}: is_valid is false but no errors were listed");
    let prefix = format!("{expected_path}: ");
    assert!(errors.iter().any(|e| e.starts_with(&prefix)), "{what}: expected an error at {expected_path}, got:\n  {}", errors.join("\n  "));
}

#[test]
fn minimal_event_is_valid() {
    assert_valid(&minimal_event());
    assert!(validation_errors(&minimal_event()).is_empty());
}

#[test]
fn schema_is_ocsf_1_8_0_api_activity_with_cloud_and_datetime() {
    let schema: Value = serde_json::from_str(common::SCHEMA_JSON).unwrap();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(schema["$id"], "https://schema.ocsf.io/schema/1.8.0/classes/api_activity?profiles=cloud,datetime");
    assert_eq!(schema["properties"]["class_uid"]["const"], 6003);
    assert_eq!(schema["additionalProperties"], false);
}

#[test]
fn ipv6_source_ip_is_valid() {
    for ip in ["2001:db8::1", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "::1", "::ffff:192.0.2.3"] {
        let mut e = minimal_event();
        set(&mut e, "/src_endpoint/ip", json!(ip));
        assert_valid(&e);
    }
}

#[test]
fn optional_http_objects_when_well_formed_are_valid() {
    let mut e = minimal_event();
    set(
        &mut e,
        "/http_request",
        json!({
            "http_method": "GET",
            "user_agent": "aws-cli/1.16.307",
            "url": { "path": "/awsexamplebucket1/photos/2019/08/puppy.jpg", "hostname": "awsexamplebucket1.s3.us-west-1.amazonaws.com" },
            "version": "HTTP/1.1",
            "length": 0
        }),
    );
    set(&mut e, "/http_response", json!({ "code": 200, "length": 2662992 }));
    set(&mut e, "/status_id", json!(1));
    set(&mut e, "/status", json!("Success"));
    set(&mut e, "/duration", json!(70));
    assert_valid(&e);
}

#[test]
fn rejects_unknown_top_level_key() {
    let mut e = minimal_event();
    set(&mut e, "/bucket", json!("awsexamplebucket1"));
    assert_rejected(&e, "/", "an unknown top-level key");
}

#[test]
fn rejects_string_where_integer_belongs() {
    let mut e = minimal_event();
    set(&mut e, "/time", json!("1549411238000"));
    assert_rejected(&e, "/time", "time as a string");
}

#[test]
fn rejects_float_time() {
    let mut e = minimal_event();
    set(&mut e, "/time", json!(1_549_411_238_000.5_f64));
    assert_rejected(&e, "/time", "time with a fractional part");
}

#[test]
fn rejects_host_name_as_ip() {
    for host in ["s3.amazonaws.com", "AWS Internal", "-", ""] {
        let mut e = minimal_event();
        set(&mut e, "/src_endpoint/ip", json!(host));
        assert_rejected(&e, "/src_endpoint/ip", &format!("src_endpoint.ip = {host:?}"));
    }
}

#[test]
fn rejects_invalid_activity_id() {
    let mut e = minimal_event();
    set(&mut e, "/activity_id", json!(7));
    assert_rejected(&e, "/activity_id", "activity_id 7");
}

#[test]
fn rejects_missing_api_operation() {
    let mut e = minimal_event();
    remove(&mut e, "/api/operation");
    assert_rejected(&e, "/api", "api without operation");
}

#[test]
fn rejects_empty_actor() {
    let mut e = minimal_event();
    set(&mut e, "/actor", json!({}));
    assert_rejected(&e, "/actor", "an empty actor");
}

#[test]
fn rejects_http_response_without_code() {
    let mut e = minimal_event();
    set(&mut e, "/http_response", json!({ "length": 2662992 }));
    assert_rejected(&e, "/http_response", "http_response without code");
}

#[test]
fn rejects_time_dt_not_rfc3339() {
    for dt in ["06/Feb/2019:00:00:38 +0000", "2019-02-06 00:00:38", "1549411238000"] {
        let mut e = minimal_event();
        set(&mut e, "/time_dt", json!(dt));
        assert_rejected(&e, "/time_dt", &format!("time_dt = {dt:?}"));
    }
}

#[test]
fn rejects_unknown_http_method() {
    let mut e = minimal_event();
    set(&mut e, "/http_request", json!({ "http_method": "FOO" }));
    assert_rejected(&e, "/http_request/http_method", "http_method FOO");
}

#[test]
fn rejects_missing_required_top_level_fields() {
    for key in ["src_endpoint", "cloud", "metadata", "type_uid", "severity_id"] {
        let mut e = minimal_event();
        remove(&mut e, &format!("/{key}"));
        assert_rejected(&e, "/", &format!("no {key}"));
    }
}

#[test]
fn rejects_api_request_without_uid() {
    let mut e = minimal_event();
    set(&mut e, "/api/request", json!({}));
    assert_rejected(&e, "/api/request", "api.request without uid");
}

#[test]
fn assert_valid_panics_with_every_error_and_the_event() {
    let mut e = minimal_event();
    set(&mut e, "/activity_id", json!(7));
    set(&mut e, "/src_endpoint/ip", json!("s3.amazonaws.com"));
    let panic = std::panic::catch_unwind(|| assert_valid(&e)).expect_err("assert_valid must panic");
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_else(|| panic.downcast_ref::<&str>().unwrap().to_string());
    assert!(msg.contains("/activity_id: "), "{msg}");
    assert!(msg.contains("/src_endpoint/ip: "), "{msg}");
    assert!(msg.contains("\"class_uid\": 6003"), "event not pretty-printed: {msg}");
}
