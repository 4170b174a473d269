//! CloudTrail containers: trail file, NDJSON, EventBridge envelope, CloudWatch Logs payload (data
//! and control), S3 Event Notifications refused by name, old and new request-parameter shapes.

mod common;

use common::normalize_to_values;
use s3norm::{ErrorKind, Options, Stats};
use serde_json::Value;

fn run(text: &str) -> (Vec<Value>, Vec<s3norm::ErrorRecord>, Stats) {
    let out = normalize_to_values(text, Options::default());
    for e in &out.0 {
        common::assert_valid(e);
    }
    out
}

/// The event of the bare aws-cdk record, for comparing what containers deliver.
fn bare_putobject() -> Value {
    let (events, _, _) = run(&common::fixture("cloudtrail/aws-cdk__sample_putobject.json"));
    events.into_iter().next().expect("event")
}

#[test]
fn eventbridge_envelope_gives_the_same_event_as_the_bare_record() {
    let (events, errors, stats) = run(&common::fixture("written/eventbridge_cloudtrail_putobject.json"));
    assert!(errors.is_empty());
    assert_eq!(stats, Stats { inputs: 1, events: 1, errors: 0, skipped: 0 });
    assert_eq!(events[0], bare_putobject());
}

#[test]
fn cloudwatch_logs_payload_unpacks_messages_and_skips_other_services() {
    let (events, errors, stats) = run(&common::fixture("written/cloudwatch_logs_payload.json"));
    assert!(errors.is_empty());
    assert_eq!(stats, Stats { inputs: 2, events: 1, errors: 0, skipped: 1 });
    assert_eq!(events[0], bare_putobject());
    let (events, _, stats) = run(&common::fixture("written/cloudwatch_logs_control_message.json"));
    assert!(events.is_empty());
    assert_eq!(stats, Stats { inputs: 1, events: 0, errors: 0, skipped: 1 });
}

#[test]
fn s3_event_notifications_are_refused_by_name() {
    let text = common::fixture("written/s3_event_notification.json");
    let (events, errors, stats) = run(&text);
    assert!(events.is_empty());
    assert_eq!(stats.errors, 1);
    assert_eq!(errors[0].kind, ErrorKind::S3EventNotification);
    assert!(errors[0].message.contains("S3 Event Notification"), "{}", errors[0].message);
    assert!(errors[0].input.contains("ObjectCreated:Put"));
    assert_eq!(errors[0].index, Some(0));
}

#[test]
fn trail_file_and_ndjson_agree() {
    let doc = common::fixture("cloudtrail/awsdocs__s3_example_records.json");
    let (from_doc, _, _) = run(&doc);
    let parsed: Value = serde_json::from_str(&doc).expect("json");
    let ndjson: String = parsed["Records"].as_array().expect("records").iter().map(|r| format!("{r}\n")).collect();
    let (from_lines, _, stats) = run(&ndjson);
    assert_eq!(stats.events, 4);
    assert_eq!(from_doc, from_lines);
}

#[test]
fn old_host_arrays_and_new_host_strings() {
    // Old records: "host": ["s3.us-west-2.amazonaws.com"]; new: "Host": "BUCKETNAME.s3.eu-west-1.amazonaws.com".
    let (old, _, _) = run(&common::fixture("cloudtrail/awsdocs__s3_example_records.json"));
    assert_eq!(old[2]["dst_endpoint"]["hostname"], "s3.us-west-2.amazonaws.com");
    assert_eq!(bare_putobject()["dst_endpoint"]["hostname"], "BUCKETNAME.s3.eu-west-1.amazonaws.com");
}

#[test]
fn bad_json_and_non_cloudtrail_json_are_errors_with_their_text() {
    let (_, errors, stats) = run("{\"Records\": [{\"eventName\": \"GetObject\", \"eventSource\": \"s3.amazonaws.com\"}, 42, {\"x\": 1}]}");
    assert_eq!(stats, Stats { inputs: 3, events: 0, errors: 3, skipped: 0 });
    assert_eq!(errors[0].kind, ErrorKind::InvalidRecord);
    assert!(errors[0].message.contains("eventTime"));
    assert_eq!(errors[1].kind, ErrorKind::NotCloudTrail);
    assert_eq!(errors[1].input, "42");
    assert_eq!(errors[2].index, Some(2));
    let (_, errors, _) = run("{\n  \"Records\": [\n");
    assert_eq!(errors[0].kind, ErrorKind::JsonSyntax);
    assert!(errors[0].message.contains("line 3"), "{}", errors[0].message);
}
