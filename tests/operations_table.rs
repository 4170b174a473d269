//! The operation table: row invariants, coverage of the real-world vocabularies, the spec's named
//! examples, and the fallbacks for operations the table does not know.

use proptest::prelude::*;
use s3norm::operations::{
    find_event_name, find_sal, query_has_param, resolve_event_name, resolve_sal, rows_for_sal, Activity, Logged, Operation, Rule,
    OPERATIONS,
};
use std::collections::{BTreeMap, BTreeSet};

/// Every SAL Operation value listed in shared/reference/s3-access-log-operations-observed.md
/// (AWS-documented values, DANDI production allow-list, digitalcorpora real logs, consoleme map,
/// Athena write-up, kdgm real 2010 log, 2006 AWS docs example). Left out on purpose: the synthetic
/// `REST.OPTIONS.FAKE` from elastic/beats test data (tested below as an unknown operation).
#[rustfmt::skip]
const OBSERVED_SAL_OPS: &[&str] = &[
    // Documented by AWS
    "REST.GET.VERSIONING", "REST.GET.LOGGING_STATUS", "REST.GET.BUCKETPOLICY", "REST.PUT.OBJECT", "REST.GET.OBJECT",
    "REST.COPY.OBJECT_GET", "BATCH.DELETE.OBJECT",
    "S3.EXPIRE.OBJECT", "S3.CREATE.DELETEMARKER", "S3.TRANSITION_SIA.OBJECT", "S3.TRANSITION_ZIA.OBJECT",
    "S3.TRANSITION_INT.OBJECT", "S3.TRANSITION_GIR.OBJECT", "S3.TRANSITION.OBJECT", "S3.TRANSITION_GDA.OBJECT",
    "S3.DELETE.UPLOAD", "S3.COMPUTE.OBJECT.CHECKSUM",
    // catalystneuro/dandi_s3_log_parser _KNOWN_OPERATION_TYPES (DANDI production logs)
    "REST.COPY.OBJECT", "REST.COPY.OBJECT_GET", "REST.COPY.PART", "REST.DELETE.BUCKET", "REST.DELETE.BUCKETPOLICY",
    "REST.DELETE.LIFECYCLE", "REST.DELETE.OBJECT", "REST.DELETE.OBJECT_TAGGING", "REST.DELETE.UPLOAD",
    "REST.GET.ACCELERATE", "REST.GET.ACL", "REST.GET.ANALYTICS", "REST.GET.BUCKET", "REST.GET.BUCKETPOLICY",
    "REST.GET.BUCKETVERSIONS", "REST.GET.CORS", "REST.GET.ENCRYPTION", "REST.GET.INTELLIGENT_TIERING",
    "REST.GET.INVENTORY", "REST.GET.LIFECYCLE", "REST.GET.LOCATION", "REST.GET.LOGGING_STATUS", "REST.GET.METRICS",
    "REST.GET.NOTIFICATION", "REST.GET.OBJECT", "REST.GET.OBJECT_LOCK_CONFIGURATION", "REST.GET.OBJECT_TAGGING",
    "REST.GET.OWNERSHIP_CONTROLS", "REST.GET.PART", "REST.GET.POLICY_STATUS", "REST.GET.PUBLIC_ACCESS_BLOCK",
    "REST.GET.REPLICATION", "REST.GET.REQUEST_PAYMENT", "REST.GET.TAGGING", "REST.GET.UPLOAD", "REST.GET.UPLOADS",
    "REST.GET.VERSIONING", "REST.GET.WEBSITE", "REST.HEAD.BUCKET", "REST.HEAD.BUCKETVERSIONS", "REST.HEAD.OBJECT",
    "REST.HEAD.PART", "REST.HEAD.UPLOADS", "REST.OPTIONS.PREFLIGHT", "REST.POST.BUCKET",
    "REST.POST.MULTI_OBJECT_DELETE", "REST.POST.OBJECT", "REST.POST.UPLOAD", "REST.POST.UPLOADS", "REST.PUT.ACL",
    "REST.PUT.BUCKET", "REST.PUT.BUCKETPOLICY", "REST.PUT.CORS", "REST.PUT.INVENTORY", "REST.PUT.LIFECYCLE",
    "REST.PUT.LOGGING_STATUS", "REST.PUT.METRICS", "REST.PUT.NOTIFICATION", "REST.PUT.OBJECT",
    "REST.PUT.OWNERSHIP_CONTROLS", "REST.PUT.PART", "REST.PUT.VERSIONING", "WEBSITE.GET.OBJECT",
    // digitalcorpora ingest tool (real digitalcorpora bucket logs)
    "REST.COPY.PART_GET", "REST.PATCH.BUCKET", "REST.COPY.NOTIFICATION", "REST.HEAD.TORRENT",
    "REST.GET.OBJECT_ATTRIBUTES", "REST.POST.LOCATION", "REST.POST.NOTIFICATION", "REST.POST.OBJECT_ATTRIBUTES",
    "REST.POST.RESTORE", "REST.POST.SELECT", "REST.POST.TORRENT", "REST.POST.WEBSITE", "REST.PUT.WEBSITE",
    "S3.TRANSITION_INT.OBJECT", "WEBSITE.HEAD.OBJECT", "WEBSITE.INVALIDOPERATION",
    // Netflix consoleme map; Athena query write-up
    "REST.PUT.OBJECT_TAGGING", "REST.PUT.PUBLIC_ACCESS_BLOCK", "REST.PUT.ANALYTICS", "REST.PUT.TAGGING",
    // kdgm/logstash-plugins real 2010 log; 2006 AWS docs example
    "SOAP.PUT.OBJECT", "SOAP.CreateBucket",
];

