//! The operation table: the one place that says what each S3 operation is called, what kind of
//! activity it is, and which source logs it.
//!
//! Both sources name the same request differently: a server access log (SAL) line says
//! `REST.GET.ACL`, CloudTrail says `GetObjectAcl` or `GetBucketAcl`. The unified schema
//! (`shared/spec/unified-schema.md`) uses CloudTrail's eventName vocabulary for `api.operation`,
//! so every SAL operation is translated here, and nowhere else.
//!
//! # Columns ([`Operation`])
//! - `operation`: the canonical `api.operation`. For anything CloudTrail logs, the exact
//!   eventName CloudTrail writes (`GetBucketLifecycle`, not the API name
//!   `GetBucketLifecycleConfiguration`; `ListObjects` also for ListObjectsV2 on general purpose
//!   buckets). For operations CloudTrail never logs, a stable descriptive name in the same
//!   CamelCase style (see "SAL-only names" below).
//! - `sal`: the SAL Operation field text, `None` when SAL has no spelling for it (CloudTrail-only
//!   rows: account-level and directory-bucket calls, and APIs whose SAL spelling is not known).
//! - `rule`: disambiguates rows that share one SAL operation ([`Rule`]).
//! - `activity`: the OCSF activity (below).
//! - `cloudtrail`: whether CloudTrail logs the operation, and as which kind of event ([`Logged`]);
//!   [`Logged::UnknownName`] where AWS says CloudTrail logs it but no document names the eventName.
//! - `sal_logs`: whether a server access log can hold a successful request of this operation.
//!   False for calls that are not requests to a bucket (no SAL spelling: `ListBuckets`, account
//!   calls) and for the two that bracket a bucket's life (`CreateBucket`: no logging configuration
//!   can exist before the bucket; `DeleteBucket`: none outlives it). True for `ListObjectsV2`
//!   although it has no SAL spelling of its own: through an access point CloudTrail may call a list
//!   `ListObjectsV2` while SAL writes `REST.GET.BUCKET`, which reads as `ListObjects`.
//! - `unverified`: what about the row no AWS document or real log confirms ([`Unverified`]): the
//!   CloudTrail eventName, or that the two SAL records of one request share its request ID. The
//!   coverage report (`crate::correlate`) says "unverified" for these rows instead of asserting
//!   a reason.
//! - `note`: the evidence for the pairing and its confidence, or why a name was chosen. Evidence keys
//!   are those of `shared/reference/mapping_sources.md`; "derived" means the SAL spelling follows
//!   the `REST.<METHOD>.<RESOURCE>` convention and has not been seen in a real AWS log yet.
//!
//! # Rules
//! Rows with the same `sal` are tried in table order; the first whose [`Rule`] matches wins. Every
//! group of rows for one SAL operation is exhaustive (`KeyPresent` + `KeyAbsent`,
//! `QueryHas(p)` + `QueryLacks(p)`, or a single `Always`); a test checks it.
//!
//! # Activity
//! Chosen by what the call does to the S3 resource, so that the SAL and CloudTrail views of one
//! request get the same `activity_id`:
//! - Read (2): `Get*`, `List*`, `Head*`, `SelectObjectContent`, and website-endpoint reads.
//! - Create (1): calls that bring a new object, part, upload, bucket or session into being:
//!   `PutObject`, `PostObject`, `CopyObject`, `CreateMultipartUpload`, `UploadPart`,
//!   `UploadPartCopy`, `CompleteMultipartUpload`, `CreateBucket`, `Create*`.
//!
//!   Both SAL halves of a copy are the copy: S3 writes the GET half (`REST.COPY.OBJECT_GET`,
//!   `REST.COPY.PART_GET`) with the same request ID as the PUT half (kdgm's real 2014 pair,
//!   `5E493280357FAC3B`), and CloudTrail writes one `CopyObject` record for the call, whose
//!   activity is Create. So the GET half keeps the call's operation and activity, and what sets it
//!   apart is the role of what it lists: CloudTrail's `CopyObject` names the destination as the
//!   resource (`bucketName`/`key`, `resources[]`) and the source only as a request parameter
//!   (`x-amz-copy-source`), so the source bucket and object the GET half lists carry
//!   `role_id` 99 / `role` "Copy Source" ([`is_copy_source`]), never the plain role of a target.
//! - Update (3): calls that change something that already exists: `Put<bucket config>`,
//!   `PutObjectAcl`/`Tagging`/`LegalHold`/`Retention`/`Annotation`, `Update*`, `RestoreObject`
//!   (changes the object's restore state) and lifecycle transitions (change its storage class).
//! - Delete (4): `Delete*`, `AbortMultipartUpload`, and the lifecycle actions that remove data or
//!   add a delete marker (expiration, delete marker, abort of an incomplete upload).
//! - Other (99): everything else: CORS preflight, checksum computation, and the malformed
//!   method/resource combinations scanners send.
//!
//! # SAL-only names
//! Operations CloudTrail never logs get a name that says where they come from, so they can never
//! be mistaken for a CloudTrail eventName: `Lifecycle*` for the `S3.*` lifecycle actions logged by
//! requester `AmazonS3` (`LifecycleExpireObject`, `LifecycleCreateDeleteMarker`,
//! `LifecycleTransitionObject` for every storage-class variant, `LifecycleAbortMultipartUpload`),
//! `Website*` for the static-website endpoint (`WebsiteGetObject`, `WebsiteHeadObject`), and the
//! REST-grammar name (the one [`resolve_sal`] would derive) for the rest (`PostTorrent`,
//! `PatchBucket`, ...). Their rows say `cloudtrail: Logged::No`, which becomes
//! `unmapped.s3.cloudtrail_equivalent: false`. The CORS preflight keeps its grammar name,
//! `OptionsPreflight`, but CloudTrail does log it under a name nobody has published
//! ([`Logged::UnknownName`]), so its events leave `cloudtrail_equivalent` out.
//!
//! # Lookups
//! Called once per log line, so each lookup is a binary search over a static index of
//! `(hash of the key, row)` pairs (one by `sal`, one by `operation`), built once at first use
//! without heap allocation; a table hit allocates nothing (~30 ns). An operation not in
//! the table is not an error: [`resolve_sal`] derives a name from the SAL grammar, and
//! [`resolve_event_name`] keeps CloudTrail's name as given (synthetic names such as `ListBucket`
//! are never rewritten).

