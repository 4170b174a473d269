//! The coverage report: per operation, how many requests both logs saw and how many only one did,
//! and for each one-sided request, why the other log has no record of it.
//!
//! # Reasons, in the order they are tried
//! A request only one log saw gets the first reason that applies:
//! 1. The operation table settles it: [`Reason::NotLoggedByCloudtrail`] (its row says CloudTrail
//!    never logs it; also SAL's per-key delete lines before 9 June 2025, when CloudTrail began
//!    writing per-key records), [`Reason::NotLoggedBySal`] (no SAL spelling, or a successful
//!    `CreateBucket`/`DeleteBucket`), or
//!    [`Reason::CloudtrailNameUnknown`] (CloudTrail logs it under a name nobody has published).
//! 2. [`Reason::HostIdMismatch`]: both logs have the request ID but different host IDs; they are
//!    treated as two requests, each one-sided. [`Reason::NoRequestId`]: nothing to join on.
//! 3. [`Reason::OutsideOverlap`]: the other log's input does not cover the time (CloudTrail: no
//!    record at all within an hour of it) or that bucket at that time (SAL: no record of the bucket
//!    within an hour of it; a CloudTrail record that names no bucket is never covered).
//! 4. [`Reason::Unverified`]: the row is marked unverified, or the operation is not in the table;
//!    the report says so rather than assert a reason.
//! 5. SAL-only requests CloudTrail would file as data events: [`Reason::CloudtrailDataEventsOff`]
//!    when the CloudTrail input holds no data event for that bucket within a day of it (data events
//!    not enabled, or excluded by the trail's selectors; for per-key deletes: no per-key service
//!    event for that bucket within a day, as AWS's own selector example excludes them). As
//!    management events: [`Reason::CloudtrailManagementEventsOff`] when it holds no management
//!    event within a day.
//! 6. Otherwise the other log should have it and does not: [`Reason::MissingFromCloudtrail`],
//!    [`Reason::MissingFromSal`] (best-effort delivery).
//!
//! "Within an hour/a day" means the same or a neighbouring hour/day (UTC). Coverage is read from
//! the inputs themselves, so a gap in what was given reads as outside the overlap, never as a loss.

use super::index::FastMap;
use super::index::{Index, Unit, ABSORBED, CLOUDTRAIL, DELETED_KEY, FAILED, HOST_MISMATCH};
use super::record::Source;
use crate::operations::{Logged, Operation};
use crate::sink::Stats;
use crate::timefmt::Rfc3339;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// Start of CloudTrail's per-key `DeleteObject` records for `DeleteObjects` calls: 9 June 2025
/// 00:00 UTC (CloudTrail User Guide, document history), as epoch seconds.
pub const DELETED_KEY_RECORDS_SINCE: u32 = 1_749_427_200;

/// Why a request is in one log and not the other. Serialized in `snake_case`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// The operation table says CloudTrail never logs the operation (lifecycle, website, …).
    NotLoggedByCloudtrail,
    /// SAL never logs it (`ListBuckets`, account calls, a successful `CreateBucket`, …).
    NotLoggedBySal,
    /// CloudTrail logs it under an eventName no document names (CORS preflight).
    CloudtrailNameUnknown,
    /// SAL saw a data event on a bucket for which the CloudTrail input has none nearby.
    CloudtrailDataEventsOff,
    /// SAL saw a management call and the CloudTrail input has no management event nearby.
    CloudtrailManagementEventsOff,
    /// CloudTrail saw a request SAL logs, SAL covers that bucket and time, and SAL has no record.
    MissingFromSal,
    /// SAL saw a request CloudTrail logs, and CloudTrail (with those events on) has no record.
    MissingFromCloudtrail,
    /// The other log's input does not cover that bucket or time.
    OutsideOverlap,
    /// The table's pairing for this operation is not confirmed (or the operation is not in it).
    Unverified,
    /// Same request ID in both logs, different host IDs: not the same request.
    HostIdMismatch,
    /// The record has no request ID to join on.
    NoRequestId,
}

/// Every reason, in report order.
pub const REASONS: [Reason; 11] = [
    Reason::NotLoggedByCloudtrail,
    Reason::NotLoggedBySal,
    Reason::CloudtrailNameUnknown,
    Reason::CloudtrailDataEventsOff,
    Reason::CloudtrailManagementEventsOff,
    Reason::MissingFromSal,
    Reason::MissingFromCloudtrail,
    Reason::OutsideOverlap,
    Reason::Unverified,
    Reason::HostIdMismatch,
    Reason::NoRequestId,
];

