//! `s3norm correlate` and `s3norm coverage` on the correlation fixtures: the same results as the
//! library, standard input spooled and read twice, the README's shown output, exit statuses.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use s3norm::correlate::{correlate_texts, Options, Text};
use serde_json::Value;

const CORRELATION: &str = "tests/fixtures/written/correlation";
const KDGM: &str = "tests/fixtures/s3-access-logs/kdgm__logstash-plugins__s3_access_log_spec_sample_lines.log";
const HADOOP: &str = "tests/fixtures/s3-access-logs/hortonworks-spark__cloud-integration__S3LogRecordParser_sample_lines.log";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

fn s3norm(args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_s3norm"))
        .current_dir(repo_root())
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn s3norm");
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("stdin");
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let out = child.wait_with_output().expect("wait");
    if let Some(f) = feeder {
        f.join().expect("feeder");
    }
    let stderr = String::from_utf8(out.stderr).expect("UTF-8 stderr");
    assert!(!stderr.contains("panicked"), "{stderr}");
    Run { code: out.status.code().expect("exit code"), stdout: out.stdout, stderr }
}

/// The files the CLI reads for these paths, in its order, with their log names.
fn files(paths: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for p in paths {
        let full = repo_root().join(p);
        if full.is_dir() {
            let mut found = Vec::new();
            let mut stack = vec![full.clone()];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).expect("dir") {
                    let path = e.expect("entry").path();
                    if path.is_dir() {
                        stack.push(path);
                    } else {
                        found.push(path);
                    }
                }
            }
            found.sort();
            for f in found {
                let rel = format!("{p}/{}", f.strip_prefix(&full).expect("below").to_string_lossy());
                out.push((rel, std::fs::read_to_string(&f).expect("text")));
            }
        } else {
            out.push((p.to_string(), std::fs::read_to_string(full).expect("text")));
        }
    }
    out
}

fn library(paths: &[&str]) -> s3norm::correlate::Correlated {
    let files = files(paths);
    let texts: Vec<Text<'_>> = files.iter().map(|(name, text)| Text { text, log_name: Some(name) }).collect();
    correlate_texts(&texts, &Options::default())
}

#[test]
fn correlate_writes_what_the_library_writes() {
    let paths = [CORRELATION, KDGM, HADOOP];
    let run = s3norm(&["correlate", CORRELATION, KDGM, HADOOP], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lib = library(&paths);
    assert_eq!(String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&lib.events));
    assert_eq!(run.stderr.trim_end(), lib.summary.to_string());
    assert!(run.stderr.starts_with("60 events (14 from both logs, 41 SAL only, 5 CloudTrail only) from 75 records"), "{}", run.stderr);
}

#[test]
fn coverage_json_is_the_library_report() {
    let run = s3norm(&["coverage", "--json", CORRELATION, KDGM, HADOOP], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let cli: Value = serde_json::from_slice(&run.stdout).expect("one JSON document");
    let lib = serde_json::to_value(library(&[CORRELATION, KDGM, HADOOP]).coverage).expect("serializes");
    assert_eq!(cli, lib);
    assert_eq!(cli["requests"]["both"], 14);
    // The order of the paths does not matter.
    let reversed = s3norm(&["coverage", "--json", HADOOP, KDGM, CORRELATION], None);
    assert_eq!(reversed.stdout, run.stdout);
}

#[test]
fn coverage_table_names_every_reason_it_counts() {
    let run = s3norm(&["coverage", CORRELATION, KDGM, HADOOP], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = String::from_utf8(run.stdout).expect("UTF-8");
    assert!(text.starts_with("75 input units: 75 events (56 server access log, 19 CloudTrail), 0 errors, 0 skipped\n"), "{text}");
    let row = text.lines().find(|l| l.starts_with("OptionsPreflight ")).expect("preflight row");
    assert!(row.ends_with("SAL only: cloudtrail_name_unknown 1"), "{row}");
    let row = text.lines().find(|l| l.starts_with("ListBuckets ")).expect("ListBuckets row");
    assert!(row.ends_with("CloudTrail only: not_logged_by_sal 1"), "{row}");
    assert!(text.contains("\nserver access log       17     2297     3471     3482     3482\n"), "{text}");
}

#[test]
fn standard_input_is_read_twice_through_a_spool() {
    // Everything in one stream, CloudTrail trail files first: NDJSON records then SAL lines.
    let mut stream = Vec::new();
    let files = files(&[CORRELATION, KDGM, HADOOP]);
    for (_, text) in files.iter().filter(|(n, _)| n.contains("/cloudtrail/")) {
        let doc: Value = serde_json::from_str(text).expect("trail file");
        for r in doc["Records"].as_array().expect("Records") {
            stream.extend_from_slice(r.to_string().as_bytes());
            stream.push(b'\n');
        }
    }
    for (_, text) in files.iter().filter(|(n, _)| !n.contains("/cloudtrail/")) {
        stream.extend_from_slice(text.as_bytes());
    }
    let run = s3norm(&["correlate", "-"], Some(stream.clone()));
    assert_eq!(run.code, 0, "{}", run.stderr);
    // CloudTrail came first in the one input: merging needed a second reading of the spool.
    assert!(run.stderr.contains("merging read the inputs 2 times"), "{}", run.stderr);
    let text = String::from_utf8(stream).expect("UTF-8");
    let lib = correlate_texts(&[Text { text: &text, log_name: None }], &Options::default());
    assert_eq!(String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&lib.events));
    assert_eq!(lib.summary.both, 14);
    let spools = std::fs::read_dir(std::env::temp_dir())
        .expect("temp dir")
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().starts_with(&format!("s3norm-stdin-{}-", std::process::id()))))
        .count();
    assert_eq!(spools, 0);
    let coverage = s3norm(&["coverage", "--json", "-"], Some(text.into_bytes()));
    let v: Value = serde_json::from_slice(&coverage.stdout).expect("JSON");
    assert_eq!(v["requests"]["both"], 14);
}