use serde::Serialize;
use std::borrow::Cow;
use std::sync::OnceLock;

/// OCSF activity of an API call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Activity {
    Create,
    Read,
    Update,
    Delete,
    Other,
}

impl Activity {
    /// OCSF `activity_id`.
    pub fn id(self) -> u8 {
        match self {
            Activity::Create => 1,
            Activity::Read => 2,
            Activity::Update => 3,
            Activity::Delete => 4,
            Activity::Other => 99,
        }
    }
    /// OCSF `activity_name`.
    pub fn name(self) -> &'static str {
        match self {
            Activity::Create => "Create",
            Activity::Read => "Read",
            Activity::Update => "Update",
            Activity::Delete => "Delete",
            Activity::Other => "Other",
        }
    }
}

/// Whether and how CloudTrail logs an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Logged {
    /// A data event (must be enabled on the trail).
    Data,
    /// A management event (logged by default).
    Management,
    /// CloudTrail never logs it.
    No,
    /// AWS says CloudTrail logs it, but no document names the eventName (CORS preflight: "treated
    /// like a bucket-level action in CloudTrail logging"). `cloudtrail_equivalent` is left out.
    UnknownName,
}

/// What about a row is not confirmed by AWS documentation or a real log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Unverified {
    /// The CloudTrail eventName: in no AWS CloudTrail list (or only in an old guide).
    CloudTrailName,
    /// That the row's two SAL records of one request (destination and source side) carry the same
    /// request ID, as they do for `REST.COPY.OBJECT` in real logs.
    SharedRequestId,
}

impl Logged {
    /// `unmapped.s3.cloudtrail_equivalent` for a SAL record of a row: whether CloudTrail logs the
    /// request too; `None` when the table does not know.
    pub fn equivalent(self) -> Option<bool> {
        match self {
            Logged::Data | Logged::Management => Some(true),
            Logged::No => Some(false),
            Logged::UnknownName => None,
        }
    }
}

/// How to choose among the rows that share one SAL operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Rule {
    /// The only row for its SAL operation.
    Always,
    /// The record has an object key (SAL Key field is not `-`).
    KeyPresent,
    /// The record has no object key.
    KeyAbsent,
    /// The request's query string has a parameter with exactly this name ([`query_has_param`]).
    QueryHas(&'static str),
    /// The request's query string has no parameter with this name.
    QueryLacks(&'static str),
}

impl Rule {
    /// Whether a request with this key presence and query string satisfies the rule.
    pub fn matches(self, has_key: bool, query: &str) -> bool {
        match self {
            Rule::Always => true,
            Rule::KeyPresent => has_key,
            Rule::KeyAbsent => !has_key,
            Rule::QueryHas(p) => query_has_param(query, p),
            Rule::QueryLacks(p) => !query_has_param(query, p),
        }
    }
}

/// One row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Operation {
    /// Canonical `api.operation` (CloudTrail eventName vocabulary).
    pub operation: &'static str,
    /// SAL Operation text, `None` when SAL never logs it (or its spelling is unknown).
    pub sal: Option<&'static str>,
    /// Disambiguation among rows with the same `sal`.
    pub rule: Rule,
    pub activity: Activity,
    /// Whether and how CloudTrail logs it.
    pub cloudtrail: Logged,
    /// Whether a server access log can hold a successful request of this operation (module docs).
    pub sal_logs: bool,
    /// What about this row is not confirmed, if anything.
    pub unverified: Option<Unverified>,
    /// Evidence and confidence, or why the name was chosen.
    pub note: &'static str,
}

/// What an operation resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolved {
    /// Canonical `api.operation` (CloudTrail eventName vocabulary).
    pub operation: Cow<'static, str>,
    pub activity: Activity,
    /// Whether CloudTrail logs this operation; `None` when the operation is not in the table or
    /// the table does not know ([`Logged::UnknownName`]).
    pub cloudtrail_equivalent: Option<bool>,
}

/// The whole table, in its documented order.
pub static OPERATIONS: &[Operation] = rows::TABLE;

/// The table itself. Row helpers keep each row on one line:
/// `both` = SAL and CloudTrail, `sal_only` = CloudTrail never logs it, `ct_only` = no SAL spelling.
mod rows {
    use super::Activity::*;
    use super::Logged::{self, *};
    use super::Rule::{self, *};
    use super::Unverified::*;
    use super::{Activity, Operation, Unverified};

    const fn both(
        operation: &'static str,
        sal: &'static str,
        rule: Rule,
        activity: Activity,
        cloudtrail: Logged,
        note: &'static str,
    ) -> Operation {
        Operation { operation, sal: Some(sal), rule, activity, cloudtrail, sal_logs: true, unverified: None, note }
    }
    const fn sal_only(operation: &'static str, sal: &'static str, rule: Rule, activity: Activity, note: &'static str) -> Operation {
        both(operation, sal, rule, activity, No, note)
    }
    const fn ct_only(operation: &'static str, activity: Activity, cloudtrail: Logged, note: &'static str) -> Operation {
        Operation { operation, sal: None, rule: Always, activity, cloudtrail, sal_logs: false, unverified: None, note }
    }
    const fn unverified(mut row: Operation, what: Unverified) -> Operation {
        row.unverified = Some(what);
        row
    }
    const fn sal_logs(mut row: Operation, logs: bool) -> Operation {
        row.sal_logs = logs;
        row
    }

