//! Correlation (`s3norm::correlate`): same-request pairs for each joining rule, every coverage
//! reason, order independence, symmetry, nothing lost, schema validity of every merged event, and
//! the merge bound. Inputs: the written correlation fixtures (tests/fixtures/written/correlation,
//! provenance in tests/fixtures/README.md) with the two third-party SAL files they complete, and
//! the unified pairs (tests/fixtures/written/unified_pairs.json).

mod common;

use s3norm::correlate::{correlate_texts, Correlated, Coverage, Inputs, Options, Reason, Text, REASONS};
use s3norm::{Normalizer, ReadError, Sink, Stats};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

const KDGM: &str = "s3-access-logs/kdgm__logstash-plugins__s3_access_log_spec_sample_lines.log";
const HADOOP: &str = "s3-access-logs/hortonworks-spark__cloud-integration__S3LogRecordParser_sample_lines.log";

/// A fixture file's text and its name as the CLI gives it (`tests/fixtures/…`).
struct File {
    name: String,
    text: String,
}

/// Every file under `tests/fixtures/<dir>`, sorted by path (as the CLI walks a directory).
fn files_under(dir: &str) -> Vec<File> {
    let mut out = Vec::new();
    let mut stack = vec![common::fixture_path(dir)];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).expect("dir").map(|e| e.expect("entry").path()));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out.into_iter()
        .filter(|p| p.extension().is_none_or(|e| e != "gz"))
        .map(|p| {
            let rel = p.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("under the crate").to_string_lossy().replace('\\', "/");
            File { text: std::fs::read_to_string(&p).expect("UTF-8 fixture"), name: rel }
        })
        .collect()
}

/// The correlation fixtures and the two real SAL files whose CloudTrail side they hold.
fn correlation_files() -> Vec<File> {
    let mut files = files_under("written/correlation");
    for f in [KDGM, HADOOP] {
        files.push(File { name: format!("tests/fixtures/{f}"), text: common::fixture(f) });
    }
    files
}

fn texts(files: &[File]) -> Vec<Text<'_>> {
    files.iter().map(|f| Text { text: &f.text, log_name: Some(&f.name) }).collect()
}

fn run(files: &[File]) -> Correlated {
    correlate_texts(&texts(files), &Options::default())
}

fn events(c: &Correlated) -> Vec<Value> {
    c.events.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).expect("JSON")).collect()
}

fn event_lines(c: &Correlated) -> Vec<String> {
    String::from_utf8(c.events.clone()).expect("UTF-8").lines().map(str::to_owned).collect()
}

/// The one event of `request_id` (for a deleted key: with that object key too).
fn event_of<'e>(events: &'e [Value], request_id: &str, key: Option<&str>) -> &'e Value {
    let matching: Vec<&Value> = events
        .iter()
        .filter(|e| e["api"]["request"]["uid"] == request_id)
        .filter(|e| key.is_none_or(|k| e["resources"].as_array().is_some_and(|r| r.iter().any(|r| r["name"] == k))))
        .collect();
    assert_eq!(matching.len(), 1, "{request_id} {key:?}: {matching:#?}");
    matching[0]
}

fn sources(e: &Value) -> Vec<&str> {
    e["unmapped"]["s3"]["sources"].as_array().expect("sources").iter().map(|s| s.as_str().expect("str")).collect()
}

fn assert_counts_hold(c: &Correlated) {
    let s = &c.summary;
    assert_eq!(s.inputs, s.records + s.errors + s.skipped, "{s:?}");
    assert_eq!(s.records, s.merged_records + s.events - s.merged_events, "{s:?}");
    assert_eq!(s.events, s.both + s.sal_only + s.cloudtrail_only, "{s:?}");
    assert_eq!(s.events as usize, events(c).len());
    assert_eq!(s.errors as usize, c.errors.len());
    assert_eq!(c.coverage.inputs.units, s.inputs);
    assert_eq!(c.coverage.inputs.events, s.records);
}

// ---------------------------------------------------------------------------------------------
// Same-request pairs, one per joining rule
// ---------------------------------------------------------------------------------------------

