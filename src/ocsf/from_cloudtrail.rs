//! CloudTrail S3 record → OCSF event (the "CloudTrail fields" table of the spec).

use super::*;
use crate::aws::{self, Arn, UserType, ANONYMOUS_NAME, INTERNAL_SOURCE};
use crate::cloudtrail::{bool_of, count_of, obj_of, str_of};
use crate::error::RecordError;
use crate::operations::resolve_event_name;
use crate::timefmt::parse_rfc3339;

/// CloudTrail's account ID for unauthenticated callers.
const ANONYMOUS_PRINCIPAL: &str = "ANONYMOUS_PRINCIPAL";

/// The top-level members of a record that the mapping reads, found in one pass over the record:
/// keys compared as they come rather than some two dozen hash lookups, which is most of what the
/// mapping costs in an interpreter (Fluent Bit's WAMR). Strings are non-empty ones, as `str_of`
/// gives them; objects are objects.
#[derive(Default)]
struct Top<'a> {
    event_name: Option<&'a str>,
    event_time: Option<&'a str>,
    timestamp: Option<&'a str>,
    error_code: Option<&'a str>,
    error_message: Option<&'a str>,
    event_category: Option<&'a str>,
    management_event: Option<&'a Value>,
    read_only: Option<&'a Value>,
    request_parameters: Option<&'a Value>,
    response_elements: Option<&'a Value>,
    event_id: Option<&'a str>,
    request_id: Option<&'a str>,
    event_source: Option<&'a str>,
    aws_region: Option<&'a str>,
    recipient_account_id: Option<&'a str>,
    vpc_endpoint_id: Option<&'a str>,
    vpc_endpoint_account_id: Option<&'a str>,
    source_ip: Option<&'a str>,
    user_agent: Option<&'a str>,
    event_version: Option<&'a str>,
    event_type: Option<&'a str>,
    shared_event_id: Option<&'a str>,
    tls_details: Option<&'a Map<String, Value>>,
    user_identity: Option<&'a Map<String, Value>>,
    additional_event_data: Option<&'a Map<String, Value>>,
    resources: Option<&'a Value>,
}

impl<'a> Top<'a> {
    fn of(record: &'a Map<String, Value>) -> Self {
        let text = |v: &'a Value| v.as_str().filter(|s| !s.is_empty());
        let mut r = Top::default();
        for (key, v) in record {
            match key.as_str() {
                "eventName" => r.event_name = text(v),
                "eventTime" => r.event_time = text(v),
                "@timestamp" => r.timestamp = text(v),
                "errorCode" => r.error_code = text(v),
                "errorMessage" => r.error_message = text(v),
                "eventCategory" => r.event_category = text(v),
                "managementEvent" => r.management_event = Some(v),
                "readOnly" => r.read_only = Some(v),
                "requestParameters" => r.request_parameters = Some(v),
                "responseElements" => r.response_elements = Some(v),
                "eventID" => r.event_id = text(v),
                "requestID" => r.request_id = text(v),
                "eventSource" => r.event_source = text(v),
                "awsRegion" => r.aws_region = text(v),
                "recipientAccountId" => r.recipient_account_id = text(v),
                "vpcEndpointId" => r.vpc_endpoint_id = text(v),
                "vpcEndpointAccountId" => r.vpc_endpoint_account_id = text(v),
                "sourceIPAddress" => r.source_ip = text(v),
                "userAgent" => r.user_agent = text(v),
                "eventVersion" => r.event_version = text(v),
                "eventType" => r.event_type = text(v),
                "sharedEventID" => r.shared_event_id = text(v),
                "tlsDetails" => r.tls_details = v.as_object(),
                "userIdentity" => r.user_identity = v.as_object(),
                "additionalEventData" => r.additional_event_data = v.as_object(),
                "resources" => r.resources = Some(v),
                _ => {}
            }
        }
        r
    }
}

