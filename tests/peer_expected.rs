//! Field-level agreement with the values a peer published beside its fixtures: catalystneuro's
//! dandi_s3_log_parser `*_expected.tsv` (timestamp, ip_address, object_key, bytes_sent).
//! Its reduction keeps successful (2xx) GETs and shortens zarr keys to the zarr's ID; both are
//! applied here to our events, and every other value must match exactly.

mod common;

use common::normalize_to_values;
use s3norm::Options;

#[test]
fn catalystneuro_expected_rows_match() {
    for (log, tsv) in [
        (
            "catalystneuro__dandi_s3_log_parser__reduction_example_0__2020-01-01.log",
            "catalystneuro__dandi_s3_log_parser__reduction_example_0__expected.tsv",
        ),
        (
            "catalystneuro__dandi_s3_log_parser__reduction_example_2__2022-04-06.log",
            "catalystneuro__dandi_s3_log_parser__reduction_example_2__expected.tsv",
        ),
    ] {
        let (events, errors, _) = normalize_to_values(&common::fixture(format!("s3-access-logs/{log}")), Options::default());
        assert!(errors.is_empty());
        let kept: Vec<_> = events
            .iter()
            .filter(|e| {
                e["api"]["operation"] == "GetObject" && e["http_response"]["code"].as_u64().is_some_and(|c| (200..300).contains(&c))
            })
            .collect();
        let expected = common::fixture_lines(format!("s3-access-logs/{tsv}"));
        assert_eq!(expected[0], "timestamp\tip_address\tobject_key\tbytes_sent");
        assert_eq!(kept.len(), expected.len() - 1, "{log}");
        for (event, row) in kept.iter().zip(&expected[1..]) {
            let cols: Vec<&str> = row.split('\t').collect();
            let time_dt = event["time_dt"].as_str().expect("time_dt");
            assert_eq!(format!("{}.000Z", cols[0]), time_dt, "{log}: {row}");
            assert_eq!(event["src_endpoint"]["ip"], cols[1]);
            let key = event["resources"][1]["name"].as_str().expect("object key");
            if key.starts_with("zarr/") {
                assert!(key.starts_with(&format!("{}/", cols[2])), "{key} vs {}", cols[2]);
            } else {
                assert_eq!(key, cols[2]);
            }
            assert_eq!(event["http_response"]["length"].as_u64(), cols[3].parse().ok(), "{row}");
            assert_eq!(event["unmapped"]["s3"]["bytes_out"].as_u64(), cols[3].parse().ok());
        }
    }
}