#[test]
fn unified_pairs_become_one_event_each_with_what_both_logs_know() {
    let pairs: Vec<Value> = serde_json::from_str(&common::fixture("written/unified_pairs.json")).expect("pairs");
    for pair in &pairs {
        let name = pair["name"].as_str().unwrap_or("?");
        let sal = pair["sal"].as_str().expect("sal").to_owned();
        let ct = pair["cloudtrail"].to_string();
        let c = correlate_texts(
            &[Text { text: &sal, log_name: Some("sal.log") }, Text { text: &ct, log_name: Some("ct.json") }],
            &Options::default(),
        );
        let all = events(&c);
        assert_eq!(all.len(), 1, "{name}: {all:#?}");
        let e = &all[0];
        common::assert_valid(e);
        assert_eq!(sources(e), ["cloudtrail", "server_access_log"], "{name}");
        // CloudTrail's identity, event ID, request parameters and eventName...
        assert_eq!(e["metadata"]["uid"], pair["cloudtrail"]["eventID"], "{name}");
        assert_eq!(e["metadata"]["event_code"], pair["cloudtrail"]["eventName"], "{name}");
        assert!(e["api"]["request"]["data"].is_object(), "{name}");
        assert_eq!(e["metadata"]["log_name"], "ct.json");
        // ...and SAL's HTTP status, path, total and turn-around time, operation text and log name.
        assert_eq!(e["http_response"]["code"], 200, "{name}");
        assert!(e["duration"].is_u64() && e["http_response"]["latency"].is_u64(), "{name}");
        assert!(e["http_request"]["url"]["path"].is_string(), "{name}");
        assert_eq!(e["unmapped"]["s3_access_log"]["log_name"], "sal.log", "{name}");
        assert_eq!(e["unmapped"]["s3"]["bucket_owner"].as_str().map(str::len), Some(64), "{name}");
        assert_eq!((c.summary.both, c.summary.merged_records), (1, 2), "{name}");
        assert_counts_hold(&c);
    }
    // The anonymous GetObject keeps SAL's object size and bytes sent beside CloudTrail's caller.
    let c = correlate_texts(
        &[
            Text { text: pairs[1]["sal"].as_str().unwrap(), log_name: None },
            Text { text: &pairs[1]["cloudtrail"].to_string(), log_name: None },
        ],
        &Options::default(),
    );
    let e = &events(&c)[0];
    assert_eq!(e["actor"]["user"], json!({"type": "Anonymous", "name": "anonymous"}));
    assert_eq!((e["unmapped"]["s3"]["object_size"].as_u64(), e["http_response"]["length"].as_u64()), (Some(4_406_583), Some(4_406_583)));
    // The list-type=2 list: SAL's query string beside CloudTrail's requestParameters.
    let c = correlate_texts(
        &[
            Text { text: pairs[2]["sal"].as_str().unwrap(), log_name: None },
            Text { text: &pairs[2]["cloudtrail"].to_string(), log_name: None },
        ],
        &Options::default(),
    );
    let e = &events(&c)[0];
    assert_eq!(e["http_request"]["url"]["query_string"], "list-type=2&prefix=&encoding-type=url");
    assert_eq!(e["api"]["request"]["data"]["list-type"], "2");
}

