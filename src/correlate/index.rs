//! The index: what the first pass keeps of every request, in 16 bytes plus its 8-byte key.
//!
//! One [`Unit`] per request (per deleted key for a multi-object delete), in a hash table keyed by
//! the packed request ID and split into [`SHARDS`] tables so that growing one moves 1/64 of the
//! entries (a single table would briefly hold its old and new arrays: 1.5 times the memory).
//! Everything a unit holds is order-independent: counts saturate, the kept operation, bucket and
//! time are those of the record with the highest priority (CloudTrail, then SAL's main record, then
//! a copy's source side), ties going to the smallest (time, operation, bucket), and the host-ID
//! check flags any two different IDs whatever order they came in.

use super::logname;
use super::record::{key_digest_of, mix, Category, Part, Record, Source};
use crate::ocsf::Event;
use crate::operations::{Operation, OPERATIONS};
use crate::sink::Stats;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// How many tables the units are split into.
pub(crate) const SHARDS: usize = 64;

// Unit::flags
pub(crate) const DELETED_KEY: u8 = 1;
pub(crate) const HOST_MISMATCH: u8 = 2;
pub(crate) const FAILED: u8 = 4;
const HOST_SET: u8 = 8;
/// Joined into another unit by the deleted-key fallback (its records count there).
pub(crate) const ABSORBED: u8 = 16;
const PRIORITY_SHIFT: u8 = 5; // two bits

// Unit::progress (the writing pass)
pub(crate) const HELD_MAIN: u8 = 1;
pub(crate) const HELD_SOURCE: u8 = 2;
pub(crate) const DONE: u8 = 4;

/// Indexes into [`Unit::counts`].
pub(crate) const SAL_MAIN: u8 = 0;
pub(crate) const SAL_COPY_SOURCE: u8 = 1;
pub(crate) const CLOUDTRAIL: u8 = 2;

/// One request in the index. 16 bytes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Unit {
    /// Interned bucket name + 1; 0 for none.
    pub bucket: u32,
    /// Event time, epoch seconds.
    pub time: u32,
    /// Interned (operation, table row).
    pub op: u16,
    /// Host-ID digest of the first record that had one.
    host: u16,
    /// Two bits per part ([`SAL_MAIN`], [`SAL_COPY_SOURCE`], [`CLOUDTRAIL`]): 0, 1, or 2 for more.
    counts: u8,
    pub flags: u8,
    /// The writing pass's state of the unit.
    pub progress: u8,
    _spare: u8,
}

impl Unit {
    pub(crate) fn count(&self, part: u8) -> u8 {
        self.counts >> (2 * part) & 3
    }

    pub(crate) fn add_count(&mut self, part: u8, n: u8) {
        let c = (self.count(part) + n).min(2);
        self.counts = self.counts & !(3 << (2 * part)) | c << (2 * part);
    }

    pub(crate) fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    pub(crate) fn sal_records(&self) -> u8 {
        self.count(SAL_MAIN) + self.count(SAL_COPY_SOURCE)
    }

    /// More than one record in some part: duplicates, or two requests under one ID.
    pub(crate) fn ambiguous(&self) -> bool {
        self.count(SAL_MAIN) > 1 || self.count(SAL_COPY_SOURCE) > 1 || self.count(CLOUDTRAIL) > 1
    }

    /// Whether the writing pass makes one event of several records: every part at most once,
    /// more than one record, host IDs agreeing.
    pub(crate) fn merges(&self) -> bool {
        !self.ambiguous() && !self.has(HOST_MISMATCH) && self.sal_records() + self.count(CLOUDTRAIL) > 1
    }

    fn priority(&self) -> u8 {
        self.flags >> PRIORITY_SHIFT & 3
    }

    fn check_host(&mut self, host: u16) {
        if host == 0 {
        } else if !self.has(HOST_SET) {
            self.host = host;
            self.flags |= HOST_SET;
        } else if self.host != host {
            self.flags |= HOST_MISMATCH;
        }
    }
}

