//! Throughput of the normalizer on corpora built from the third-party fixtures.
//!
//! `cargo bench --bench throughput` (release profile, plus debug info for profilers). A plain
//! `main`, no harness: each row gets a warm-up run, then the best of 5 runs over its whole
//! corpus. Events are written with `s3norm::write_event` into a reused buffer, as the CLI writes
//! them (the buffer is emptied every 64 KiB, as a `BufWriter` on standard output would be), so the
//! numbers include JSON output. Nothing here asserts anything about speed.
//!
//! Corpora (sizes scale with `S3NORM_BENCH_MB`, default 32):
//! * SAL: every SAL fixture line, in turn, until the text reaches S3NORM_BENCH_MB MiB;
//! * CloudTrail NDJSON: every CloudTrail fixture record (S3 records and the other services'
//!   records of the OTRF file, which are skipped) one per line, in turn, to S3NORM_BENCH_MB MiB;
//! * CloudTrail trail file: the same records as one `{"Records":[…]}` document of a quarter that.
//!
//! Rows that take their input in smaller units (ABI per-line requests) run over a fixed sample.
//! `cargo bench --bench throughput -- WORD…` runs only the rows whose name contains a WORD.

use s3norm::{abi, sal};
use s3norm::{ErrorRecord, Event, Normalizer, Options, Sink, Skip, Stats};
use serde_json::Value;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const MIB: usize = 1 << 20;
const RUNS: usize = 5;
/// How much output a run buffers before "writing" it (emptying the buffer).
const FLUSH_AT: usize = 64 * 1024;
/// Per-line ABI requests in the sample.
const ABI_LINE_SAMPLE: usize = 100_000;

// ------------------------------------------------------------------------------------------------
// The sink

/// Writes events (and error records) as the CLI does, into a reused buffer.
#[derive(Default)]
struct BenchSink {
    buf: Vec<u8>,
    bytes_out: u64,
    /// Write nothing (to see what writing costs).
    discard: bool,
}

impl BenchSink {
    fn new(discard: bool) -> Self {
        BenchSink { buf: Vec::with_capacity(FLUSH_AT + 16 * 1024), discard, ..BenchSink::default() }
    }

    fn flush_if_full(&mut self) {
        if self.buf.len() >= FLUSH_AT {
            self.bytes_out += self.buf.len() as u64;
            black_box(&self.buf);
            self.buf.clear();
        }
    }

    fn finish(mut self) -> u64 {
        self.bytes_out += self.buf.len() as u64;
        self.bytes_out
    }
}

impl Sink for BenchSink {
    fn event(&mut self, event: &Event<'_>) {
        if self.discard {
            black_box(event);
            return;
        }
        s3norm::write_event(&mut self.buf, event);
        self.buf.push(b'\n');
        self.flush_if_full();
    }

    fn error(&mut self, error: ErrorRecord) {
        if self.discard {
            black_box(&error);
            return;
        }
        s3norm::write_error(&mut self.buf, &error);
        self.buf.push(b'\n');
        self.flush_if_full();
    }

    fn skip(&mut self, skip: Skip) {
        black_box(skip);
    }
}

// ------------------------------------------------------------------------------------------------
// Corpora

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every non-blank line of every `*.log` SAL fixture, in file-name order.
fn sal_fixture_lines() -> Vec<String> {
    let dir = fixtures().join("s3-access-logs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    files.iter().flat_map(|f| read(f).lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect::<Vec<_>>()).collect()
}

/// Every CloudTrail record in the CloudTrail fixtures, compact, with whether it is an S3 record.
fn cloudtrail_fixture_records() -> Vec<(String, bool)> {
    fn collect(v: &Value, out: &mut Vec<(String, bool)>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
            Value::Object(m) if m.contains_key("eventName") => {
                let s3 = m.get("eventSource").and_then(Value::as_str).is_some_and(|s| s.starts_with("s3"));
                out.push((v.to_string(), s3));
            }
            // A trail file's Records, an EventBridge envelope's detail, Panther's wrapper.
            Value::Object(m) => ["Records", "detail", "record"].iter().filter_map(|k| m.get(*k)).for_each(|i| collect(i, out)),
            _ => {}
        }
    }
    let dir = fixtures().join("cloudtrail");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json" || x == "ndjson"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = read(&f);
        if f.extension().is_some_and(|x| x == "ndjson") {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                collect(&serde_json::from_str(line).expect("fixture NDJSON line"), &mut out);
            }
        } else {
            collect(&serde_json::from_str(&text).expect("fixture JSON"), &mut out);
        }
    }
    out
}

/// `units` in turn, joined by `sep`, until the text is at least `target` bytes.
/// Returns the text and how many units it holds.
fn repeat_to(units: &[String], sep: &str, target: usize) -> (String, usize) {
    let mut text = String::with_capacity(target + 64 * 1024);
    let mut n = 0;
    while text.len() < target {
        if n > 0 {
            text.push_str(sep);
        }
        text.push_str(&units[n % units.len()]);
        n += 1;
    }
    (text, n)
}