#[test]
fn real_requests_with_several_records_join() {
    let c = run(&correlation_files());
    let all = events(&c);

    // CopyObject: both real 2014 SAL halves (REST.COPY.OBJECT + REST.COPY.OBJECT_GET, one request
    // ID) and CloudTrail's CopyObject are one event; the source object joins the resources.
    let copy = event_of(&all, "5E493280357FAC3B", None);
    assert_eq!(sources(copy), ["cloudtrail", "server_access_log"]);
    assert_eq!(copy["api"]["operation"], "CopyObject");
    assert_eq!(copy["unmapped"]["s3_access_log"]["event_code"], "REST.COPY.OBJECT");
    let names: Vec<&str> = copy["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["media.kerkdienstgemist.nl", "10518050/2014-08-31-0930.mp3", "10518050/upload/f0a2c702d58183844b064eb49f8b795d.mp3"]
    );
    assert_eq!(copy["http_request"]["http_method"], "PUT");

    // DeleteObjects (real 2021 lines): the POST line and CloudTrail's DeleteObjects are one event;
    // the per-key lines stay SAL-only (CloudTrail wrote no per-key records before June 2025).
    let delete = all.iter().find(|e| e["api"]["request"]["uid"] == "D630F8F6B949DA00" && e["api"]["operation"] == "DeleteObjects").unwrap();
    assert_eq!(sources(delete), ["cloudtrail", "server_access_log"]);
    assert_eq!(delete["unmapped"]["s3_access_log"]["event_code"], "REST.POST.MULTI_OBJECT_DELETE");
    for key in ["fork-0004/", "fork-0004/test/"] {
        let k = event_of(&all, "D630F8F6B949DA00", Some(key));
        assert_eq!((k["api"]["operation"].as_str(), sources(k)), (Some("DeleteObject"), vec!["server_access_log"]));
    }

    // DeleteObjects of 2025 with per-key CloudTrail records under the call's request ID: 1 + 2 events.
    for key in ["photos/2025/a.jpg", "photos/2025/b.jpg"] {
        let k = event_of(&all, "1F2E3D4C5B6A7988", Some(key));
        assert_eq!(sources(k), ["cloudtrail", "server_access_log"], "{key}");
        assert_eq!(k["unmapped"]["cloudtrail"]["event_type"], "AwsServiceEvent");
        assert_eq!(k["unmapped"]["s3_access_log"]["event_code"], "BATCH.DELETE.OBJECT");
        assert_eq!(k["http_response"]["code"], 204);
    }
    // ... and under request IDs of their own: joined with the SAL lines by bucket, key and time.
    for (rid, key) in [("3B4C5D6E7F809102", "reports/q1.csv"), ("4C5D6E7F80910213", "reports/q2.csv")] {
        let k = event_of(&all, rid, Some(key));
        assert_eq!(sources(k), ["cloudtrail", "server_access_log"], "{key}");
        assert_eq!(k["unmapped"]["s3_access_log"]["event_code"], "BATCH.DELETE.OBJECT");
    }
    assert!(!all.iter().any(|e| e["api"]["request"]["uid"] == "2A3B4C5D6E7F8091" && e["api"]["operation"] == "DeleteObject"));

    // A list through an access point: ListObjectsV2 in CloudTrail, REST.GET.BUCKET in SAL.
    let list = event_of(&all, "5D6E7F8091021324", None);
    assert_eq!(sources(list), ["cloudtrail", "server_access_log"]);
    assert_eq!(
        (list["api"]["operation"].as_str(), list["unmapped"]["s3_access_log"]["event_code"].as_str()),
        (Some("ListObjectsV2"), Some("REST.GET.BUCKET"))
    );
    assert_eq!(list["unmapped"]["s3"]["access_point_arn"], "arn:aws:s3:us-east-1:111122223333:accesspoint/reports-ap");

    // A failed 403: the real anonymous GET denied in 2019 and CloudTrail's AccessDenied record.
    let denied = event_of(&all, "097C7E137F28E7E1", None);
    assert_eq!(sources(denied), ["cloudtrail", "server_access_log"]);
    assert_eq!((denied["status_id"].as_u64(), denied["status_code"].as_str()), (Some(2), Some("AccessDenied")));
    assert_eq!(
        (denied["http_response"]["code"].as_u64(), denied["api"]["response"]["error_message"].as_str()),
        (Some(403), Some("Access Denied"))
    );

    // Host IDs that disagree: two requests, not one.
    let mismatched: Vec<&Value> = all.iter().filter(|e| e["api"]["request"]["uid"] == "7F80910213243546").collect();
    assert_eq!(mismatched.len(), 2);
    assert!(mismatched.iter().all(|e| sources(e).len() == 1));
    assert_counts_hold(&c);
}