/// Map one S3 record. `Err` says which field the event cannot do without.
// Not inlined: its large frame is gone before the event is written (a shallow stack for
// interpreters such as Fluent Bit's WAMR, where every live frame counts).
#[inline(never)]
pub(crate) fn event<'a>(record: &'a Map<String, Value>, ctx: &Context<'a>) -> Result<Event<'a>, RecordError> {
    let r = Top::of(record);
    let event_name = r.event_name.ok_or(RecordError::NoEventName)?;
    // Logstash's date filter moves eventTime into `@timestamp` (as in OTRF's datasets).
    let event_time = r.event_time.or(r.timestamp).ok_or(RecordError::NoEventTime)?;
    let time_ms = parse_rfc3339(event_time).ok_or_else(|| RecordError::BadEventTime(event_time.to_owned()))?;
    let resolved = resolve_event_name(event_name);
    let category = r.event_category;
    let feature = match (category, bool_of(r.management_event)) {
        (Some("Data"), _) | (None, Some(false)) => Some(FEATURE_DATA),
        (Some("Management"), _) | (None, Some(true)) => Some(FEATURE_MANAGEMENT),
        _ => None,
    };

    let origin = Origin { product_name: "AWS CloudTrail", feature, event_code: event_name, time_ms, original_time: event_time };
    let mut e = Event::new(resolved, r.error_code.is_some(), origin, ctx);
    let request_parameters = r.request_parameters.filter(|v| !v.is_null());
    let response_elements = r.response_elements.filter(|v| !v.is_null());
    e.metadata.uid = r.event_id;
    e.set_request_id(r.request_id, request_parameters);
    e.set_error(r.error_code, r.error_message, response_elements);
    if let Some(source) = r.event_source {
        e.api.service.name = source;
    }
    e.cloud.region = r.aws_region;
    e.cloud.account = r.recipient_account_id.map(|uid| Account { uid });

    let vpc_endpoint = r.vpc_endpoint_id;
    e.src_endpoint = match r.source_ip {
        Some(ip) if aws::is_ip(ip) => Endpoint { ip: Some(ip), uid: vpc_endpoint, ..Endpoint::default() },
        Some(service) => Endpoint { svc_name: Some(service), uid: vpc_endpoint, ..Endpoint::default() },
        None => Endpoint { svc_name: Some(INTERNAL_SOURCE), uid: vpc_endpoint, ..Endpoint::default() },
    };
    let params = request_parameters.and_then(Value::as_object);
    let tls = r.tls_details;
    let host = tls.and_then(|t| str_of(t, "clientProvidedHostHeader")).or_else(|| params.and_then(host_parameter));
    e.dst_endpoint = host.map(|h| Endpoint { hostname: Some(h), ..Endpoint::default() });
    e.set_http_request(HttpRequest { user_agent: r.user_agent, ..HttpRequest::default() });

    if let Some(identity) = r.user_identity {
        set_actor(&mut e.actor, identity);
    } else {
        e.actor.user = User { kind: UserType::Unknown, name: Some("unknown"), ..User::default() };
    }

    let mut ct_only = CloudTrailOnly {
        event_version: r.event_version,
        event_type: r.event_type,
        event_category: category,
        read_only: bool_of(r.read_only),
        management_event: bool_of(r.management_event),
        shared_event_id: r.shared_event_id,
        vpc_endpoint_account_id: r.vpc_endpoint_account_id,
        arn_prefixes: Vec::new(),
    };
    let partition = aws::partition_of(e.cloud.region);
    e.resources = resources(&r, params, partition, &mut ct_only.arn_prefixes);

    let extra = r.additional_event_data;
    let extra_str = |key: &str| extra.and_then(|m| str_of(m, key));
    e.unmapped.s3 = S3Fields {
        bucket_owner: None,
        host_id: extra_str("x-amz-id-2"),
        signature_version: extra_str("SignatureVersion"),
        cipher_suite: extra_str("CipherSuite").or_else(|| tls.and_then(|t| str_of(t, "cipherSuite"))),
        authentication_type: extra_str("AuthenticationMethod"),
        tls_version: tls.and_then(|t| str_of(t, "tlsVersion")).map(aws::tls_version),
        acl_required: extra_str("aclRequired"),
        access_point_arn: e.resources.iter().find(|r| r.kind == ResourceType::AccessPoint).and_then(|r| r.uid.given()),
        bytes_in: count_of(extra.and_then(|m| m.get("bytesTransferredIn"))),
        bytes_out: count_of(extra.and_then(|m| m.get("bytesTransferredOut"))),
        object_size: None,
        source_region: None,
        cloudtrail_equivalent: e.unmapped.s3.cloudtrail_equivalent,
        sources: None,
    };
    e.unmapped.cloudtrail = Some(ct_only);
    Ok(e)
}

