//! The OCSF 1.8.0 API Activity event (class 6003, profiles `cloud` and `datetime`) and the two
//! writers that fill it: [`from_sal`] for server access log records and [`from_cloudtrail`] for
//! CloudTrail records. The mapping is in `docs/schema.md` (from the project spec).
//!
//! The event is a tree of borrowed structs serialized by serde: text borrows from the input line
//! or parsed record wherever it can, absent values are `None` and never written (no `"-"`, no
//! `null`), and field order is fixed so equal events give equal bytes.
//!
//! Helpers shared by both writers live here, so that the keys the "unified" rule compares
//! (actor type, resource ARNs, TLS version spelling, …) are computed by one piece of code.

pub mod from_cloudtrail;
pub mod from_sal;

use crate::operations::{Activity, Resolved};
use crate::timefmt::Rfc3339;
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;

pub type Text<'a> = Cow<'a, str>;

pub const OCSF_VERSION: &str = "1.8.0";
pub const PROFILES: [&str; 2] = ["cloud", "datetime"];

/// Host-side context for every event of a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    pub log_name: Option<&'a str>,
    pub raw_data: Option<&'a str>,
    pub source_event: Option<&'a Map<String, Value>>,
}

#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct Product {
    pub vendor_name: &'static str,
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<Feature>,
}

#[derive(Debug, Serialize)]
pub struct Feature {
    pub name: &'static str,
}

pub const FEATURE_SAL: Feature = Feature { name: "Server Access Logging" };
pub const FEATURE_DATA: Feature = Feature { name: "Data Events" };
pub const FEATURE_MANAGEMENT: Feature = Feature { name: "Management Events" };

#[derive(Debug, Serialize)]
pub struct Api<'a> {
    pub operation: Cow<'static, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<ApiRequest<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ApiResponse<'a>>,
    pub service: Service<'a>,
}

#[derive(Debug, Serialize)]
pub struct ApiRequest<'a> {
    pub uid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<&'a Value>,
}

#[derive(Debug, Default, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct Service<'a> {
    pub name: &'a str,
}

pub const S3_SERVICE: &str = "s3.amazonaws.com";

#[derive(Debug, Serialize)]
pub struct Actor<'a> {
    pub user: User<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<Session<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_name: Option<&'a str>,
}

#[derive(Debug, Default, Serialize)]
pub struct User<'a> {
    #[serde(rename = "type")]
    pub kind: &'a str,
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

#[derive(Debug, Serialize)]
pub struct Account<'a> {
    pub uid: &'a str,
}

#[derive(Debug, Default, Serialize)]
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

#[derive(Debug, Default, Serialize)]
pub struct Endpoint<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svc_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<&'a str>,
}

#[derive(Debug, Default, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct Url<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<&'a str>,
    pub path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_string: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct HttpResponse {
    pub code: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct Resource<'a> {
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub uid: Arn<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner<'a>>,
}

/// A resource's owner: the S3 canonical user ID (SAL) or the owning account (CloudTrail).
#[derive(Debug, Serialize)]
pub struct Owner<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Account<'a>>,
}

pub const BUCKET_TYPE: &str = "AWS::S3::Bucket";
pub const OBJECT_TYPE: &str = "AWS::S3::Object";

#[derive(Debug, Serialize)]
pub struct Cloud<'a> {
    pub provider: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Account<'a>>,
}

#[derive(Debug, Default, Serialize)]
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
#[derive(Debug, Default, Serialize)]
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
}

/// What only server access logs carry.
#[derive(Debug, Default, Serialize)]
pub struct SalOnly<'a> {
    /// The request-URI field when it is not `METHOD target HTTP/x.y`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_uri: Option<&'a str>,
    /// Fields past the 27th, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_fields: Vec<&'a str>,
}

/// What only CloudTrail carries.
#[derive(Debug, Default, Serialize)]
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

