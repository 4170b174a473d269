//! Field-level assertions on the odd real lines reviewed by hand (tests/golden/REVIEW.md): one test
//! per kind of oddity, each on a real fixture line.

mod common;

use common::normalize_to_values;
use s3norm::Options;
use serde_json::{json, Value};

/// The event of line `n` (1-based) of a SAL fixture.
fn sal_event(file: &str, n: usize) -> Value {
    let line = &common::fixture_lines(format!("s3-access-logs/{file}"))[n - 1];
    let (events, errors, _) = normalize_to_values(line, Options::default().raw_data(true));
    assert!(errors.is_empty(), "{errors:#?}");
    common::assert_valid(&events[0]);
    assert_eq!(events[0]["raw_data"], line.as_str());
    events.into_iter().next().expect("event")
}

const HARD: &str = "dandi__s3-log-extraction__tests_example_logs_hard.log";
const KDGM: &str = "kdgm__logstash-plugins__s3_access_log_spec_sample_lines.log";

#[test]
fn unescaped_quotes_in_request_uri_and_referer() {
    let e = sal_event(HARD, 2);
    assert_eq!(e["http_request"]["http_method"], "GET");
    assert_eq!(e["http_request"]["url"]["path"], "//");
    let q = e["http_request"]["url"]["query_string"].as_str().expect("query");
    assert!(q.starts_with("s=index/\\think") && q.contains("\"xinba\";") && q.ends_with("$ch[4]);?>"), "{q}");
    let referrer = e["http_request"]["referrer"].as_str().expect("referrer");
    assert!(referrer.starts_with("https://dandiarchive.s3.amazonaws.com//?s=") && referrer.ends_with(";?>"));
    assert_eq!(e["http_request"]["user_agent"], "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)");
    assert_eq!(
        (e["status_id"].clone(), e["status_code"].clone(), e["http_response"]["code"].clone()),
        (json!(2), json!("NoSuchKey"), json!(404))
    );
    assert_eq!(e["unmapped"]["s3"]["host_id"], "V9t1ypjyDY4plW1QdEvZxgIn2dEET3gncqHpXCat9UyAups5FXGyiU0kcrI2fWZmTh66E67H/tI=");
}

#[test]
fn doubled_quote_opening_a_user_agent() {
    let e = sal_event(HARD, 1);
    assert_eq!(
        e["http_request"]["user_agent"],
        "\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/67.0.3396.99 Safari/537.36"
    );
    assert_eq!(e["resources"][1]["uid"], "arn:aws:s3:::dandiarchive/ds001161/task-effortmixedgambles_bold.json");
    assert_eq!(e["unmapped"]["s3"]["cipher_suite"], "ECDHE-RSA-AES128-GCM-SHA256");
}

#[test]
fn doubled_quote_closing_a_referer() {
    let e = sal_event(KDGM, 11);
    assert_eq!(e["http_request"]["referrer"], "http://kerkdienstgemist.nl/mp3/recorder.php?id=452\"");
    assert_eq!(e["http_request"]["user_agent"], "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; WOW64; Trident/5.0)");
    assert_eq!(e["duration"], 17344);
    assert_eq!(e["http_response"], json!({"code": 200, "length": 18547033, "latency": 58}));
}

#[test]
fn two_spaces_before_the_requester() {
    let e = sal_event(HARD, 7);
    assert_eq!(e["actor"]["user"], json!({"type": "IAMUser", "uid": "arn:aws:iam::123:user/dandi-api-heroku"}));
    assert_eq!(e["api"]["request"]["uid"], "SAV964NQBF0SD0RV");
    assert_eq!(e["cloud"]["region"], "us-east-2");
    assert_eq!(e["unmapped"]["s3"]["object_size"], 199_693_197u64);
}

#[test]
fn copy_source_record_with_bare_dashes() {
    let e = sal_event(KDGM, 12);
    assert_eq!(e["metadata"]["event_code"], "REST.COPY.OBJECT_GET");
    assert_eq!(e["api"]["operation"], "CopyObject");
    assert!(e.get("http_request").is_none(), "bare `-` request-URI, referer and user agent leave no http_request");
    assert_eq!(e["unmapped"]["s3"]["object_size"], 13538337);
    assert_eq!(e["resources"][1]["name"], "10010150/2010-08-29-0930.mp3");
}