#[test]
fn deleted_keys_with_their_own_request_ids_join_only_within_a_minute() {
    let (sal, ct) = (
        common::fixture("written/correlation/sal/2025-07-15-10-41-07-6E2F0A1B3C4D5E6F"),
        common::fixture("written/correlation/cloudtrail/111122223333_CloudTrail_us-east-1_20250715T1025Z_Ij90Kl12Mn34Op56.json"),
    );
    let joined = |ct: &str| {
        let c = correlate_texts(&[Text { text: &sal, log_name: None }, Text { text: ct, log_name: None }], &Options::default());
        let e = events(&c);
        ["3B4C5D6E7F809102", "4C5D6E7F80910213"].iter().filter(|rid| sources(event_of(&e, rid, None)).len() == 2).count()
    };
    assert_eq!(joined(&ct), 2);
    // Two minutes later, the same per-key records are not the same deletion.
    assert_eq!(joined(&ct.replace("2025-07-15T10:12:40Z", "2025-07-15T10:14:40Z")), 0);
}

// ---------------------------------------------------------------------------------------------
// Every coverage reason, from the fixtures
// ---------------------------------------------------------------------------------------------

fn row<'c>(c: &'c Coverage, operation: &str) -> &'c s3norm::correlate::OperationRow {
    c.operations.iter().find(|r| r.operation == operation).unwrap_or_else(|| panic!("no row {operation}"))
}

fn reasons(r: &s3norm::correlate::ReasonCounts) -> BTreeMap<&'static str, u64> {
    r.iter().map(|(reason, n)| (reason.as_str(), n)).collect()
}