/// The parts of an event every source fills the same way: classification from the operation
/// table, status, time. The writers fill in the rest.
pub(crate) struct Classified {
    pub activity: Activity,
    pub failed: bool,
    pub time_ms: i64,
}

impl<'a> Event<'a> {
    /// A new event with the class constants and the classification filled in; everything else
    /// empty, for the writer to fill.
    pub(crate) fn new(
        c: Classified,
        operation: Resolved,
        product_name: &'static str,
        feature: Option<Feature>,
        event_code: &'a str,
        original_time: &'a str,
        ctx: &Context<'a>,
    ) -> Self {
        let activity = operation.activity;
        debug_assert_eq!(activity, c.activity);
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
            status_id: if c.failed { 2 } else { 1 },
            status: if c.failed { "Failure" } else { "Success" },
            status_code: None,
            status_detail: None,
            time: c.time_ms,
            time_dt: Rfc3339::from_millis(c.time_ms),
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

/// Whether `s` is an IP address (OCSF rejects anything else in an `ip` field).
pub fn is_ip(s: &str) -> bool {
    s.len() <= 40 && s.parse::<std::net::IpAddr>().is_ok()
}

/// The OCSF user type of an IAM/STS ARN, in CloudTrail's `userIdentity.type` vocabulary, so the
/// same caller gets the same type from a SAL requester ARN and from CloudTrail.
pub fn user_type_from_arn(arn: &str) -> &'static str {
    let resource = arn_part(arn, 5).unwrap_or("");
    match arn_part(arn, 2) {
        Some("sts") if resource.starts_with("assumed-role/") => "AssumedRole",
        Some("sts") if resource.starts_with("federated-user/") => "FederatedUser",
        Some("iam") if resource == "root" => "Root",
        Some("iam") if resource.starts_with("user/") => "IAMUser",
        Some("iam") if resource.starts_with("role/") => "Role",
        _ => "Unknown",
    }
}

/// The account ID of an ARN (`arn:partition:service:region:account:resource`), when it is one.
pub fn account_from_arn(arn: &str) -> Option<&str> {
    arn_part(arn, 4).filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
}

/// The `n`th colon-separated part of an ARN (the last part keeps its colons).
fn arn_part(arn: &str, n: usize) -> Option<&str> {
    if !arn.starts_with("arn:") {
        return None;
    }
    arn.splitn(6, ':').nth(n)
}

/// The caller type and name both sources use for an unauthenticated request.
pub const ANONYMOUS_TYPE: &str = "Anonymous";
pub const ANONYMOUS_NAME: &str = "anonymous";

/// `TLSv1.2` for any spelling (`TLSV1.2` in AWS's own examples): one spelling for both sources.
pub fn normalize_tls_version(v: &str) -> Text<'_> {
    match v.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("tlsv") && &v[..4] != "TLSv" => Cow::Owned(format!("TLSv{}", &v[4..])),
        _ => Cow::Borrowed(v),
    }
}

/// The region named by an S3 endpoint host (`b.s3.us-east-2.amazonaws.com`,
/// `s3-eu-west-1.amazonaws.com`, `b.s3-website-us-east-1.amazonaws.com`), if it names one.
pub fn region_from_host(host: &str) -> Option<&str> {
    let host = host.strip_suffix(".amazonaws.com").or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    host.rsplit('.').find_map(|label| {
        let label = ["s3-website-", "s3-accesspoint-", "s3-fips-", "s3-"].iter().find_map(|p| label.strip_prefix(p)).unwrap_or(label);
        is_region(label).then_some(label)
    })
}

/// Whether `s` is shaped like an AWS region: `us-east-1`, `eu-central-2`, `us-gov-west-1`.
pub fn is_region(s: &str) -> bool {
    let mut parts = s.split('-');
    let first_ok = parts.next().is_some_and(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_lowercase()));
    let (mut words, mut last_is_number) = (0, false);
    for part in parts {
        if last_is_number || part.is_empty() {
            return false; // digits only at the end; no empty parts
        }
        if part.bytes().all(|b| b.is_ascii_digit()) {
            last_is_number = part.len() <= 2;
            if !last_is_number {
                return false;
            }
        } else if part.bytes().all(|b| b.is_ascii_lowercase()) {
            words += 1;
        } else {
            return false;
        }
    }
    first_ok && words >= 1 && last_is_number
}

