//! Server access log record → OCSF event (the "Server access log fields" table of the spec).

use super::*;
use crate::aws::{self, Arn, UserType, ANONYMOUS_NAME, INTERNAL_SOURCE};
use crate::operations::{is_copy_source, resolve_sal};
use crate::sal::{field, is_masked, parse_request_line, SalRecord};

/// Methods OCSF's `http_request.http_method` enum accepts; any other stays out of the event.
const OCSF_HTTP_METHODS: [&str; 9] = ["GET", "PUT", "HEAD", "POST", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT"];

// Not inlined: its large frame is gone before the event is written (a shallow stack for
// interpreters such as Fluent Bit's WAMR, where every live frame counts).
#[inline(never)]
pub(crate) fn event<'a>(r: &SalRecord<'a>, decoded_key: Option<&'a str>, ctx: &Context<'a>) -> Event<'a> {
    let operation = r.raw(field::OPERATION);
    let request_line = r.get(field::REQUEST_URI).and_then(parse_request_line);
    let status = r.get(field::HTTP_STATUS).and_then(|s| s.parse::<u16>().ok());
    let error_code = r.get(field::ERROR_CODE);
    let resolved = resolve_sal(operation, r.get(field::KEY).is_some(), request_line.and_then(|l| l.query).unwrap_or(""));

    let failed = error_code.is_some() || status.is_some_and(|s| s >= 400);
    let origin = Origin {
        product_name: "Amazon S3",
        feature: Some(FEATURE_SAL),
        event_code: operation,
        time_ms: r.time_ms,
        original_time: r.raw(field::TIME),
    };
    let mut e = Event::new(resolved, failed, origin, ctx);
    e.set_request_id(r.get(field::REQUEST_ID), None);
    e.set_error(error_code, None, None);
    e.duration = r.number(field::TOTAL_TIME);

    e.actor.user = requester_user(r.get(field::REQUESTER));
    // The tokenizer let through only addresses and masked addresses; a masked one is no address.
    let remote_ip = r.get(field::REMOTE_IP);
    let masked_ip = remote_ip.filter(|ip| crate::sal::is_masked_ip(ip));
    e.src_endpoint = match remote_ip {
        Some(ip) if masked_ip.is_some() => Endpoint { name: Some(ip), ..Endpoint::default() },
        Some(ip) => Endpoint { ip: Some(ip), ..Endpoint::default() },
        None => Endpoint { svc_name: Some(INTERNAL_SOURCE), ..Endpoint::default() },
    };

    let host = r.get(field::HOST_HEADER);
    e.dst_endpoint = host.map(|h| Endpoint { hostname: Some(h), ..Endpoint::default() });
    e.cloud.region = host.and_then(aws::region_from_host);
    let partition = aws::partition_of(e.cloud.region);
    e.set_http_request(HttpRequest {
        http_method: request_line.map(|l| l.method).filter(|m| OCSF_HTTP_METHODS.contains(m)),
        url: request_line.map(|l| Url { hostname: host, path: l.path, query_string: l.query }),
        version: request_line.map(|l| l.version),
        referrer: r.get(field::REFERER),
        user_agent: r.get(field::USER_AGENT),
    });
    e.http_response =
        status.map(|code| HttpResponse { code, length: r.number(field::BYTES_SENT), latency: r.number(field::TURN_AROUND_TIME) });

    // The GET half of a copy names the source: its bucket and object are what the copy reads.
    let (role_id, role) = match is_copy_source(operation) {
        true => (Some(ROLE_COPY_SOURCE.0), Some(ROLE_COPY_SOURCE.1)),
        false => (None, None),
    };
    if let Some(bucket) = r.get(field::BUCKET) {
        e.resources.push(Resource {
            kind: ResourceType::Bucket,
            uid: Arn::S3 { partition, bucket, key: None },
            name: Some(Cow::Borrowed(bucket)),
            version: None,
            owner: r.get(field::BUCKET_OWNER).map(|uid| Owner { uid: Some(uid), account: None }),
            role_id,
            role,
        });
        if let Some(key) = decoded_key {
            e.resources.push(Resource {
                kind: ResourceType::Object,
                uid: Arn::S3 { partition, bucket, key: Some(key) },
                name: Some(Cow::Borrowed(key)),
                version: r.get(field::VERSION_ID),
                owner: None,
                role_id,
                role,
            });
        }
    }

    e.unmapped.s3 = S3Fields {
        bucket_owner: r.get(field::BUCKET_OWNER),
        host_id: r.get(field::HOST_ID),
        signature_version: r.get(field::SIGNATURE_VERSION),
        cipher_suite: r.get(field::CIPHER_SUITE),
        authentication_type: r.get(field::AUTHENTICATION_TYPE),
        tls_version: r.get(field::TLS_VERSION).map(aws::tls_version),
        acl_required: r.get(field::ACL_REQUIRED),
        access_point_arn: r.get(field::ACCESS_POINT_ARN),
        bytes_in: None,
        bytes_out: r.number(field::BYTES_SENT),
        object_size: r.number(field::OBJECT_SIZE),
        source_region: r.get(field::SOURCE_REGION),
        cloudtrail_equivalent: e.unmapped.s3.cloudtrail_equivalent,
        sources: None,
    };
    let mut masked_fields = Vec::new();
    if masked_ip.is_some() {
        masked_fields.push("remote_ip");
    }
    for (index, name) in MASKABLE_TEXT {
        if r.get(index).is_some_and(is_masked) {
            masked_fields.push(name);
        }
    }
    let sal_only = SalOnly {
        request_uri: if request_line.is_none() { r.get(field::REQUEST_URI) } else { None },
        extra_fields: r.extra_fields().collect(),
        masked_fields,
        ..SalOnly::default()
    };
    if sal_only.request_uri.is_some() || !sal_only.extra_fields.is_empty() || !sal_only.masked_fields.is_empty() {
        e.unmapped.s3_access_log = Some(sal_only);
    }
    e
}