/// Every eventName in shared/reference/aws_doc_cloudtrail_s3_eventnames.csv (AWS's current list:
/// data events, account-level, bucket-level, and S3 Express regional-endpoint management events).
#[rustfmt::skip]
const AWS_CLOUDTRAIL_EVENT_NAMES: &[&str] = &[
    // Data events, AWS::S3::Object
    "AbortMultipartUpload", "CompleteMultipartUpload", "CopyObject", "CreateMultipartUpload", "DeleteObject",
    "DeleteObjectTagging", "DeleteObjects", "GetObject", "GetObjectAcl", "GetObjectAttributes", "GetObjectLegalHold",
    "GetObjectRetention", "GetObjectTagging", "GetObjectTorrent", "HeadObject", "HeadBucket", "ListObjectVersions",
    "ListObjects", "ListParts", "PutObject", "PutObjectAcl", "PutObjectLegalHold", "PutObjectRetention",
    "PutObjectTagging", "PutObjectAnnotation", "GetObjectAnnotation", "ListObjectAnnotations",
    "DeleteObjectAnnotation", "RestoreObject", "SelectObjectContent", "UpdateObjectEncryption", "UploadPart",
    "UploadPartCopy",
    // Account level
    "DeleteAccountPublicAccessBlock", "GetAccountPublicAccessBlock", "PutAccountPublicAccessBlock",
    // Bucket level
    "CreateBucket", "CreateBucketMetadataConfiguration", "CreateBucketMetadataTableConfiguration", "DeleteBucket",
    "DeleteBucketAnalyticsConfiguration", "DeleteBucketCors", "DeleteBucketEncryption",
    "DeleteBucketIntelligentTieringConfiguration", "DeleteBucketInventoryConfiguration", "DeleteBucketLifecycle",
    "DeleteBucketMetadataConfiguration", "DeleteBucketMetadataTableConfiguration", "DeleteBucketMetricsConfiguration",
    "DeleteBucketOwnershipControls", "DeleteBucketPolicy", "DeleteBucketPublicAccessBlock", "DeleteBucketReplication",
    "DeleteBucketTagging", "GetAccelerateConfiguration", "GetBucketAcl", "GetBucketAnalyticsConfiguration",
    "GetBucketCors", "GetBucketEncryption", "GetBucketIntelligentTieringConfiguration",
    "GetBucketInventoryConfiguration", "GetBucketLifecycle", "GetBucketLocation", "GetBucketLogging",
    "GetBucketMetadataConfiguration", "GetBucketMetadataTableConfiguration", "GetBucketMetricsConfiguration",
    "GetBucketNotification", "GetBucketObjectLockConfiguration", "GetBucketOwnershipControls", "GetBucketPolicy",
    "GetBucketPolicyStatus", "GetBucketPublicAccessBlock", "GetBucketReplication", "GetBucketRequestPayment",
    "GetBucketTagging", "GetBucketVersioning", "GetBucketWebsite", "HeadBucket", "ListBuckets",
    "PutAccelerateConfiguration", "PutBucketAcl", "PutBucketAnalyticsConfiguration", "PutBucketCors",
    "PutBucketEncryption", "PutBucketIntelligentTieringConfiguration", "PutBucketInventoryConfiguration",
    "PutBucketLifecycle", "PutBucketLogging", "PutBucketMetricsConfiguration", "PutBucketNotification",
    "PutBucketObjectLockConfiguration", "PutBucketOwnershipControls", "PutBucketPolicy",
    "PutBucketPublicAccessBlock", "PutBucketReplication", "PutBucketRequestPayment", "PutBucketTagging",
    "PutBucketVersioning", "PutBucketWebsite", "UpdateBucketMetadataJournalTableConfiguration",
    "UpdateBucketMetadataInventoryTableConfiguration", "UpdateBucketMetadataAnnotationTableConfiguration",
    // S3 Express One Zone regional endpoint (s3express.amazonaws.com)
    "CreateBucket", "DeleteBucket", "DeleteBucketPolicy", "GetBucketPolicy", "PutBucketPolicy", "ListDirectoryBuckets",
    "PutBucketEncryption", "GetBucketEncryption", "DeleteBucketEncryption",
];

/// Query strings and key presence that exercise every rule kind.
const PROBE_QUERIES: &[&str] = &["", "id=1", "analytics", "analytics&id=x", "uploadId=1", "id", "x=1&id="];

fn sal(op: &str, has_key: bool, query: &str) -> (String, Activity, Option<bool>) {
    let r = resolve_sal(op, has_key, query);
    (r.operation.into_owned(), r.activity, r.cloudtrail_equivalent)
}

