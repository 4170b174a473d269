//! Every line and record in tests/fixtures goes through the normalizer: SAL fixtures give one
//! valid event per line and no errors; CloudTrail fixtures give one valid event per S3 record and
//! skip (with a count) the records of other services.

mod common;

use common::normalize_to_values;
use s3norm::{Options, Stats};
use std::fs;

fn sal_fixture_files() -> Vec<String> {
    let dir = common::fixture_path("s3-access-logs");
    let mut files: Vec<String> = fs::read_dir(dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".log"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_sal_fixture_line_is_one_valid_event() {
    let files = sal_fixture_files();
    assert_eq!(files.len(), 19, "fixture set changed: {files:?}");
    let mut total = 0;
    for name in files {
        let text = common::fixture(format!("s3-access-logs/{name}"));
        let lines = common::fixture_lines(format!("s3-access-logs/{name}")).len() as u64;
        let (events, errors, stats) = normalize_to_values(&text, Options::default());
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert_eq!(stats, Stats { inputs: lines, events: lines, errors: 0, skipped: 0 }, "{name}");
        for event in &events {
            common::assert_valid(event);
            assert_eq!(event["metadata"]["product"]["name"], "Amazon S3");
        }
        total += events.len();
    }
    assert_eq!(total, 87);
}

#[test]
fn cloudtrail_fixtures_give_one_event_per_s3_record() {
    // (file, S3 records, other-service records skipped)
    let expected = [
        ("aws-cdk__sample_putobject.json", 1, 0),
        ("awsdocs__s3_example_records.json", 4, 0),
        ("awsdocs__s3express_getobject_example.json", 1, 0),
        ("awsdocs__s3express_lifecycle_createsession_accessdenied_example.json", 1, 0),
        ("otrf__ec2_proxy_s3_exfiltration.ndjson", 11, 92),
        ("panther__cloudtrail_s3_rule_test_events.json", 75, 0),
    ];
    for (name, s3, skipped) in expected {
        let text = common::fixture(format!("cloudtrail/{name}"));
        let (events, errors, stats) = normalize_to_values(&text, Options::default());
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert_eq!(stats, Stats { inputs: s3 + skipped, events: s3, errors: 0, skipped }, "{name}");
        for event in &events {
            common::assert_valid(event);
            assert_eq!(event["metadata"]["product"]["name"], "AWS CloudTrail");
        }
    }
}