    #[rustfmt::skip]
    pub(super) const TABLE: &[Operation] = &[
        // ---- Objects: reads --------------------------------------------------------------------
        both("GetObject", "REST.GET.OBJECT", Always, Read, Data, "AWS paired aclRequired table (HIGH)"),
        both("GetObject", "REST.GET.PART", Always, Read, Data, "GET ?partNumber=N is GetObject with a partNumber parameter; dandi real logs (MEDIUM)"),
        both("HeadObject", "REST.HEAD.OBJECT", Always, Read, Data, "OBS-MATWERBER, OBS-DIGITALCORPORA (MEDIUM)"),
        both("HeadObject", "REST.HEAD.PART", Always, Read, Data, "HEAD ?partNumber=N is HeadObject with a partNumber parameter; dandi real logs (MEDIUM)"),
        both("GetObjectAcl", "REST.GET.ACL", KeyPresent, Read, Data, "REST.GET.ACL shared with GetBucketAcl: a key means the object (MEDIUM)"),
        both("GetBucketAcl", "REST.GET.ACL", KeyAbsent, Read, Management, "REST.GET.ACL without a key is the bucket ACL (MEDIUM)"),
        both("GetObjectTagging", "REST.GET.OBJECT_TAGGING", Always, Read, Data, "object tagging is OBJECT_TAGGING, bucket tagging is TAGGING (MEDIUM)"),
        both("GetObjectAttributes", "REST.GET.OBJECT_ATTRIBUTES", Always, Read, Data, "OBS-DIGITALCORPORA (MEDIUM)"),
        both("GetObjectLegalHold", "REST.GET.LEGAL_HOLD", Always, Read, Data, "derived from REST.PUT.LEGAL_HOLD (Ceph RGW uses AWS's names) (LOW)"),
        both("GetObjectRetention", "REST.GET.RETENTION", Always, Read, Data, "derived from REST.PUT.RETENTION (Ceph RGW uses AWS's names) (LOW)"),
        both("GetObjectTorrent", "REST.GET.TORRENT", Always, Read, Data, "derived; HEAD/POST .TORRENT seen from scanners (LOW)"),
        both("GetObjectTorrent", "REST.HEAD.TORRENT", Always, Read, Data, "HEAD on ?torrent, scanner traffic; assumed served as the GET (LOW)"),
        both("SelectObjectContent", "REST.POST.SELECT", Always, Read, Data, "POST ?select&select-type=2; OBS-DIGITALCORPORA (MEDIUM)"),
        both("ListParts", "REST.GET.UPLOAD", Always, Read, Data, "GET ?uploadId (singular UPLOAD); OBS-DIGITALCORPORA (MEDIUM)"),
        both("ListObjects", "REST.GET.BUCKET", Always, Read, Data, "AWS paired aclRequired table; list-type=2 is also ListObjects in CloudTrail (OTRF-REAL) (HIGH)"),
        both("ListObjectVersions", "REST.GET.BUCKETVERSIONS", Always, Read, Data, "GET ?versions; OBS-DIGITALCORPORA (MEDIUM)"),
        both("ListObjectVersions", "REST.HEAD.BUCKETVERSIONS", Always, Read, Data, "HEAD ?versions (dandi real logs); assumed served as the GET (LOW)"),
        unverified(both("ListMultipartUploads", "REST.GET.UPLOADS", Always, Read, Management, "GET ?uploads; in no AWS CloudTrail list, S3 logs non-data calls as management events (LOW)"), CloudTrailName),
        unverified(both("ListMultipartUploads", "REST.HEAD.UPLOADS", Always, Read, Management, "HEAD ?uploads (dandi real logs); assumed served as the GET (LOW)"), CloudTrailName),
        both("HeadBucket", "REST.HEAD.BUCKET", Always, Read, Data, "AWS: HeadBucket is logged as a data event (MEDIUM-HIGH)"),

        // ---- Objects: writes -------------------------------------------------------------------
        both("PutObject", "REST.PUT.OBJECT", Always, Create, Data, "AWS paired aclRequired table (HIGH)"),
        unverified(both("PostObject", "REST.POST.BUCKET", Always, Create, Data, "browser form upload POSTs to the bucket URL, key in the form; CloudTrail name unverified (LOW)"), CloudTrailName),
        unverified(both("PostObject", "REST.POST.OBJECT", Always, Create, Data, "POST to an object URL; CloudTrail name unverified (LOW)"), CloudTrailName),
        both("CopyObject", "REST.COPY.OBJECT", Always, Create, Data, "destination-side record of a copy (MEDIUM-HIGH)"),
        both("CopyObject", "REST.COPY.OBJECT_GET", Always, Create, Data, "source-side (GET) record of the same copy (AWS LogFormat), same request ID as REST.COPY.OBJECT (kdgm real 2014 pair): the one CloudTrail CopyObject (Create) covers both; CloudTrail names the source only in x-amz-copy-source, so its bucket and object here carry role Copy Source (MEDIUM-HIGH)"),
        both("CreateMultipartUpload", "REST.POST.UPLOADS", Always, Create, Data, "POST ?uploads (plural); OBS-DIGITALCORPORA (MEDIUM)"),
        both("UploadPart", "REST.PUT.PART", Always, Create, Data, "PUT ?partNumber&uploadId (MEDIUM)"),
        unverified(both("UploadPartCopy", "REST.COPY.PART", Always, Create, Data, "destination-side record of a part copy (MEDIUM)"), SharedRequestId),
        unverified(both("UploadPartCopy", "REST.COPY.PART_GET", Always, Create, Data, "source-side (GET) record of the same part copy: the CloudTrail UploadPartCopy (Create) covers both; its bucket and object carry role Copy Source, as for REST.COPY.OBJECT_GET (MEDIUM)"), SharedRequestId),
        both("CompleteMultipartUpload", "REST.POST.UPLOAD", Always, Create, Data, "POST ?uploadId (singular UPLOAD) (MEDIUM)"),
        both("PutObjectAcl", "REST.PUT.ACL", KeyPresent, Update, Data, "AWS paired aclRequired table: REST.PUT.ACL with a key (HIGH)"),
        both("PutBucketAcl", "REST.PUT.ACL", KeyAbsent, Update, Management, "AWS paired aclRequired table: REST.PUT.ACL without a key (HIGH)"),
        both("PutObjectTagging", "REST.PUT.OBJECT_TAGGING", Always, Update, Data, "Netflix consoleme op map (LOW-MEDIUM)"),
        both("PutObjectLegalHold", "REST.PUT.LEGAL_HOLD", Always, Update, Data, "Ceph RGW docs map PutObjectLegalHold to it (LOW-MEDIUM)"),
        both("PutObjectRetention", "REST.PUT.RETENTION", Always, Update, Data, "Ceph RGW docs map PutObjectRetention to it (LOW-MEDIUM)"),
        both("RestoreObject", "REST.POST.RESTORE", Always, Update, Data, "POST ?restore changes the object's restore state; OBS-DIGITALCORPORA (MEDIUM)"),

        // ---- Objects: deletes ------------------------------------------------------------------
        both("DeleteObject", "REST.DELETE.OBJECT", Always, Delete, Data, "AWS paired aclRequired table (HIGH)"),
        both("DeleteObjects", "REST.POST.MULTI_OBJECT_DELETE", Always, Delete, Data, "POST ?delete; its BATCH.DELETE.OBJECT lines carry its request ID (hadoop real 2021 lines) (MEDIUM-HIGH)"),
        both("DeleteObject", "BATCH.DELETE.OBJECT", Always, Delete, Data, "per-key record of a multi-object delete; CloudTrail now logs one DeleteObject per key (AWS-CT-S3-DOC)"),
        both("DeleteObjectTagging", "REST.DELETE.OBJECT_TAGGING", Always, Delete, Data, "dandi real logs (MEDIUM)"),
        both("AbortMultipartUpload", "REST.DELETE.UPLOAD", Always, Delete, Data, "DELETE ?uploadId; the lifecycle abort is S3.DELETE.UPLOAD (MEDIUM)"),

        // ---- Objects: CloudTrail-only data events (no known SAL spelling) ----------------------
        ct_only("PutObjectAnnotation", Update, Data, "AWS-CT-S3-DOC data event list; SAL spelling unknown"),
        ct_only("GetObjectAnnotation", Read, Data, "AWS-CT-S3-DOC data event list; SAL spelling unknown"),
        ct_only("ListObjectAnnotations", Read, Data, "AWS-CT-S3-DOC data event list; SAL spelling unknown"),
        ct_only("DeleteObjectAnnotation", Delete, Data, "AWS-CT-S3-DOC data event list; SAL spelling unknown"),
        ct_only("UpdateObjectEncryption", Update, Data, "AWS-CT-S3-DOC data event list; SAL spelling unknown"),
        sal_logs(ct_only("ListObjectsV2", Read, Data, "AWS-CT-S3-DOC: directory buckets, access points, Outposts; general purpose buckets log ListObjects. Through an access point SAL writes REST.GET.BUCKET (which reads as ListObjects), so SAL does log it"), true),
        ct_only("CreateSession", Create, Data, "S3 Express One Zone (eventSource s3express.amazonaws.com); directory buckets have no SAL"),

        // ---- Buckets ---------------------------------------------------------------------------
        sal_logs(both("CreateBucket", "REST.PUT.BUCKET", Always, Create, Management, "PUT / ; a successful create is in no log (logging is configured on an existing bucket); failures on an existing bucket can be (MEDIUM)"), false),
        sal_logs(both("DeleteBucket", "REST.DELETE.BUCKET", Always, Delete, Management, "DELETE / ; dandi real logs hold failed attempts; a successful delete ends the bucket and its logging (MEDIUM)"), false),
        ct_only("ListBuckets", Read, Management, "service endpoint call, not a bucket request: no SAL"),
        ct_only("ListDirectoryBuckets", Read, Management, "S3 Express regional endpoint (s3express.amazonaws.com): no SAL"),
        both("GetBucketLocation", "REST.GET.LOCATION", Always, Read, Management, "GET ?location (MEDIUM)"),
        both("GetBucketPolicy", "REST.GET.BUCKETPOLICY", Always, Read, Management, "AWS LogFormat example (MEDIUM-HIGH)"),
        both("PutBucketPolicy", "REST.PUT.BUCKETPOLICY", Always, Update, Management, "OBS-MATWERBER (MEDIUM)"),
        both("DeleteBucketPolicy", "REST.DELETE.BUCKETPOLICY", Always, Delete, Management, "OBS-MATWERBER (MEDIUM)"),
        both("GetBucketPolicyStatus", "REST.GET.POLICY_STATUS", Always, Read, Management, "GET ?policyStatus (MEDIUM)"),
        both("GetBucketVersioning", "REST.GET.VERSIONING", Always, Read, Management, "AWS LogFormat example (MEDIUM-HIGH)"),
        both("PutBucketVersioning", "REST.PUT.VERSIONING", Always, Update, Management, "OBS-DIGITALCORPORA (MEDIUM)"),
        both("GetBucketLogging", "REST.GET.LOGGING_STATUS", Always, Read, Management, "AWS LogFormat example (MEDIUM-HIGH)"),
        both("PutBucketLogging", "REST.PUT.LOGGING_STATUS", Always, Update, Management, "OBS-MATWERBER (MEDIUM)"),
        both("GetBucketLifecycle", "REST.GET.LIFECYCLE", Always, Read, Management, "CloudTrail name, not the API name GetBucketLifecycleConfiguration (MEDIUM)"),
        both("PutBucketLifecycle", "REST.PUT.LIFECYCLE", Always, Update, Management, "CloudTrail name, not PutBucketLifecycleConfiguration; dandi real logs (MEDIUM)"),
        both("DeleteBucketLifecycle", "REST.DELETE.LIFECYCLE", Always, Delete, Management, "dandi real logs (MEDIUM)"),
        both("GetBucketCors", "REST.GET.CORS", Always, Read, Management, "OBS-MATWERBER (MEDIUM)"),
        both("PutBucketCors", "REST.PUT.CORS", Always, Update, Management, "dandi real logs (MEDIUM)"),
        both("DeleteBucketCors", "REST.DELETE.CORS", Always, Delete, Management, "derived (LOW)"),
        both("GetBucketEncryption", "REST.GET.ENCRYPTION", Always, Read, Management, "OBS-MATWERBER (MEDIUM)"),
        both("PutBucketEncryption", "REST.PUT.ENCRYPTION", Always, Update, Management, "derived (LOW)"),
        both("DeleteBucketEncryption", "REST.DELETE.ENCRYPTION", Always, Delete, Management, "derived (LOW)"),
        both("GetBucketReplication", "REST.GET.REPLICATION", Always, Read, Management, "OBS-MATWERBER (MEDIUM)"),
        both("PutBucketReplication", "REST.PUT.REPLICATION", Always, Update, Management, "derived (LOW)"),
        both("DeleteBucketReplication", "REST.DELETE.REPLICATION", Always, Delete, Management, "derived (LOW)"),
        both("GetBucketWebsite", "REST.GET.WEBSITE", Always, Read, Management, "OBS-MATWERBER (MEDIUM)"),
        both("PutBucketWebsite", "REST.PUT.WEBSITE", Always, Update, Management, "OBS-DIGITALCORPORA (MEDIUM)"),
        both("DeleteBucketWebsite", "REST.DELETE.WEBSITE", Always, Delete, Management, "derived; not in AWS's current eventName list (LOW)"),
        both("GetBucketNotification", "REST.GET.NOTIFICATION", Always, Read, Management, "CloudTrail name, not GetBucketNotificationConfiguration (MEDIUM)"),
        both("PutBucketNotification", "REST.PUT.NOTIFICATION", Always, Update, Management, "CloudTrail name, not PutBucketNotificationConfiguration (MEDIUM)"),
        both("GetBucketRequestPayment", "REST.GET.REQUEST_PAYMENT", Always, Read, Management, "OBS-MATWERBER (MEDIUM)"),
        both("PutBucketRequestPayment", "REST.PUT.REQUEST_PAYMENT", Always, Update, Management, "derived (LOW)"),
        both("GetAccelerateConfiguration", "REST.GET.ACCELERATE", Always, Read, Management, "CloudTrail name drops 'Bucket' (MEDIUM)"),
        both("PutAccelerateConfiguration", "REST.PUT.ACCELERATE", Always, Update, Management, "derived; CloudTrail name drops 'Bucket' (LOW)"),
        both("GetBucketObjectLockConfiguration", "REST.GET.OBJECT_LOCK_CONFIGURATION", Always, Read, Management, "CloudTrail name adds 'Bucket' (MEDIUM)"),
        both("PutBucketObjectLockConfiguration", "REST.PUT.OBJECT_LOCK_CONFIGURATION", Always, Update, Management, "derived; CloudTrail name adds 'Bucket' (LOW)"),
        both("GetBucketPublicAccessBlock", "REST.GET.PUBLIC_ACCESS_BLOCK", Always, Read, Management, "OBS-MATWERBER (MEDIUM)"),
        both("PutBucketPublicAccessBlock", "REST.PUT.PUBLIC_ACCESS_BLOCK", Always, Update, Management, "OBS-MATWERBER, consoleme (MEDIUM)"),
        both("DeleteBucketPublicAccessBlock", "REST.DELETE.PUBLIC_ACCESS_BLOCK", Always, Delete, Management, "derived (LOW)"),
        both("GetBucketOwnershipControls", "REST.GET.OWNERSHIP_CONTROLS", Always, Read, Management, "dandi real logs (MEDIUM)"),
        both("PutBucketOwnershipControls", "REST.PUT.OWNERSHIP_CONTROLS", Always, Update, Management, "dandi real logs (MEDIUM)"),
        both("DeleteBucketOwnershipControls", "REST.DELETE.OWNERSHIP_CONTROLS", Always, Delete, Management, "derived (LOW)"),
        both("GetBucketTagging", "REST.GET.TAGGING", Always, Read, Management, "bucket tagging is TAGGING, object tagging is OBJECT_TAGGING (MEDIUM)"),
        both("PutBucketTagging", "REST.PUT.TAGGING", Always, Update, Management, "OBS-MATWERBER (MEDIUM)"),
        both("DeleteBucketTagging", "REST.DELETE.TAGGING", Always, Delete, Management, "derived (LOW)"),

        // ---- Buckets: id-addressed configurations (GET with ?id= is Get, without is List) ----
        both("GetBucketAnalyticsConfiguration", "REST.GET.ANALYTICS", QueryHas("id"), Read, Management, "GET ?analytics&id= (MEDIUM)"),
        unverified(both("ListBucketAnalyticsConfigurations", "REST.GET.ANALYTICS", QueryLacks("id"), Read, Management, "GET ?analytics without id; in no AWS CloudTrail list, API name assumed (LOW)"), CloudTrailName),
        both("PutBucketAnalyticsConfiguration", "REST.PUT.ANALYTICS", Always, Update, Management, "OBS-MATWERBER (MEDIUM)"),
        both("DeleteBucketAnalyticsConfiguration", "REST.DELETE.ANALYTICS", Always, Delete, Management, "derived (LOW)"),
        both("GetBucketInventoryConfiguration", "REST.GET.INVENTORY", QueryHas("id"), Read, Management, "GET ?inventory&id= (MEDIUM)"),
        unverified(both("ListBucketInventoryConfigurations", "REST.GET.INVENTORY", QueryLacks("id"), Read, Management, "GET ?inventory without id; in no AWS CloudTrail list, API name assumed (LOW)"), CloudTrailName),
        both("PutBucketInventoryConfiguration", "REST.PUT.INVENTORY", Always, Update, Management, "dandi real logs (MEDIUM)"),
        both("DeleteBucketInventoryConfiguration", "REST.DELETE.INVENTORY", Always, Delete, Management, "derived (LOW)"),
        both("GetBucketMetricsConfiguration", "REST.GET.METRICS", QueryHas("id"), Read, Management, "GET ?metrics&id= (MEDIUM)"),
        unverified(both("ListBucketMetricsConfigurations", "REST.GET.METRICS", QueryLacks("id"), Read, Management, "GET ?metrics without id; in no AWS CloudTrail list, API name assumed (LOW)"), CloudTrailName),
        both("PutBucketMetricsConfiguration", "REST.PUT.METRICS", Always, Update, Management, "dandi real logs (MEDIUM)"),
        both("DeleteBucketMetricsConfiguration", "REST.DELETE.METRICS", Always, Delete, Management, "OBS-MATWERBER (MEDIUM)"),
        both("GetBucketIntelligentTieringConfiguration", "REST.GET.INTELLIGENT_TIERING", QueryHas("id"), Read, Management, "GET ?intelligent-tiering&id= (MEDIUM)"),
        unverified(both("ListBucketIntelligentTieringConfigurations", "REST.GET.INTELLIGENT_TIERING", QueryLacks("id"), Read, Management, "GET ?intelligent-tiering without id; in no AWS CloudTrail list, API name assumed (LOW)"), CloudTrailName),
        both("PutBucketIntelligentTieringConfiguration", "REST.PUT.INTELLIGENT_TIERING", Always, Update, Management, "derived (LOW)"),
        both("DeleteBucketIntelligentTieringConfiguration", "REST.DELETE.INTELLIGENT_TIERING", Always, Delete, Management, "derived (LOW)"),

        // ---- Buckets: CloudTrail-only (metadata tables: SAL spelling unknown) -----------------
        ct_only("CreateBucketMetadataConfiguration", Create, Management, "AWS-CT-S3-DOC (V2 API); SAL spelling unknown"),
        ct_only("CreateBucketMetadataTableConfiguration", Create, Management, "AWS-CT-S3-DOC (V1 API); SAL spelling unknown"),
        ct_only("GetBucketMetadataConfiguration", Read, Management, "AWS-CT-S3-DOC (V2 API); SAL spelling unknown"),
        ct_only("GetBucketMetadataTableConfiguration", Read, Management, "AWS-CT-S3-DOC (V1 API); SAL spelling unknown"),
        ct_only("DeleteBucketMetadataConfiguration", Delete, Management, "AWS-CT-S3-DOC (V2 API); SAL spelling unknown"),
        ct_only("DeleteBucketMetadataTableConfiguration", Delete, Management, "AWS-CT-S3-DOC (V1 API); SAL spelling unknown"),
        ct_only("UpdateBucketMetadataJournalTableConfiguration", Update, Management, "AWS-CT-S3-DOC; SAL spelling unknown"),
        ct_only("UpdateBucketMetadataInventoryTableConfiguration", Update, Management, "AWS-CT-S3-DOC; SAL spelling unknown"),
        ct_only("UpdateBucketMetadataAnnotationTableConfiguration", Update, Management, "AWS-CT-S3-DOC; SAL spelling unknown"),

        // ---- Account level (s3control): CloudTrail-only -------------------------------------
        ct_only("GetAccountPublicAccessBlock", Read, Management, "s3control GetPublicAccessBlock; not a bucket request: no SAL"),
        ct_only("PutAccountPublicAccessBlock", Update, Management, "s3control PutPublicAccessBlock; not a bucket request: no SAL"),
        ct_only("DeleteAccountPublicAccessBlock", Delete, Management, "s3control DeletePublicAccessBlock; not a bucket request: no SAL"),

        // ---- SAL-only: lifecycle (requester AmazonS3; AWS: not captured by CloudTrail) --------
        sal_only("LifecycleExpireObject", "S3.EXPIRE.OBJECT", Always, Delete, "lifecycle expiration; AWS-LIFECYCLE-DOC (HIGH)"),
        sal_only("LifecycleCreateDeleteMarker", "S3.CREATE.DELETEMARKER", Always, Delete, "lifecycle expiration of a current version in a versioned bucket; AWS-LIFECYCLE-DOC (HIGH)"),
        sal_only("LifecycleTransitionObject", "S3.TRANSITION.OBJECT", Always, Update, "to Glacier Flexible Retrieval; one name for every storage class, event_code keeps it (HIGH)"),
        sal_only("LifecycleTransitionObject", "S3.TRANSITION_SIA.OBJECT", Always, Update, "to Standard-IA; AWS-LIFECYCLE-DOC (HIGH)"),
        sal_only("LifecycleTransitionObject", "S3.TRANSITION_ZIA.OBJECT", Always, Update, "to One Zone-IA; AWS-LIFECYCLE-DOC (HIGH)"),
        sal_only("LifecycleTransitionObject", "S3.TRANSITION_INT.OBJECT", Always, Update, "to Intelligent-Tiering; AWS-LIFECYCLE-DOC, digitalcorpora real logs (HIGH)"),
        sal_only("LifecycleTransitionObject", "S3.TRANSITION_GIR.OBJECT", Always, Update, "to Glacier Instant Retrieval; AWS-LIFECYCLE-DOC (HIGH)"),
        sal_only("LifecycleTransitionObject", "S3.TRANSITION_GDA.OBJECT", Always, Update, "to Glacier Deep Archive; AWS-LIFECYCLE-DOC (HIGH)"),
        sal_only("LifecycleAbortMultipartUpload", "S3.DELETE.UPLOAD", Always, Delete, "lifecycle abort of an incomplete multipart upload; AWS-LIFECYCLE-DOC (HIGH)"),

        // ---- SAL-only: other service-side and endpoint-specific records ------------------------
        sal_only("ComputeObjectChecksum", "S3.COMPUTE.OBJECT.CHECKSUM", Always, Other, "checksum computed by S3 (Batch Operations job; Request ID is the job UUID); no per-object CloudTrail event"),
        sal_only("WebsiteGetObject", "WEBSITE.GET.OBJECT", Always, Read, "static website endpoint; no CloudTrail event in any source (assumed SAL-only)"),
        sal_only("WebsiteHeadObject", "WEBSITE.HEAD.OBJECT", Always, Read, "static website endpoint; digitalcorpora real logs (assumed SAL-only)"),
        sal_only("WebsiteInvalidOperation", "WEBSITE.INVALIDOPERATION", Always, Other, "website endpoint rejected the method; digitalcorpora real logs"),
        both("OptionsPreflight", "REST.OPTIONS.PREFLIGHT", Always, Other, UnknownName, "CORS preflight. AWS-CT-S3-DOC: OPTIONS object \"is treated like a bucket-level action in CloudTrail logging\"; no document names its eventName (LOW)"),

        // ---- SAL-only: malformed method/resource pairs seen from scanners ----------------------
        // No S3 API accepts these, so there is no CloudTrail eventName; grammar-derived names.
        sal_only("PostLocation", "REST.POST.LOCATION", Always, Other, "scanner traffic, digitalcorpora real logs; no such API"),
        sal_only("PostNotification", "REST.POST.NOTIFICATION", Always, Other, "scanner traffic, digitalcorpora real logs; no such API"),
        sal_only("PostObjectAttributes", "REST.POST.OBJECT_ATTRIBUTES", Always, Other, "scanner traffic, digitalcorpora real logs; no such API"),
        sal_only("PostTorrent", "REST.POST.TORRENT", Always, Other, "scanner traffic, digitalcorpora real logs; no such API"),
        sal_only("PostWebsite", "REST.POST.WEBSITE", Always, Other, "scanner traffic, digitalcorpora real logs; no such API"),
        sal_only("PatchBucket", "REST.PATCH.BUCKET", Always, Other, "scanner traffic, digitalcorpora real logs; S3 has no PATCH API"),
        sal_only("CopyNotification", "REST.COPY.NOTIFICATION", Always, Other, "?notification with x-amz-copy-source, digitalcorpora real logs; no such API"),

        // ---- SOAP (retired API) --------------------------------------------------------------------
        // Same action as the REST call, so the same name and activity; marked No because SOAP was
        // closed to new features before CloudTrail data events existed (2016) and no CloudTrail
        // record of a SOAP call is known: there is nothing to join with.
        sal_only("PutObject", "SOAP.PUT.OBJECT", Always, Create, "SOAP PutObject (\"POST /soap/\"), kdgm real 2010 log"),
        sal_only("GetObject", "SOAP.GET.OBJECT", Always, Read, "SOAP GetObject, by analogy with SOAP.PUT.OBJECT (LOW)"),
        sal_only("CreateBucket", "SOAP.CreateBucket", Always, Create, "2006 AWS docs example (SOAP ops were CamelCase then)"),
    ];
}

