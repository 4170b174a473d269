//! Golden outputs: every fixture's events and errors, as NDJSON, checked in under tests/golden/.
//! A change in output fails here until it is reviewed and re-blessed with
//! `S3NORM_BLESS=1 cargo test --test golden` (then read the diff: `git diff tests/golden`).
//! Lines reviewed by hand are listed, with what was checked, in tests/golden/REVIEW.md.

mod common;

use s3norm::normalize::CountingSink;
use s3norm::{Normalizer, Options};
use std::fs;
use std::path::Path;

fn golden_text(relative: &str) -> String {
    let text = common::fixture(relative);
    let normalizer = Normalizer::new(Options { log_name: Some(format!("tests/fixtures/{relative}")), ..Options::default() });
    let mut out = String::new();
    let mut errors = Vec::new();
    let mut sink = CountingSink::new(
        |e: &s3norm::ocsf::Event<'_>| {
            out.push_str(&serde_json::to_string(e).expect("event serializes"));
            out.push('\n');
        },
        |e| errors.push(e),
    );
    normalizer.text(&text, &mut sink);
    let stats = sink.stats;
    for e in errors {
        out.push_str(&serde_json::to_string(&e).expect("error serializes"));
        out.push('\n');
    }
    out.push_str(&serde_json::to_string(&stats).expect("stats serialize"));
    out.push('\n');
    out
}

#[test]
fn fixture_outputs_match_golden_files() {
    let bless = std::env::var_os("S3NORM_BLESS").is_some();
    let mut checked = 0;
    let mut mismatched = Vec::new();
    for dir in ["s3-access-logs", "cloudtrail"] {
        let mut names: Vec<String> = fs::read_dir(common::fixture_path(dir))
            .expect("fixture dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".tsv") && !n.ends_with(".md"))
            .collect();
        names.sort();
        for name in names {
            let relative = format!("{dir}/{name}");
            let actual = golden_text(&relative);
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
    }
    assert_eq!(checked, 16);
    assert!(mismatched.is_empty(), "output differs from tests/golden for {mismatched:?}; review, then re-bless with S3NORM_BLESS=1");
}