/// Hasher of the numeric maps and sets: keys are packed IDs or digests already; one mix spreads them.
#[derive(Default)]
pub(crate) struct UnitHasher(u64);

impl Hasher for UnitHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = mix(x ^ 0x2545_f491_4f6c_dd1d);
    }
}

/// Maps and sets keyed by numbers (ids, hours, days): one hasher, one code instantiation each,
/// which keeps the WebAssembly build small.
pub(crate) type FastMap<V> = HashMap<u64, V, Fast>;
pub(crate) type FastSet = HashSet<u64, Fast>;
type Fast = BuildHasherDefault<UnitHasher>;

/// The units: [`SHARDS`] open-addressing tables (linear probing, no removal) of 24 bytes a slot
/// (key and unit in two arrays). A table grows by a quarter when it is 80 % full, so it is 64 to
/// 80 % full and a unit costs 30 to 38 bytes whatever the count (a power-of-two table would swing
/// between 44 and 88 %). Growing one table moves 1/64 of the units, so no moment holds two
/// copies of the index. Key 0 (the ID `0000000000000000`) has its own slot: 0 marks an empty one.
pub(crate) struct Units {
    shards: Vec<Shard>,
}

#[derive(Default)]
struct Shard {
    keys: Vec<u64>,
    units: Vec<Unit>,
    len: usize,
    zero: Option<Unit>,
}

impl Shard {
    /// The slot of `key` (non-zero): where it is, or the empty slot where it would go.
    fn find(&self, key: u64) -> usize {
        let cap = self.keys.len();
        let mut i = ((u128::from(mix(key ^ 0x2545_f491_4f6c_dd1d)) * cap as u128) >> 64) as usize;
        while self.keys[i] != key && self.keys[i] != 0 {
            i = if i + 1 == cap { 0 } else { i + 1 };
        }
        i
    }

    fn get(&self, key: u64) -> Option<&Unit> {
        if key == 0 {
            return self.zero.as_ref();
        }
        if self.keys.is_empty() {
            return None;
        }
        let i = self.find(key);
        (self.keys[i] == key).then(|| &self.units[i])
    }

    fn get_mut(&mut self, key: u64) -> Option<&mut Unit> {
        if key == 0 {
            return self.zero.as_mut();
        }
        if self.keys.is_empty() {
            return None;
        }
        let i = self.find(key);
        (self.keys[i] == key).then(|| &mut self.units[i])
    }

    fn entry(&mut self, key: u64) -> &mut Unit {
        if key == 0 {
            return self.zero.get_or_insert_with(Unit::default);
        }
        if (self.len + 1) * 5 > self.keys.len() * 4 {
            self.grow();
        }
        let i = self.find(key);
        if self.keys[i] == 0 {
            self.keys[i] = key;
            self.len += 1;
        }
        &mut self.units[i]
    }

    fn grow(&mut self) {
        let cap = (self.keys.len() + self.keys.len() / 4).max(16);
        let keys = std::mem::replace(&mut self.keys, vec![0; cap]);
        let units = std::mem::replace(&mut self.units, vec![Unit::default(); cap]);
        for (key, unit) in keys.into_iter().zip(units).filter(|(k, _)| *k != 0) {
            let i = self.find(key);
            self.keys[i] = key;
            self.units[i] = unit;
        }
    }

    fn iter(&self) -> impl Iterator<Item = (&u64, &Unit)> {
        self.keys.iter().zip(&self.units).filter(|(k, _)| **k != 0).chain(self.zero.as_ref().map(|u| (&0, u)))
    }
}

impl Units {
    fn new() -> Self {
        Units { shards: (0..SHARDS).map(|_| Shard::default()).collect() }
    }

    fn shard(key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize
    }

    pub(crate) fn get(&self, key: u64) -> Option<&Unit> {
        self.shards[Self::shard(key)].get(key)
    }