#[test]
fn every_coverage_reason_comes_from_a_fixture() {
    let c = run(&correlation_files()).coverage;
    let sal = |op: &str| reasons(&row(&c, op).sal_only_reasons);
    let ct = |op: &str| reasons(&row(&c, op).cloudtrail_only_reasons);
    let m = |pairs: &[(&'static str, u64)]| pairs.iter().copied().collect::<BTreeMap<_, _>>();

    // Lifecycle expiration: CloudTrail never logs it.
    assert_eq!(sal("LifecycleExpireObject"), m(&[("not_logged_by_cloudtrail", 1)]));
    // ListBuckets: not a bucket request, never in SAL.
    assert_eq!(ct("ListBuckets"), m(&[("not_logged_by_sal", 1)]));
    // CORS preflight: CloudTrail logs it under a name nobody has published.
    assert_eq!(sal("OptionsPreflight"), m(&[("cloudtrail_name_unknown", 1)]));
    // Bucket 2's GETs: the trail has no data events for it; bucket 3's deleted key: the trail has
    // DeleteObjects but no per-key records for it; the three 2021 deleted keys: before June 2025.
    assert_eq!(row(&c, "GetObject").sal_only_reasons.get(Reason::CloudtrailDataEventsOff), 2);
    assert_eq!(
        sal("DeleteObject"),
        m(&[("not_logged_by_cloudtrail", 3), ("cloudtrail_data_events_off", 1), ("outside_overlap", 1)]),
        "the fifth: kdgm's 2010 delete, no trail that year"
    );
    // March 2025: the trail has data events (the PutObject pair) and no management events.
    assert_eq!(sal("GetBucketVersioning"), m(&[("cloudtrail_management_events_off", 1)]));
    // 2025 GetObject only in CloudTrail while SAL covers the bucket that hour; bucket 4 has no SAL
    // at all; same request ID with different host IDs counts on both sides.
    assert_eq!(ct("GetObject"), m(&[("missing_from_sal", 1), ("outside_overlap", 1), ("host_id_mismatch", 1)]));
    // SAL-only data requests in hours the trail covers with data events on: the hadoop HEAD 404
    // and multipart abort, and kdgm's other 2019 requests in the hour of the 403.
    assert_eq!(sal("AbortMultipartUpload"), m(&[("missing_from_cloudtrail", 1)]));
    assert_eq!(sal("HeadObject"), m(&[("missing_from_cloudtrail", 2), ("outside_overlap", 1)]));
    assert_eq!(
        sal("GetObject"),
        m(&[("cloudtrail_data_events_off", 2), ("missing_from_cloudtrail", 2), ("outside_overlap", 8), ("host_id_mismatch", 1)])
    );
    // ListMultipartUploads: CloudTrail's name for it is in no AWS list.
    assert_eq!(sal("ListMultipartUploads"), m(&[("unverified", 1)]));
    // A CloudTrail PutObject without a requestID joins nothing.
    assert_eq!(ct("PutObject"), m(&[("no_request_id", 1)]));

    for reason in REASONS {
        let n = c.requests.sal_only_reasons.get(reason) + c.requests.cloudtrail_only_reasons.get(reason);
        assert!(n > 0, "no fixture gives {}", reason.as_str());
    }
    assert_eq!((c.requests.both, c.requests.sal_only, c.requests.cloudtrail_only), (14, 37, 5));
    for r in c.operations.iter().chain([&c.requests]) {
        assert_eq!(r.sal_only, r.sal_only_reasons.total(), "{}", r.operation);
        assert_eq!(r.cloudtrail_only, r.cloudtrail_only_reasons.total(), "{}", r.operation);
    }
}

#[test]
fn buckets_and_delivery_lag_from_aws_log_object_names() {
    let c = run(&correlation_files()).coverage;
    let b = c.buckets.iter().find(|b| b.bucket == "stevel-london").expect("bucket");
    let (sal, ct) = (b.server_access_log.as_ref().unwrap(), b.cloudtrail.as_ref().unwrap());
    assert_eq!((sal.records, sal.first.as_str(), sal.last.as_str()), (9, "2021-02-24T14:53:49.000Z", "2021-02-24T14:54:09.000Z"));
    assert_eq!((ct.records, ct.first.as_str(), ct.last.as_str()), (3, "2021-02-24T14:53:53.000Z", "2021-02-24T14:54:09.000Z"));
    assert!(c.buckets.iter().find(|b| b.bucket == "amzn-s3-demo-bucket4").unwrap().server_access_log.is_none());

    // SAL: the 17 lines in the four files named YYYY-mm-DD-HH-MM-SS-UniqueString, lag = name time -
    // line time: 10:41:07 - {10:02:11 x3, 10:03:40, 10:05:30, 10:09:27, 10:12:40 x3, 10:15:00} =
    // {2336 x3, 2247, 2137, 1900, 1707 x3, 1567}; 10:52:19 - {10:06:12, 10:06:13, 10:14:02 x2} =
    // {2767, 2766, 2297 x2}; 21:12:55 - 20:30:05 = 2570; 15:03:11 - {14:05:09, 14:05:20} = {3482, 3471}.
    // Sorted, nearest rank: p50 = 9th of 17 = 2297, p90 = 16th = 3471, p99 = 17th = 3482.
    let sal = c.delivery_lag.server_access_log.expect("SAL lag");
    assert_eq!((sal.records, sal.p50, sal.p90, sal.p99, sal.max), (17, 2297, 3471, 3482, 3482));
    // CloudTrail: the 19 records of the six trail files (names to the minute): 18:40 - 18:33:15 =
    // 405; 17:05 - 16:58:39 = 381; 15:00 - {14:53:53 x2, 14:54:09} = {367 x2, 351}; 10:15 -
    // {10:01:02, 10:02:11 x3, 10:05:30, 10:08:03, 10:11:11} = {838, 769 x3, 570, 417, 229}; 10:25 -
    // {10:09:27, 10:12:40 x3, 10:14:02, 10:16:45} = {933, 740 x3, 658, 495}; 14:10 - 14:05:09 = 291.
    // Sorted: p50 = 10th = 570, p90 = 18th = 838, p99 = 19th = 933.
    let ct = c.delivery_lag.cloudtrail.expect("CloudTrail lag");
    assert_eq!((ct.records, ct.p50, ct.p90, ct.p99, ct.max), (19, 570, 838, 933, 933));
}

// ---------------------------------------------------------------------------------------------
// Order independence, symmetry, nothing lost, schema
// ---------------------------------------------------------------------------------------------

/// A fixed pseudo-random permutation (xorshift), so a failure can be replayed.
fn shuffled<T>(mut items: Vec<T>, seed: u64) -> Vec<T> {
    let mut x = seed | 1;
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        items.swap(i, (x % (i as u64 + 1)) as usize);
    }
    items
}

#[test]
fn results_do_not_depend_on_the_order_of_the_inputs() {
    let files = correlation_files();
    let reference = run(&files);
    let is_sal = |f: &File| f.name.contains("/sal/") || f.name.contains("s3-access-logs");
    let mut orders: Vec<Vec<&File>> = (1..=6).map(|seed| shuffled(files.iter().collect(), seed * 0x9E37_79B9)).collect();
    orders.push(files.iter().filter(|f| is_sal(f)).chain(files.iter().filter(|f| !is_sal(f))).collect()); // SAL first
    orders.push(files.iter().filter(|f| !is_sal(f)).chain(files.iter().filter(|f| is_sal(f))).collect()); // CloudTrail first
    orders.push(files.iter().rev().collect());
    for order in orders {
        let t: Vec<Text<'_>> = order.iter().map(|f| Text { text: &f.text, log_name: Some(&f.name) }).collect();
        let c = correlate_texts(&t, &Options::default());
        assert_eq!(c.coverage, reference.coverage);
        assert_eq!(c.summary, reference.summary);
        // The reading order comes from the inputs' content and names: the same bytes out.
        assert_eq!(c.events, reference.events);
    }
    // Lines shuffled within each file: the same events (as a set) and the same report.
    let mut reference_lines = event_lines(&reference);
    reference_lines.sort();
    for seed in 1..=3u64 {
        let reshuffled: Vec<File> = files
            .iter()
            .map(|f| {
                let text = if f.text.trim_start().starts_with('{') {
                    f.text.clone() // a trail file is one JSON document
                } else {
                    shuffled(f.text.lines().collect(), seed).join("\n")
                };
                File { name: f.name.clone(), text }
            })
            .collect();
        let c = run(&reshuffled);
        assert_eq!(c.coverage, reference.coverage);
        let mut lines = event_lines(&c);
        lines.sort();
        assert_eq!(lines, reference_lines, "seed {seed}");
    }
}

#[test]
fn swapping_the_sources_swaps_the_one_sided_counts() {
    // Requests both logs saw: the unified pairs, and the pairs of the correlation fixtures.
    let pairs: Vec<Value> = serde_json::from_str(&common::fixture("written/unified_pairs.json")).expect("pairs");
    let mut requests: Vec<(String, String)> =
        pairs.iter().map(|p| (p["sal"].as_str().unwrap().to_owned(), p["cloudtrail"].to_string())).collect();
    let hadoop = common::fixture(HADOOP);
    let trail: Value = serde_json::from_str(&common::fixture(
        "written/correlation/cloudtrail/152813717728_CloudTrail_eu-west-2_20210224T1500Z_Kq3VtY8wHn2Lp5Rs.json",
    ))
    .unwrap();
    for record in trail["Records"].as_array().unwrap() {
        let rid = record["requestID"].as_str().unwrap();
        // The request's own line (its per-key delete lines are requests of their own, in SAL only).
        let lines: Vec<&str> = hadoop.lines().filter(|l| l.contains(&format!(" {rid} ")) && !l.contains("BATCH.DELETE.OBJECT")).collect();
        requests.push((lines.join("\n"), record.to_string()));
    }
    // Run A has the SAL side of the first half and the CloudTrail side of the rest; run B the mirror.
    let half = requests.len() / 2;
    let side = |sal_first: bool| -> Coverage {
        let mut t = Vec::new();
        for (i, (sal, ct)) in requests.iter().enumerate() {
            t.push(if (i < half) == sal_first { sal.clone() } else { ct.clone() });
        }
        let texts: Vec<Text<'_>> = t.iter().map(|s| Text { text: s, log_name: None }).collect();
        correlate_texts(&texts, &Options::default()).coverage
    };
    let (a, b) = (side(true), side(false));
    assert_eq!((a.requests.both, b.requests.both), (0, 0));
    assert!(a.requests.sal_only > 0 && a.requests.cloudtrail_only > 0);
    assert_eq!((a.requests.sal_only, a.requests.cloudtrail_only), (b.requests.cloudtrail_only, b.requests.sal_only));
    assert_eq!(a.operations.len(), b.operations.len());
    for (ra, rb) in a.operations.iter().zip(&b.operations) {
        assert_eq!(ra.operation, rb.operation);
        assert_eq!((ra.sal_only, ra.cloudtrail_only), (rb.cloudtrail_only, rb.sal_only), "{}", ra.operation);
    }
}

#[test]
fn every_input_unit_comes_out_once_and_every_event_validates() {
    // Every fixture (third-party and written), as the CLI reads `tests/fixtures/`.
    let files = files_under("");
    let c = run(&files);
    assert_counts_hold(&c);
    // The records are exactly the events the normalizer makes of the same texts.
    let mut normalized = 0u64;
    let mut units = 0u64;
    for f in &files {
        let stats = Normalizer::default().read_str(&f.text, &mut s3norm::correlate::Discard);
        normalized += stats.events;
        units += stats.inputs;
    }
    assert_eq!((c.summary.records, c.summary.inputs), (normalized, units));
    let all = events(&c);
    assert!(c.summary.both >= 14, "{:?}", c.summary);
    for e in &all {
        common::assert_valid(e);
        assert!(!sources(e).is_empty());
        assert!(e.get("raw_data").is_none());
    }
    // Request IDs of merged events are unique, and each single record's ID appears once per log.
    let mut merged = BTreeMap::new();
    for e in all.iter().filter(|e| sources(e).len() == 2) {
        let key = (e["api"]["request"]["uid"].to_string(), e["resources"].to_string());
        assert!(merged.insert(key, ()).is_none(), "merged twice: {e}");
    }
}

// ---------------------------------------------------------------------------------------------
// The merge bound
// ---------------------------------------------------------------------------------------------

#[test]
fn past_the_merge_bound_more_rounds_give_the_same_events() {
    let files = correlation_files();
    let reference = run(&files);
    assert_eq!(reference.summary.rounds, 1);
    let tight = correlate_texts(&texts(&files), &Options::default().merge_memory(1));
    assert!(tight.summary.rounds > 1, "{:?}", tight.summary);
    // At most one request's lines held at a time: a copy's two lines or one line, plus overhead.
    assert!(tight.summary.held_peak_bytes < 2 * (1 << 10), "{:?}", tight.summary);
    let (mut a, mut b) = (event_lines(&reference), event_lines(&tight));
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert_eq!(tight.coverage, reference.coverage);
}

#[test]
fn cloudtrail_before_sal_in_one_input_still_merges() {
    // One text: the CloudTrail record (NDJSON) first, then the SAL line of the same request.
    let pairs: Vec<Value> = serde_json::from_str(&common::fixture("written/unified_pairs.json")).expect("pairs");
    let text = format!("{}\n{}\n", pairs[0]["cloudtrail"], pairs[0]["sal"].as_str().unwrap());
    let c = correlate_texts(&[Text { text: &text, log_name: None }], &Options::default());
    assert_eq!((c.summary.events, c.summary.both, c.summary.rounds), (1, 1, 2), "{:?}", c.summary);
}

/// Inputs whose second reading differs from the first (a file rewritten between the passes).
struct Changing {
    first: Vec<String>,
    then: Vec<String>,
    reads: usize,
}

impl Inputs for Changing {
    fn len(&self) -> usize {
        self.first.len()
    }
    fn log_name(&self, _: usize) -> Option<&str> {
        None
    }
    fn read(&mut self, index: usize, normalizer: &Normalizer, sink: &mut dyn Sink) -> Result<Stats, ReadError> {
        self.reads += 1;
        let texts = if self.reads <= self.first.len() { &self.first } else { &self.then };
        Ok(normalizer.read_str(&texts[index], sink))
    }
}

#[test]
fn inputs_that_change_between_the_passes_lose_nothing() {
    let pairs: Vec<Value> = serde_json::from_str(&common::fixture("written/unified_pairs.json")).expect("pairs");
    let sal = pairs.iter().map(|p| p["sal"].as_str().unwrap()).collect::<Vec<_>>().join("\n");
    let ct = pairs.iter().map(|p| p["cloudtrail"].to_string()).collect::<Vec<_>>().join("\n");
    // The CloudTrail file loses its first record and gains nothing else before the second reading.
    let ct_then = pairs.iter().skip(1).map(|p| p["cloudtrail"].to_string()).collect::<Vec<_>>().join("\n");
    let mut inputs = Changing { first: vec![sal.clone(), ct.clone()], then: vec![sal, ct_then], reads: 0 };
    let mut index = s3norm::correlate::index(&mut inputs, &mut s3norm::correlate::Discard);
    let mut out = Vec::new();
    let mut sink = s3norm::sink_fn(|o| {
        if let s3norm::Output::Event(e) = o {
            let mut line = Vec::new();
            s3norm::write_event(&mut line, e);
            out.push(String::from_utf8(line).unwrap());
        }
    });
    let summary = s3norm::correlate::write(&mut index, &mut inputs, &Options::default(), &mut sink);
    assert_eq!(summary.changed_inputs, 1);
    // Two pairs merged; the PutObject's SAL line, whose CloudTrail record vanished, still comes out.
    assert_eq!((summary.records, summary.both, summary.sal_only), (5, 2, 1), "{summary:?}");
    assert_eq!(out.len(), 3);
    assert!(out.iter().any(|l| l.contains("\"CF9748DFDC5FB0A4\"") && l.contains("[\"server_access_log\"]")));
}

#[test]
fn a_bad_request_is_an_answer_not_a_panic() {
    for request in
        ["", "{", "42", "{\"inputs\": 3}", "[{\"text\": 1}]", "{\"inputs\": [], \"bogus\": 1}", "[{\"text\": \"x\", \"log_name\": 5}]"]
    {
        let v: Value = serde_json::from_str(&s3norm::correlate::correlate_json(request)).expect("JSON");
        assert_eq!(v["errors"][0]["kind"], "invalid_request", "{request}");
        assert_eq!(v["events"], json!([]));
    }
    let v: Value = serde_json::from_str(&s3norm::correlate::correlate_json("[\"not a log line\", {\"text\": \"\"}]")).unwrap();
    assert_eq!((v["stats"]["inputs"].as_u64(), v["stats"]["errors"].as_u64()), (Some(1), Some(1)));
    assert_eq!(v["errors"][0]["kind"], "sal_syntax");
}

/// Merged events are built by the correlator, not the normalizer: the one writer must match its
/// serde reference on them too (the `sources` marker, the SAL-only event code and log name).
#[test]
fn the_writer_matches_the_serde_reference_on_merged_events() {
    struct Differential(usize);
    impl Sink for Differential {
        fn event(&mut self, event: &s3norm::Event<'_>) {
            let mut written = Vec::new();
            s3norm::write_event(&mut written, event);
            let reference = serde_json::to_vec(event).expect("the reference serializes");
            assert_eq!(String::from_utf8_lossy(&written), String::from_utf8_lossy(&reference));
            self.0 += 1;
        }
        fn error(&mut self, _: s3norm::ErrorRecord) {}
        fn skip(&mut self, _: s3norm::Skip) {}
    }
    let files = files_under("");
    let texts = texts(&files);
    let mut inputs = texts.as_slice();
    let mut index = s3norm::correlate::index(&mut inputs, &mut s3norm::correlate::Discard);
    let mut check = Differential(0);
    let summary = s3norm::correlate::write(&mut index, &mut inputs, &Options::default(), &mut check);
    assert_eq!(check.0 as u64, summary.events);
    assert!(summary.both > 0, "some events merge both logs: {summary:?}");
}