// ------------------------------------------------------------------------------------------------
// Timing

struct Row {
    name: String,
    bytes: usize,
    units: usize,
    best: Duration,
    note: String,
}

/// A warm-up run, then the best of `RUNS`. `run` returns a note on what came out (checked to be
/// the same every run).
fn measure(name: &str, bytes: usize, units: usize, mut run: impl FnMut() -> String) -> Row {
    let note = run(); // warm-up
    let mut best = Duration::MAX;
    for _ in 0..RUNS {
        let start = Instant::now();
        let again = black_box(run());
        best = best.min(start.elapsed());
        assert_eq!(again, note, "{name}: runs disagree");
    }
    let row = Row { name: name.to_owned(), bytes, units, best, note };
    print_row(&row);
    row
}

/// `measure`, when the row is wanted.
fn wanted_row(wanted: &dyn Fn(&str) -> bool, name: &str, bytes: usize, units: usize, run: impl FnMut() -> String) -> Option<Row> {
    wanted(name).then(|| measure(name, bytes, units, run))
}

fn print_header() {
    println!("{:<44} {:>8} {:>12} {:>9} {:>12} {:>9}  output", "input", "MB", "lines/recs", "best s", "lines/s", "MB/s");
    println!("{}", "-".repeat(44 + 8 + 12 + 9 + 12 + 9 + 5 + 40));
}