    pub(crate) fn get_mut(&mut self, key: u64) -> Option<&mut Unit> {
        self.shards[Self::shard(key)].get_mut(key)
    }

    fn entry(&mut self, key: u64) -> &mut Unit {
        self.shards[Self::shard(key)].entry(key)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&u64, &Unit)> {
        self.shards.iter().flat_map(Shard::iter)
    }

    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.len + usize::from(s.zero.is_some())).sum()
    }

    /// Bytes the tables hold, for the measurements in the docs.
    pub(crate) fn table_bytes(&self) -> usize {
        self.shards.iter().map(|s| s.keys.capacity() * 8 + s.units.capacity() * std::mem::size_of::<Unit>()).sum()
    }
}

/// Interned strings, numbered from 1.
#[derive(Default)]
pub(crate) struct Names {
    ids: HashMap<Box<str>, u32, Fast>,
    names: Vec<Box<str>>,
}

impl Names {
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        self.names.push(s.into());
        let id = self.names.len() as u32;
        self.ids.insert(s.into(), id);
        id
    }

    /// The name of `id` (0: none).
    pub(crate) fn name(&self, id: u32) -> Option<&str> {
        self.names.get((id as usize).checked_sub(1)?).map(|s| &**s)
    }
}

/// Interned (operation name, table row) pairs: the same name can come from several rows
/// (`PutObject` from REST and SOAP), which the coverage reasons tell apart.
#[derive(Default)]
#[allow(clippy::type_complexity)]
pub(crate) struct Operations {
    /// Name → its (table row, id) pairs.
    ids: HashMap<Box<str>, Vec<(Option<u16>, u16)>, Fast>,
    entries: Vec<(Box<str>, Option<u16>)>,
}

/// The operation id everything past the 65 535th distinct operation shares.
const OTHER_OPERATIONS: u16 = 0;
const OTHER_OPERATIONS_NAME: &str = "(other operations)";

impl Operations {
    fn intern(&mut self, name: &str, row: Option<u16>) -> u16 {
        if let Some(&(_, id)) = self.ids.get(name).and_then(|v| v.iter().find(|(r, _)| *r == row)) {
            return id;
        }
        if self.entries.len() >= usize::from(u16::MAX) {
            return OTHER_OPERATIONS;
        }
        self.entries.push((name.into(), row));
        let id = self.entries.len() as u16;
        self.ids.entry(name.into()).or_default().push((row, id));
        id
    }

    pub(crate) fn name(&self, id: u16) -> &str {
        match id.checked_sub(1).and_then(|i| self.entries.get(usize::from(i))) {
            Some((name, _)) => name,
            None => OTHER_OPERATIONS_NAME,
        }
    }

    pub(crate) fn row(&self, id: u16) -> Option<&'static Operation> {
        let (_, row) = id.checked_sub(1).and_then(|i| self.entries.get(usize::from(i)))?;
        row.map(|r| &OPERATIONS[usize::from(r)])
    }
}

/// A deleted key only one log has, a candidate for the fallback join (see the module docs).
#[derive(Clone, Copy, Debug)]
struct DeletedKey {
    unit: u64,
    key: u32,
    bucket: u32,
    time: u32,
    source: Source,
}

/// First and last event time of one log for one bucket, and how many records.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Span {
    pub records: u64,
    pub first: u32,
    pub last: u32,
}

impl Span {
    fn add(&mut self, t: u32) {
        if self.records == 0 {
            (self.first, self.last) = (t, t);
        } else {
            self.first = self.first.min(t);
            self.last = self.last.max(t);
        }
        self.records += 1;
    }
}

