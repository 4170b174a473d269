//! The operation table: the one place that says what each S3 operation is called, what kind of
//! activity it is, and which source logs it. (STUB: the table is being filled in.)

use serde::Serialize;
use std::borrow::Cow;

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

/// What an operation resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// Canonical `api.operation` (CloudTrail eventName vocabulary).
    pub operation: Cow<'static, str>,
    pub activity: Activity,
    /// Whether CloudTrail logs this operation; `None` when the operation is not in the table.
    pub cloudtrail_equivalent: Option<bool>,
}

/// Resolve a SAL operation (`REST.GET.ACL`), given whether the record has a key and the request's
/// query string (without `?`, may be empty).
pub fn resolve_sal(op: &str, has_key: bool, query: &str) -> Resolved {
    let _ = (has_key, query);
    Resolved { operation: Cow::Owned(op.to_owned()), activity: Activity::Other, cloudtrail_equivalent: None }
}

/// Resolve a CloudTrail eventName (`GetObject`).
pub fn resolve_event_name(name: &str) -> Resolved {
    Resolved { operation: Cow::Owned(name.to_owned()), activity: Activity::Other, cloudtrail_equivalent: Some(true) }
}