fn resolved(operation: &str, activity: Activity, ct: Option<bool>) -> (String, Activity, Option<bool>) {
    (operation.to_owned(), activity, ct)
}

// ---------------------------------------------------------------------------------------------
// Row invariants
// ---------------------------------------------------------------------------------------------

#[test]
fn table_has_a_plausible_size() {
    // Each distinct observed SAL op needs at least one row of its own.
    let distinct: BTreeSet<&str> = OBSERVED_SAL_OPS.iter().copied().collect();
    assert!(OPERATIONS.len() >= distinct.len(), "only {} rows", OPERATIONS.len());
    assert!(OPERATIONS.len() < u16::MAX as usize);
}

#[test]
fn no_duplicate_sal_rule_pair() {
    let mut seen = BTreeSet::new();
    for r in OPERATIONS.iter().filter(|r| r.sal.is_some()) {
        assert!(seen.insert((r.sal, format!("{:?}", r.rule))), "duplicate ({:?}, {:?})", r.sal, r.rule);
    }
}

#[test]
fn cloudtrail_only_rows_have_no_sal_and_are_not_redundant() {
    let sal_ops: BTreeSet<&str> = OPERATIONS.iter().filter(|r| r.sal.is_some()).map(|r| r.operation).collect();
    let mut ct_only = BTreeSet::new();
    for r in OPERATIONS.iter().filter(|r| r.sal.is_none()) {
        assert_eq!(r.rule, Rule::Always, "{r:?}");
        assert_ne!(r.cloudtrail, Logged::No, "a row neither source logs: {r:?}");
        assert!(ct_only.insert(r.operation), "duplicate CloudTrail-only row {}", r.operation);
        assert!(!sal_ops.contains(r.operation), "{} already has a SAL row", r.operation);
    }
    for name in ["ListBuckets", "GetAccountPublicAccessBlock", "CreateSession", "CreateBucketMetadataConfiguration"] {
        assert!(ct_only.contains(name), "{name} should be CloudTrail-only");
    }
}

#[test]
fn every_row_has_well_formed_text() {
    for r in OPERATIONS {
        // api.operation: CamelCase ASCII, like a CloudTrail eventName.
        assert!(r.operation.as_bytes()[0].is_ascii_uppercase(), "{r:?}");
        assert!(r.operation.bytes().all(|b| b.is_ascii_alphanumeric()), "{r:?}");
        // SAL text: PREFIX.PART(.PART)* with the documented prefixes.
        if let Some(sal) = r.sal {
            assert!(!sal.is_empty(), "{r:?}");
            let parts: Vec<&str> = sal.split('.').collect();
            assert!((2..=4).contains(&parts.len()), "{r:?}");
            assert!(["REST", "WEBSITE", "SOAP", "S3", "BATCH"].contains(&parts[0]), "{r:?}");
            assert!(parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')));
        }
        assert!(!r.note.trim().is_empty(), "{r:?}");
        match r.rule {
            Rule::QueryHas(p) | Rule::QueryLacks(p) => assert!(!p.is_empty(), "{r:?}"),
            _ => {}
        }
    }
}

#[test]
fn rows_sharing_an_operation_share_an_activity() {
    let mut by_op: BTreeMap<&str, Activity> = BTreeMap::new();
    for r in OPERATIONS {
        let a = *by_op.entry(r.operation).or_insert(r.activity);
        assert_eq!(a, r.activity, "{} has two activities", r.operation);
    }
}

#[test]
fn sal_rule_groups_are_exhaustive_and_no_row_is_shadowed() {
    let groups: BTreeSet<&str> = OPERATIONS.iter().filter_map(|r| r.sal).collect();
    for op in groups {
        let mut hit = BTreeSet::new();
        for has_key in [false, true] {
            for q in PROBE_QUERIES {
                let row = find_sal(op, has_key, q).unwrap_or_else(|| panic!("{op} {has_key} {q:?}: no row"));
                hit.insert(row as *const Operation as usize);
            }
        }
        let rows: Vec<&Operation> = rows_for_sal(op).collect();
        assert_eq!(hit.len(), rows.len(), "{op}: some row can never match");
    }
}

#[test]
fn sal_only_rows_say_cloudtrail_never_logs_them() {
    for (op, name) in [
        ("S3.EXPIRE.OBJECT", "LifecycleExpireObject"),
        ("S3.CREATE.DELETEMARKER", "LifecycleCreateDeleteMarker"),
        ("S3.TRANSITION.OBJECT", "LifecycleTransitionObject"),
        ("S3.TRANSITION_SIA.OBJECT", "LifecycleTransitionObject"),
        ("S3.TRANSITION_ZIA.OBJECT", "LifecycleTransitionObject"),
        ("S3.TRANSITION_INT.OBJECT", "LifecycleTransitionObject"),
        ("S3.TRANSITION_GIR.OBJECT", "LifecycleTransitionObject"),
        ("S3.TRANSITION_GDA.OBJECT", "LifecycleTransitionObject"),
        ("S3.DELETE.UPLOAD", "LifecycleAbortMultipartUpload"),
        ("S3.COMPUTE.OBJECT.CHECKSUM", "ComputeObjectChecksum"),
        ("WEBSITE.GET.OBJECT", "WebsiteGetObject"),
        ("WEBSITE.HEAD.OBJECT", "WebsiteHeadObject"),
    ] {
        for has_key in [false, true] {
            let r = resolve_sal(op, has_key, "");
            assert_eq!(r.operation, name, "{op}");
            assert_eq!(r.cloudtrail_equivalent, Some(false), "{op}");
        }
    }
    // SAL-only names never collide with a name CloudTrail logs.
    let ct_names: BTreeSet<&str> = OPERATIONS.iter().filter(|r| r.cloudtrail != Logged::No).map(|r| r.operation).collect();
    for r in OPERATIONS.iter().filter(|r| r.cloudtrail == Logged::No && !r.sal.is_some_and(|s| s.starts_with("SOAP."))) {
        assert!(!ct_names.contains(r.operation), "{r:?}");
    }
}

/// The activity rules of the module doc, restated independently of the table.
fn expected_activity(op: &str) -> Activity {
    const CREATE: &[&str] = &[
        "PutObject",
        "PostObject",
        "CopyObject",
        "CreateMultipartUpload",
        "UploadPart",
        "UploadPartCopy",
        "CompleteMultipartUpload",
        "CreateBucket",
    ];
    let starts = |ps: &[&str]| ps.iter().any(|p| op.starts_with(p));
    if CREATE.contains(&op) || starts(&["Create"]) {
        Activity::Create
    } else if starts(&["Get", "List", "Head", "Select", "WebsiteGet", "WebsiteHead"]) {
        Activity::Read
    } else if starts(&["Put", "Update", "Restore", "LifecycleTransition"]) {
        Activity::Update
    } else if starts(&["Delete", "Abort", "LifecycleExpire", "LifecycleCreateDeleteMarker", "LifecycleAbort"]) {
        Activity::Delete
    } else {
        Activity::Other
    }
}

#[test]
fn activities_follow_the_documented_rules() {
    for r in OPERATIONS {
        assert_eq!(r.activity, expected_activity(r.operation), "{r:?}");
    }
}

#[test]
fn rows_serialize_with_every_column() {
    let v = serde_json::to_value(OPERATIONS).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), OPERATIONS.len());
    for row in rows {
        let obj = row.as_object().unwrap();
        let keys: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(keys, BTreeSet::from(["operation", "sal", "rule", "activity", "cloudtrail", "sal_logs", "unverified", "note"]));
    }
    let get = find_sal("REST.GET.ANALYTICS", false, "analytics&id=a").unwrap();
    let v = serde_json::to_value(get).unwrap();
    assert_eq!(v["rule"], serde_json::json!({"QueryHas": "id"}));
    assert_eq!(v["cloudtrail"], "Management");
    assert_eq!(v["activity"], "Read");
}

