//! The writing pass: every record out once, each request's records as one event.
//!
//! The index knows which requests have several records (a pair, a copy's two SAL halves) and
//! merge into one event. Reading the inputs again, a record of such a request is held until the
//! request's last record arrives, then the event is written and the held text dropped; every
//! other record is written at once. Only SAL lines are ever held (as their text, re-read into an
//! event when the request completes), because the inputs are read SAL-first for each request:
//! an input with SAL lines is ordered by its earliest SAL record, a CloudTrail-only input by its
//! latest record plus five minutes, so a request's SAL input comes before its CloudTrail input
//! unless one input holds both or the clocks disagree by minutes. Held text is bounded by
//! [`super::Options::merge_memory`]: what does not fit, or whose CloudTrail record came first, is
//! left for another round, which reads the SAL inputs (holding up to the bound) and then the
//! CloudTrail inputs (completing what is held), until nothing is left. Memory stays bounded; the
//! price past the bound is one more read of the inputs per bound's worth of held lines.

use super::index::{FastMap, Index, CLOUDTRAIL, DONE, HELD_MAIN, HELD_SOURCE, SAL_COPY_SOURCE, SAL_MAIN};
use super::merge;
use super::record::{Part, Record, Source};
use super::Summary;
use crate::error::ErrorRecord;
use crate::normalize::{Normalizer, Options};
use crate::ocsf::{Event, SOURCES_BOTH, SOURCES_CLOUDTRAIL, SOURCES_SAL};
use crate::sink::{sink_fn, Output, Sink, Skip};

/// What holding one line costs beyond its text: the table slot, the box, the bookkeeping.
const HELD_OVERHEAD: usize = 64;

/// What a reading of the inputs does with the records it meets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The first reading: write singles, errors and skips; hold and merge what fits.
    First,
    /// A later round, SAL inputs: hold the lines of requests still to merge.
    HoldSal,
    /// A later round, CloudTrail inputs: complete the requests whose lines are held.
    CompleteCloudTrail,
    /// The inputs changed since the index was built and some requests cannot complete: write
    /// their records one by one, so that none is lost.
    Flush,
}

/// One held SAL line.
struct HeldLine {
    input: usize,
    text: Box<str>,
}

/// The held lines of one request.
#[derive(Default)]
struct Held {
    main: Option<HeldLine>,
    copy_source: Option<HeldLine>,
}

/// The sink of the writing pass.
pub(crate) struct Writer<'w> {
    index: &'w mut Index,
    out: &'w mut dyn Sink,
    log_names: Vec<Option<String>>,
    held: FastMap<Held>,
    held_bytes: usize,
    budget: usize,
    pub(crate) mode: Mode,
    pub(crate) input: usize,
    /// Requests still to merge.
    pub(crate) pending: u64,
    pub(crate) summary: Summary,
}

impl<'w> Writer<'w> {
    pub(crate) fn new(index: &'w mut Index, out: &'w mut dyn Sink, log_names: Vec<Option<String>>, budget: usize) -> Self {
        let pending = index.units.iter().filter(|(_, u)| u.merges()).count() as u64;
        Writer {
            index,
            out,
            log_names,
            held: FastMap::default(),
            held_bytes: 0,
            budget,
            mode: Mode::First,
            input: 0,
            pending,
            summary: Summary::default(),
        }
    }

    /// End of a round: let go of requests that did not complete (they are tried again).
    pub(crate) fn end_round(&mut self) {
        for (id, _) in self.held.drain() {
            if let Some(u) = self.index.units.get_mut(id) {
                u.progress &= !(HELD_MAIN | HELD_SOURCE);
            }
        }
        self.held_bytes = 0;
    }

    fn record(&mut self, e: &Event<'_>) {
        let r = Record::of(e);
        let Some(request_id) = r.request_id else {
            if self.mode == Mode::First {
                self.write_single(e, r.source, false);
            }
            return;
        };
        let (id, linked) = match self.index.links.get(&r.unit) {
            Some(&to) => (to, true),
            None => (r.unit, false),
        };
        let Some(unit) = self.index.units.get(id).copied() else {
            // Not in the index: the input changed since. Written alone, never lost.
            if self.mode == Mode::First {
                self.write_single(e, r.source, true);
            }
            return;
        };
        let several = unit.sal_records() + unit.count(CLOUDTRAIL) > 1;
        if !unit.merges() {
            if self.mode == Mode::First {
                self.write_single(e, r.source, several);
            }
            return;
        }
        if unit.progress & DONE != 0 {
            // A record the index did not count (the input changed): written alone.
            if self.mode == Mode::First {
                self.write_single(e, r.source, true);
            }
            return;
        }
        match self.mode {
            Mode::Flush => self.write_single(e, r.source, true),
            Mode::First | Mode::HoldSal if r.source == Source::Sal => self.hold(id, r.part, e),
            Mode::First | Mode::CompleteCloudTrail if r.source == Source::CloudTrail && self.sal_complete(id) => {
                self.complete(id, Some(e), (!linked).then_some(request_id));
            }
            _ => {}
        }
    }

