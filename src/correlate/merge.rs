//! One event from the records of one request: the union of what each log knows.
//!
//! The merged event is built from the normalizer's own events (never from hand-written JSON), so
//! it is an [`Event`] like any other and goes through the one writer. CloudTrail's record is the
//! base when there is one: its identity, session, event ID, request parameters, response elements,
//! account and eventName (`metadata.event_code`, `api.operation`) stay as they are. The server
//! access log adds what only it has: HTTP method, path, query, status, bytes sent, object size,
//! total and turn-around time, referer, the Host header, the bucket owner's canonical ID, and its
//! own operation text and log name (`unmapped.s3_access_log.event_code`, `.log_name`). Fields both
//! have (host ID, TLS, cipher, signature) keep CloudTrail's value; the unified schema makes them
//! equal anyway. The request fails when either log says it failed.
//!
//! A copy's source-side SAL record adds its bucket and object to `resources`.

use crate::ocsf::{Event, Resource, SalOnly, SOURCES_BOTH, SOURCES_CLOUDTRAIL, SOURCES_SAL};

/// One record passed through as it is, marked with the log it came from.
pub(crate) fn single<'a>(e: &Event<'a>, sources: &'static [&'static str]) -> Event<'a> {
    let mut out = e.clone();
    out.raw_data = None;
    out.unmapped.s3.sources = Some(sources);
    out
}

/// The one event of a request from its CloudTrail record (if any), SAL's main record (if any) and
/// SAL's source-side copy record (if any). `None` when there is nothing to merge.
pub(crate) fn merged<'a>(ct: Option<&Event<'a>>, main: Option<&Event<'a>>, copy_source: Option<&Event<'a>>) -> Option<Event<'a>> {
    let sal = main.or(copy_source);
    let mut out = match (ct, sal) {
        (Some(ct), Some(sal)) => {
            let mut out = single(ct, SOURCES_BOTH);
            add_sal(&mut out, sal);
            out
        }
        (Some(ct), None) => single(ct, SOURCES_CLOUDTRAIL),
        (None, Some(sal)) => single(sal, SOURCES_SAL),
        (None, None) => return None,
    };
    if let (Some(_), Some(source)) = (main, copy_source) {
        add_resources(&mut out.resources, &source.resources);
    }
    Some(out)
}

/// Fold SAL's record into an event built from CloudTrail's.
fn add_sal<'a>(out: &mut Event<'a>, sal: &Event<'a>) {
    if sal.status_id == 2 && out.status_id != 2 {
        out.status_id = sal.status_id;
        out.status = sal.status;
        out.status_code = out.status_code.or(sal.status_code);
        match (&mut out.api.response, &sal.api.response) {
            (Some(mine), Some(theirs)) => mine.error = mine.error.or(theirs.error),
            (mine @ None, theirs) => mine.clone_from(theirs),
            _ => {}
        }
    }
    out.duration = out.duration.or(sal.duration);
    out.src_endpoint.ip = out.src_endpoint.ip.or(sal.src_endpoint.ip);
    if out.dst_endpoint.is_none() {
        out.dst_endpoint.clone_from(&sal.dst_endpoint);
    }
    if let Some(theirs) = &sal.http_request {
        let user_agent = theirs.user_agent.or(out.http_request.as_ref().and_then(|h| h.user_agent));
        let mut request = theirs.clone();
        request.user_agent = user_agent;
        out.http_request = Some(request);
    }
    if out.http_response.is_none() {
        out.http_response.clone_from(&sal.http_response);
    }
    add_resources(&mut out.resources, &sal.resources);
    out.cloud.region = out.cloud.region.or(sal.cloud.region);

    let (s3, theirs) = (&mut out.unmapped.s3, &sal.unmapped.s3);
    s3.bucket_owner = s3.bucket_owner.or(theirs.bucket_owner);
    s3.host_id = s3.host_id.or(theirs.host_id);
    s3.signature_version = s3.signature_version.or(theirs.signature_version);
    s3.cipher_suite = s3.cipher_suite.or(theirs.cipher_suite);
    s3.authentication_type = s3.authentication_type.or(theirs.authentication_type);
    if s3.tls_version.is_none() {
        s3.tls_version.clone_from(&theirs.tls_version);
    }
    s3.acl_required = s3.acl_required.or(theirs.acl_required);
    s3.access_point_arn = s3.access_point_arn.or(theirs.access_point_arn);
    s3.bytes_in = s3.bytes_in.or(theirs.bytes_in);
    s3.bytes_out = s3.bytes_out.or(theirs.bytes_out);
    s3.object_size = s3.object_size.or(theirs.object_size);
    s3.source_region = s3.source_region.or(theirs.source_region);

    let mut sal_only = sal.unmapped.s3_access_log.clone().unwrap_or_default();
    sal_only.event_code = Some(sal.metadata.event_code);
    sal_only.log_name = sal.metadata.log_name;
    out.unmapped.s3_access_log = Some(SalOnly { ..sal_only });
    if out.unmapped.source_event.is_none() {
        out.unmapped.source_event = sal.unmapped.source_event;
    }
}

/// Add `theirs` to `mine`: a resource already there (same ARN) gains what it lacks (the bucket
/// owner's canonical ID, an object version, a name), others are added after those of their rank:
/// buckets stay first, then objects, then the rest.
fn add_resources<'a>(mine: &mut Vec<Resource<'a>>, theirs: &[Resource<'a>]) {
    for r in theirs {
        let uid = r.uid.to_string();
        match mine.iter_mut().find(|m| m.kind.rank() == r.kind.rank() && m.uid.to_string() == uid) {
            Some(m) => {
                if m.name.is_none() {
                    m.name.clone_from(&r.name);
                }
                m.version = m.version.or(r.version);
                match (&mut m.owner, &r.owner) {
                    (Some(owner), Some(their)) => {
                        owner.uid = owner.uid.or(their.uid);
                        if owner.account.is_none() {
                            owner.account.clone_from(&their.account);
                        }
                    }
                    (owner @ None, their) => owner.clone_from(their),
                    _ => {}
                }
            }
            None => {
                // After the last resource of the same or an earlier rank: the order stays stable.
                let at = mine.iter().position(|m| m.kind.rank() > r.kind.rank()).unwrap_or(mine.len());
                mine.insert(at, r.clone());
            }
        }
    }
}
