//! The OCSF 1.8.0 API Activity event (class 6003, profiles `cloud` and `datetime`) and the two
//! writers that fill it: `from_sal` for server access log records and `from_cloudtrail` for
//! CloudTrail records. The mapping is in `docs/schema.md` (from the project spec).
//!
//! The event is a tree of borrowed structs serialized by serde: text borrows from the input line
//! or parsed record wherever it can, absent values are `None` and never written (no `"-"`, no
//! `null`), and field order is fixed so equal events give equal bytes.
//!
//! The AWS vocabulary both writers share (ARNs, regions, caller types, TLS spelling) lives in
//! the crate's `aws` module, so the keys the "unified" rule compares are computed by one piece of code.
//! [`write_event`] is the one way an event becomes bytes.

pub(crate) mod from_cloudtrail;
pub(crate) mod from_sal;
mod write;

pub use crate::aws::{Arn, UserType};
pub use crate::operations::Activity;
pub use crate::timefmt::Rfc3339;
pub use write::{write_error, write_event};

use crate::operations::Resolved;
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;

pub type Text<'a> = Cow<'a, str>;

pub const OCSF_VERSION: &str = "1.8.0";
pub const PROFILES: [&str; 2] = ["cloud", "datetime"];

/// Host-side context for every event of a run.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Context<'a> {
    pub log_name: Option<&'a str>,
    pub raw_data: Option<&'a str>,
    pub source_event: Option<&'a Map<String, Value>>,
}

#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Event<'a> {
    pub class_uid: u32,
    pub class_name: &'static str,
    pub category_uid: u32,
    pub category_name: &'static str,
    pub activity_id: u8,
    pub activity_name: &'static str,
    pub type_uid: u32,
    pub type_name: &'static str,
    pub severity_id: u8,
    pub severity: &'static str,
    pub status_id: u8,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_detail: Option<&'a str>,
    pub time: i64,
    pub time_dt: Rfc3339,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<u64>,
    pub metadata: Metadata<'a>,
    pub api: Api<'a>,
    pub actor: Actor<'a>,
    pub src_endpoint: Endpoint<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_endpoint: Option<Endpoint<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_request: Option<HttpRequest<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_response: Option<HttpResponse>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource<'a>>,
    pub cloud: Cloud<'a>,
    pub unmapped: Unmapped<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_data: Option<&'a str>,
}

#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Metadata<'a> {
    pub version: &'static str,
    pub profiles: [&'static str; 2],
    pub product: Product,
    pub event_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_uid: Option<&'a str>,
    pub original_time: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_name: Option<&'a str>,
}

#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Product {
    pub vendor_name: &'static str,
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<Feature>,
}

#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Feature {
    pub name: &'static str,
}

pub const FEATURE_SAL: Feature = Feature { name: "Server Access Logging" };
pub const FEATURE_DATA: Feature = Feature { name: "Data Events" };
pub const FEATURE_MANAGEMENT: Feature = Feature { name: "Management Events" };

#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Api<'a> {
    pub operation: Cow<'static, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<ApiRequest<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ApiResponse<'a>>,
    pub service: Service<'a>,
}

#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct ApiRequest<'a> {
    pub uid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<&'a Value>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct ApiResponse<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<&'a Value>,
}

impl ApiResponse<'_> {
    fn is_empty(&self) -> bool {
        self.error.is_none() && self.error_message.is_none() && self.data.is_none()
    }
}

#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Service<'a> {
    pub name: &'a str,
}

use crate::aws::S3_SERVICE;

#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Actor<'a> {
    pub user: User<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<Session<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_name: Option<&'a str>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct User<'a> {
    #[serde(rename = "type")]
    pub kind: UserType<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid_alt: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_uid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Account<'a>>,
}

#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Account<'a> {
    pub uid: &'a str,
}

#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct Session<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_mfa: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_time_dt: Option<Rfc3339>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct Endpoint<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<&'a str>,
    /// The endpoint as the source names it when that is not an address: a SAL remote IP masked by
    /// whoever shared the log (`xx.xx.41.39`), listed in `unmapped.s3_access_log.masked_fields`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svc_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<&'a str>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct HttpRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_method: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Url<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referrer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<&'a str>,
}

impl HttpRequest<'_> {
    fn is_empty(&self) -> bool {
        self.http_method.is_none() && self.url.is_none() && self.version.is_none() && self.referrer.is_none() && self.user_agent.is_none()
    }
}