impl Reason {
    /// The reason's name in the report (`missing_from_sal`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NotLoggedByCloudtrail => "not_logged_by_cloudtrail",
            Reason::NotLoggedBySal => "not_logged_by_sal",
            Reason::CloudtrailNameUnknown => "cloudtrail_name_unknown",
            Reason::CloudtrailDataEventsOff => "cloudtrail_data_events_off",
            Reason::CloudtrailManagementEventsOff => "cloudtrail_management_events_off",
            Reason::MissingFromSal => "missing_from_sal",
            Reason::MissingFromCloudtrail => "missing_from_cloudtrail",
            Reason::OutsideOverlap => "outside_overlap",
            Reason::Unverified => "unverified",
            Reason::HostIdMismatch => "host_id_mismatch",
            Reason::NoRequestId => "no_request_id",
        }
    }

    fn index(self) -> usize {
        REASONS.iter().position(|&r| r == self).unwrap_or(0)
    }
}

/// Counts per reason; serializes as an object of the non-zero ones, in [`REASONS`] order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReasonCounts([u64; REASONS.len()]);

impl ReasonCounts {
    /// How many requests got `reason`.
    pub fn get(&self, reason: Reason) -> u64 {
        self.0[reason.index()]
    }

    /// The non-zero counts, in report order.
    pub fn iter(&self) -> impl Iterator<Item = (Reason, u64)> + '_ {
        REASONS.iter().zip(self.0).filter(|(_, n)| *n > 0).map(|(&r, n)| (r, n))
    }

    fn add(&mut self, reason: Reason, n: u64) {
        self.0[reason.index()] += n;
    }

    fn add_all(&mut self, other: &ReasonCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    /// The total over all reasons.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

impl Serialize for ReasonCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (reason, n) in self.iter() {
            map.serialize_entry(reason.as_str(), &n)?;
        }
        map.end()
    }
}

/// One row of the report: one operation (CloudTrail's name when CloudTrail saw the request).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct OperationRow {
    pub operation: String,
    /// Requests both logs saw.
    pub both: u64,
    /// Requests only the server access log saw.
    pub sal_only: u64,
    /// Requests only CloudTrail saw.
    pub cloudtrail_only: u64,
    /// Why CloudTrail has no record of the `sal_only` requests.
    pub sal_only_reasons: ReasonCounts,
    /// Why SAL has no record of the `cloudtrail_only` requests.
    pub cloudtrail_only_reasons: ReasonCounts,
}

impl OperationRow {
    fn add(&mut self, other: &OperationRow) {
        self.both += other.both;
        self.sal_only += other.sal_only;
        self.cloudtrail_only += other.cloudtrail_only;
        self.sal_only_reasons.add_all(&other.sal_only_reasons);
        self.cloudtrail_only_reasons.add_all(&other.cloudtrail_only_reasons);
    }

    fn count(&mut self, source: Source, reason: Reason, n: u64) {
        match source {
            Source::Sal => {
                self.sal_only += n;
                self.sal_only_reasons.add(reason, n);
            }
            Source::CloudTrail => {
                self.cloudtrail_only += n;
                self.cloudtrail_only_reasons.add(reason, n);
            }
        }
    }
}

/// What was read: input units and what they became, and records per log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct InputCounts {
    /// Input units read (`inputs = events + errors + skipped`).
    pub units: u64,
    pub events: u64,
    pub errors: u64,
    pub skipped: u64,
    /// Events from server access logs.
    pub server_access_log: u64,
    /// Events from CloudTrail.
    pub cloudtrail: u64,
}

/// One log's records for one bucket: how many, first and last event time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct BucketSpan {
    pub records: u64,
    pub first: String,
    pub last: String,
}

/// Each log's records of one bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct BucketRow {
    pub bucket: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_access_log: Option<BucketSpan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloudtrail: Option<BucketSpan>,
}

/// Delivery lag of one log (seconds): delivery time from the log object's name minus event time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Lag {
    /// Records whose `log_name` follows AWS's naming.
    pub records: u64,
    pub p50: u32,
    pub p90: u32,
    pub p99: u32,
    pub max: u32,
}

/// Delivery lag per log; absent for a log none of whose inputs is named as AWS names log objects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Lags {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_access_log: Option<Lag>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloudtrail: Option<Lag>,
}