    /// Whether every SAL record the request has is held.
    fn sal_complete(&self, id: u64) -> bool {
        self.index.units.get(id).is_some_and(|u| {
            (u.count(SAL_MAIN) == 0 || u.progress & HELD_MAIN != 0) && (u.count(SAL_COPY_SOURCE) == 0 || u.progress & HELD_SOURCE != 0)
        })
    }

    /// Hold a SAL line of a request to merge (if it fits), and complete the request when it has no
    /// CloudTrail record and this was its last SAL line.
    fn hold(&mut self, id: u64, part: Part, e: &Event<'_>) {
        let Some(text) = e.raw_data else {
            return; // cannot happen: inputs with SAL lines are read with raw_data
        };
        let fits = self.held_bytes < self.budget || self.held.contains_key(&id) || self.held.is_empty();
        let Some(unit) = self.index.units.get_mut(id) else { return };
        let bit = if part == Part::CopySource { HELD_SOURCE } else { HELD_MAIN };
        if !fits || unit.progress & bit != 0 {
            return;
        }
        unit.progress |= bit;
        let no_cloudtrail = unit.count(CLOUDTRAIL) == 0;
        let line = Some(HeldLine { input: self.input, text: text.into() });
        let held = self.held.entry(id).or_default();
        if part == Part::CopySource {
            held.copy_source = line;
        } else {
            held.main = line;
        }
        self.held_bytes += text.len() + HELD_OVERHEAD;
        self.summary.held_peak_bytes = self.summary.held_peak_bytes.max(self.held_bytes as u64);
        if no_cloudtrail && self.sal_complete(id) {
            self.complete(id, None, None);
        }
    }

    /// Write the one event of a request from its held SAL lines and its CloudTrail record.
    /// `request_id`: CloudTrail's ID, which the SAL lines must carry (a hash collision would not).
    fn complete(&mut self, id: u64, ct: Option<&Event<'_>>, request_id: Option<&str>) {
        let held = self.held.remove(&id).unwrap_or_default();
        for line in [&held.main, &held.copy_source].into_iter().flatten() {
            self.held_bytes = self.held_bytes.saturating_sub(line.text.len() + HELD_OVERHEAD);
        }
        if let Some(u) = self.index.units.get_mut(id) {
            u.progress = DONE;
        }
        self.pending = self.pending.saturating_sub(1);
        let names = std::mem::take(&mut self.log_names);
        with_line(held.main.as_ref(), &names, &mut |main| {
            with_line(held.copy_source.as_ref(), &names, &mut |copy_source| {
                let sal_ids_match = [main, copy_source].into_iter().flatten().all(|s| match (request_id, &s.api.request) {
                    (Some(want), Some(have)) => have.uid == want,
                    _ => true,
                });
                let parts = u64::from(ct.is_some()) + u64::from(main.is_some()) + u64::from(copy_source.is_some());
                if !sal_ids_match {
                    // Two requests whose IDs hash alike: each record on its own.
                    for (e, source) in [(ct, Source::CloudTrail), (main, Source::Sal), (copy_source, Source::Sal)] {
                        if let Some(e) = e {
                            self.write_single(e, source, true);
                        }
                    }
                    return;
                }
                if let Some(event) = merge::merged(ct, main, copy_source) {
                    self.write(&event, parts);
                }
            })
        });
        self.log_names = names;
    }

    fn write_single(&mut self, e: &Event<'_>, source: Source, unmerged: bool) {
        let sources = if source == Source::Sal { SOURCES_SAL } else { SOURCES_CLOUDTRAIL };
        self.summary.unmerged += u64::from(unmerged);
        self.write(&merge::single(e, sources), 1);
    }

    /// Write one event made of `records` records, and count it.
    fn write(&mut self, event: &Event<'_>, records: u64) {
        let s = &mut self.summary;
        s.events += 1;
        match event.unmapped.s3.sources {
            Some(x) if x == SOURCES_BOTH => s.both += 1,
            Some(x) if x == SOURCES_SAL => s.sal_only += 1,
            _ => s.cloudtrail_only += 1,
        }
        if records > 1 {
            s.merged_events += 1;
            s.merged_records += records;
        }
        self.out.event(event);
    }
}

/// Re-read a held SAL line into its event (the same normalizer, so the same event) and hand it to
/// `f`; `None` when there is no line.
fn with_line(line: Option<&HeldLine>, log_names: &[Option<String>], f: &mut dyn FnMut(Option<&Event<'_>>)) {
    let Some(line) = line else { return f(None) };
    let options = Options { log_name: log_names.get(line.input).cloned().flatten(), ..Options::default() };
    let mut called = false;
    // Line 2: a held line has no byte-order mark left to strip.
    Normalizer::new(options).read_line(
        line.text.as_bytes(),
        2,
        &mut sink_fn(|out| {
            if let Output::Event(e) = out {
                called = true;
                f(Some(e));
            }
        }),
    );
    if !called {
        f(None);
    }
}

impl Sink for Writer<'_> {
    fn event(&mut self, event: &Event<'_>) {
        self.record(event);
    }

    fn error(&mut self, error: ErrorRecord) {
        if self.mode == Mode::First {
            self.out.error(error);
        }
    }

    fn skip(&mut self, skip: Skip) {
        if self.mode == Mode::First {
            self.out.skip(skip);
        }
    }

    fn stopped(&self) -> bool {
        self.out.stopped()
    }
}
