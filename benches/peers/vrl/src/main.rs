//! Peer benchmark: S3 server access log (SAL) lines through a VRL remap program, the way a Vector
//! user parses them (`parse_regex!` with the Athena pattern AWS documents, then type conversions).
//!
//! Usage: `vrl-sal-peer [FILE|-]` (standard input by default). Each non-blank line becomes an
//! event `{"message": line}`; the program is compiled once and run per event with one reused
//! runtime, cleared after each event, as Vector's `remap` transform does. Events the program
//! accepts are written to standard output as JSON, one per line, through a `BufWriter`; a line the
//! program fails on (no regex match, a bad timestamp) is counted and dropped, as with
//! `drop_on_error: true`. Standard error gets one summary line:
//! `lines=N matched=M failed=F seconds=S lines_per_sec=R`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::process::ExitCode;
use std::time::Instant;

use vrl::compiler::runtime::Runtime;
use vrl::compiler::state::RuntimeState;
use vrl::compiler::{TargetValue, TimeZone};
use vrl::value::{Secrets, Value};

/// The remap program. The pattern is the `input.regex` of the Athena table AWS documents for S3
/// server access logs ("Using Amazon S3 server access logs to identify requests", Amazon S3 User
/// Guide), with the SQL string escapes undone (`\\[` → `\[`, `\"` → `"`) and each group named
/// after the table's column. 26 groups: 18 fields, then 8 optional newer ones.
pub const PROGRAM: &str = r#"
. = parse_regex!(.message, r'(?P<bucketowner>[^ ]*) (?P<bucket_name>[^ ]*) \[(?P<requestdatetime>.*?)\] (?P<remoteip>[^ ]*) (?P<requester>[^ ]*) (?P<requestid>[^ ]*) (?P<operation>[^ ]*) (?P<key>[^ ]*) (?P<request_uri>"[^"]*"|-) (?P<httpstatus>-|[0-9]*) (?P<errorcode>[^ ]*) (?P<bytessent>[^ ]*) (?P<objectsize>[^ ]*) (?P<totaltime>[^ ]*) (?P<turnaroundtime>[^ ]*) (?P<referrer>[^ ]*) (?P<useragent>"[^"]*"|-) (?P<versionid>[^ ]*)(?: (?P<hostid>[^ ]*) (?P<sigv>[^ ]*) (?P<ciphersuite>[^ ]*) (?P<authtype>[^ ]*) (?P<endpoint>[^ ]*) (?P<tlsversion>[^ ]*) (?P<accesspointarn>[^ ]*) (?P<aclrequired>[^ ]*))?.*$')
.timestamp = parse_timestamp!(.requestdatetime, format: "%d/%b/%Y:%H:%M:%S %z")
# SAL writes "-" for an absent number: keep those as null rather than failing the event.
.httpstatus = to_int(.httpstatus) ?? null
.bytessent = to_int(.bytessent) ?? null
.objectsize = to_int(.objectsize) ?? null
.totaltime = to_int(.totaltime) ?? null
.turnaroundtime = to_int(.turnaroundtime) ?? null
"#;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() > 1 || args.iter().any(|a| a == "-h" || a == "--help") {
        eprintln!("usage: vrl-sal-peer [FILE|-]");
        return ExitCode::from(64);
    }
    let input: Box<dyn Read> = match args.first().map(String::as_str) {
        None | Some("-") => Box::new(io::stdin().lock()),
        Some(path) => match File::open(path) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("vrl-sal-peer: {path}: {e}");
                return ExitCode::from(1);
            }
        },
    };

    let functions = vrl::stdlib::all();
    let program = match vrl::compiler::compile(PROGRAM, &functions) {
        Ok(compiled) => compiled.program,
        Err(diagnostics) => {
            eprintln!("vrl-sal-peer: the VRL program does not compile:");
            for d in diagnostics.iter() {
                eprintln!("  {}", d.message);
            }
            return ExitCode::from(70);
        }
    };

    match run(input, &program) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrl-sal-peer: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(input: Box<dyn Read>, program: &vrl::compiler::Program) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(64 * 1024, input);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let timezone = TimeZone::default();
    let mut runtime = Runtime::new(RuntimeState::default());

    let (mut lines, mut matched, mut failed) = (0u64, 0u64, 0u64);
    let mut line = Vec::with_capacity(1024);
    let start = Instant::now();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let mut text: &[u8] = &line;
        while let [rest @ .., b'\n' | b'\r'] = text {
            text = rest;
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        lines += 1;

        let mut event = BTreeMap::new();
        event.insert("message".into(), Value::from(text));
        let mut target = TargetValue { value: Value::Object(event), metadata: Value::Object(BTreeMap::new()), secrets: Secrets::default() };
        let result = runtime.resolve(&mut target, program, &timezone);
        runtime.clear();
        match result {
            Ok(_) => {
                matched += 1;
                serde_json::to_writer(&mut out, &target.value).map_err(io::Error::other)?;
                out.write_all(b"\n")?;
            }
            Err(_) => failed += 1,
        }
    }
    out.flush()?;
    let seconds = start.elapsed().as_secs_f64();
    let rate = if seconds > 0.0 { lines as f64 / seconds } else { 0.0 };
    eprintln!("lines={lines} matched={matched} failed={failed} seconds={seconds:.3} lines_per_sec={rate:.0}");
    Ok(())
}