// ---------------------------------------------------------------------------------------------
// Coverage of the two vocabularies
// ---------------------------------------------------------------------------------------------

#[test]
fn every_observed_sal_operation_is_a_table_row() {
    for op in OBSERVED_SAL_OPS {
        for has_key in [false, true] {
            for q in PROBE_QUERIES {
                assert!(find_sal(op, has_key, q).is_some(), "{op} has no row");
                let (row, r) = (find_sal(op, has_key, q).unwrap(), resolve_sal(op, has_key, q));
                assert_eq!(r.operation, row.operation, "{op} resolved outside the table: {r:?}");
                assert_eq!(r.cloudtrail_equivalent, row.cloudtrail.equivalent(), "{op}");
            }
        }
    }
}

#[test]
fn every_aws_cloudtrail_event_name_is_a_table_row() {
    for &name in AWS_CLOUDTRAIL_EVENT_NAMES {
        let row = find_event_name(name).unwrap_or_else(|| panic!("{name} has no row"));
        assert_ne!(row.cloudtrail, Logged::No, "{name}: AWS says CloudTrail logs it");
        let r = resolve_event_name(name);
        assert_eq!(r.operation, name);
        assert_eq!(r.activity, row.activity, "{name}");
        assert_eq!(r.cloudtrail_equivalent, Some(true));
    }
}