/// Whether `query` (a URL query string, with or without its leading `?`) has a parameter named
/// exactly `name`: `analytics&id=x` has `id`, `uploadId=1` does not, a bare `id` does.
/// Names compare byte for byte (case-sensitive, not percent-decoded). Never allocates.
pub fn query_has_param(query: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let q = query.as_bytes();
    let q = match q.first() {
        Some(b'?') => &q[1..],
        _ => q,
    };
    let name = name.as_bytes();
    q.split(|&b| b == b'&').any(|pair| {
        let key = match pair.iter().position(|&b| b == b'=') {
            Some(i) => &pair[..i],
            None => pair,
        };
        key == name
    })
}

const N: usize = rows::TABLE.len();

/// A lookup index over one text column: `(hash of the text, row index)` pairs sorted by hash, then
/// by row index. Rows with the same text are adjacent and in table order; a lookup is a binary
/// search over integers plus one string comparison per candidate, and never allocates.
struct Index {
    hash: [u64; N],
    row: [u16; N],
}

impl Index {
    fn build(key: fn(&Operation) -> &'static str) -> Index {
        let mut pairs = [(0u64, 0u16); N];
        for (i, (pair, op)) in pairs.iter_mut().zip(OPERATIONS).enumerate() {
            *pair = (fnv1a(key(op)), i as u16);
        }
        pairs.sort_unstable(); // (hash, index) pairs are distinct: deterministic, no allocation
        let mut index = Index { hash: [0; N], row: [0; N] };
        for (i, (h, r)) in pairs.into_iter().enumerate() {
            index.hash[i] = h;
            index.row[i] = r;
        }
        index
    }