#[test]
fn the_whole_fixture_tree_correlates() {
    let run = s3norm(&["correlate", "--errors", "/dev/null", "tests/fixtures/"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let events: Vec<Value> =
        run.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect();
    assert!(events.iter().all(|e| e["unmapped"]["s3"]["sources"].is_array()));
    let summary = run.stderr.lines().next().unwrap_or_default();
    assert!(summary.starts_with(&format!("{} events (", events.len())), "{summary}");
    let run = s3norm(&["coverage", "tests/fixtures/"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn exit_statuses() {
    assert_eq!(s3norm(&["correlate", "--bogus"], None).code, 64);
    assert_eq!(s3norm(&["coverage", "--merge-memory", "5", KDGM], None).code, 64);
    assert_eq!(s3norm(&["correlate", "--merge-memory", "0", KDGM], None).code, 64);
    assert_eq!(s3norm(&["correlate", "--json", KDGM], None).code, 64);
    let help = s3norm(&["correlate", "--help"], None);
    assert_eq!(help.code, 0);
    assert!(String::from_utf8_lossy(&help.stdout).starts_with("Usage: s3norm correlate"));
    // A missing input: the others are still read, exit 1.
    let run = s3norm(&["correlate", "no/such/file", KDGM], None);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no/such/file"), "{}", run.stderr);
    assert!(!run.stdout.is_empty());
    // --strict with a refused unit.
    let run = s3norm(&["correlate", "--strict", "--errors", "/dev/null", "-"], Some(b"not a log line\n".to_vec()));
    assert_eq!(run.code, 2, "{}", run.stderr);
}

/// The README shows real output of `s3norm coverage tests/fixtures/`: it must stay true.
#[test]
fn the_readme_shows_real_coverage_output() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README");
    let start = readme.find("$ s3norm coverage tests/fixtures/\n").expect("the README shows `s3norm coverage tests/fixtures/`");
    let shown = &readme[start..];
    let shown = &shown[shown.find('\n').unwrap() + 1..];
    let shown = &shown[..shown.find("```").expect("end of block")];
    let run = s3norm(&["coverage", "tests/fixtures/"], None);
    assert_eq!(shown, String::from_utf8_lossy(&run.stdout), "README.md's coverage output is stale");
}

/// ... and of `s3norm correlate tests/fixtures/`: the summary line and the merged copy event.
#[test]
fn the_readme_shows_real_correlate_output() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README");
    let run = s3norm(&["correlate", "tests/fixtures/"], None);
    let summary = run.stderr.lines().last().expect("summary");
    assert!(readme.contains(&format!("```text\n{summary}\n```")), "README.md's correlate summary is stale: {summary}");
    let start = readme.find("One of the events:").expect("the README shows a merged event");
    let block = &readme[start..];
    let block = &block[block.find("```json\n").expect("json block") + 8..];
    let shown: Value = serde_json::from_str(&block[..block.find("```").expect("end")]).expect("the shown event is JSON");
    let real = run
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice::<Value>(l).expect("JSON"))
        .find(|e| e["api"]["request"]["uid"] == shown["api"]["request"]["uid"])
        .expect("the shown event is written");
    assert_eq!(shown, real);
}
