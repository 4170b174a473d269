//! What fuzzing found (fuzz/README.md), each kept as a test on the smallest input that shows it.
//! Findings fixed in one module are also tested there: src/read.rs
//! (`the_guess_looks_as_far_in_a_slice_as_in_a_stream`), src/sal.rs (`request_line`),
//! crates/wasm-raw/src/fluent_bit.rs (`garbage_keeps_the_record`).

mod common;

use common::normalize_to_values;
use s3norm::Options;
use serde_json::json;

const LINE_HEAD: &str = "79a5 b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - ID REST.GET.OBJECT k";
const LINE_TAIL: &str = "200 - 1 1 1 1 \"-\" \"ua\" -";

/// sal_line: a request-URI without a path (`?x`, or `-`, SAL's word for none), with an empty
/// or `-` query, or with nothing after `HTTP/` gave `url.path: ""` or `"-"`, `query_string: ""`
/// or `"-"`, or `version: ""`. Now such a request-URI is not
/// split: it is kept whole in `unmapped.s3_access_log.request_uri`.
#[test]
fn request_uri_without_a_path_or_version_is_kept_whole() {
    for uri in ["GET ?x=1 HTTP/1.1", "GET /k HTTP/", "GET -?list-type=2 HTTP/1.1"] {
        let line = format!("{LINE_HEAD} \"{uri}\" {LINE_TAIL}");
        let (events, errors, _) = normalize_to_values(&line, Options::default());
        assert!(errors.is_empty(), "{errors:?}");
        common::assert_valid(&events[0]);
        assert!(events[0].get("http_request").and_then(|r| r.get("url")).is_none(), "{}", events[0]);
        assert_eq!(events[0]["unmapped"]["s3_access_log"]["request_uri"], uri);
    }
    for uri in ["GET /k? HTTP/1.1", "GET /k?- HTTP/1.1"] {
        let line = format!("{LINE_HEAD} \"{uri}\" {LINE_TAIL}");
        let (events, _, _) = normalize_to_values(&line, Options::default());
        assert_eq!(events[0]["http_request"]["url"], json!({"path": "/k"}), "{uri}");
    }
}

/// sal_line: tokens past the known fields are kept as written and in order, a `-` included, so
/// that a later field keeps its position (the one place a `-` appears in an event, documented in
/// docs/schema.md).
#[test]
fn extra_fields_keep_their_places() {
    let line = format!("{LINE_HEAD} \"GET /k HTTP/1.1\" 200 - 1 1 1 1 \"-\" \"ua\" - hostid SigV4 c AuthHeader h TLSv1.2 - - - - future");
    let (events, _, _) = normalize_to_values(&line, Options::default());
    common::assert_valid(&events[0]);
    assert_eq!(events[0]["unmapped"]["s3_access_log"]["extra_fields"], json!(["-", "future"]));
}

/// abi_transform: a bucket ARN with nothing between `:::` and `/` (`arn:aws:s3:::/name`, a
/// damaged record) gave the bucket resource `name: ""`. Now a resource is named only when the
/// ARN names it; the ARN itself is kept as the resource's `uid`.
#[test]
fn a_bucket_arn_without_a_bucket_name_names_nothing() {
    let record = json!({
        "eventVersion": "1.08", "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
        "eventTime": "2020-09-01T00:00:00Z", "awsRegion": "us-east-1", "requestID": "R",
        "requestParameters": {"bucketName": "b", "key": "k"},
        "resources": [{"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::/other"}],
    });
    let (events, errors, _) = normalize_to_values(&record.to_string(), Options::default());
    assert!(errors.is_empty(), "{errors:?}");
    common::assert_valid(&events[0]);
    let bucket = &events[0]["resources"][0];
    assert_eq!(bucket["uid"], "arn:aws:s3:::/other");
    assert!(bucket.get("name").is_none(), "{bucket}");
}

/// correlate: two unnamed texts whose SAL records start at the same second were read in the
/// order they were given, so their events came out in that order (here: the same request in two
/// texts, one line differing in its bucket owner). The reading order now compares the texts
/// themselves before their positions.
#[test]
fn unnamed_texts_of_the_same_time_give_the_same_bytes_in_any_order() {
    use s3norm::correlate::{correlate_texts, Options, Text};
    let line = format!("{LINE_HEAD} \"GET /k HTTP/1.1\" {LINE_TAIL}");
    let other = line.replacen("79a5", "\"49e", 1);
    let texts = [Text { text: &line, log_name: None }, Text { text: &other, log_name: None }];
    let forward = correlate_texts(&texts, &Options::default());
    let backward = correlate_texts(&[texts[1], texts[0]], &Options::default());
    assert_eq!(forward.summary.events, 2, "{:?}", forward.summary);
    assert_eq!(String::from_utf8_lossy(&forward.events), String::from_utf8_lossy(&backward.events));
}