    /// Rows whose `key` column is exactly `text`, in table order.
    fn rows<'a>(&'static self, key: fn(&Operation) -> &'static str, text: &'a str) -> impl Iterator<Item = &'static Operation> + 'a {
        let h = fnv1a(text);
        let start = self.hash.partition_point(|&x| x < h);
        self.hash[start..]
            .iter()
            .zip(&self.row[start..])
            .take_while(move |(&x, _)| x == h)
            .map(|(_, &i)| &OPERATIONS[i as usize])
            .filter(move |r| key(r) == text) // a hash collision between different texts
    }
}

/// 64-bit FNV-1a: tiny, and good enough to spread ~150 short keys.
fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn sal_col(r: &Operation) -> &'static str {
    r.sal.unwrap_or("")
}
fn operation_col(r: &Operation) -> &'static str {
    r.operation
}

fn by_sal() -> &'static Index {
    static IDX: OnceLock<Index> = OnceLock::new();
    IDX.get_or_init(|| Index::build(sal_col))
}

fn by_operation() -> &'static Index {
    static IDX: OnceLock<Index> = OnceLock::new();
    IDX.get_or_init(|| Index::build(operation_col))
}

/// The rows whose `sal` is `op`, in table order (none for operations not in the table).
pub fn rows_for_sal(op: &str) -> impl Iterator<Item = &'static Operation> + '_ {
    by_sal().rows(sal_col, op).filter(|r| r.sal.is_some())
}