/// Free-text fields people mask when they share logs, with their names in `masked_fields`.
const MASKABLE_TEXT: [(usize, &str); 4] = [
    (field::BUCKET_OWNER, "bucket_owner"),
    (field::REQUESTER, "requester"),
    (field::REQUEST_ID, "request_id"),
    (field::HOST_ID, "host_id"),
];

/// The canonical user ID S3 gives unauthenticated requesters. Lines from 2006-2009 write it in the
/// Requester field where later ones write `-` (all seven 17-field lines in tests/fixtures); it is
/// the anonymous grantee's ID in S3 ACLs too (PEAR Services_Amazon_S3's `ID_ANONYMOUS`: "Canonical
/// user id of the anonymous/unauthenticated user").
const ANONYMOUS_CANONICAL_ID: &str = "65a011a29cdf8ec533ec3d1ccaae921c";

/// The caller from SAL's Requester field: an IAM/STS ARN, a canonical user ID, a service
/// principal (`AmazonS3`, `svc:…`), or `-` for an unauthenticated request.
fn requester_user(requester: Option<&str>) -> User<'_> {
    let Some(requester) = requester else {
        return User { kind: UserType::Anonymous, name: Some(ANONYMOUS_NAME), ..User::default() };
    };
    if requester.starts_with("arn:") {
        return User {
            kind: UserType::from_arn(requester),
            uid: Some(requester),
            account: aws::account_of_arn(requester).map(|uid| Account { uid }),
            ..User::default()
        };
    }
    if let Some(service) = requester.strip_prefix("svc:") {
        return User { kind: UserType::AwsService, name: Some(service), ..User::default() };
    }
    if requester == "AmazonS3" {
        return User { kind: UserType::AwsService, name: Some(requester), ..User::default() };
    }
    if requester.eq_ignore_ascii_case("anonymous") {
        // 2006-era documentation says the word is written instead of `-`.
        return User { kind: UserType::Anonymous, name: Some(ANONYMOUS_NAME), ..User::default() };
    }
    if requester == ANONYMOUS_CANONICAL_ID {
        return User { kind: UserType::Anonymous, uid: Some(requester), name: Some(ANONYMOUS_NAME), ..User::default() };
    }
    if requester.len() == 64 && requester.bytes().all(|b| b.is_ascii_hexdigit()) {
        return User { kind: UserType::CanonicalUser, uid: Some(requester), ..User::default() };
    }
    User { kind: UserType::Unknown, uid: Some(requester), ..User::default() }
}

/// Decode a SAL key exactly once: `%XX` escapes and `+` for a space. Borrows when there is
/// nothing to decode; keeps the text as written when the escapes do not decode to UTF-8.
pub(crate) fn decode_key(key: &str) -> Cow<'_, str> {
    let b = key.as_bytes();
    if !b.iter().any(|&c| c == b'%' || c == b'+') {
        return Cow::Borrowed(key);
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(_) => Cow::Borrowed(key),
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_decode_once() {
        assert_eq!(decode_key("Screen+Shot+2019.png"), "Screen Shot 2019.png");
        assert_eq!(decode_key("a%2Fb%20c"), "a/b c");
        assert_eq!(decode_key("100%25"), "100%");
        assert_eq!(decode_key("%2525"), "%25"); // once, not twice
        assert_eq!(decode_key("bad%zz%"), "bad%zz%");
        assert_eq!(decode_key("%ff"), "%ff"); // not UTF-8: kept as written
        assert!(matches!(decode_key("plain/key.txt"), Cow::Borrowed(_)));
    }

    #[test]
    fn requesters() {
        assert_eq!(requester_user(None).kind, UserType::Anonymous);
        assert_eq!(requester_user(Some("AmazonS3")).kind, UserType::AwsService);
        let u = requester_user(Some("arn:aws:sts::123456789012:assumed-role/R/s"));
        assert_eq!((u.kind, u.account.map(|a| a.uid)), (UserType::AssumedRole, Some("123456789012")));
        assert_eq!(requester_user(Some("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be")).kind, UserType::CanonicalUser);
        let old_anonymous = requester_user(Some(ANONYMOUS_CANONICAL_ID));
        assert_eq!((old_anonymous.kind, old_anonymous.uid), (UserType::Anonymous, Some(ANONYMOUS_CANONICAL_ID)));
        assert_eq!(requester_user(Some("1e28afdbd73f***")).kind, UserType::Unknown);
    }
}
