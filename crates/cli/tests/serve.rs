//! `s3norm serve` and `s3norm normalize` in a pipeline: lines over TCP from several connections,
//! output while the input pauses, SIGTERM, end of input, over-long lines; shipper-event lines and
//! prompt output on `normalize`. Real third-party lines from tests/fixtures.
//!
//! Nothing here measures time: the only timeouts are guards against a hang (a test that waits
//! for output it should get fails after a generous wait instead of blocking forever).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use serde_json::{json, Value};

/// How long a test waits for output it should get before it calls it a hang.
const HANG: Duration = Duration::from_secs(30);

const AWSDOCS: &str = "tests/fixtures/s3-access-logs/awsdocs__amazon-s3-userguide__LogFormat__example_lines.log";
const KDGM: &str = "tests/fixtures/s3-access-logs/kdgm__logstash-plugins__s3_access_log_spec_sample_lines.log";
const TRAIL: &str = "tests/fixtures/cloudtrail/awsdocs__s3_example_records.json";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture_lines(relative: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join(relative)).expect("fixture");
    text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect()
}

/// Lines of a child's output stream, as they arrive.
fn lines_of(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A running `s3norm serve --listen 127.0.0.1:0`.
struct Server {
    child: Child,
    address: String,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_s3norm"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn s3norm serve");
        let stdout: ChildStdout = child.stdout.take().expect("stdout");
        let stderr: ChildStderr = child.stderr.take().expect("stderr");
        let (stdout, stderr) = (lines_of(stdout), lines_of(stderr));
        let notice: Value = serde_json::from_str(&stderr.recv_timeout(HANG).expect("listening notice")).expect("JSON notice");
        assert_eq!(notice["s3norm"], "listening", "{notice}");
        let address = notice["address"].as_str().expect("address").to_owned();
        Server { child, address, stdout, stderr }
    }

    fn connect(&self) -> TcpStream {
        TcpStream::connect(&self.address).expect("connect")
    }

    /// The next `n` lines of standard output, parsed.
    fn events(&self, n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| serde_json::from_str(&self.stdout.recv_timeout(HANG).unwrap_or_else(|_| panic!("event {i} of {n}"))).unwrap())
            .collect()
    }

    /// The next `n` lines of standard error, parsed.
    fn errors(&self, n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| serde_json::from_str(&self.stderr.recv_timeout(HANG).unwrap_or_else(|_| panic!("error {i} of {n}"))).unwrap())
            .collect()
    }

    /// SIGTERM; wait for the exit; the rest of both outputs.
    fn terminate(mut self) -> (i32, Vec<Value>, Vec<Value>) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(status.success());
        let code = self.child.wait().expect("wait").code().unwrap_or(-1);
        let rest = |rx: &Receiver<String>| rx.iter().map(|l| serde_json::from_str(&l).expect("JSON line")).collect::<Vec<Value>>();
        (code, rest(&self.stdout), rest(&self.stderr))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Vector's `aws_s3` event for one line of an object, as its `json` codec writes it (keys sorted).
fn vector_event(message: &str, object: &str) -> String {
    json!({"bucket": "logs", "message": message, "object": object, "region": "us-east-1", "source_type": "aws_s3", "timestamp": "2024-01-01T00:00:00Z"})
        .to_string()
}