/// `requestParameters.Host` (new records) or `host` (old records: an array of one).
fn host_parameter(params: &Map<String, Value>) -> Option<&str> {
    match params.get("Host").or_else(|| params.get("host"))? {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Array(items) => items.first().and_then(Value::as_str).filter(|s| !s.is_empty()),
        _ => None,
    }
}

fn set_actor<'a>(actor: &mut Actor<'a>, identity: &'a Map<String, Value>) {
    let account = str_of(identity, "accountId");
    let anonymous = account == Some(ANONYMOUS_PRINCIPAL) || str_of(identity, "type") == Some("Anonymous");
    let invoked_by = str_of(identity, "invokedBy");
    actor.app_name = invoked_by;
    if anonymous {
        actor.user = User { kind: UserType::Anonymous, name: Some(ANONYMOUS_NAME), ..User::default() };
        return;
    }
    let kind = str_of(identity, "type").map_or(UserType::Unknown, UserType::from_cloudtrail);
    let mut user = User {
        kind,
        uid: str_of(identity, "arn"),
        uid_alt: str_of(identity, "principalId"),
        name: str_of(identity, "userName"),
        credential_uid: str_of(identity, "accessKeyId"),
        account: account.map(|uid| Account { uid }),
    };
    if user.uid.is_none() && user.name.is_none() && user.account.is_none() {
        // OCSF wants a user to be named somehow; an AWS service caller has only `invokedBy`.
        user.name = invoked_by.or(user.uid_alt).or(Some(kind.as_str()));
    }
    actor.user = user;

    let Some(context) = obj_of(identity, "sessionContext") else { return };
    let attributes = obj_of(context, "attributes");
    let created = attributes.and_then(|a| str_of(a, "creationDate")).and_then(parse_rfc3339);
    let session = Session {
        issuer: obj_of(context, "sessionIssuer").and_then(|i| str_of(i, "arn")),
        is_mfa: attributes.and_then(|a| bool_of(a.get("mfaAuthenticated"))),
        created_time: created,
        created_time_dt: created.map(Rfc3339::from_millis),
    };
    if session.issuer.is_some() || session.is_mfa.is_some() || session.created_time.is_some() {
        actor.session = Some(session);
    }
}