/// A resource ARN: as a record gives it, or an S3 ARN built from bucket and key. The built form
/// is written out only when the event is serialized, so no string is allocated per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arn<'a> {
    Given(&'a str),
    /// `arn:aws:s3:::BUCKET`, or `arn:aws:s3:::BUCKET/KEY` with a key.
    S3 {
        bucket: &'a str,
        key: Option<&'a str>,
    },
}

impl std::fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Arn::Given(arn) => f.write_str(arn),
            Arn::S3 { bucket, key: None } => write!(f, "arn:aws:s3:::{bucket}"),
            Arn::S3 { bucket, key: Some(key) } => write!(f, "arn:aws:s3:::{bucket}/{key}"),
        }
    }
}

impl Serialize for Arn<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Arn::Given(arn) => s.serialize_str(arn),
            built => s.collect_str(built),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_arns_serialize_as_text() {
        let object = Arn::S3 { bucket: "b", key: Some("k/é x") };
        assert_eq!(serde_json::to_string(&object).unwrap(), "\"arn:aws:s3:::b/k/é x\"");
        assert_eq!(Arn::S3 { bucket: "b", key: None }.to_string(), "arn:aws:s3:::b");
        assert_eq!(serde_json::to_string(&Arn::Given("arn:aws:s3:::\"q")).unwrap(), "\"arn:aws:s3:::\\\"q\"");
    }

    #[test]
    fn arn_types() {
        assert_eq!(user_type_from_arn("arn:aws:iam::123456789012:user/Bob"), "IAMUser");
        assert_eq!(user_type_from_arn("arn:aws:sts::123456789012:assumed-role/R/s"), "AssumedRole");
        assert_eq!(user_type_from_arn("arn:aws:iam::123456789012:root"), "Root");
        assert_eq!(user_type_from_arn("arn:aws:sts::123456789012:federated-user/f"), "FederatedUser");
        assert_eq!(user_type_from_arn("AmazonS3"), "Unknown");
        assert_eq!(account_from_arn("arn:aws:iam::123456789012:user/Bob"), Some("123456789012"));
        assert_eq!(account_from_arn("arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1"), None);
        assert_eq!(account_from_arn("arn:aws:iam::123:user/x"), None);
    }

    #[test]
    fn tls_spelling() {
        assert_eq!(normalize_tls_version("TLSV1.2"), "TLSv1.2");
        assert_eq!(normalize_tls_version("TLSv1.3"), "TLSv1.3");
        assert!(matches!(normalize_tls_version("TLSv1.3"), Cow::Borrowed(_)));
        assert_eq!(normalize_tls_version("é"), "é");
    }

    #[test]
    fn regions_from_hosts() {
        assert_eq!(region_from_host("DOC-EXAMPLE-BUCKET1.s3.us-west-1.amazonaws.com"), Some("us-west-1"));
        assert_eq!(region_from_host("s3-eu-west-1.amazonaws.com"), Some("eu-west-1"));
        assert_eq!(region_from_host("s3.eu-central-1.amazonaws.com"), Some("eu-central-1"));
        assert_eq!(region_from_host("w.s3-website-us-east-1.amazonaws.com"), Some("us-east-1"));
        assert_eq!(region_from_host("b.s3.dualstack.us-gov-west-1.amazonaws.com"), Some("us-gov-west-1"));
        assert_eq!(region_from_host("b.s3.cn-north-1.amazonaws.com.cn"), Some("cn-north-1"));
        assert_eq!(region_from_host("dandiarchive.s3.amazonaws.com"), None);
        assert_eq!(region_from_host("media.kerkdienstgemist.nl"), None);
    }
}