/// The two halves of one real copy (kdgm lines 10 and 14, request ID 5E493280357FAC3B): one call,
/// so the same operation, activity and request ID; the GET half lists the source, marked as such.
#[test]
fn both_halves_of_a_copy_and_the_source_role() {
    let (put, get) = (sal_event(KDGM, 10), sal_event(KDGM, 14));
    assert_eq!(
        (&put["metadata"]["event_code"], &get["metadata"]["event_code"]),
        (&json!("REST.COPY.OBJECT"), &json!("REST.COPY.OBJECT_GET"))
    );
    for key in ["/api/operation", "/api/request/uid", "/activity_id", "/type_uid"] {
        assert_eq!(put.pointer(key), get.pointer(key), "{key}");
    }
    assert_eq!(get["activity_name"], "Create");
    assert_eq!(get["api"]["request"]["uid"], "5E493280357FAC3B");
    let roles =
        |e: &Value| e["resources"].as_array().unwrap().iter().map(|r| (r["role_id"].clone(), r["role"].clone())).collect::<Vec<_>>();
    assert_eq!(roles(&get), [(json!(99), json!("Copy Source")), (json!(99), json!("Copy Source"))]);
    assert_eq!(roles(&put), [(Value::Null, Value::Null), (Value::Null, Value::Null)]);
    assert_eq!(get["resources"][1]["name"], "10518050/upload/f0a2c702d58183844b064eb49f8b795d.mp3");
    assert_eq!(put["resources"][1]["name"], "10518050/2014-08-31-0930.mp3");
}

/// Lines from before S3 wrote a Version Id (2006-2009): 17 fields, and the anonymous requester
/// written as S3's anonymous canonical ID.
#[test]
fn seventeen_field_lines_from_2006_to_2009() {
    let e = sal_event("wvanbergen__request-log-analyzer__amazon_s3_format_spec_lines.log", 1);
    assert_eq!(e["time_dt"], "2006-10-06T01:42:14.000Z");
    assert_eq!(e["actor"]["user"], json!({"type": "Anonymous", "uid": "65a011a29cdf8ec533ec3d1ccaae921c", "name": "anonymous"}));
    assert_eq!(e["http_request"]["user_agent"], "aranhabot");
    assert!(e["resources"][1].get("version").is_none(), "no Version Id field, no version");
    // Raw quotes in the request-URI of a 17-field line (Hive's "nasty examples").
    let e = sal_event("apache__hive__S3LogDeserializer_genuine_lines.log", 3);
    assert_eq!(e["http_request"]["url"]["path"], "/readside/loader.js\"+defer=\"defer");
    assert_eq!(e["status_code"], "AccessDenied");
    assert_eq!(e["http_request"]["user_agent"], "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.0)");
    // An empty quoted referer is no referer.
    let e = sal_event("apache__hive__S3LogDeserializer_genuine_lines.log", 2);
    assert!(e["http_request"].get("referrer").is_none());
    assert_eq!(e["http_request"]["user_agent"], "ZhuaXia.com");
}

/// Logs shared with values masked: accepted, the masked text kept where it cannot pass for a real
/// value, and listed.
#[test]
fn masked_values_are_kept_and_marked() {
    let e = sal_event("lovit__s3-log-parser__masked_line.log", 1);
    assert_eq!(e["src_endpoint"], json!({"name": "***.***.***.***"}), "a masked IP is no address");
    assert_eq!(e["unmapped"]["s3_access_log"]["masked_fields"], json!(["remote_ip", "bucket_owner", "requester", "request_id"]));
    assert_eq!(e["api"]["request"]["uid"], "F6425****", "masked request IDs stay as text");
    assert_eq!(e["actor"]["user"], json!({"type": "Unknown", "uid": "1e28afdbd73f***"}));
    let e = sal_event("63Klabs__atlantis-tutorials__static_website_masked_lines.log", 1);
    assert_eq!(e["src_endpoint"], json!({"name": "xx.xx.41.39"}));
    assert_eq!(e["unmapped"]["s3_access_log"]["masked_fields"], json!(["remote_ip"]));
    let e = sal_event("63Klabs__atlantis-tutorials__static_website_masked_lines.log", 2);
    assert_eq!(e["src_endpoint"], json!({"ip": "10.0.71.123"}));
    assert_eq!(e["unmapped"]["s3"]["host_id"], "0e...B4lA=");
    assert_eq!(e["unmapped"]["s3_access_log"]["masked_fields"], json!(["host_id"]));
    let e = sal_event("ot-nemoto__ConnectFromVPC2S3Demo__masked_website_line.log", 1);
    assert_eq!(e["src_endpoint"], json!({"name": "xx.xx.xx.xx"}));
    // An unmasked line says nothing of masking.
    assert!(sal_event(KDGM, 10)["unmapped"].get("s3_access_log").is_none());
}

#[test]
fn soap_operation() {
    let e = sal_event(KDGM, 8);
    assert_eq!(e["metadata"]["event_code"], "SOAP.PUT.OBJECT");
    assert_eq!(e["api"]["operation"], "PutObject");
    assert_eq!(e["http_request"]["http_method"], "POST");
    assert_eq!(e["http_request"]["url"]["path"], "/soap/");
    assert_eq!(e["unmapped"]["s3"]["cloudtrail_equivalent"], false);
}