#[test]
fn lines_from_several_connections_each_come_out_once() {
    let server = Server::start(&[]);
    let sal = fixture_lines(KDGM);
    let trail = std::fs::read_to_string(repo_root().join(TRAIL)).unwrap();
    let trail_records = serde_json::from_str::<Value>(&trail).unwrap()["Records"].as_array().unwrap().len();
    let mut senders = Vec::new();
    for c in 0..4 {
        let mut stream = server.connect();
        let (sal, trail) = (sal.clone(), trail.clone());
        senders.push(thread::spawn(move || {
            let mut text = String::new();
            for (i, line) in sal.iter().enumerate() {
                text += &vector_event(line, &format!("conn{c}/line{i}"));
                text.push('\n');
            }
            text += &vector_event(&trail, &format!("conn{c}/trail.json"));
            text.push('\n');
            // In small pieces, lines cut across writes.
            for piece in text.as_bytes().chunks(777) {
                stream.write_all(piece).unwrap();
            }
            stream.shutdown(Shutdown::Write).unwrap();
        }));
    }
    for s in senders {
        s.join().unwrap();
    }
    let events = server.events(4 * (sal.len() + trail_records));
    let mut names: Vec<String> = events.iter().map(|e| e["metadata"]["log_name"].as_str().unwrap().to_owned()).collect();
    names.sort();
    let mut expected = Vec::new();
    for c in 0..4 {
        expected.extend((0..sal.len()).map(|i| format!("conn{c}/line{i}")));
        expected.extend((0..trail_records).map(|_| format!("conn{c}/trail.json")));
    }
    expected.sort();
    assert_eq!(names, expected);
    for e in &events {
        assert_eq!(e["class_uid"], 6003);
        assert_eq!(e["unmapped"]["source_event"]["bucket"], "logs");
        assert!(e["unmapped"]["source_event"].get("message").is_none());
    }
    let (code, rest, notices) = server.terminate();
    assert_eq!(code, 0);
    assert!(rest.is_empty(), "{rest:?}");
    let inputs = (4 * (sal.len() + trail_records)) as u64;
    assert_eq!(notices.last().unwrap()["stats"], json!({"inputs": inputs, "events": inputs, "errors": 0, "skipped": 0}));
}

#[test]
fn output_comes_while_the_connection_stays_open_and_quiet() {
    let server = Server::start(&[]);
    let mut stream = server.connect();
    for (i, line) in fixture_lines(AWSDOCS).iter().enumerate() {
        stream.write_all(format!("{line}\n").as_bytes()).unwrap();
        // The connection is neither closed nor written to again until this line's event is out.
        let event = &server.events(1)[0];
        assert_eq!(event["metadata"]["event_code"].as_str().unwrap(), line.split(' ').nth(7).unwrap(), "line {i}");
    }
    stream.write_all(b"not a log line\n").unwrap();
    assert_eq!(server.errors(1)[0]["kind"], "sal_syntax");
}

#[test]
fn sigterm_writes_everything_read_including_a_cut_line() {
    let server = Server::start(&[]);
    let mut stream = server.connect();
    let lines = fixture_lines(KDGM);
    for line in &lines {
        stream.write_all(format!("{line}\n").as_bytes()).unwrap();
    }
    // A last event cut short, as when the sender is stopped mid-write.
    stream.write_all(br#"{"message":"79a59df9 awsexamplebucket1 [06/Feb/2019:00:00:38"#).unwrap();
    // Wait until the server has read everything: the last whole line's event is out.
    let mut events = server.events(lines.len());
    let (code, rest, errors) = server.terminate();
    assert_eq!(code, 0);
    events.extend(rest);
    assert_eq!(events.len(), lines.len());
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0]["kind"], "json_syntax");
    assert_eq!(errors[0]["input"], r#"{"message":"79a59df9 awsexamplebucket1 [06/Feb/2019:00:00:38"#);
    let n = lines.len() as u64 + 1;
    assert_eq!(errors[1]["s3norm"], "stopped");
    assert_eq!(errors[1]["stats"], json!({"inputs": n, "events": n - 1, "errors": 1, "skipped": 0}));
}

#[test]
fn a_half_closed_connection_is_finished_and_the_server_goes_on() {
    let server = Server::start(&[]);
    let line = &fixture_lines(AWSDOCS)[0];
    let mut first = server.connect();
    // Without a final newline: end of input ends the line.
    first.write_all(line.as_bytes()).unwrap();
    first.shutdown(Shutdown::Write).unwrap();
    assert_eq!(server.events(1).len(), 1);
    // The server closes its side once the connection's lines are out.
    let mut rest = Vec::new();
    first.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    let mut second = server.connect();
    second.write_all(format!("{line}\n").as_bytes()).unwrap();
    assert_eq!(server.events(1).len(), 1);
}