/// The coverage report (`s3norm coverage --json`, `correlate(inputs).coverage` in the npm
/// package). Everything in it is independent of the order of the inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Coverage {
    /// What was read.
    pub inputs: InputCounts,
    /// All requests: the sum of the rows (`operation` is `"(all)"`).
    pub requests: OperationRow,
    /// One row per operation, by name.
    pub operations: Vec<OperationRow>,
    /// One row per bucket, by name.
    pub buckets: Vec<BucketRow>,
    pub delivery_lag: Lags,
}

impl Index {
    /// The coverage report of everything indexed so far.
    pub fn coverage(&mut self) -> Coverage {
        self.link_deleted_keys();
        let judge = Judge { index: self };
        // One row per interned operation first (several ids can share a name), merged by name below.
        let mut by_id: Vec<OperationRow> = Vec::new();
        fn row_of(by_id: &mut Vec<OperationRow>, op: u16) -> &mut OperationRow {
            let i = usize::from(op);
            if by_id.len() <= i {
                by_id.resize(i + 1, OperationRow::default());
            }
            &mut by_id[i]
        }
        for (_, unit) in self.units.iter().filter(|(_, u)| !u.has(ABSORBED)) {
            let row = row_of(&mut by_id, unit.op);
            let (sal, ct) = (unit.sal_records() > 0, unit.count(CLOUDTRAIL) > 0);
            if sal && ct && unit.has(HOST_MISMATCH) {
                row.count(Source::Sal, Reason::HostIdMismatch, 1);
                row.count(Source::CloudTrail, Reason::HostIdMismatch, 1);
            } else if sal && ct {
                row.both += 1;
            } else {
                let source = if sal { Source::Sal } else { Source::CloudTrail };
                row.count(source, judge.reason(unit, source), 1);
            }
        }
        for (&key, &n) in &self.seen.no_request_id {
            let (op, log) = ((key >> 8) as u16, key & 0xff);
            let source = if log == Source::Sal as u64 { Source::Sal } else { Source::CloudTrail };
            let reason = table_reason(self.operations.row(op), source, false, None, false).unwrap_or(Reason::NoRequestId);
            row_of(&mut by_id, op).count(source, reason, n);
        }
        let mut named: Vec<(&str, OperationRow)> = by_id
            .into_iter()
            .enumerate()
            .filter(|(_, r)| r.both + r.sal_only + r.cloudtrail_only > 0)
            .map(|(op, r)| (self.operations.name(op as u16), r))
            .collect();
        super::sort(&mut named, &|a, b| a.0 < b.0);
        let mut requests = OperationRow { operation: "(all)".to_owned(), ..OperationRow::default() };
        let mut operations: Vec<OperationRow> = Vec::new();
        for (name, row) in named {
            requests.add(&row);
            match operations.last_mut() {
                Some(last) if last.operation == name => last.add(&row),
                _ => operations.push(OperationRow { operation: name.to_owned(), ..row }),
            }
        }

        let mut buckets: Vec<BucketRow> = self
            .seen
            .buckets
            .iter()
            .map(|(&id, spans)| {
                let span = |s: &super::index::Span| {
                    (s.records > 0).then(|| BucketSpan { records: s.records, first: time_text(s.first), last: time_text(s.last) })
                };
                BucketRow {
                    bucket: self.buckets.name(id as u32).unwrap_or_default().to_owned(),
                    server_access_log: span(&spans[Source::Sal as usize]),
                    cloudtrail: span(&spans[Source::CloudTrail as usize]),
                }
            })
            .collect();
        super::sort(&mut buckets, &|a, b| a.bucket < b.bucket);

        let mut stats = Stats::default();
        for input in &self.inputs {
            stats.add(input.stats);
        }
        Coverage {
            inputs: InputCounts {
                units: stats.inputs,
                events: stats.events,
                errors: stats.errors,
                skipped: stats.skipped,
                server_access_log: self.records[Source::Sal as usize],
                cloudtrail: self.records[Source::CloudTrail as usize],
            },
            requests,
            operations,
            buckets,
            delivery_lag: Lags {
                server_access_log: lag(&self.seen.lags[Source::Sal as usize]),
                cloudtrail: lag(&self.seen.lags[Source::CloudTrail as usize]),
            },
        }
    }
}

/// Decides the reason of a one-sided request from the index's coverage sets.
struct Judge<'i> {
    index: &'i Index,
}