/// Where each log has records: what "covers that bucket and time" is decided from.
#[derive(Default)]
pub(crate) struct Seen {
    /// SAL: (bucket, hour) pairs with at least one record.
    pub sal_hours: FastSet,
    /// CloudTrail: hours with at least one record (any bucket, any kind).
    pub ct_hours: FastSet,
    /// CloudTrail: (bucket, day) pairs with a data event.
    pub ct_data_days: FastSet,
    /// CloudTrail: days with a management event.
    pub ct_management_days: FastSet,
    /// CloudTrail: (bucket, day) pairs with a per-key `DeleteObject` service event.
    pub ct_deleted_key_days: FastSet,
    /// Per bucket, each log's span.
    pub buckets: FastMap<[Span; 2]>,
    /// Per log, delivery lag in seconds → how many records.
    pub lags: [FastMap<u64>; 2],
    /// Records without a request ID: operation << 8 | log → count. They join nothing.
    pub no_request_id: FastMap<u64>,
}

/// What the index knows of one input.
#[derive(Debug, Default)]
pub(crate) struct InputInfo {
    pub stats: Stats,
    /// Earliest SAL record (epoch seconds).
    pub first_sal: Option<u32>,
    /// Latest CloudTrail record.
    pub last_cloudtrail: Option<u32>,
    /// Delivery time from the input's name, if it follows AWS's naming.
    pub delivery: Option<(Source, i64)>,
    /// Why reading it stopped early, if it did.
    pub read_error: Option<String>,
}

/// Pass 1 of a correlation: every request of every input, kept compact. Build it with
/// [`super::index`] (or push events with [`Index::add`]), read the [coverage](Index::coverage),
/// then hand it to [`super::write`] to merge.
pub struct Index {
    pub(crate) units: Units,
    pub(crate) operations: Operations,
    pub(crate) buckets: Names,
    pub(crate) seen: Seen,
    pub(crate) inputs: Vec<InputInfo>,
    /// Deleted-key units joined by the fallback: CloudTrail's unit → the SAL unit it joined.
    pub(crate) links: FastMap<u64>,
    /// Records read, per log.
    pub(crate) records: [u64; 2],
    pub(crate) linked: bool,
}

impl Default for Index {
    fn default() -> Self {
        Index {
            units: Units::new(),
            operations: Operations::default(),
            buckets: Names::default(),
            seen: Seen::default(),
            inputs: Vec::new(),
            links: FastMap::default(),
            records: [0; 2],
            linked: false,
        }
    }
}

impl Index {
    /// An empty index.
    pub fn new() -> Self {
        Index::default()
    }

    /// Start a new input named `log_name` (its events follow); returns its number.
    pub fn begin_input(&mut self, log_name: Option<&str>) -> usize {
        self.inputs.push(InputInfo { delivery: log_name.and_then(logname::delivery_time), ..InputInfo::default() });
        self.inputs.len() - 1
    }

