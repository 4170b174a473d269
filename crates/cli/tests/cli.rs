//! Integration tests of the `s3norm` binary on real third-party records (tests/fixtures).

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::Value;

const SAL_DIR: &str = "tests/fixtures/s3-access-logs";
const CT_DIR: &str = "tests/fixtures/cloudtrail";
/// A fixture with several lines, used where any SAL file would do.
const KDGM: &str = "tests/fixtures/s3-access-logs/kdgm__logstash-plugins__s3_access_log_spec_sample_lines.log";
const AWSDOCS: &str = "tests/fixtures/s3-access-logs/awsdocs__amazon-s3-userguide__LogFormat__example_lines.log";
const OTRF: &str = "tests/fixtures/cloudtrail/otrf__ec2_proxy_s3_exfiltration.ndjson";
/// OCSF API Activity.
const API_ACTIVITY: u64 = 6003;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn events(&self) -> Vec<Value> {
        ndjson(&self.stdout)
    }

    /// The last line of standard error.
    fn summary(&self) -> &str {
        self.stderr.lines().last().unwrap_or("")
    }
}

/// The repository root (this crate is `crates/cli`): fixture paths are relative to it, as the
/// README's commands are.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn s3norm() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_s3norm"));
    cmd.current_dir(repo_root());
    cmd
}

fn run_with_stdin<S: AsRef<std::ffi::OsStr>>(args: &[S], stdin: Option<Vec<u8>>) -> Run {
    let mut cmd = s3norm();
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().expect("spawn s3norm");
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let out = child.wait_with_output().expect("wait for s3norm");
    if let Some(feeder) = feeder {
        feeder.join().expect("stdin feeder");
    }
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "s3norm panicked: {}", String::from_utf8_lossy(&out.stderr));
    Run {
        code: out.status.code().expect("s3norm ended by a signal"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    run_with_stdin(args, None)
}

fn ndjson(text: &str) -> Vec<Value> {
    text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))).collect()
}

/// Drop what may legitimately differ between two runs over the same records (the processing
/// time, if the library ever sets it), keeping everything else for exact comparison.
fn canon(mut events: Vec<Value>) -> Vec<Value> {
    for event in &mut events {
        if let Some(metadata) = event.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.remove("processed_time");
            metadata.remove("processed_time_dt");
        }
    }
    events
}

/// `canon`, and without `metadata.log_name` (for the same records read under another name).
fn canon_nameless(events: Vec<Value>) -> Vec<Value> {
    let mut events = canon(events);
    for event in &mut events {
        if let Some(metadata) = event.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.remove("log_name");
        }
    }
    events
}

fn log_name(event: &Value) -> Option<&str> {
    event.pointer("/metadata/log_name").and_then(Value::as_str)
}

fn summary(events: usize, errors: usize, skipped: usize) -> String {
    format!("{events} events, {errors} errors, {skipped} skipped")
}

fn manifest_path(relative: &str) -> PathBuf {
    repo_root().join(relative)
}

fn read_fixture(relative: &str) -> Vec<u8> {
    fs::read(manifest_path(relative)).expect("read fixture")
}

fn non_blank_lines(bytes: &[u8]) -> usize {
    bytes.split(|&b| b == b'\n').filter(|line| !line.trim_ascii().is_empty()).count()
}

