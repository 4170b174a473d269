//! Golden outputs: every fixture's events and errors, as NDJSON, checked in under tests/golden/.
//! A change in output fails here until it is reviewed and re-blessed with
//! `S3NORM_BLESS=1 cargo test --test golden` (then read the diff: `git diff tests/golden`).
//! Lines reviewed by hand are listed, with what was checked, in tests/golden/REVIEW.md.

mod common;

use s3norm::{sink_fn, write_error, write_event, Normalizer, Options, Output};
use std::fs;
use std::path::Path;

/// Every fixture file, as `dir/name`, in a fixed order.
fn fixture_files() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["s3-access-logs", "cloudtrail", "broken"] {
        let mut names: Vec<String> = fs::read_dir(common::fixture_path(dir))
            .expect("fixture dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".tsv") && !n.ends_with(".md"))
            .collect();
        names.sort();
        out.extend(names.into_iter().map(|name| format!("{dir}/{name}")));
    }
    out
}

/// The events (as the one writer writes them), then the error records, then the counts.
fn golden_text(relative: &str) -> String {
    let text = common::fixture(relative);
    let normalizer = Normalizer::new(Options::default().log_name(format!("tests/fixtures/{relative}")));
    let mut events = Vec::new();
    let mut errors = Vec::new();
    let stats = normalizer.read_str(
        &text,
        &mut sink_fn(|out| match out {
            Output::Event(e) => {
                write_event(&mut events, e);
                events.push(b'\n');
            }
            Output::Error(e) => {
                write_error(&mut errors, &e);
                errors.push(b'\n');
            }
            Output::Skip(_) => {}
        }),
    );
    let mut out = String::from_utf8(events).expect("events are UTF-8");
    out.push_str(std::str::from_utf8(&errors).expect("errors are UTF-8"));
    out.push_str(&serde_json::to_string(&stats).expect("stats serialize"));
    out.push('\n');
    out
}

/// The one writer against its reference, the serde-derived serialization of the event types,
/// on every event of every fixture (with and without `raw_data`): a faster writer must match it
/// byte for byte.
#[test]
fn the_writer_matches_the_serde_reference() {
    let mut compared = 0;
    for relative in fixture_files() {
        let text = common::fixture(&relative);
        for raw_data in [false, true] {
            let normalizer = Normalizer::new(Options::default().raw_data(raw_data).log_name(relative.clone()));
            normalizer.read_str(
                &text,
                &mut sink_fn(|out| {
                    if let Output::Event(e) = out {
                        let mut written = Vec::new();
                        write_event(&mut written, e);
                        let reference = serde_json::to_vec(e).expect("the reference serializes");
                        assert_eq!(String::from_utf8_lossy(&written), String::from_utf8_lossy(&reference), "{relative}");
                        compared += 1;
                    }
                }),
            );
        }
    }
    assert_eq!(compared, 2 * 180, "every fixture event, twice");
}

#[test]
fn fixture_outputs_match_golden_files() {
    let bless = std::env::var_os("S3NORM_BLESS").is_some();
    let mut checked = 0;
    let mut mismatched = Vec::new();
    for relative in fixture_files() {
        let actual = golden_text(&relative);
        let name = relative.rsplit('/').next().unwrap_or(&relative);
        let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("{name}.ndjson"));
        if bless {
            fs::write(&golden, &actual).expect("write golden");
        } else {
            let expected = fs::read_to_string(&golden).unwrap_or_default();
            if expected != actual {
                mismatched.push(relative);
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 27);
    assert!(mismatched.is_empty(), "output differs from tests/golden for {mismatched:?}; review, then re-bless with S3NORM_BLESS=1");
}
