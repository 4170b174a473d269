//! One event as the correlator sees it: which log wrote it, which part of a request it is, and the
//! key it joins on. Both passes (the index and the writer) classify events through [`Record::of`],
//! so they cannot disagree about where an event belongs.

use crate::ocsf::{Event, FEATURE_DATA, FEATURE_MANAGEMENT};
use crate::operations::{self, Operation, OPERATIONS};

/// `metadata.product.name` of a server access log event (the normalizer's own constant text).
const PRODUCT_SAL: &str = "Amazon S3";

/// SAL operations that are the source side of a copy: folded into the request's one event.
const COPY_SOURCE_OPERATIONS: [&str; 2] = ["REST.COPY.OBJECT_GET", "REST.COPY.PART_GET"];
/// SAL operation of one deleted key of a multi-object delete.
const SAL_DELETED_KEY: &str = "BATCH.DELETE.OBJECT";
/// CloudTrail's per-key record of a multi-object delete (since 9 June 2025): a `DeleteObject`
/// whose `eventType` is `AwsServiceEvent` (AWS's own selector example excludes them by that field).
const CLOUDTRAIL_DELETED_KEY: (&str, &str) = ("DeleteObject", "AwsServiceEvent");

/// Which log an event came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A server access log line.
    Sal,
    /// A CloudTrail record.
    CloudTrail,
}

/// Which part of a request an event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// The request's own record (for a copy, SAL's destination-side `REST.COPY.OBJECT`).
    Main,
    /// SAL's source-side record of a copy (`REST.COPY.OBJECT_GET`, `REST.COPY.PART_GET`).
    CopySource,
    /// One deleted key of a multi-object delete: SAL's `BATCH.DELETE.OBJECT`, CloudTrail's
    /// per-key `DeleteObject` service event. Each key is a request of its own here.
    DeletedKey,
}

/// How CloudTrail filed a record (`metadata.product.feature`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Category {
    Data,
    Management,
    Unknown,
}

/// What the correlator needs of one event; borrows it.
#[derive(Debug)]
pub(crate) struct Record<'r> {
    pub source: Source,
    pub part: Part,
    /// The S3 request ID (`api.request.uid`), when the record has one.
    pub request_id: Option<&'r str>,
    /// The request's slot in the index: the packed request ID, and for a deleted key, mixed with
    /// the bucket and key. Meaningless without `request_id`.
    pub unit: u64,
    pub bucket: Option<&'r str>,
    /// Event time, whole seconds since the epoch (clamped to `u32`).
    pub time: u32,
    /// 16-bit digest of the host ID (`x-amz-id-2`); 0 when there is none.
    pub host: u16,
    pub failed: bool,
    /// CloudTrail records only.
    pub category: Category,
    /// `api.operation`.
    pub operation: &'r str,
    /// The operation table's row for the record: by SAL operation text and rule, or by eventName.
    pub row: Option<&'static Operation>,
}

impl<'r> Record<'r> {
    pub(crate) fn of(e: &'r Event<'_>) -> Record<'r> {
        let source = if e.metadata.product.name == PRODUCT_SAL { Source::Sal } else { Source::CloudTrail };
        let code = e.metadata.event_code;
        let bucket = e.resources.iter().find(|r| r.kind.rank() == 0).and_then(|r| r.name.as_deref());
        let key = e.resources.iter().find(|r| r.kind.rank() == 1).and_then(|r| r.name.as_deref());
        let (part, row, category) = match source {
            Source::Sal => {
                let part = if code == SAL_DELETED_KEY {
                    Part::DeletedKey
                } else if COPY_SOURCE_OPERATIONS.contains(&code) {
                    Part::CopySource
                } else {
                    Part::Main
                };
                let query = e.http_request.as_ref().and_then(|h| h.url.as_ref()).and_then(|u| u.query_string).unwrap_or("");
                (part, operations::find_sal(code, key.is_some(), query), Category::Unknown)
            }
            Source::CloudTrail => {
                let event_type = e.unmapped.cloudtrail.as_ref().and_then(|c| c.event_type);
                let part = if (code, event_type) == (CLOUDTRAIL_DELETED_KEY.0, Some(CLOUDTRAIL_DELETED_KEY.1)) {
                    Part::DeletedKey
                } else {
                    Part::Main
                };
                let category = match e.metadata.product.feature.as_ref().map(|f| f.name) {
                    Some(name) if name == FEATURE_DATA.name => Category::Data,
                    Some(name) if name == FEATURE_MANAGEMENT.name => Category::Management,
                    _ => Category::Unknown,
                };
                (part, operations::find_event_name(code), category)
            }
        };
        let request_id = e.api.request.as_ref().map(|r| r.uid).filter(|id| !id.is_empty());
        let mut unit = request_id.map_or(0, request_key);
        if part == Part::DeletedKey {
            unit = deleted_key_unit(unit, bucket.unwrap_or(""), key.unwrap_or(""));
        }
        Record {
            source,
            part,
            request_id,
            unit,
            bucket,
            time: seconds(e.time),
            host: e.unmapped.s3.host_id.map_or(0, host_digest),
            failed: e.status_id == 2,
            category,
            operation: &e.api.operation,
            row,
        }
    }

    /// The row's index in [`OPERATIONS`].
    pub(crate) fn row_index(&self) -> Option<u16> {
        self.row.map(row_index)
    }
}