#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Url<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<&'a str>,
    pub path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_string: Option<&'a str>,
}

#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct HttpResponse {
    pub code: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Resource<'a> {
    #[serde(rename = "type")]
    pub kind: ResourceType<'a>,
    pub uid: Arn<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner<'a>>,
    /// OCSF `role_id`: set only on resources that are not what the call acts on (the source of a
    /// copy, [`ROLE_COPY_SOURCE`]); a resource without a role is the call's target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_id: Option<u8>,
    /// OCSF `role`: the caption of `role_id`, or the source's own word for `role_id` 99 (Other).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
}

/// `role_id` 99 (Other, "defined by the event source") with `role` "Copy Source": the bucket and
/// object a copy reads, as SAL's `REST.COPY.OBJECT_GET` / `REST.COPY.PART_GET` records list them.
pub const ROLE_COPY_SOURCE: (u8, &str) = (99, "Copy Source");

/// A resource's owner: the S3 canonical user ID (SAL) or the owning account (CloudTrail).
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Owner<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Account<'a>>,
}

/// A resource's type: the S3 types the writers build, or any type a CloudTrail record names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResourceType<'a> {
    /// `AWS::S3::Bucket`
    Bucket,
    /// `AWS::S3::Object`
    Object,
    /// `AWS::S3::AccessPoint`
    AccessPoint,
    /// Any other type, as the record wrote it (`AWS::S3Outposts::Object`, …).
    Other(&'a str),
}

impl<'a> ResourceType<'a> {
    pub fn as_str(&self) -> &'a str {
        match self {
            ResourceType::Bucket => "AWS::S3::Bucket",
            ResourceType::Object => "AWS::S3::Object",
            ResourceType::AccessPoint => "AWS::S3::AccessPoint",
            ResourceType::Other(s) => s,
        }
    }

    /// A type as a CloudTrail record writes it.
    pub fn parse(s: &'a str) -> Self {
        match s {
            "AWS::S3::Bucket" => ResourceType::Bucket,
            "AWS::S3::Object" => ResourceType::Object,
            "AWS::S3::AccessPoint" => ResourceType::AccessPoint,
            other => ResourceType::Other(other),
        }
    }

    /// Where a resource of this type goes in `resources[]`: every kind of bucket (S3, S3 on
    /// Outposts, …) first, then objects, then the rest, so both sources list one request alike.
    pub(crate) fn rank(&self) -> u8 {
        match self {
            ResourceType::Bucket => 0,
            ResourceType::Object => 1,
            ResourceType::Other(s) if s.ends_with("::Bucket") || s.ends_with("::DirectoryBucket") => 0,
            ResourceType::Other(s) if s.ends_with("::Object") => 1,
            ResourceType::AccessPoint | ResourceType::Other(_) => 2,
        }
    }
}

impl Serialize for ResourceType<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Cloud<'a> {
    pub provider: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Account<'a>>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct Unmapped<'a> {
    pub s3: S3Fields<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_access_log: Option<SalOnly<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloudtrail: Option<CloudTrailOnly<'a>>,
    /// The shipper's event fields around `message` (ABI input `{message, file, host, …}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_event: Option<&'a Map<String, Value>>,
}

/// Fields with no OCSF home that both sources share, under the same keys.
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct S3Fields<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher_suite: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_version: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acl_required: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_point_arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_in: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_out: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloudtrail_equivalent: Option<bool>,
    /// Which logs the event was built from ([`SOURCES_BOTH`], [`SOURCES_SAL`],
    /// [`SOURCES_CLOUDTRAIL`]): set on every event `s3norm correlate` writes, absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<&'static [&'static str]>,
}

/// `unmapped.s3.sources` of a request seen by both logs and merged into one event.
pub const SOURCES_BOTH: &[&str] = &[SOURCE_CLOUDTRAIL, SOURCE_SAL];
/// `unmapped.s3.sources` of a request only the server access log saw.
pub const SOURCES_SAL: &[&str] = &[SOURCE_SAL];
/// `unmapped.s3.sources` of a request only CloudTrail saw.
pub const SOURCES_CLOUDTRAIL: &[&str] = &[SOURCE_CLOUDTRAIL];
/// The server access log's name in `unmapped.s3.sources`.
pub const SOURCE_SAL: &str = "server_access_log";
/// CloudTrail's name in `unmapped.s3.sources`.
pub const SOURCE_CLOUDTRAIL: &str = "cloudtrail";