#[test]
fn object_acl_on_an_escaped_key() {
    // Key written with `/`, request-URI with `%2F`: the key decodes once and builds the object ARN.
    let e = sal_event(KDGM, 21);
    assert_eq!(e["metadata"]["event_code"], "REST.PUT.ACL");
    assert_eq!(e["api"]["operation"], "PutObjectAcl");
    assert_eq!(e["activity_id"], 3);
    assert_eq!(e["resources"][1]["uid"], "arn:aws:s3:::media.kerkdienstgemist.nl/92221041-v1014211/20140914075120_15201610-mp4.mp4");
    assert_eq!(e["http_request"]["url"]["path"], "/92221041-v1014211%2F20140914075120_15201610-mp4.mp4");
}

#[test]
fn bucket_acl_without_a_key() {
    let e = sal_event(KDGM, 7);
    assert_eq!(e["metadata"]["event_code"], "REST.GET.ACL");
    assert_eq!(e["api"]["operation"], "GetBucketAcl");
    assert_eq!(e["resources"].as_array().map(Vec::len), Some(1));
}

#[test]
fn object_size_above_4_gib() {
    let e = sal_event("catalystneuro__dandi_s3_log_parser__reduction_example_2__2022-04-06.log", 1);
    assert_eq!(e["unmapped"]["s3"]["object_size"], 422_868_123_111u64);
}

#[test]
fn extra_trailing_fields_are_kept_in_order() {
    let e = sal_event("panther-labs__panther__s3_server_access_test_lines.log", 4);
    assert_eq!(e["unmapped"]["s3_access_log"]["extra_fields"], json!(["test1", "test2"]));
    assert!(e["unmapped"]["s3"].get("access_point_arn").is_none());
    assert_eq!(e["unmapped"]["s3"]["tls_version"], "TLSv1.1");
}

#[test]
fn lifecycle_expiration_is_sal_only() {
    let e = sal_event("panther-labs__panther__s3_server_access_test_lines.log", 5);
    assert_eq!(e["api"]["operation"], "LifecycleExpireObject");
    assert_eq!(e["activity_name"], "Delete");
    assert_eq!(e["unmapped"]["s3"]["cloudtrail_equivalent"], false);
    assert_eq!(e["actor"]["user"], json!({"type": "AWSService", "name": "AmazonS3"}));
    assert_eq!(e["src_endpoint"], json!({"svc_name": "AWS Internal"}));
    assert!(e.get("http_response").is_none(), "no HTTP status: no http_response");
    assert_eq!(e["resources"][1]["version"], "DkKg9NTmHopKgqKMcgjFyf4oujClO4J1");
}

#[test]
fn website_endpoint_anonymous_request() {
    let e = sal_event("knil-sama__s3-access-log-rust__test_lines.log", 1);
    assert_eq!(e["api"]["operation"], "WebsiteGetObject");
    assert_eq!(e["actor"]["user"], json!({"type": "Anonymous", "name": "anonymous"}));
    assert_eq!(e["cloud"]["region"], "us-east-1");
    assert_eq!(e["status"], "Failure");
}

#[test]
fn eighteen_field_line_with_short_owner() {
    let e = sal_event("logstash-plugins__logstash-patterns-core__aws_spec_S3_lines.log", 1);
    assert_eq!(e["unmapped"]["s3"], json!({"bucket_owner": "79a5", "bytes_out": 113, "cloudtrail_equivalent": true}));
    assert_eq!(e["api"]["operation"], "GetBucketVersioning");
    assert_eq!(e["time_dt"], "2014-02-06T00:00:38.000Z");
}

#[test]
fn aws_doc_tls_spelling_and_access_point() {
    let e = sal_event("awsdocs__amazon-s3-userguide__LogFormat__example_lines.log", 1);
    assert_eq!(e["unmapped"]["s3"]["tls_version"], "TLSv1.2", "TLSV1.2 is spelled as CloudTrail does");
    assert_eq!(e["unmapped"]["s3"]["access_point_arn"], "arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP");
    assert_eq!(e["unmapped"]["s3"]["acl_required"], "Yes");
    assert_eq!(e["cloud"]["region"], "us-west-1");
    assert_eq!(e["metadata"]["original_time"], "06/Feb/2019:00:00:38 +0000");
}

#[test]
fn replication_put_without_remote_ip() {
    let e = sal_event("suhaibaffan__rust-parser-aws-s3-access-logs__sample.txt.log", 2);
    assert_eq!(e["src_endpoint"], json!({"svc_name": "AWS Internal"}));
    assert_eq!(e["actor"]["user"]["type"], "AssumedRole");
    assert_eq!(e["actor"]["user"]["account"]["uid"], "086473938406");
    assert_eq!(e["cloud"]["region"], "eu-central-1");
}