/// A row's index in [`OPERATIONS`] (rows are elements of that one static slice).
pub(crate) fn row_index(row: &'static Operation) -> u16 {
    let offset = (row as *const Operation as usize).wrapping_sub(OPERATIONS.as_ptr() as usize);
    (offset / std::mem::size_of::<Operation>()) as u16
}

/// Epoch milliseconds to whole seconds, clamped to what a `u32` holds (1970 to 2106).
pub(crate) fn seconds(ms: i64) -> u32 {
    (ms.div_euclid(1000)).clamp(0, i64::from(u32::MAX)) as u32
}

/// The join key of a request ID. S3's IDs are 16 upper-case hexadecimal digits: packed into the
/// 64 bits exactly, so equal keys are equal IDs. Anything else (AWS's `…EXAMPLE` IDs, job UUIDs)
/// is hashed; a collision there is caught when the records are merged, by comparing the IDs.
pub(crate) fn request_key(id: &str) -> u64 {
    let b = id.as_bytes();
    if b.len() == 16 && b.iter().all(|c| matches!(c, b'0'..=b'9' | b'A'..=b'F')) {
        return b.iter().fold(0u64, |acc, &c| acc << 4 | u64::from(if c <= b'9' { c - b'0' } else { c - b'A' + 10 }));
    }
    mix(fnv1a(b) ^ 0x5bd1_e995_0000_0001)
}

/// The slot of one deleted key of a multi-object delete: a 24-bit digest of the key in the high
/// bits (read back by [`key_digest_of`] to join deleted keys whose request IDs differ), 40 bits of
/// the request and bucket below. Two deletions of one key collide with odds n²/2⁴¹ (a key deleted
/// 100 000 times: 1 in 220); a collision makes the two ambiguous (written unmerged), never wrong.
pub(crate) fn deleted_key_unit(request: u64, bucket: &str, key: &str) -> u64 {
    let key = mix(fnv1a(key.as_bytes())) >> 40;
    key << 40 | mix(request ^ fnv1a(bucket.as_bytes()).rotate_left(17)) & ((1 << 40) - 1)
}

/// The key digest in a deleted key's slot.
pub(crate) fn key_digest_of(unit: u64) -> u32 {
    (unit >> 40) as u32
}

/// 16-bit digest of a host ID, never 0 (0 means "no host ID").
fn host_digest(host: &str) -> u16 {
    (mix(fnv1a(host.as_bytes())) >> 48) as u16 | 1
}

/// 64-bit FNV-1a.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// SplitMix64's finalizer: spreads every input bit over every output bit.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_request_ids_pack_exactly() {
        assert_eq!(request_key("0000000000000001"), 1);
        assert_eq!(request_key("D630F8F6B949DA00"), 0xD630_F8F6_B949_DA00);
        assert_ne!(request_key("D630F8F6B949DA00"), request_key("d630f8f6b949da00"));
        assert_ne!(request_key("3E57427F3EXAMPLE"), request_key("3E57427F3EXAMPLF"));
    }

    #[test]
    fn rows_know_their_index() {
        for (i, row) in OPERATIONS.iter().enumerate() {
            assert_eq!(row_index(row) as usize, i);
        }
    }

    #[test]
    fn seconds_clamp() {
        assert_eq!(seconds(1_549_411_238_999), 1_549_411_238);
        assert_eq!(seconds(-5), 0);
        assert_eq!(seconds(i64::MAX), u32::MAX);
    }
}