/// Resources from the record's `resources[]`, completed from `bucketName`/`key`, buckets first
/// then objects then the rest, so both sources list the same request's resources alike.
fn resources<'a>(
    record: &Top<'a>,
    params: Option<&'a Map<String, Value>>,
    partition: &'static str,
    arn_prefixes: &mut Vec<&'a str>,
) -> Vec<Resource<'a>> {
    let bucket = params.and_then(|p| str_of(p, "bucketName"));
    let key = params.and_then(|p| str_of(p, "key"));
    let version = params.and_then(|p| str_of(p, "versionId"));
    let mut out: Vec<Resource<'a>> = Vec::new();
    let mut express_objects = None;
    for item in record.resources.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        let Some(item) = item.as_object() else { continue };
        if let Some(prefix) = str_of(item, "ARNPrefix") {
            arn_prefixes.push(prefix);
            if let Some(kind @ "AWS::S3Express::Object") = str_of(item, "type") {
                express_objects = Some((kind, prefix));
            }
            continue;
        }
        let (Some(kind), Some(arn)) = (str_of(item, "type"), str_of(item, "ARN").or_else(|| str_of(item, "arn"))) else { continue };
        let kind = ResourceType::parse(kind);
        let name = match kind {
            ResourceType::Bucket => {
                bucket.filter(|b| arn.strip_suffix('/').unwrap_or(arn).ends_with(b)).or_else(|| aws::name_in_s3_arn(arn, false))
            }
            ResourceType::Object => key.filter(|k| arn.ends_with(k)).or_else(|| aws::name_in_s3_arn(arn, true)),
            ResourceType::Other(t) if t.ends_with("::DirectoryBucket") => bucket.filter(|b| arn.ends_with(b)),
            _ => None,
        };
        out.push(Resource {
            kind,
            uid: Arn::Given(arn),
            name: name.map(Cow::Borrowed),
            version: if kind == ResourceType::Object && name == key { version } else { None },
            owner: str_of(item, "accountId").map(|uid| Owner { uid: None, account: Some(Account { uid }) }),
            role_id: None,
            role: None,
        });
    }
    // A directory bucket's object (S3 Express One Zone): the record lists it only as an ARNPrefix,
    // where a general purpose bucket's record lists the object itself. Emit it like theirs.
    if let (Some((kind, prefix)), Some(bucket), Some(key)) = (express_objects, bucket, key) {
        if !out.iter().any(|r| r.kind.rank() == 1) {
            if let Some(uid) = directory_bucket_object(prefix, bucket, key) {
                out.push(Resource {
                    kind: ResourceType::Other(kind),
                    uid,
                    name: Some(Cow::Borrowed(key)),
                    version,
                    owner: None,
                    role_id: None,
                    role: None,
                });
            }
        }
    }
    // Records that list no resources (older management events) still name bucket and key. Not
    // for directory buckets: their ARNs are not `arn:aws:s3:::` ones.
    let directory_bucket = record.event_source == Some("s3express.amazonaws.com");
    if let (Some(bucket), true, false) = (bucket, out.is_empty(), directory_bucket) {
        out.push(Resource {
            kind: ResourceType::Bucket,
            uid: Arn::S3 { partition, bucket, key: None },
            name: Some(Cow::Borrowed(bucket)),
            version: None,
            owner: None,
            role_id: None,
            role: None,
        });
        if let Some(key) = key {
            out.push(Resource {
                kind: ResourceType::Object,
                uid: Arn::S3 { partition, bucket, key: Some(key) },
                name: Some(Cow::Borrowed(key)),
                version,
                owner: None,
                role_id: None,
                role: None,
            });
        }
    }
    // Any bucket type (S3, S3 on Outposts) first, then objects, then the rest, each in record order.
    out.sort_by_key(|r| r.kind.rank());
    out
}

/// The ARN of `key` in directory bucket `bucket`, from the record's `ARNPrefix` for the bucket's
/// objects (its partition, region and account, as CloudTrail wrote them) in the form
/// [`Arn::S3Express`] documents. `None` when the prefix is not an `s3express` ARN of that bucket.
fn directory_bucket_object<'a>(prefix: &'a str, bucket: &'a str, key: &'a str) -> Option<Arn<'a>> {
    let [partition, service, region, account, resource] = aws::arn_parts(prefix)?;
    let named = resource.strip_suffix('/').unwrap_or(resource);
    let named = named.strip_prefix("bucket/").unwrap_or(named);
    let fits = service == "s3express" && named == bucket && [partition, region, account].iter().all(|p| !p.is_empty());
    fits.then_some(Arn::S3Express { partition, region, account, bucket, key })
}