/// The table row for a SAL operation, or `None` when `op` is not in the table.
pub fn find_sal(op: &str, has_key: bool, query: &str) -> Option<&'static Operation> {
    rows_for_sal(op).find(|r| r.rule.matches(has_key, query))
}

/// The first table row (in table order) whose `operation` is `name`.
pub fn find_event_name(name: &str) -> Option<&'static Operation> {
    by_operation().rows(operation_col, name).next()
}

/// Resolve a SAL operation (`REST.GET.ACL`), given whether the record has a key and the request's
/// query string (without `?`, may be empty).
pub fn resolve_sal(op: &str, has_key: bool, query: &str) -> Resolved {
    if let Some(r) = find_sal(op, has_key, query) {
        return Resolved { operation: Cow::Borrowed(r.operation), activity: r.activity, cloudtrail_equivalent: r.cloudtrail.equivalent() };
    }
    let (operation, activity) = match derive_from_grammar(op) {
        Some((name, activity)) => (Cow::Owned(name), activity),
        None => (Cow::Owned(op.to_owned()), Activity::Other),
    };
    Resolved { operation, activity, cloudtrail_equivalent: None }
}

/// SAL operations that log the GET half of a copy: their Bucket, Key and Version Id are the copy's
/// source (AWS LogFormat, "Additional logging for copy operations").
pub const COPY_SOURCE_OPERATIONS: [&str; 2] = ["REST.COPY.OBJECT_GET", "REST.COPY.PART_GET"];