/// What only server access logs carry.
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct SalOnly<'a> {
    /// The request-URI field when it is not `METHOD target HTTP/x.y`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_uri: Option<&'a str>,
    /// Fields past the 27th, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_fields: Vec<&'a str>,
    /// Fields whose value was masked by whoever shared the log (`remote_ip`, `request_id`,
    /// `requester`, `bucket_owner`, `host_id`): kept as written, never taken for real values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub masked_fields: Vec<&'static str>,
    /// The SAL Operation text, on a merged event (whose `metadata.event_code` is CloudTrail's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_code: Option<&'a str>,
    /// Where the SAL line came from, on a merged event (whose `metadata.log_name` is CloudTrail's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_name: Option<&'a str>,
}

/// What only CloudTrail carries.
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct CloudTrailOnly<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_category: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub management_event: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_event_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_endpoint_account_id: Option<&'a str>,
    /// `resources[].ARNPrefix` entries (ListObjects): a prefix, not a resource.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub arn_prefixes: Vec<&'a str>,
}

/// Where an event comes from: the source's product, its own name for the operation, its time.
pub(crate) struct Origin<'a> {
    pub product_name: &'static str,
    pub feature: Option<Feature>,
    pub event_code: &'a str,
    /// Epoch milliseconds.
    pub time_ms: i64,
    /// The time as the source wrote it.
    pub original_time: &'a str,
}

impl<'a> Event<'a> {
    /// A new event with the class constants and the operation's classification filled in;
    /// everything else empty, for the writer to fill.
    pub(crate) fn new(operation: Resolved, failed: bool, origin: Origin<'a>, ctx: &Context<'a>) -> Self {
        let Origin { product_name, feature, event_code, time_ms, original_time } = origin;
        let activity = operation.activity;
        Event {
            class_uid: 6003,
            class_name: "API Activity",
            category_uid: 6,
            category_name: "Application Activity",
            activity_id: activity.id(),
            activity_name: activity.name(),
            type_uid: 600_300 + u32::from(activity.id()),
            type_name: type_name(activity),
            severity_id: 1,
            severity: "Informational",
            status_id: if failed { 2 } else { 1 },
            status: if failed { "Failure" } else { "Success" },
            status_code: None,
            status_detail: None,
            time: time_ms,
            time_dt: Rfc3339::from_millis(time_ms),
            duration: None,
            metadata: Metadata {
                version: OCSF_VERSION,
                profiles: PROFILES,
                product: Product { vendor_name: "AWS", name: product_name, feature },
                event_code,
                uid: None,
                correlation_uid: None,
                original_time,
                log_name: ctx.log_name,
            },
            api: Api { operation: operation.operation, request: None, response: None, service: Service { name: S3_SERVICE } },
            actor: Actor { user: User::default(), session: None, app_name: None },
            src_endpoint: Endpoint::default(),
            dst_endpoint: None,
            http_request: None,
            http_response: None,
            resources: Vec::new(),
            cloud: Cloud { provider: "AWS", region: None, account: None },
            unmapped: Unmapped {
                s3: S3Fields { cloudtrail_equivalent: operation.cloudtrail_equivalent, ..S3Fields::default() },
                source_event: ctx.source_event,
                ..Unmapped::default()
            },
            raw_data: ctx.raw_data,
        }
    }

    /// Set the S3 request ID: the join key between the two sources.
    pub(crate) fn set_request_id(&mut self, request_id: Option<&'a str>, data: Option<&'a Value>) {
        self.metadata.correlation_uid = request_id;
        self.api.request = request_id.map(|uid| ApiRequest { uid, data });
    }

    /// Set error code and message in the places OCSF has for them.
    pub(crate) fn set_error(&mut self, code: Option<&'a str>, message: Option<&'a str>, response_data: Option<&'a Value>) {
        self.status_code = code;
        self.status_detail = message;
        let response = ApiResponse { error: code, error_message: message, data: response_data };
        self.api.response = (!response.is_empty()).then_some(response);
    }

    /// Drop the http_request object when nothing in it is known (OCSF wants no empty objects).
    pub(crate) fn set_http_request(&mut self, request: HttpRequest<'a>) {
        self.http_request = (!request.is_empty()).then_some(request);
    }
}

fn type_name(activity: Activity) -> &'static str {
    match activity {
        Activity::Create => "API Activity: Create",
        Activity::Read => "API Activity: Read",
        Activity::Update => "API Activity: Update",
        Activity::Delete => "API Activity: Delete",
        Activity::Other => "API Activity: Other",
    }
}