#[test]
fn cloudtrail_odd_records() {
    // Logstash-shipped (OTRF): eventTime moved to @timestamp, byte counts as floats.
    let line = &common::fixture_lines("cloudtrail/otrf__ec2_proxy_s3_exfiltration.ndjson")[44];
    let (events, _, _) = normalize_to_values(line, Options::default());
    assert_eq!(events[0]["time_dt"], "2020-09-14T01:00:33.000Z");
    assert_eq!(events[0]["unmapped"]["s3"]["bytes_out"], 500);
    assert_eq!(events[0]["unmapped"]["cloudtrail"]["arn_prefixes"], json!(["arn:aws:s3:::mordors3stack-s3bucket-llp2yingx64a/"]));
    assert_eq!(events[0]["actor"]["session"]["is_mfa"], false);
    // Panther's rewritten time format and IAM-only names kept as given.
    let (events, _, _) =
        normalize_to_values(&common::fixture("cloudtrail/panther__cloudtrail_s3_rule_test_events.json"), Options::default());
    assert_eq!(events[1]["metadata"]["original_time"], "2024-11-25 22:00:58.000000000");
    assert_eq!(events[1]["time_dt"], "2024-11-25T22:00:58.000Z");
    assert_eq!(events[0]["api"]["operation"], "ListBucket");
    assert_eq!(events[0]["src_endpoint"]["uid"], "vpce-1a2b3c4d");
}

/// A directory bucket's GetObject (AWS's S3 Express example): the object appears as for a general
/// purpose bucket, with the ARN form documented for directory buckets plus the key.
#[test]
fn directory_bucket_object_is_a_resource() {
    let (events, errors, _) =
        normalize_to_values(&common::fixture("cloudtrail/awsdocs__s3express_getobject_example.json"), Options::default());
    assert!(errors.is_empty());
    common::assert_valid(&events[0]);
    assert_eq!(
        events[0]["resources"],
        json!([
            {"type": "AWS::S3Express::DirectoryBucket", "uid": "arn:aws:s3express:us-west-2:111122223333:bucket-base-name--usw2-az1--x-s3",
             "name": "bucket-base-name--usw2-az1--x-s3", "owner": {"account": {"uid": "111122223333"}}},
            {"type": "AWS::S3Express::Object",
             "uid": "arn:aws:s3express:us-west-2:111122223333:bucket/bucket-base-name--usw2-az1--x-s3/test-get-obj-with-checksum",
             "name": "test-get-obj-with-checksum"}
        ])
    );
    assert_eq!(events[0]["api"]["service"]["name"], "s3express.amazonaws.com");
    // The prefix stays where it was: a prefix, not a resource.
    assert_eq!(
        events[0]["unmapped"]["cloudtrail"]["arn_prefixes"],
        json!(["arn:aws:s3express:us-west-2:111122223333:bucket-base-name--usw2-az1--x-s3"])
    );
    // A call without a key (CreateSession) lists the bucket only.
    let (events, _, _) = normalize_to_values(
        &common::fixture("cloudtrail/awsdocs__s3express_lifecycle_createsession_accessdenied_example.json"),
        Options::default(),
    );
    assert_eq!(events[0]["resources"].as_array().map(Vec::len), Some(1));
}

/// A directory-bucket object record whose prefix names another bucket, or no s3express ARN,
/// gets no object resource: nothing is made up.
#[test]
fn directory_bucket_object_needs_a_matching_prefix() {
    let record = |prefix: &str| {
        json!({"eventSource": "s3express.amazonaws.com", "eventName": "PutObject", "eventTime": "2024-07-02T00:22:01Z", "awsRegion": "us-west-2",
               "requestParameters": {"bucketName": "b--usw2-az1--x-s3", "key": "k"},
               "resources": [{"type": "AWS::S3Express::Object", "ARNPrefix": prefix}]})
        .to_string()
    };
    let objects = |text: String| {
        let (events, _, _) = normalize_to_values(&text, Options::default());
        common::assert_valid(&events[0]);
        events[0]["resources"].as_array().map_or(0, |r| r.iter().filter(|r| r["type"] == "AWS::S3Express::Object").count())
    };
    assert_eq!(objects(record("arn:aws:s3express:us-west-2:1:bucket/b--usw2-az1--x-s3/")), 1);
    assert_eq!(objects(record("arn:aws:s3express:us-west-2:1:other--usw2-az1--x-s3")), 0);
    assert_eq!(objects(record("arn:aws:s3:::b--usw2-az1--x-s3/")), 0);
    assert_eq!(objects(record("not an arn")), 0);
}