/// Whether a SAL operation is the GET half of a copy, whose bucket and object are the copy's source.
pub fn is_copy_source(sal_operation: &str) -> bool {
    COPY_SOURCE_OPERATIONS.contains(&sal_operation)
}

/// Resolve a CloudTrail eventName (`GetObject`). Names not in the table are kept as given (CloudTrail
/// is the vocabulary), with an activity from their verb prefix.
pub fn resolve_event_name(name: &str) -> Resolved {
    match find_event_name(name) {
        Some(r) => Resolved { operation: Cow::Borrowed(r.operation), activity: r.activity, cloudtrail_equivalent: Some(true) },
        None => Resolved { operation: Cow::Owned(name.to_owned()), activity: activity_from_verb(name), cloudtrail_equivalent: Some(true) },
    }
}

/// Activity of an eventName not in the table, from its leading verb. The verb must end at a word
/// boundary (`Getaway` is not `Get`).
fn activity_from_verb(name: &str) -> Activity {
    const VERBS: &[(&str, Activity)] = &[
        ("Get", Activity::Read),
        ("List", Activity::Read),
        ("Head", Activity::Read),
        ("Describe", Activity::Read),
        ("Select", Activity::Read),
        ("Create", Activity::Create),
        ("Post", Activity::Create),
        ("Copy", Activity::Create),
        ("Upload", Activity::Create),
        ("Put", Activity::Update),
        ("Update", Activity::Update),
        ("Restore", Activity::Update),
        ("Delete", Activity::Delete),
        ("Abort", Activity::Delete),
    ];
    for &(verb, activity) in VERBS {
        if let Some(rest) = name.strip_prefix(verb) {
            if !rest.as_bytes().first().is_some_and(u8::is_ascii_lowercase) {
                return activity;
            }
        }
    }
    Activity::Other
}