    /// Index one event of the current input (the last [`begin_input`](Index::begin_input); an
    /// event before any input starts one without a name).
    pub fn add(&mut self, e: &Event<'_>) {
        if self.inputs.is_empty() {
            self.begin_input(None);
        }
        self.linked = false;
        let input = self.inputs.len() - 1;
        let r = Record::of(e);
        let log = r.source as usize;
        self.records[log] += 1;
        let bucket = r.bucket.map_or(0, |b| self.buckets.intern(b));
        let op = self.operations.intern(r.operation, r.row_index());
        let (hour, day) = (r.time / 3600, r.time / 86_400);
        let info = &mut self.inputs[input];
        let seen = &mut self.seen;
        match r.source {
            Source::Sal => {
                if bucket != 0 {
                    seen.sal_hours.insert(u64::from(bucket) << 32 | u64::from(hour));
                }
                info.first_sal = Some(info.first_sal.map_or(r.time, |t| t.min(r.time)));
            }
            Source::CloudTrail => {
                seen.ct_hours.insert(u64::from(hour));
                match r.category {
                    Category::Data if bucket != 0 => {
                        seen.ct_data_days.insert(u64::from(bucket) << 32 | u64::from(day));
                    }
                    Category::Management => {
                        seen.ct_management_days.insert(u64::from(day));
                    }
                    _ => {}
                }
                if r.part == Part::DeletedKey && bucket != 0 {
                    seen.ct_deleted_key_days.insert(u64::from(bucket) << 32 | u64::from(day));
                }
                info.last_cloudtrail = Some(info.last_cloudtrail.map_or(r.time, |t| t.max(r.time)));
            }
        }
        if bucket != 0 {
            seen.buckets.entry(u64::from(bucket)).or_default()[log].add(r.time);
        }
        if let Some((naming, delivered)) = info.delivery {
            if naming == r.source {
                let lag = (delivered - i64::from(r.time)).clamp(0, i64::from(u32::MAX)) as u32;
                *seen.lags[log].entry(u64::from(lag)).or_default() += 1;
            }
        }
        if r.request_id.is_none() {
            *seen.no_request_id.entry(u64::from(op) << 8 | log as u64).or_default() += 1;
            return;
        }
        let (part, priority) = match (r.source, r.part) {
            (Source::CloudTrail, _) => (CLOUDTRAIL, 3),
            (Source::Sal, Part::CopySource) => (SAL_COPY_SOURCE, 1),
            (Source::Sal, _) => (SAL_MAIN, 2),
        };
        let unit = self.units.entry(r.unit);
        unit.add_count(part, 1);
        if r.failed {
            unit.flags |= FAILED;
        }
        if r.part == Part::DeletedKey {
            unit.flags |= DELETED_KEY;
        }
        if part != SAL_COPY_SOURCE {
            unit.check_host(r.host);
        }
        let replace = match priority.cmp(&unit.priority()) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            // Two records of one part: keep the smallest (time, operation, bucket), whatever came first.
            std::cmp::Ordering::Equal => {
                let kept = (unit.time, self.operations.name(unit.op), self.buckets.name(unit.bucket));
                (r.time, self.operations.name(op), r.bucket) < kept
            }
        };
        if replace {
            unit.time = r.time;
            unit.op = op;
            unit.bucket = bucket;
            unit.flags = unit.flags & !(3 << PRIORITY_SHIFT) | priority << PRIORITY_SHIFT;
        }
    }

    /// Count what an input's reading returned (units, errors, skips; `error`: why it stopped
    /// early). With [`Index::begin_input`] and [`Index::add`], for a caller that feeds an input
    /// in pieces (a browser reading a large file) rather than through [`crate::correlate::index`].
    pub fn end_input(&mut self, stats: Stats, error: Option<String>) {
        if let Some(info) = self.inputs.last_mut() {
            info.stats = stats;
            info.read_error = error;
        }
    }

    /// Join the deleted keys whose two logs carry different request IDs (see the module docs):
    /// each one-sided CloudTrail per-key record with the one-sided SAL `BATCH.DELETE.OBJECT` line
    /// of the same bucket and key nearest in time, within [`DELETED_KEY_WINDOW`] seconds.
    pub(crate) fn link_deleted_keys(&mut self) {
        if self.linked {
            return;
        }
        self.linked = true;
        let mut candidates: Vec<DeletedKey> = self
            .units
            .iter()
            .filter(|(_, u)| u.has(DELETED_KEY) && !u.ambiguous() && !u.has(ABSORBED))
            .filter(|(_, u)| (u.sal_records() == 0) != (u.count(CLOUDTRAIL) == 0))
            .map(|(&unit, u)| DeletedKey {
                unit,
                key: key_digest_of(unit),
                bucket: u.bucket,
                time: u.time,
                source: if u.count(CLOUDTRAIL) > 0 { Source::CloudTrail } else { Source::Sal },
            })
            .collect();
        // Sort by content, never by arrival: the same pairs whatever the input order.
        let order = |d: &DeletedKey| (d.bucket, d.key, d.time, d.source as u8, d.unit);
        super::sort(&mut candidates, &|a, b| order(a) < order(b));
        let mut links = Vec::new();
        for group in candidates.chunk_by(|a, b| (a.bucket, a.key) == (b.bucket, b.key)) {
            let mut sal: Vec<(DeletedKey, bool)> = group.iter().filter(|d| d.source == Source::Sal).map(|d| (*d, false)).collect();
            for ct in group.iter().filter(|d| d.source == Source::CloudTrail) {
                let nearest = sal
                    .iter_mut()
                    .filter(|(s, used)| !used && s.time.abs_diff(ct.time) <= DELETED_KEY_WINDOW)
                    .min_by_key(|(s, _)| (s.time.abs_diff(ct.time), s.unit));
                if let Some((s, used)) = nearest {
                    *used = true;
                    links.push((ct.unit, s.unit));
                }
            }
        }
        for (ct_unit, sal_unit) in links {
            let Some(ct) = self.units.get(ct_unit).copied() else { continue };
            let Some(sal) = self.units.get_mut(sal_unit) else { continue };
            if ct.has(HOST_SET) {
                sal.check_host(ct.host);
            }
            sal.add_count(CLOUDTRAIL, ct.count(CLOUDTRAIL));
            sal.flags |= ct.flags & FAILED;
            if let Some(ct) = self.units.get_mut(ct_unit) {
                ct.flags |= ABSORBED;
            }
            self.links.insert(ct_unit, sal_unit);
        }
    }

    /// Requests in the index (units, after the deleted-key fallback).
    pub fn requests(&self) -> usize {
        self.units.len() - self.links.len()
    }

    /// Bytes held by the unit tables (not the sets and interned names, which grow with buckets and
    /// hours, not requests).
    pub fn memory_bytes(&self) -> usize {
        self.units.table_bytes()
    }
}