#[test]
fn cloudtrail_categories_match_aws() {
    // AWS: HeadBucket is a data event; object APIs are data events; bucket config is management.
    for (name, logged) in [
        ("HeadBucket", Logged::Data),
        ("GetObject", Logged::Data),
        ("DeleteObjects", Logged::Data),
        ("PutObjectAcl", Logged::Data),
        ("PutBucketAcl", Logged::Management),
        ("GetBucketAcl", Logged::Management),
        ("CreateBucket", Logged::Management),
        ("ListBuckets", Logged::Management),
        ("PutBucketLifecycle", Logged::Management),
        ("CreateSession", Logged::Data),
    ] {
        assert_eq!(find_event_name(name).unwrap().cloudtrail, logged, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// The spec's named examples
// ---------------------------------------------------------------------------------------------

#[test]
fn spec_examples_resolve_as_the_spec_says() {
    use Activity::*;
    let t = Some(true);
    // REST.GET.BUCKET is ListObjects, also for ListObjectsV2 (list-type=2).
    assert_eq!(sal("REST.GET.BUCKET", false, ""), resolved("ListObjects", Read, t));
    assert_eq!(sal("REST.GET.BUCKET", false, "list-type=2&prefix=a"), resolved("ListObjects", Read, t));
    assert_eq!(sal("REST.GET.LIFECYCLE", false, "lifecycle"), resolved("GetBucketLifecycle", Read, t));
    // id-addressed configurations: with id= Get, without List.
    for (op, get, list) in [
        ("REST.GET.ANALYTICS", "GetBucketAnalyticsConfiguration", "ListBucketAnalyticsConfigurations"),
        ("REST.GET.INVENTORY", "GetBucketInventoryConfiguration", "ListBucketInventoryConfigurations"),
        ("REST.GET.METRICS", "GetBucketMetricsConfiguration", "ListBucketMetricsConfigurations"),
        ("REST.GET.INTELLIGENT_TIERING", "GetBucketIntelligentTieringConfiguration", "ListBucketIntelligentTieringConfigurations"),
    ] {
        assert_eq!(sal(op, false, "analytics&id=x"), resolved(get, Read, t), "{op}");
        assert_eq!(sal(op, false, "id=x"), resolved(get, Read, t), "{op}");
        assert_eq!(sal(op, false, "id"), resolved(get, Read, t), "{op}");
        assert_eq!(sal(op, false, ""), resolved(list, Read, t), "{op}");
        assert_eq!(sal(op, false, "analytics"), resolved(list, Read, t), "{op}");
        assert_eq!(sal(op, false, "uploadId=1&xid=2"), resolved(list, Read, t), "{op}");
    }
    // ACLs: the key decides object vs bucket.
    assert_eq!(sal("REST.GET.ACL", true, "acl"), resolved("GetObjectAcl", Read, t));
    assert_eq!(sal("REST.GET.ACL", false, "acl"), resolved("GetBucketAcl", Read, t));
    assert_eq!(sal("REST.PUT.ACL", true, "acl"), resolved("PutObjectAcl", Update, t));
    assert_eq!(sal("REST.PUT.ACL", false, "acl"), resolved("PutBucketAcl", Update, t));
    // Multi-object delete and its per-key records.
    assert_eq!(sal("REST.POST.MULTI_OBJECT_DELETE", false, "delete"), resolved("DeleteObjects", Delete, t));
    assert_eq!(sal("BATCH.DELETE.OBJECT", true, ""), resolved("DeleteObject", Delete, t));
    // Copies: both SAL halves are the one CloudTrail event.
    assert_eq!(sal("REST.COPY.OBJECT", true, ""), resolved("CopyObject", Create, t));
    assert_eq!(sal("REST.COPY.OBJECT_GET", true, ""), resolved("CopyObject", Create, t));
    assert_eq!(sal("REST.COPY.PART", true, "partNumber=1&uploadId=u"), resolved("UploadPartCopy", Create, t));
    assert_eq!(sal("REST.COPY.PART_GET", true, ""), resolved("UploadPartCopy", Create, t));
    // Tagging: bucket vs object.
    assert_eq!(sal("REST.GET.TAGGING", false, "tagging"), resolved("GetBucketTagging", Read, t));
    assert_eq!(sal("REST.GET.OBJECT_TAGGING", true, "tagging"), resolved("GetObjectTagging", Read, t));
    assert_eq!(sal("REST.PUT.TAGGING", false, "tagging"), resolved("PutBucketTagging", Update, t));
    assert_eq!(sal("REST.PUT.OBJECT_TAGGING", true, "tagging"), resolved("PutObjectTagging", Update, t));
    assert_eq!(sal("REST.DELETE.OBJECT_TAGGING", true, "tagging"), resolved("DeleteObjectTagging", Delete, t));
    // Basic object calls and activities.
    assert_eq!(sal("REST.GET.OBJECT", true, ""), resolved("GetObject", Read, t));
    assert_eq!(sal("REST.HEAD.OBJECT", true, ""), resolved("HeadObject", Read, t));
    assert_eq!(sal("REST.PUT.OBJECT", true, ""), resolved("PutObject", Create, t));
    assert_eq!(sal("REST.DELETE.OBJECT", true, ""), resolved("DeleteObject", Delete, t));
    assert_eq!(sal("REST.POST.UPLOADS", true, "uploads"), resolved("CreateMultipartUpload", Create, t));
    assert_eq!(sal("REST.PUT.PART", true, "partNumber=1&uploadId=u"), resolved("UploadPart", Create, t));
    assert_eq!(sal("REST.POST.UPLOAD", true, "uploadId=u"), resolved("CompleteMultipartUpload", Create, t));
    assert_eq!(sal("REST.DELETE.UPLOAD", true, "uploadId=u"), resolved("AbortMultipartUpload", Delete, t));
    assert_eq!(sal("REST.POST.RESTORE", true, "restore"), resolved("RestoreObject", Update, t));
    assert_eq!(sal("REST.POST.SELECT", true, "select&select-type=2"), resolved("SelectObjectContent", Read, t));
    assert_eq!(sal("REST.PUT.BUCKET", false, ""), resolved("CreateBucket", Create, t));
    assert_eq!(sal("REST.PUT.BUCKETPOLICY", false, "policy"), resolved("PutBucketPolicy", Update, t));
    assert_eq!(sal("REST.GET.OBJECT_LOCK_CONFIGURATION", false, ""), resolved("GetBucketObjectLockConfiguration", Read, t));
    assert_eq!(sal("REST.GET.LOGGING_STATUS", false, "logging"), resolved("GetBucketLogging", Read, t));
    assert_eq!(sal("REST.GET.ACCELERATE", false, "accelerate"), resolved("GetAccelerateConfiguration", Read, t));
}

#[test]
fn sal_only_operations_are_marked_and_classified() {
    use Activity::*;
    let f = Some(false);
    assert_eq!(sal("S3.EXPIRE.OBJECT", true, ""), resolved("LifecycleExpireObject", Delete, f));
    assert_eq!(sal("S3.CREATE.DELETEMARKER", true, ""), resolved("LifecycleCreateDeleteMarker", Delete, f));
    assert_eq!(sal("S3.TRANSITION_GDA.OBJECT", true, ""), resolved("LifecycleTransitionObject", Update, f));
    assert_eq!(sal("S3.DELETE.UPLOAD", true, ""), resolved("LifecycleAbortMultipartUpload", Delete, f));
    assert_eq!(sal("WEBSITE.GET.OBJECT", true, ""), resolved("WebsiteGetObject", Read, f));
    assert_eq!(sal("WEBSITE.HEAD.OBJECT", true, ""), resolved("WebsiteHeadObject", Read, f));
    // CORS preflight: CloudTrail logs it under a name nobody has published, so no claim either way.
    assert_eq!(sal("REST.OPTIONS.PREFLIGHT", true, ""), resolved("OptionsPreflight", Other, None));
    assert_eq!(sal("S3.COMPUTE.OBJECT.CHECKSUM", true, ""), resolved("ComputeObjectChecksum", Other, f));
    // SOAP: same action name as REST, no CloudTrail counterpart.
    assert_eq!(sal("SOAP.PUT.OBJECT", true, ""), resolved("PutObject", Create, f));
    assert_eq!(sal("SOAP.GET.OBJECT", true, ""), resolved("GetObject", Read, f));
    // The eventName lookup still prefers the REST row (CloudTrail data event).
    assert_eq!(find_event_name("PutObject").unwrap().sal, Some("REST.PUT.OBJECT"));
    assert_eq!(find_event_name("GetObject").unwrap().sal, Some("REST.GET.OBJECT"));
}

#[test]
fn event_names_resolve_from_the_table() {
    use Activity::*;
    let ev = |n: &str| {
        let r = resolve_event_name(n);
        (r.operation.into_owned(), r.activity, r.cloudtrail_equivalent)
    };
    assert_eq!(ev("GetObject"), resolved("GetObject", Read, Some(true)));
    assert_eq!(ev("PutObject"), resolved("PutObject", Create, Some(true)));
    assert_eq!(ev("PutBucketPolicy"), resolved("PutBucketPolicy", Update, Some(true)));
    assert_eq!(ev("DeleteObjects"), resolved("DeleteObjects", Delete, Some(true)));
    assert_eq!(ev("ListObjects"), resolved("ListObjects", Read, Some(true)));
    assert_eq!(ev("CompleteMultipartUpload"), resolved("CompleteMultipartUpload", Create, Some(true)));
    assert_eq!(ev("RestoreObject"), resolved("RestoreObject", Update, Some(true)));
    // Table hits borrow the static name.
    assert!(matches!(resolve_event_name("GetObject").operation, std::borrow::Cow::Borrowed(_)));
    assert!(matches!(resolve_sal("REST.GET.OBJECT", true, "").operation, std::borrow::Cow::Borrowed(_)));
}

#[test]
fn unknown_and_synthetic_event_names_stay_as_given() {
    use Activity::*;
    // Panther's synthetic names: CloudTrail never emits them, and they are not rewritten.
    for name in ["ListBucket", "ListAllMyBuckets"] {
        assert!(find_event_name(name).is_none(), "{name} must not be a row");
        let r = resolve_event_name(name);
        assert_eq!((r.operation.as_ref(), r.activity, r.cloudtrail_equivalent), (name, Read, Some(true)));
    }
    for (name, activity) in [
        ("DescribeJob", Read),
        ("SelectSomething", Read),
        ("CreateAccessPoint", Create),
        ("PostSomething", Create),
        ("CopySomething", Create),
        ("UploadSomething", Create),
        ("PutAccessPointPolicy", Update),
        ("UpdateJobStatus", Update),
        ("RestoreSomething", Update),
        ("DeleteAccessPoint", Delete),
        ("AbortSomething", Delete),
        ("WriteGetObjectResponse", Other),
        ("Getaway", Other),
        ("", Other),
    ] {
        let r = resolve_event_name(name);
        assert_eq!(r.operation, name);
        assert_eq!(r.activity, activity, "{name}");
        assert_eq!(r.cloudtrail_equivalent, Some(true));
    }
}

// ---------------------------------------------------------------------------------------------
// Unknown SAL operations and hostile input
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_sal_operations_use_the_grammar() {
    use Activity::*;
    assert_eq!(sal("REST.GET.FOO_BAR", false, ""), resolved("GetFooBar", Read, None));
    assert_eq!(sal("REST.HEAD.FOO", true, ""), resolved("HeadFoo", Read, None));
    assert_eq!(sal("REST.DELETE.SOMETHING_NEW", false, ""), resolved("DeleteSomethingNew", Delete, None));
    assert_eq!(sal("REST.PUT.SOMETHING_NEW", false, ""), resolved("PutSomethingNew", Other, None));
    assert_eq!(sal("REST.POST.X", false, ""), resolved("PostX", Other, None));
    assert_eq!(sal("REST.OPTIONS.FAKE", false, ""), resolved("OptionsFake", Other, None)); // elastic/beats synthetic
    assert_eq!(sal("REST.PATCH.OBJECT", true, ""), resolved("PatchObject", Other, None));
    assert_eq!(sal("REST.COPY.THING", true, ""), resolved("CopyThing", Other, None));
    assert_eq!(sal("WEBSITE.PUT.OBJECT", true, ""), resolved("WebsitePutObject", Other, None));
    assert_eq!(sal("SOAP.ListAllMyBuckets", false, ""), resolved("ListAllMyBuckets", Read, None));
    assert_eq!(sal("SOAP.DeleteObject", true, ""), resolved("DeleteObject", Delete, None));
    // Outside the grammar: the raw text.
    for raw in ["garbage", "S3.TRANSITION_NEW.OBJECT", "REST.FETCH.OBJECT", "REST.GET", "rest.get.object", "-"] {
        assert_eq!(sal(raw, false, ""), resolved(raw, Other, None), "{raw}");
    }
}

#[test]
fn rule_matching_uses_exact_parameter_names() {
    assert!(Rule::QueryHas("id").matches(false, "analytics&id=x"));
    assert!(!Rule::QueryHas("id").matches(false, "uploadId=1"));
    assert!(Rule::QueryLacks("id").matches(false, "uploadId=1"));
    assert!(Rule::KeyPresent.matches(true, ""));
    assert!(!Rule::KeyPresent.matches(false, ""));
    assert!(Rule::KeyAbsent.matches(false, ""));
    assert!(Rule::Always.matches(false, "anything"));
}

#[test]
fn query_has_param_edge_cases() {
    assert!(query_has_param("analytics&id=x", "id"));
    assert!(query_has_param("id", "id"));
    assert!(query_has_param("id=", "id"));
    assert!(query_has_param("id=a=b", "id"));
    assert!(query_has_param("a&id", "id"));
    assert!(query_has_param("?id=1", "id"));
    assert!(query_has_param("&&id=1&&", "id"));
    assert!(query_has_param("list-type=2", "list-type"));
    assert!(!query_has_param("uploadId=1", "id"));
    assert!(!query_has_param("Id=1", "id"));
    assert!(!query_has_param("ids=1", "id"));
    assert!(!query_has_param("x=id", "id"));
    assert!(!query_has_param("i%64=1", "id"));
    assert!(!query_has_param("", "id"));
    assert!(!query_has_param("?", "id"));
    assert!(!query_has_param("=", "id"));
    assert!(!query_has_param("id=1", ""));
    assert!(!query_has_param("é=1&ü", "id"));
    assert!(query_has_param("é=1&ü", "ü"));
}

#[test]
fn weird_input_never_panics() {
    let long = "REST.GET.".to_owned() + &"A_".repeat(10_000);
    let inputs = [
        "",
        ".",
        "..",
        "...",
        "REST.",
        "REST..",
        "REST.GET.",
        "REST..OBJECT",
        ".GET.OBJECT",
        "REST.GET.ÄÖ",
        "REST.GÉT.OBJECT",
        "日本語",
        "SOAP.",
        "SOAP.é",
        "WEBSITE.",
        "\0",
        "REST.GET.OBJECT\n",
        " REST.GET.OBJECT",
        "REST.GET.A.B.C.D.E",
        "S3",
        long.as_str(),
    ];
    for op in inputs {
        for has_key in [false, true] {
            for q in ["", "?", "&", "=", "&&==", "id=ü", "日本=語", "\u{FFFD}"] {
                let r = resolve_sal(op, has_key, q);
                assert_eq!(r.cloudtrail_equivalent, None, "{op:?} is not in the table");
            }
        }
        let _ = resolve_event_name(op);
    }
    assert_eq!(sal(&long, false, "").0.len(), "Get".len() + 10_000);
    // Near misses of table keys do not match the table.
    assert_eq!(resolve_sal("REST.GET.OBJEC", true, "").cloudtrail_equivalent, None);
    assert_eq!(resolve_sal("REST.GET.OBJECTS", true, "").cloudtrail_equivalent, None);
    assert!(find_event_name("getobject").is_none());
    assert!(find_event_name("GetObjec").is_none());
}

proptest! {
    #[test]
    fn resolve_never_panics_and_only_table_keys_hit(op in any::<String>(), has_key in any::<bool>(), q in any::<String>()) {
        let r = resolve_sal(&op, has_key, &q);
        prop_assert_eq!(r.cloudtrail_equivalent.is_some(), OPERATIONS.iter().any(|row| row.sal == Some(op.as_str())));
        let e = resolve_event_name(&op);
        prop_assert_eq!(e.operation.as_ref(), op.as_str());
        let _ = query_has_param(&q, &op);
    }

    #[test]
    fn grammar_names_are_camel_case(method in "(GET|HEAD|PUT|POST|DELETE|OPTIONS|PATCH|COPY)", resource in "[A-Z][A-Z0-9_]{0,20}") {
        let op = format!("REST.{method}.{resource}");
        let r = resolve_sal(&op, false, "");
        if r.cloudtrail_equivalent.is_none() {
            prop_assert!(r.operation.bytes().all(|b| b.is_ascii_alphanumeric()));
            prop_assert!(r.operation.as_bytes()[0].is_ascii_uppercase());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What the evidence leaves open (issue: the table's evidence, checked against AWS and real logs)
// ---------------------------------------------------------------------------------------------

#[test]
fn preflight_is_logged_by_cloudtrail_under_an_unknown_name() {
    // AWS S3 User Guide: OPTIONS object "is treated like a bucket-level action in CloudTrail
    // logging"; no document names the eventName.
    let row = find_sal("REST.OPTIONS.PREFLIGHT", true, "").unwrap();
    assert_eq!(row.cloudtrail, Logged::UnknownName);
    assert_eq!(row.cloudtrail.equivalent(), None);
    let unknown: Vec<&str> = OPERATIONS.iter().filter(|r| r.cloudtrail == Logged::UnknownName).map(|r| r.operation).collect();
    assert_eq!(unknown, ["OptionsPreflight"]);
}

#[test]
fn unverified_rows_are_exactly_those_the_evidence_leaves_open() {
    use s3norm::operations::Unverified::{self, *};
    let mut marked: BTreeMap<(&str, Option<&str>), Unverified> = BTreeMap::new();
    for r in OPERATIONS {
        if let Some(u) = r.unverified {
            marked.insert((r.operation, r.sal), u);
        }
    }
    let expected = BTreeMap::from([
        // In no AWS CloudTrail list (shared/reference/aws_doc_cloudtrail_s3_eventnames.csv).
        (("ListMultipartUploads", Some("REST.GET.UPLOADS")), CloudTrailName),
        (("ListMultipartUploads", Some("REST.HEAD.UPLOADS")), CloudTrailName),
        (("ListBucketAnalyticsConfigurations", Some("REST.GET.ANALYTICS")), CloudTrailName),
        (("ListBucketInventoryConfigurations", Some("REST.GET.INVENTORY")), CloudTrailName),
        (("ListBucketMetricsConfigurations", Some("REST.GET.METRICS")), CloudTrailName),
        (("ListBucketIntelligentTieringConfigurations", Some("REST.GET.INTELLIGENT_TIERING")), CloudTrailName),
        // Named only in an old developer guide.
        (("PostObject", Some("REST.POST.BUCKET")), CloudTrailName),
        (("PostObject", Some("REST.POST.OBJECT")), CloudTrailName),
        // The part copy's two records sharing one request ID is assumed (confirmed for CopyObject).
        (("UploadPartCopy", Some("REST.COPY.PART")), SharedRequestId),
        (("UploadPartCopy", Some("REST.COPY.PART_GET")), SharedRequestId),
    ]);
    assert_eq!(marked, expected);
    // None of the unverified CloudTrail names is in AWS's list.
    for ((name, _), u) in &expected {
        if *u == CloudTrailName {
            assert!(!AWS_CLOUDTRAIL_EVENT_NAMES.contains(name), "{name} is in AWS's list: verified");
        }
    }
    // The copy pair whose request ID sharing real 2014 lines show is not marked.
    assert_eq!(find_sal("REST.COPY.OBJECT_GET", true, "").unwrap().unverified, None);
}

#[test]
fn sal_logs_says_which_requests_a_server_access_log_can_hold() {
    for r in OPERATIONS {
        match (r.operation, r.sal) {
            // Bracketing a bucket's life: no logging configuration before it or after it. (The
            // retired SOAP API's 2006 example line is a record SAL did hold, of no CloudTrail event.)
            ("CreateBucket", Some("REST.PUT.BUCKET")) | ("DeleteBucket", Some("REST.DELETE.BUCKET")) => assert!(!r.sal_logs, "{r:?}"),
            // An access point list: CloudTrail says ListObjectsV2, SAL says REST.GET.BUCKET.
            ("ListObjectsV2", _) => assert!(r.sal_logs && r.sal.is_none(), "{r:?}"),
            _ => assert_eq!(r.sal_logs, r.sal.is_some(), "{r:?}"),
        }
    }
    for name in ["ListBuckets", "GetAccountPublicAccessBlock", "CreateSession"] {
        assert!(!find_event_name(name).unwrap().sal_logs, "{name}");
    }
}