#[test]
fn over_long_lines_and_bad_bytes_are_error_records() {
    let server = Server::start(&["--max-line-bytes", "1000"]);
    let mut stream = server.connect();
    let line = &fixture_lines(AWSDOCS)[0];
    stream.write_all(format!("{}\n\u{0}\u{ff}\n\n", "x".repeat(5000)).as_bytes()).unwrap();
    stream.write_all(&[0xff, 0xfe, b'\n']).unwrap();
    stream.write_all(format!("{line}\r\n").as_bytes()).unwrap();
    let errors = server.errors(3);
    assert_eq!(errors[0]["kind"], "too_large");
    assert_eq!(errors[0]["message"], "line is 5000 bytes, over the 1000-byte limit");
    assert_eq!(errors[0]["line"], 1);
    assert_eq!(errors[1]["kind"], "sal_syntax");
    assert_eq!(errors[2]["kind"], "invalid_utf8");
    assert_eq!(errors[2]["line"], 4);
    assert_eq!(server.events(1)[0]["api"]["request"]["uid"], "3E57427F3EXAMPLE");
}

#[test]
fn an_address_in_use_is_a_json_error_and_exit_1() {
    let server = Server::start(&[]);
    let out =
        Command::new(env!("CARGO_BIN_EXE_s3norm")).args(["serve", "--listen", &server.address]).stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&out.stderr).expect("one JSON line");
    assert_eq!(error["s3norm"], "error");
    assert!(error["message"].as_str().unwrap().contains(&server.address));
    let usage = Command::new(env!("CARGO_BIN_EXE_s3norm")).args(["serve"]).output().unwrap();
    assert_eq!(usage.status.code(), Some(64));
}

#[test]
fn normalize_reads_shipper_event_lines_as_the_abi_does() {
    let lines = fixture_lines(AWSDOCS);
    let trail = std::fs::read_to_string(repo_root().join(TRAIL)).unwrap();
    let mut input = String::new();
    for (i, line) in lines.iter().enumerate() {
        input += &vector_event(line, &format!("2024/{i}.log"));
        input.push('\n');
    }
    input += &json!({"log": "not a log line", "file": "/var/log/s3/x.log"}).to_string();
    input.push('\n');
    input += &vector_event(&trail, "AWSLogs/trail.json");
    input.push('\n');
    let mut child = Command::new(env!("CARGO_BIN_EXE_s3norm"))
        .arg("normalize")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let events: Vec<Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let names: Vec<&str> = events.iter().map(|e| e["metadata"]["log_name"].as_str().unwrap()).collect();
    let mut expected: Vec<String> = (0..lines.len()).map(|i| format!("2024/{i}.log")).collect();
    expected.extend(std::iter::repeat_n("AWSLogs/trail.json".to_owned(), 4));
    assert_eq!(names, expected);
    let stderr = String::from_utf8(out.stderr).unwrap();
    let error: Value = serde_json::from_str(stderr.lines().next().unwrap()).unwrap();
    assert_eq!(
        (error["kind"].as_str(), error["log_name"].as_str(), error["line"].as_u64()),
        (Some("sal_syntax"), Some("/var/log/s3/x.log"), Some(6))
    );
    assert_eq!(stderr.lines().last(), Some("9 events, 1 errors, 0 skipped"));
}

#[test]
fn normalize_writes_each_line_out_while_its_input_pauses() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_s3norm"))
        .args(["normalize", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = lines_of(child.stdout.take().unwrap());
    let stderr = lines_of(child.stderr.take().unwrap());
    for line in fixture_lines(AWSDOCS) {
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        // Standard input stays open and quiet until the event is out.
        let event: Value = serde_json::from_str(&stdout.recv_timeout(HANG).expect("event while input pauses")).unwrap();
        assert_eq!(event["class_uid"], 6003);
    }
    stdin.write_all(b"junk\n").unwrap();
    let error: Value = serde_json::from_str(&stderr.recv_timeout(HANG).expect("error record while input pauses")).unwrap();
    assert_eq!(error["kind"], "sal_syntax");
    drop(stdin);
    assert!(child.wait().unwrap().success());
}