/// How far apart (seconds) a CloudTrail per-key delete record and a SAL `BATCH.DELETE.OBJECT` line
/// with different request IDs may be and still be joined.
pub(crate) const DELETED_KEY_WINDOW: u32 = 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_is_16_bytes() {
        assert_eq!(std::mem::size_of::<Unit>(), 16);
        assert_eq!(std::mem::size_of::<(u64, Unit)>(), 24);
    }

    #[test]
    fn the_unit_table_finds_what_it_holds() {
        let mut units = Units::new();
        let keys: Vec<u64> = (0..20_000u64).map(|i| if i == 7 { 0 } else { mix(i + 1) ^ (i << 3) }).collect();
        for (i, &k) in keys.iter().enumerate() {
            units.entry(k).time = i as u32;
        }
        for (i, &k) in keys.iter().enumerate() {
            units.entry(k).op = 1; // an existing key is not inserted twice
            assert_eq!(units.get(k).map(|u| u.time), Some(i as u32));
        }
        assert_eq!(units.len(), keys.len());
        assert_eq!(units.iter().count(), keys.len());
        assert!(units.iter().all(|(_, u)| u.op == 1));
        assert!(units.get(0x1234_5678).is_none() && units.get_mut(0x1234_5678).is_none());
        // Load stays between 64 and 80 % once the tables have grown.
        let bytes = units.table_bytes() as f64 / keys.len() as f64;
        assert!((24.0 / 0.8..=24.0 / 0.5).contains(&bytes), "{bytes} bytes a unit");
    }

    #[test]
    fn counts_saturate_per_part() {
        let mut u = Unit::default();
        for _ in 0..5 {
            u.add_count(CLOUDTRAIL, 1);
        }
        u.add_count(SAL_MAIN, 1);
        assert_eq!((u.count(SAL_MAIN), u.count(SAL_COPY_SOURCE), u.count(CLOUDTRAIL)), (1, 0, 2));
        assert!(u.ambiguous() && !u.merges());
    }

    #[test]
    fn host_ids_disagreeing_in_any_order_are_flagged() {
        for order in [[5, 0, 7], [7, 5, 0], [0, 7, 5]] {
            let mut u = Unit::default();
            for h in order {
                u.check_host(h);
            }
            assert!(u.has(HOST_MISMATCH));
        }
        let mut u = Unit::default();
        for h in [5, 0, 5] {
            u.check_host(h);
        }
        assert!(!u.has(HOST_MISMATCH));
    }
}