impl Judge<'_> {
    fn reason(&self, unit: &Unit, source: Source) -> Reason {
        let index = self.index;
        let row = index.operations.row(unit.op);
        let deleted_key = unit.has(DELETED_KEY);
        let has_bucket = unit.bucket != 0;
        if let Some(reason) = table_reason(row, source, unit.has(FAILED), Some(unit.time), deleted_key) {
            return reason;
        }
        let seen = &index.seen;
        let (hour, day) = (unit.time / 3600, unit.time / 86_400);
        let bucket = u64::from(unit.bucket) << 32;
        let near = |t: u32, has: &dyn Fn(u32) -> bool| (t.saturating_sub(1)..=t.saturating_add(1)).any(has);
        match source {
            Source::CloudTrail => {
                if !has_bucket || !near(hour, &|h| seen.sal_hours.contains(&(bucket | u64::from(h)))) {
                    return Reason::OutsideOverlap;
                }
                if row.is_none_or(|r| r.unverified.is_some()) {
                    return Reason::Unverified;
                }
                Reason::MissingFromSal
            }
            Source::Sal => {
                if !near(hour, &|h| seen.ct_hours.contains(&u64::from(h))) {
                    return Reason::OutsideOverlap;
                }
                let Some(row) = row.filter(|r| r.unverified.is_none()) else {
                    return Reason::Unverified;
                };
                if deleted_key {
                    if !has_bucket || !near(day, &|d| seen.ct_deleted_key_days.contains(&(bucket | u64::from(d)))) {
                        return Reason::CloudtrailDataEventsOff;
                    }
                } else if row.cloudtrail == Logged::Data {
                    if !has_bucket || !near(day, &|d| seen.ct_data_days.contains(&(bucket | u64::from(d)))) {
                        return Reason::CloudtrailDataEventsOff;
                    }
                } else if row.cloudtrail == Logged::Management && !near(day, &|d| seen.ct_management_days.contains(&u64::from(d))) {
                    return Reason::CloudtrailManagementEventsOff;
                }
                Reason::MissingFromCloudtrail
            }
        }
    }
}

/// The reasons the operation table settles alone (step 1 of the module docs). `time` is known
/// for requests with a request ID; `deleted_key` marks SAL's per-key delete lines.
fn table_reason(row: Option<&'static Operation>, source: Source, failed: bool, time: Option<u32>, deleted_key: bool) -> Option<Reason> {
    match source {
        Source::Sal => {
            if deleted_key && time.is_some_and(|t| t < DELETED_KEY_RECORDS_SINCE) {
                return Some(Reason::NotLoggedByCloudtrail);
            }
            match row?.cloudtrail {
                Logged::No => Some(Reason::NotLoggedByCloudtrail),
                Logged::UnknownName => Some(Reason::CloudtrailNameUnknown),
                _ => None,
            }
        }
        // A failed CreateBucket/DeleteBucket can be in a log (the bucket exists); a successful one cannot.
        Source::CloudTrail => (!(row?.sal_logs || failed && row?.sal.is_some())).then_some(Reason::NotLoggedBySal),
    }
}

/// Nearest-rank percentiles of a lag histogram (seconds → records).
fn lag(histogram: &FastMap<u64>) -> Option<Lag> {
    let mut sorted: Vec<(u64, u64)> = histogram.iter().map(|(&lag, &n)| (lag, n)).collect();
    super::sort(&mut sorted, &|a, b| a < b);
    let records: u64 = sorted.iter().map(|(_, n)| n).sum();
    if records == 0 {
        return None;
    }
    let at = |p: u64| {
        let rank = (p * records).div_ceil(100).max(1);
        let mut seen = 0;
        for &(lag, n) in &sorted {
            seen += n;
            if seen >= rank {
                return lag as u32;
            }
        }
        0
    };
    Some(Lag { records, p50: at(50), p90: at(90), p99: at(99), max: sorted.last().map_or(0, |&(lag, _)| lag as u32) })
}

/// Epoch seconds as RFC 3339 (`2019-02-06T00:00:38.000Z`).
fn time_text(t: u32) -> String {
    Rfc3339::from_millis(i64::from(t) * 1000).as_str().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut h = FastMap::default();
        for lag in 1..=100u64 {
            h.insert(lag, 1);
        }
        assert_eq!(lag(&h), Some(Lag { records: 100, p50: 50, p90: 90, p99: 99, max: 100 }));
        let one: FastMap<u64> = [(7, 3)].into_iter().collect();
        assert_eq!(lag(&one), Some(Lag { records: 3, p50: 7, p90: 7, p99: 7, max: 7 }));
        assert_eq!(lag(&FastMap::default()), None);
    }

    #[test]
    fn per_key_records_began_on_9_june_2025() {
        assert_eq!(time_text(DELETED_KEY_RECORDS_SINCE), "2025-06-09T00:00:00.000Z");
    }

    #[test]
    fn reason_names_are_their_serialization() {
        for r in REASONS {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
    }
}