/// `api.operation` and activity for a SAL operation not in the table, from the documented grammar:
/// `REST.<METHOD>.<RESOURCE>` → verb + CamelCase resource (`REST.GET.FOO_BAR` → `GetFooBar`),
/// `WEBSITE.<METHOD>.<RESOURCE>` → `Website` + the same, `SOAP.<METHOD>.<RESOURCE>` → the same as
/// REST, `SOAP.<CamelCase>` → the CamelCase name. `None` when the text does not fit the grammar.
pub fn derive_from_grammar(op: &str) -> Option<(String, Activity)> {
    let mut parts = op.split('.');
    let (prefix, second, third) = (parts.next()?, parts.next()?, parts.next());
    if parts.next().is_some() {
        return None;
    }
    match (prefix, third) {
        ("REST", Some(resource)) | ("SOAP", Some(resource)) => method_resource("", second, resource),
        ("WEBSITE", Some(resource)) => method_resource("Website", second, resource),
        ("SOAP", None) if is_camel_case(second) => Some((second.to_owned(), activity_from_verb(second))),
        _ => None,
    }
}

fn method_resource(prefix: &str, method: &str, resource: &str) -> Option<(String, Activity)> {
    let (verb, activity) = match method {
        "GET" => ("Get", Activity::Read),
        "HEAD" => ("Head", Activity::Read),
        "DELETE" => ("Delete", Activity::Delete),
        "PUT" => ("Put", Activity::Other),
        "POST" => ("Post", Activity::Other),
        "OPTIONS" => ("Options", Activity::Other),
        "PATCH" => ("Patch", Activity::Other),
        "COPY" => ("Copy", Activity::Other),
        _ => return None,
    };
    let ok = resource.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') && resource.bytes().any(|b| b.is_ascii_alphanumeric());
    if !ok {
        return None;
    }
    let mut name = String::with_capacity(prefix.len() + verb.len() + resource.len());
    name.push_str(prefix);
    name.push_str(verb);
    for word in resource.split('_').filter(|w| !w.is_empty()) {
        // ASCII only (checked above), so byte slicing is on char boundaries.
        name.push(word.as_bytes()[0].to_ascii_uppercase() as char);
        name.extend(word[1..].chars().map(|c| c.to_ascii_lowercase()));
    }
    Some((name, activity))
}

/// `CreateBucket`: ASCII alphanumeric, starts upper-case, has a lower-case letter.
fn is_camel_case(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
        && s.bytes().any(|b| b.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar_derivation() {
        assert_eq!(
            derive_from_grammar("REST.GET.OBJECT_LOCK_CONFIGURATION"),
            Some(("GetObjectLockConfiguration".to_owned(), Activity::Read))
        );
        assert_eq!(derive_from_grammar("REST.DELETE.FOO"), Some(("DeleteFoo".to_owned(), Activity::Delete)));
        assert_eq!(derive_from_grammar("REST.PUT.A__B_"), Some(("PutAB".to_owned(), Activity::Other)));
        assert_eq!(derive_from_grammar("WEBSITE.GET.FOO"), Some(("WebsiteGetFoo".to_owned(), Activity::Read)));
        assert_eq!(derive_from_grammar("SOAP.ListAllMyBuckets"), Some(("ListAllMyBuckets".to_owned(), Activity::Read)));
        assert_eq!(derive_from_grammar("SOAP.DELETE.OBJECT"), Some(("DeleteObject".to_owned(), Activity::Delete)));
        for bad in [
            "",
            ".",
            "REST",
            "REST.GET",
            "REST.GET.",
            "REST.GET._",
            "REST.FETCH.OBJECT",
            "REST.GET.A.B",
            "REST.GET.ÖBJECT",
            "SOAP.FOO",
            "S3.FOO.BAR",
            "rest.get.object",
        ] {
            assert_eq!(derive_from_grammar(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn verb_prefix_needs_a_word_boundary() {
        assert_eq!(activity_from_verb("Getaway"), Activity::Other);
        assert_eq!(activity_from_verb("Get"), Activity::Read);
        assert_eq!(activity_from_verb("ListBucket"), Activity::Read);
        assert_eq!(activity_from_verb("Putter"), Activity::Other);
        assert_eq!(activity_from_verb("AbortSomething"), Activity::Delete);
        assert_eq!(activity_from_verb(""), Activity::Other);
    }

    #[test]
    fn indexes_cover_every_row_once_sorted_by_hash() {
        for (idx, key) in [(by_sal(), sal_col as fn(&Operation) -> &'static str), (by_operation(), operation_col)] {
            let mut seen = [false; N];
            for (&h, &i) in idx.hash.iter().zip(&idx.row) {
                assert!(!seen[i as usize]);
                seen[i as usize] = true;
                assert_eq!(h, fnv1a(key(&OPERATIONS[i as usize])));
            }
            let pairs: Vec<_> = idx.hash.iter().zip(&idx.row).collect();
            assert!(pairs.windows(2).all(|w| w[0] < w[1]), "not sorted by (hash, row)");
        }
    }

    #[test]
    fn every_sal_row_is_reachable_and_every_operation_finds_its_first_row() {
        for (i, row) in OPERATIONS.iter().enumerate() {
            if let Some(sal) = row.sal {
                assert!(rows_for_sal(sal).any(|r| std::ptr::eq(r, row)), "{sal}");
            }
            let first = OPERATIONS.iter().position(|r| r.operation == row.operation).unwrap();
            assert!(std::ptr::eq(find_event_name(row.operation).unwrap(), &OPERATIONS[first]), "row {i}");
        }
        assert_eq!(rows_for_sal("").count(), 0);
    }

    #[test]
    fn rows_keep_table_order_within_a_sal_op() {
        let acl: Vec<_> = rows_for_sal("REST.GET.ACL").map(|r| r.operation).collect();
        assert_eq!(acl, ["GetObjectAcl", "GetBucketAcl"]);
    }
}