/// The SAL fixtures, as paths relative to the package (as a user would type them), sorted.
fn sal_fixtures() -> Vec<String> {
    let mut files: Vec<String> = fs::read_dir(manifest_path(SAL_DIR))
        .expect("fixture directory")
        .map(|entry| entry.expect("dir entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".log"))
        .map(|name| format!("{SAL_DIR}/{name}"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "SAL fixtures missing: {files:?}");
    files
}

/// A fresh, empty scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli").join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 scratch path")
}

/// The first SAL line of a fixture.
fn one_sal_line() -> String {
    let text = String::from_utf8(read_fixture(AWSDOCS)).expect("UTF-8 fixture");
    text.lines().next().expect("a line").to_owned()
}

#[test]
fn every_sal_fixture_gives_one_event_per_line_and_no_error() {
    for file in sal_fixtures() {
        let lines = non_blank_lines(&read_fixture(&file));
        let run = run(&["normalize", file.as_str()]);
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        assert_eq!(run.stderr, format!("{}\n", summary(lines, 0, 0)), "{file}");
        let events = run.events();
        assert_eq!(events.len(), lines, "{file}");
        for event in &events {
            assert_eq!(event["class_uid"], API_ACTIVITY, "{file}: {event}");
            assert_eq!(log_name(event), Some(file.as_str()), "{file}");
        }
    }
}

#[test]
fn all_sal_fixtures_in_one_run() {
    let files = sal_fixtures();
    let lines: usize = files.iter().map(|f| non_blank_lines(&read_fixture(f))).sum();
    let mut args = vec!["normalize".to_owned()];
    args.extend(files.iter().cloned());
    let run = run(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.summary(), summary(lines, 0, 0));
    assert_eq!(run.events().len(), lines);
}

#[test]
fn metadata_log_name_is_the_path_as_given() {
    for given in [KDGM.to_owned(), format!("./{KDGM}"), path_str(&manifest_path(KDGM)).to_owned()] {
        let run = run(&["normalize", given.as_str()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let events = run.events();
        assert_eq!(events.len(), 30);
        for event in &events {
            assert_eq!(log_name(event), Some(given.as_str()));
        }
    }
}

#[test]
fn gzip_gives_the_same_events_as_the_plain_file() {
    let dir = scratch("gzip");
    let plain = read_fixture(KDGM);
    let plain_run = run(&["normalize", KDGM]);
    assert_eq!(plain_run.code, 0, "{}", plain_run.stderr);
    let expected = canon_nameless(plain_run.events());
    assert_eq!(expected.len(), 30);

    // One member; a delivery of two concatenated members; gzip detected by content, not by name.
    let half = plain.len() / 2;
    let cut = half + plain[half..].iter().position(|&b| b == b'\n').expect("a newline") + 1;
    let mut two_members = gzip(&plain[..cut]);
    two_members.extend(gzip(&plain[cut..]));
    let cases = [("one.log.gz", gzip(&plain)), ("two-members.log.gz", two_members), ("gzip-without-suffix.log", gzip(&plain))];
    for (name, bytes) in cases {
        let path = dir.join(name);
        fs::write(&path, bytes).expect("write gz");
        let run = run(&["normalize", path_str(&path)]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(run.summary(), summary(30, 0, 0), "{name}");
        let events = run.events();
        assert!(events.iter().all(|e| log_name(e) == Some(path_str(&path))), "{name}");
        assert_eq!(canon_nameless(events), expected, "{name}");
    }

    // A plain file named .gz is read as plain text.
    let misnamed = dir.join("plain.gz");
    fs::write(&misnamed, &plain).expect("write");
    let run = run(&["normalize", path_str(&misnamed)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(canon_nameless(run.events()), expected);

    // Gzip on standard input gives byte-for-byte what plain standard input gives.
    let from_plain = run_with_stdin(&["normalize", "-"], Some(plain.clone()));
    let from_gzip = run_with_stdin(&["normalize", "-"], Some(gzip(&plain)));
    assert_eq!(from_gzip.code, 0, "{}", from_gzip.stderr);
    assert_eq!(canon(from_gzip.events()), canon(from_plain.events()));
    assert_eq!(from_gzip.events().len(), 30);
}

#[test]
fn a_corrupt_gzip_is_an_unreadable_file() {
    let dir = scratch("corrupt-gzip");
    let truncated = dir.join("truncated.log.gz");
    let gz = gzip(&read_fixture(KDGM));
    fs::write(&truncated, &gz[..gz.len() / 2]).expect("write");
    let run = run(&["normalize", path_str(&truncated), AWSDOCS]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains(&format!("s3norm: {}: ", path_str(&truncated))), "{}", run.stderr);
    // The other file is still read.
    assert!(run.events().iter().filter(|e| log_name(e) == Some(AWSDOCS)).count() == 5);
}

#[test]
fn a_directory_is_walked_recursively_in_sorted_order() {
    let dir = scratch("walk");
    let root = dir.join("logs");
    fs::create_dir_all(root.join("a").join("y")).expect("mkdir");
    let sal = sal_fixtures();
    let put = |relative: &str, bytes: Vec<u8>| fs::write(root.join(relative), bytes).expect("write");
    put("b.log", read_fixture(&sal[0]));
    put("a/z.log", read_fixture(&sal[1]));
    put("a/y/x.log", read_fixture(&sal[2]));
    put("c.gz", gzip(&read_fixture(&sal[3])));
    put(".hidden.log", read_fixture(&sal[4]));
    let mut expected_order = vec![".hidden.log", "a/y/x.log", "a/z.log", "b.log", "c.gz"];
    #[cfg(unix)]
    {
        // A symlinked directory (here a loop) is not followed; a symlinked file is read.
        std::os::unix::fs::symlink(&root, root.join("a").join("loop")).expect("symlink");
        std::os::unix::fs::symlink(manifest_path(&sal[5]), root.join("link.log")).expect("symlink");
        expected_order.push("link.log");
    }

    let root_arg = path_str(&root).to_owned();
    let run = run(&["normalize", root_arg.as_str()]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    // Exactly the files, one after the other, as if each had been named on the command line.
    let mut expected = Vec::new();
    for relative in &expected_order {
        let path = relative.split('/').fold(root.clone(), |p, part| p.join(part));
        let single = self::run(&["normalize", path_str(&path)]);
        assert_eq!(single.code, 0, "{relative}: {}", single.stderr);
        let events = single.events();
        assert!(!events.is_empty(), "{relative}");
        assert!(events.iter().all(|e| log_name(e) == Some(path_str(&path))), "{relative}");
        expected.extend(events);
    }
    let events = run.events();
    assert_eq!(run.summary(), summary(expected.len(), 0, 0));
    assert_eq!(canon(events), canon(expected));
}

#[test]
fn error_records_go_to_the_errors_file() {
    let dir = scratch("errors-file");
    let junk = ["this is not an access log line", "neither is this one, 42 [x] \"y\" -"];
    let input = dir.join("mixed.log");
    fs::write(&input, format!("{}\n{}\n{}\n", junk[0], one_sal_line(), junk[1])).expect("write");
    let errors = dir.join("errors.ndjson");

    let run = run(&["normalize", "--errors", path_str(&errors), path_str(&input)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, format!("{}\n", summary(1, 2, 0)), "only the summary on stderr");
    let events = run.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["class_uid"], API_ACTIVITY);

    let records = ndjson(&fs::read_to_string(&errors).expect("errors file"));
    assert_eq!(records.len(), 2, "{records:?}");
    for (record, (line, junk)) in records.iter().zip([(1, junk[0]), (3, junk[1])]) {
        assert_eq!(record["kind"], "sal_syntax", "{record}");
        assert!(record["message"].as_str().is_some_and(|m| !m.is_empty()), "{record}");
        assert_eq!(record["line"], line, "{record}");
        assert_eq!(record["input"], junk, "{record}");
        assert_eq!(record["log_name"], path_str(&input), "{record}");
    }

    // Without --errors the same records come on standard error, before the summary.
    let run = self::run(&["normalize", path_str(&input)]);
    assert_eq!(run.code, 0);
    let stderr: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(stderr.len(), 3, "{}", run.stderr);
    assert_eq!(ndjson(&stderr[..2].join("\n")), records);
    assert_eq!(stderr[2], summary(1, 2, 0));
}

#[test]
fn strict_exits_2_on_error_records_only() {
    let dir = scratch("strict");
    let input = dir.join("mixed.log");
    fs::write(&input, format!("junk\n{}\n", one_sal_line())).expect("write");

    let lenient = run(&["normalize", path_str(&input)]);
    assert_eq!(lenient.code, 0, "{}", lenient.stderr);
    assert_eq!(lenient.summary(), summary(1, 1, 0));

    let strict = run(&["normalize", "--strict", path_str(&input)]);
    assert_eq!(strict.code, 2, "{}", strict.stderr);
    assert_eq!(strict.summary(), summary(1, 1, 0));
    assert_eq!(strict.events().len(), 1, "strict still writes everything");

    let clean = run(&["normalize", "--strict", KDGM]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    assert_eq!(clean.summary(), summary(30, 0, 0));
}

#[test]
fn a_missing_file_exits_1_after_reading_the_others() {
    let missing = "tests/fixtures/no-such-file.log";
    let run = run(&["normalize", AWSDOCS, missing, KDGM]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.lines().any(|l| l.starts_with(&format!("s3norm: {missing}: "))), "{}", run.stderr);
    assert_eq!(run.summary(), summary(35, 0, 0));
    let events = run.events();
    assert_eq!(events.len(), 35);
    assert!(events[..5].iter().all(|e| log_name(e) == Some(AWSDOCS)));
    assert!(events[5..].iter().all(|e| log_name(e) == Some(KDGM)));
}

#[test]
fn standard_input_with_dash_or_no_path() {
    let bytes = read_fixture(KDGM);
    for args in [vec!["normalize", "-"], vec!["normalize"]] {
        let run = run_with_stdin(&args, Some(bytes.clone()));
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_eq!(run.summary(), summary(30, 0, 0), "{args:?}");
        let events = run.events();
        assert_eq!(events.len(), 30);
        assert!(events.iter().all(|e| log_name(e).is_none()), "stdin has no log_name");
    }
    // Mixed with files, in command-line order.
    let run = run_with_stdin(&["normalize", AWSDOCS, "-"], Some(bytes));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let events = run.events();
    assert_eq!(events.len(), 35);
    assert!(events[..5].iter().all(|e| log_name(e) == Some(AWSDOCS)));
    assert!(events[5..].iter().all(|e| log_name(e).is_none()));
}

#[test]
fn crlf_lines_give_the_same_events() {
    let dir = scratch("crlf");
    let plain = read_fixture(KDGM);
    let crlf = String::from_utf8(plain).expect("UTF-8").replace('\n', "\r\n");
    let path = dir.join("crlf.log");
    fs::write(&path, crlf).expect("write");
    let lf = run(&["normalize", "--raw", KDGM]);
    let cr = run(&["normalize", "--raw", path_str(&path)]);
    assert_eq!(cr.code, 0, "{}", cr.stderr);
    assert_eq!(cr.summary(), summary(30, 0, 0));
    let events = cr.events();
    assert!(events.iter().all(|e| e["raw_data"].as_str().is_some_and(|r| !r.contains('\r'))));
    assert_eq!(canon_nameless(events), canon_nameless(lf.events()));
}

#[test]
fn raw_puts_the_line_into_raw_data() {
    let text = String::from_utf8(read_fixture(AWSDOCS)).expect("UTF-8");
    let run = run(&["normalize", "--raw", AWSDOCS]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let events = run.events();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(events.len(), lines.len());
    for (event, line) in events.iter().zip(lines) {
        assert_eq!(event["raw_data"], line);
    }
    let plain = self::run(&["normalize", AWSDOCS]);
    assert!(plain.events().iter().all(|e| e.get("raw_data").is_none()));
}

#[test]
fn an_over_long_line_is_one_error_and_the_next_line_still_counts() {
    let dir = scratch("long-line");
    let path = dir.join("long.log");
    let mut bytes = vec![b'x'; 3 << 20]; // over the 1 MiB line limit
    bytes.push(b'\n');
    bytes.extend(one_sal_line().as_bytes());
    bytes.push(b'\n');
    fs::write(&path, bytes).expect("write");
    let errors = dir.join("errors.ndjson");
    let run = run(&["normalize", "--errors", path_str(&errors), path_str(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.summary(), summary(1, 1, 0));
    let records = ndjson(&fs::read_to_string(&errors).expect("errors file"));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["kind"], "too_large");
    assert_eq!(records[0]["line"], 1);
    assert_eq!(records[0]["input_truncated"], true);
    // The whole line is measured, though only the start of it is kept.
    let message = records[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(&format!("{} bytes", 3 << 20)), "{message}");
}

#[test]
fn ndjson_whose_first_record_is_long_is_still_read_as_lines() {
    let dir = scratch("long-first-record");
    let text = String::from_utf8(read_fixture(OTRF)).expect("UTF-8");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let s3 = lines.iter().position(|l| l.contains(r#""eventSource":"s3.amazonaws.com""#)).expect("an S3 record");
    let mut record: Value = serde_json::from_str(&lines[s3]).expect("JSON");
    record["additionalEventData"]["padding"] = Value::String("p".repeat(200 * 1024)); // past the 64 KiB head
    lines.remove(s3);
    lines.insert(0, record.to_string());
    let path = dir.join("long-first.ndjson");
    fs::write(&path, lines.join("\n") + "\n").expect("write");
    let run = run(&["normalize", path_str(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, format!("{}\n", summary(11, 0, 92)));
}

#[test]
fn a_json_document_over_the_limit_is_one_error_record() {
    let dir = scratch("large-json");
    let start = br#"{"Records":[{"eventSource":"s3.amazonaws.com","eventName":"GetObject","pad":""#;
    let end = br#""}]}"#;
    let chunk = vec![b'a'; 1 << 20];
    let chunks = 65; // 65 MiB: over the 64 MiB default

    let plain = dir.join("large.json");
    let mut file = fs::File::create(&plain).expect("create");
    file.write_all(start).expect("write");
    for _ in 0..chunks {
        file.write_all(&chunk).expect("write");
    }
    file.write_all(end).expect("write");
    drop(file);

    // The same document as a delivery of gzip members (one compression, repeated).
    let gz = dir.join("large.json.gz");
    let member = gzip(&chunk);
    let mut file = fs::File::create(&gz).expect("create");
    file.write_all(&gzip(start)).expect("write");
    for _ in 0..chunks {
        file.write_all(&member).expect("write");
    }
    file.write_all(&gzip(end)).expect("write");
    drop(file);

    for path in [&plain, &gz] {
        let errors = dir.join("errors.ndjson");
        let run = run(&["normalize", "--errors", path_str(&errors), path_str(path)]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.summary(), summary(0, 1, 0), "{}", path.display());
        let records = ndjson(&fs::read_to_string(&errors).expect("errors file"));
        assert_eq!(records.len(), 1);
        assert_eq!(records[0]["kind"], "too_large");
        assert_eq!(records[0]["log_name"], path_str(path));
        assert_eq!(records[0]["input_truncated"], true);
        assert!(records[0]["input"].as_str().is_some_and(|i| i.starts_with(r#"{"Records":["#)));
    }
}

#[test]
fn cloudtrail_ndjson_counts_s3_events_and_skips_the_rest() {
    let run = run(&["normalize", OTRF]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, format!("{}\n", summary(11, 0, 92)));
    let events = run.events();
    assert_eq!(events.len(), 11);
    for event in &events {
        assert_eq!(event["class_uid"], API_ACTIVITY, "{event}");
        assert_eq!(log_name(event), Some(OTRF));
    }
    // The same through gzip and standard input.
    let gz = run_with_stdin(&["normalize", "--quiet"], Some(gzip(&read_fixture(OTRF))));
    assert_eq!(gz.code, 0, "{}", gz.stderr);
    assert_eq!(gz.stderr, "", "--quiet prints no summary");
    assert_eq!(canon_nameless(gz.events()), canon_nameless(events));
}

#[test]
fn cloudtrail_json_documents() {
    // A single pretty-printed record spanning many lines is one document, one event.
    let single = format!("{CT_DIR}/aws-cdk__sample_putobject.json");
    let run = run(&["normalize", single.as_str()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, format!("{}\n", summary(1, 0, 0)));
    assert_eq!(run.events()[0]["class_uid"], API_ACTIVITY);

    // A trail file: {"Records": [4 records]}, three of them s3.amazonaws.com.
    let trail = format!("{CT_DIR}/awsdocs__s3_example_records.json");
    let run = self::run(&["normalize", trail.as_str()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let events = run.events();
    assert!(events.len() >= 3, "{}", run.stderr);
    assert_eq!(run.summary(), summary(events.len(), 0, 4 - events.len()));
}

#[test]
fn a_broken_pipe_ends_quietly() {
    let dir = scratch("broken-pipe");
    let path = dir.join("many.log");
    let line = one_sal_line();
    let mut text = String::with_capacity((line.len() + 1) * 50_000);
    for _ in 0..50_000 {
        text.push_str(&line);
        text.push('\n');
    }
    fs::write(&path, text).expect("write");

    let mut child = s3norm()
        .args(["normalize", path_str(&path)])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("first line");
    drop(stdout); // like `| head -1`
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("stderr");
    let status = child.wait().expect("wait");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(serde_json::from_str::<Value>(&first).is_ok(), "{first}");
}

#[test]
fn the_errors_file_is_never_read_back() {
    let dir = scratch("self-read");
    fs::write(dir.join("junk.log"), "junk\n").expect("write");
    let errors = dir.join("z-errors.ndjson");
    let run = run(&["normalize", "--errors", path_str(&errors), path_str(&dir)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.summary(), summary(0, 1, 0));
    assert_eq!(ndjson(&fs::read_to_string(&errors).expect("errors file")).len(), 1);
}

#[test]
fn the_errors_file_may_not_be_a_named_input() {
    let dir = scratch("errors-is-input");
    let input = dir.join("in.log");
    fs::write(&input, read_fixture(AWSDOCS)).expect("write");
    let run = run(&["normalize", "--errors", path_str(&input), path_str(&input)]);
    assert_eq!(run.code, 64, "{}", run.stderr);
    assert_eq!(fs::read(&input).expect("read"), read_fixture(AWSDOCS), "the input is left alone");
}

#[test]
fn help_and_version() {
    for flag in ["--help", "-h"] {
        let run = run(&[flag]);
        assert_eq!(run.code, 0);
        assert!(run.stdout.starts_with("Usage: s3norm normalize"), "{}", run.stdout);
        assert_eq!(run.stderr, "");
    }
    let run = run(&["normalize", "--help"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("--errors PATH"));

    let run = self::run(&["--version"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, format!("s3norm {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_exit_64() {
    let cases: &[&[&str]] = &[
        &["normalize", "--no-such-flag"],
        &["normalize", "-x", KDGM],
        &["normalize", "--errors"],
        &["normalize", "--raw=yes"],
        &["frobnicate"],
        &[],
    ];
    for args in cases {
        let run = run(args);
        assert_eq!(run.code, 64, "{args:?}");
        assert!(run.stderr.contains("Usage: s3norm normalize"), "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{args:?}");
    }
}

/// The three ways a text reaches the reader: a plain file, a gzip file, standard input.
fn every_way(test: &str, bytes: &[u8]) -> Vec<(&'static str, Run)> {
    let dir = scratch(test);
    let (plain, gz) = (dir.join("input.log"), dir.join("input.log.gz"));
    fs::write(&plain, bytes).expect("write input");
    fs::write(&gz, gzip(bytes)).expect("write gzip input");
    vec![
        ("file", run(&["normalize", path_str(&plain)])),
        ("gzip", run(&["normalize", path_str(&gz)])),
        ("stdin", run_with_stdin(&["normalize", "-"], Some(bytes.to_vec()))),
    ]
}

/// A file led by one damaged NDJSON record (a rotated or half-written file) loses nothing else:
/// the damaged line is one error record, every other line is read.
#[test]
fn a_file_led_by_a_damaged_line_loses_nothing_else() {
    let mut bytes = b"{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"AssumedRole\",\"principalId\":\"AROA\n".to_vec();
    bytes.extend_from_slice(&read_fixture(KDGM));
    bytes.extend_from_slice(&read_fixture(OTRF));
    for (way, run) in every_way("damaged_first_line", &bytes) {
        assert_eq!(run.code, 0, "{way}: {}", run.stderr);
        assert_eq!(run.summary(), summary(30 + 11, 1, 92), "{way}");
        let error: Value = serde_json::from_str(run.stderr.lines().next().expect("an error record")).expect("JSON error record");
        assert_eq!((error["kind"].as_str(), error["line"].as_u64()), (Some("json_syntax"), Some(1)), "{way}: {error}");
        assert!(error["input"].as_str().is_some_and(|i| i.ends_with("\"principalId\":\"AROA")), "{way}: {error}");
    }
}

/// A genuinely broken document (AWS's published examples that are not JSON) is one error record
/// carrying the whole text, not one error per line, whichever way it arrives.
#[test]
fn a_broken_document_is_one_error_record() {
    for name in [
        "awsdocs__s3express_createsession_example_as_published.json",
        "awsdocs__s3express_lifecycle_deleteobjects_example_as_published.json",
    ] {
        let bytes = read_fixture(&format!("tests/fixtures/broken/{name}"));
        assert!(non_blank_lines(&bytes) > 40, "{name}");
        for (way, run) in every_way("broken_document", &bytes) {
            assert_eq!(run.summary(), summary(0, 1, 0), "{name} {way}");
            let error: Value = serde_json::from_str(run.stderr.lines().next().expect("an error record")).expect("JSON error record");
            assert_eq!(error["kind"], "json_syntax", "{name} {way}");
            assert_eq!(error["input"].as_str().map(str::as_bytes), Some(&bytes[..]), "{name} {way}: the whole text");
        }
    }
}

/// A large file read on several threads gives byte for byte what one thread gives: events,
/// error records (their line numbers too) and counts, plain and gzip, with over-long, blank,
/// CRLF and refused lines spread over many chunks.
#[test]
fn threads_give_the_same_output_as_one_thread() {
    let sal: Vec<String> = sal_fixtures()
        .iter()
        .flat_map(|f| {
            String::from_utf8_lossy(&read_fixture(f)).lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect::<Vec<_>>()
        })
        .collect();
    let ndjson: Vec<String> =
        String::from_utf8_lossy(&read_fixture(OTRF)).lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect();
    let (mut text, mut lines, mut blank) = (String::new(), 0usize, 0usize);
    while text.len() < 20 << 20 {
        match (lines % 4001, lines % 97) {
            (2029, _) => text.push_str(&"z".repeat(2 << 20)), // over the 1 MiB line limit
            (3041, _) => {
                text.push_str(&" ".repeat(3 << 20)); // an over-long blank line: not a unit
                blank += 1;
            }
            (_, 13) => text.push_str("not an access log line"),
            (_, 53) => text.push_str(&ndjson[lines % ndjson.len()]),
            _ => text.push_str(&sal[lines % sal.len()]),
        }
        text.push_str(if lines % 5 == 0 { "\r\n" } else { "\n" });
        lines += 1;
    }
    let dir = scratch("threads");
    let plain = dir.join("big.log");
    fs::write(&plain, &text).expect("write");
    let gz = dir.join("big.log.gz");
    fs::write(&gz, gzip(text.as_bytes())).expect("write");
    for path in [&plain, &gz] {
        let path = path_str(path);
        let one = run(&["normalize", "--threads", "1", path]);
        let four = run(&["normalize", "--threads", "4", path]);
        assert_eq!((one.code, four.code), (0, 0), "{}", one.stderr);
        // Every non-blank line came out once (counted here, not by the code under test).
        let counts: Vec<usize> = one.summary().split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect();
        assert_eq!(counts.iter().sum::<usize>(), lines - blank, "{}", one.summary());
        assert!(one.stdout == four.stdout, "events differ between 1 and 4 threads ({path})");
        assert_eq!(four.stderr, one.stderr, "error records or counts differ ({path})");
        assert!(one.stderr.contains("\"kind\":\"too_large\""), "the over-long lines are there");
    }
}