fn print_row(r: &Row) {
    let s = r.best.as_secs_f64();
    let mb = r.bytes as f64 / MIB as f64;
    println!(
        "{:<44} {:>8.1} {:>12} {:>9.4} {:>12} {:>9.1}  {}",
        r.name,
        mb,
        r.units,
        s,
        thousands((r.units as f64 / s) as u64),
        mb / s,
        r.note
    );
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn note(stats: Stats, bytes_out: u64) -> String {
    let mut s = format!("{} events", stats.events);
    if stats.errors > 0 {
        s.push_str(&format!(", {} errors", stats.errors));
    }
    if stats.skipped > 0 {
        s.push_str(&format!(", {} skipped", stats.skipped));
    }
    if bytes_out > 0 {
        s.push_str(&format!(", {:.1} MB out", bytes_out as f64 / MIB as f64));
    }
    s
}

/// Counts in an ABI response (its tail: `"stats":{…}}`).
fn response_note(response: &str) -> String {
    let at = response.rfind("\"stats\":").expect("response has stats");
    let stats: Value = serde_json::from_str(&response[at + 8..response.len() - 1]).expect("stats is JSON");
    let n = |k: &str| stats[k].as_u64().unwrap_or(0);
    let s = Stats { inputs: n("inputs"), events: n("events"), errors: n("errors"), skipped: n("skipped") };
    format!("{}, {:.1} MB response", note(s, 0), response.len() as f64 / MIB as f64)
}

// ------------------------------------------------------------------------------------------------

fn main() {
    // `cargo bench --bench throughput -- WORD…` runs only the rows whose name contains a WORD
    // (case-insensitive); `cargo bench` itself passes `--bench`, which is ignored.
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).map(|a| a.to_lowercase()).collect();
    let wanted = |name: &str| filters.is_empty() || filters.iter().any(|f| name.to_lowercase().contains(f.as_str()));
    let mb: f64 = match std::env::var("S3NORM_BENCH_MB") {
        Ok(s) => s.trim().parse().unwrap_or_else(|_| panic!("S3NORM_BENCH_MB={s:?} is not a number of MiB")),
        Err(_) => 32.0,
    };
    let target = ((mb * MIB as f64) as usize).max(1);

    let sal_lines = sal_fixture_lines();
    let (sal_text, sal_n) = repeat_to(&sal_lines, "\n", target);
    let sal_line_refs: Vec<&str> = sal_text.split('\n').collect();
    assert_eq!(sal_line_refs.len(), sal_n);

    let records = cloudtrail_fixture_records();
    let record_texts: Vec<String> = records.iter().map(|(r, _)| r.clone()).collect();
    let s3_per_cycle = records.iter().filter(|(_, s3)| *s3).count();
    let (ndjson, ndjson_n) = repeat_to(&record_texts, "\n", target);
    let (records_body, doc_n) = repeat_to(&record_texts, ",", (target / 4).max(1));
    let trail_doc = format!("{{\"Records\":[{records_body}]}}");
    drop(records_body);

    // ABI requests, JSON-escaped once, before any timing.
    let abi_whole = serde_json::to_string(&sal_text).expect("escape");
    let abi_lines: Vec<String> =
        (0..ABI_LINE_SAMPLE).map(|i| serde_json::to_string(&sal_lines[i % sal_lines.len()]).expect("escape")).collect();
    let abi_lines_bytes: usize = abi_lines.iter().map(String::len).sum();

    println!(
        "s3norm throughput: {} SAL fixture lines, {} CloudTrail fixture records ({} S3, {} other services); \
         corpus {mb} MiB (S3NORM_BENCH_MB); warm-up + best of {RUNS}",
        sal_lines.len(),
        records.len(),
        s3_per_cycle,
        records.len() - s3_per_cycle,
    );
    println!();
    print_header();

    let n = Normalizer::new(Options::default());
    let mut rows = Vec::new();

    rows.extend(wanted_row(&wanted, "SAL  Normalizer::read_str", sal_text.len(), sal_n, || {
        let mut sink = BenchSink::new(false);
        let s = n.read_str(&sal_text, &mut sink);
        note(s, sink.finish())
    }));

    rows.extend(wanted_row(&wanted, "SAL  Normalizer::read_line per line", sal_text.len(), sal_n, || {
        let mut sink = BenchSink::new(false);
        let mut s = Stats::default();
        for (i, line) in sal_text.as_bytes().split(|&b| b == b'\n').enumerate() {
            s.add(n.read_line(line, i as u64 + 1, &mut sink));
        }
        note(s, sink.finish())
    }));

    rows.extend(wanted_row(&wanted, "SAL  Normalizer::read (a stream)", sal_text.len(), sal_n, || {
        let mut sink = BenchSink::new(false);
        let s = n.read(sal_text.as_bytes(), &mut sink).expect("reading memory cannot fail");
        note(s, sink.finish())
    }));

    rows.extend(wanted_row(&wanted, "SAL  Normalizer::read_str, events not serialized", sal_text.len(), sal_n, || {
        let mut sink = BenchSink::new(true);
        let s = n.read_str(&sal_text, &mut sink);
        note(s, sink.finish())
    }));

    rows.extend(wanted_row(&wanted, "SAL  sal::parse_line only (tokenizer)", sal_text.len(), sal_n, || {
        let (mut ok, mut bad, mut fields) = (0u64, 0u64, 0usize);
        for line in &sal_line_refs {
            match sal::parse_line(black_box(line)) {
                Ok(r) => {
                    ok += 1;
                    fields += r.field_count;
                    black_box(&r);
                }
                Err(_) => bad += 1,
            }
        }
        format!("{ok} parsed, {bad} refused, {fields} fields")
    }));

    rows.extend(wanted_row(&wanted, "CloudTrail NDJSON  Normalizer::read_str", ndjson.len(), ndjson_n, || {
        let mut sink = BenchSink::new(false);
        let s = n.read_str(&ndjson, &mut sink);
        note(s, sink.finish())
    }));

    rows.extend(wanted_row(&wanted, "CloudTrail NDJSON  serde_json::Value only", ndjson.len(), ndjson_n, || {
        let mut parsed = 0u64;
        for line in ndjson.split('\n') {
            let v: Value = serde_json::from_str(black_box(line)).expect("NDJSON line");
            black_box(&v);
            parsed += 1;
        }
        format!("{parsed} parsed")
    }));

    rows.extend(wanted_row(&wanted, "CloudTrail {\"Records\":[…]}  Normalizer::read_str", trail_doc.len(), doc_n, || {
        let mut sink = BenchSink::new(false);
        let s = n.read_str(&trail_doc, &mut sink);
        note(s, sink.finish())
    }));

    rows.extend(wanted_row(&wanted, "ABI  transform, SAL corpus as one request", abi_whole.len(), sal_n, || {
        response_note(&abi::transform(&abi_whole))
    }));

    rows.extend(wanted_row(&wanted, "ABI  transform, one request per SAL line", abi_lines_bytes, ABI_LINE_SAMPLE, || {
        let mut total = Stats::default();
        let mut response_bytes = 0usize;
        for request in &abi_lines {
            let response = abi::transform(request);
            response_bytes += response.len();
            total.events += u64::from(response.contains("\"events\":1,"));
            black_box(response);
        }
        format!("{} events, {:.1} MB responses", total.events, response_bytes as f64 / MIB as f64)
    }));

    println!();
    println!("MB = MiB of input (for ABI rows: of the JSON request text); lines/recs = input units; best of {RUNS} runs.");
    let by = |name: &str| rows.iter().find(|r| r.name == name).map(|r| r.best.as_secs_f64());
    if let (Some(full), Some(quiet), Some(tok)) = (
        by("SAL  Normalizer::read_str"),
        by("SAL  Normalizer::read_str, events not serialized"),
        by("SAL  sal::parse_line only (tokenizer)"),
    ) {
        println!(
            "SAL time split: tokenizer {:.0}%, building events {:.0}%, serializing events {:.0}%",
            100.0 * tok / full,
            100.0 * (quiet - tok).max(0.0) / full,
            100.0 * (full - quiet).max(0.0) / full
        );
    }
    if let (Some(full), Some(parse)) = (by("CloudTrail NDJSON  Normalizer::read_str"), by("CloudTrail NDJSON  serde_json::Value only")) {
        println!(
            "CloudTrail NDJSON time split: JSON parse {:.0}%, the rest (events, serialization) {:.0}%",
            100.0 * parse / full,
            100.0 * (full - parse).max(0.0) / full
        );
    }
}
