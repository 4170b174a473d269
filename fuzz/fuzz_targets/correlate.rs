//! `correlate::correlate_texts` on up to four texts cut from the input at `0x1e` bytes (the
//! first byte chooses names and the merge bound). Beyond the shared checks: the counts of the
//! summary hold (`inputs = records + errors + skipped`, `records = merged_records + events -
//! merged_events`, `events = both + sal_only + cloudtrail_only`); the records are the events the
//! normalizer makes of the same texts, and the units are the oracle's; the texts in reverse order
//! give the same bytes, report and counts; a one-byte merge bound gives the same events (as a set)
//! and report in more rounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3norm::correlate::{correlate_texts, Correlated, Discard, Options as CorrelateOptions, Text};
use s3norm::{Normalizer, Options};
use s3norm_fuzz::{check_error, check_event, units_in_text};
use serde_json::Value;

/// AWS's object names for the two logs: delivery lag is read from them.
const NAMES: [&str; 2] = [
    "logs/2025-07-15-10-41-07-6E2F0A1B3C4D5E6F",
    "AWSLogs/111122223333/CloudTrail/us-east-1/2025/07/15/111122223333_CloudTrail_us-east-1_20250715T1015Z_Ab12Cd34Ef56Gh78.json.gz",
];

fn lines_sorted(c: &Correlated) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = c.events.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    lines.sort_unstable();
    lines
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else { return };
    let owned: Vec<String> = rest.split(|&b| b == 0x1e).take(4).map(|t| String::from_utf8_lossy(t).into_owned()).collect();
    let named = choice & 1 == 1;
    let texts: Vec<Text<'_>> = owned.iter().enumerate().map(|(i, text)| Text { text, log_name: named.then_some(NAMES[i % 2]) }).collect();
    let options = CorrelateOptions::default();
    let c = correlate_texts(&texts, &options);

    let s = &c.summary;
    assert_eq!(s.inputs, s.records + s.errors + s.skipped, "{s:?}");
    assert_eq!(s.records, s.merged_records + s.events - s.merged_events, "{s:?}");
    assert_eq!(s.events, s.both + s.sal_only + s.cloudtrail_only, "{s:?}");
    assert_eq!(s.errors as usize, c.errors.len());
    assert_eq!((c.coverage.inputs.units, c.coverage.inputs.events), (s.inputs, s.records));
    let (mut units, mut records) = (0, 0);
    for t in &texts {
        units += units_in_text(t.text.as_bytes(), &Options::default());
        records += Normalizer::default().read_str(t.text, &mut Discard).events;
    }
    assert_eq!((s.inputs, s.records), (units, records), "{s:?}");
    let mut events = 0;
    for line in c.events.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let event: Value = serde_json::from_slice(line).expect("an event is JSON");
        check_event(&event);
        events += 1;
    }
    assert_eq!(events, s.events);
    for e in &c.errors {
        check_error(e);
    }

    // The reading order comes from the texts' content and names, not from their order.
    let reversed: Vec<Text<'_>> = texts.iter().rev().copied().collect();
    let r = correlate_texts(&reversed, &options);
    assert_eq!(r.coverage, c.coverage);
    assert_eq!(r.summary, c.summary);
    assert!(r.events == c.events, "reversed inputs give other events");

    // Past the merge bound: more rounds, the same events and report.
    if choice & 2 == 2 {
        let tight = correlate_texts(&texts, &options.clone().merge_memory(1));
        assert_eq!(tight.coverage, c.coverage);
        assert_eq!(lines_sorted(&tight), lines_sorted(&c));
        assert_eq!((tight.summary.events, tight.summary.both), (s.events, s.both));
    }
});
