//! Generate a large correlation workload from the fixtures, to measure `s3norm coverage` and
//! `s3norm correlate` (memory per request, peak memory, time) on millions of requests:
//!
//! ```sh
//! cargo run --release --example correlate_workload -- /tmp/workload 10000000
//! /usr/bin/time -v target/release/s3norm coverage --json /tmp/workload > /dev/null
//! /usr/bin/time -v target/release/s3norm correlate /tmp/workload > /dev/null
//! ```
//!
//! The requests are the 2025 requests of `tests/fixtures/written/correlation` (both logs' records of
//! each), repeated with new request IDs (16 hex digits, as S3 writes them), new event IDs and new
//! times, 20 requests a second. They are written as AWS delivers them: SAL as one gzip log object
//! per hour, named `YYYY-mm-DD-HH-MM-SS-UniqueString` 15 to 45 minutes after the hour it covers;
//! CloudTrail as one gzip trail file (`{"Records": [...]}`) per five minutes, named
//! `AccountID_CloudTrail_Region_YYYYMMDDTHHmmZ_UniqueString.json.gz` five minutes after. The mix
//! per 20 requests: 6 access-point lists and 6 PutObjects (both logs), one DeleteObjects with two
//! per-key records on each side (three requests), one with a per-key SAL line only, one CORS
//! preflight, one lifecycle expiration, two GETs on a bucket without data events (SAL only), one
//! GET only CloudTrail saw, one ListBuckets. The generated data is never committed.

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// First request: 2025-07-15T00:00:00Z.
const START: i64 = 1_752_537_600;
/// Requests per second.
const RATE: i64 = 20;

/// The records of one fixture request, as text with placeholders for what changes.
struct Template {
    sal: Vec<String>,
    cloudtrail: Vec<String>,
    /// Requests (units) it holds: a multi-object delete is one per key plus one.
    units: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: correlate_workload OUT_DIR [REQUESTS]")?);
    let wanted: u64 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(10_000_000);
    let templates = templates()?;
    // The mix of 20 requests (see the module docs), by the fixture request IDs.
    let cycle: Vec<&Template> = [
        ("5D6E7F8091021324", 6),
        ("0879808A9BACBDCE", 6),
        ("1F2E3D4C5B6A7988", 1),
        ("8091021324354657", 1),
        ("B324354657687980", 1),
        ("C43546576879808A", 1),
        ("D546576879808A9B", 2),
        ("6E7F809102132435", 1),
        ("A213243546576879", 1),
    ]
    .iter()
    .flat_map(|&(id, n)| std::iter::repeat_n(&templates[id], n))
    .collect();

    fs::create_dir_all(out.join("sal"))?;
    fs::create_dir_all(out.join("cloudtrail"))?;
    let mut sal = Output::new(&out, true);
    let mut ct = Output::new(&out, false);
    let (mut units, mut k) = (0u64, 0u64);
    while units < wanted {
        let t = &cycle[(k % cycle.len() as u64) as usize];
        let time = START + k as i64 / RATE;
        let id = format!("{:016X}", mix(k + 1));
        let event_id =
            format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", mix(k) as u32, k & 0xffff, k >> 16 & 0xfff, k >> 28 & 0xfff, mix(!k) >> 16);
        for line in &t.sal {
            sal.add(time, &line.replace("@ID@", &id).replace("@SALTIME@", &sal_time(time)))?;
        }
        for record in &t.cloudtrail {
            let record = record.replace("@ID@", &id).replace("@CTTIME@", &rfc3339(time)).replace("@EVENTID@", &event_id);
            ct.add(time, &record)?;
        }
        units += t.units;
        k += 1;
    }
    sal.finish()?;
    ct.finish()?;
    println!("{units} requests ({k} fixture requests repeated) in {}", out.display());
    Ok(())
}

/// The fixture's 2025 requests by request ID: SAL lines and CloudTrail records, with the request
/// ID, times and event ID made placeholders.
fn templates() -> Result<BTreeMap<String, Template>, Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/written/correlation");
    let mut out: BTreeMap<String, Template> = BTreeMap::new();
    let empty = || Template { sal: Vec::new(), cloudtrail: Vec::new(), units: 0 };
    for f in fs::read_dir(dir.join("sal"))? {
        let text = fs::read_to_string(f?.path())?;
        for line in text.lines() {
            let tokens: Vec<&str> = line.split(' ').collect();
            let (time, id) = (&tokens[2][1..], tokens[6]);
            let t = out.entry(id.to_owned()).or_insert_with(empty);
            t.sal.push(line.replacen(time, "@SALTIME@", 1).replace(id, "@ID@"));
            t.units += u64::from(!line.contains(" REST.COPY.OBJECT_GET "));
        }
    }
    for f in fs::read_dir(dir.join("cloudtrail"))? {
        let doc: Value = serde_json::from_str(&fs::read_to_string(f?.path())?)?;
        for r in doc["Records"].as_array().ok_or("Records")? {
            let Some(id) = r["requestID"].as_str() else { continue };
            let text = r
                .to_string()
                .replace(id, "@ID@")
                .replace(r["eventTime"].as_str().unwrap_or("-"), "@CTTIME@")
                .replace(r["eventID"].as_str().unwrap_or("-"), "@EVENTID@");
            let t = out.entry(id.to_owned()).or_insert_with(empty);
            if t.sal.is_empty() {
                t.units += 1; // CloudTrail only
            }
            t.cloudtrail.push(text);
        }
    }
    Ok(out)
}

/// Log objects of one product, one per period, gzip.
struct Output {
    dir: PathBuf,
    sal: bool,
    period: i64,
    current: Option<(i64, GzEncoder<BufWriter<File>>, PathBuf, bool)>,
}

impl Output {
    fn new(root: &Path, sal: bool) -> Self {
        Output { dir: root.join(if sal { "sal" } else { "cloudtrail" }), sal, period: if sal { 3600 } else { 300 }, current: None }
    }

    fn add(&mut self, time: i64, text: &str) -> std::io::Result<()> {
        let slot = time - time.rem_euclid(self.period);
        if self.current.as_ref().is_none_or(|c| c.0 != slot) {
            self.finish()?;
            let end = slot + self.period;
            let name = if self.sal {
                // Delivered 15 to 45 minutes after the hour.
                format!("{}-{:016X}", sal_name_time(end + 900 + (mix(slot as u64) % 1800) as i64), mix(slot as u64))
            } else {
                let unique: String = format!("{:016x}", mix(slot as u64 ^ 7))
                    .chars()
                    .map(|c| if c.is_ascii_digit() { c } else { c.to_ascii_uppercase() })
                    .collect();
                format!("111122223333_CloudTrail_us-east-1_{}_{unique}.json.gz", ct_name_time(end + 300))
            };
            let path = self.dir.join(name);
            let file = BufWriter::with_capacity(1 << 20, File::create(&path)?);
            let mut gz = GzEncoder::new(file, Compression::fast());
            if !self.sal {
                gz.write_all(b"{\"Records\":[")?;
            }
            self.current = Some((slot, gz, path, true));
        }
        let Some((_, gz, _, first)) = &mut self.current else { unreachable!() };
        if !self.sal && !*first {
            gz.write_all(b",")?;
        }
        *first = false;
        gz.write_all(text.as_bytes())?;
        if self.sal {
            gz.write_all(b"\n")?;
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        if let Some((_, mut gz, _, _)) = self.current.take() {
            if !self.sal {
                gz.write_all(b"]}")?;
            }
            gz.finish()?.flush()?;
        }
        Ok(())
    }
}

fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// (year, month, day, hour, minute, second) of epoch seconds, read off the crate's own RFC 3339
/// writer (`YYYY-MM-DDTHH:MM:SS.mmmZ`) rather than a second calendar here.
fn civil(t: i64) -> (i64, i64, i64, i64, i64, i64) {
    let text = s3norm::ocsf::Rfc3339::from_millis(t * 1000);
    let at = |range: std::ops::Range<usize>| text.as_str().get(range).and_then(|s| s.parse().ok()).unwrap_or(0);
    (at(0..4), at(5..7), at(8..10), at(11..13), at(14..16), at(17..19))
}

fn sal_time(t: i64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (y, m, d, h, mi, s) = civil(t);
    format!("{d:02}/{}/{y}:{h:02}:{mi:02}:{s:02}", MONTHS[(m - 1) as usize])
}

fn rfc3339(t: i64) -> String {
    let (y, m, d, h, mi, s) = civil(t);
    format!("{y}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

fn sal_name_time(t: i64) -> String {
    let (y, m, d, h, mi, s) = civil(t);
    format!("{y}-{m:02}-{d:02}-{h:02}-{mi:02}-{s:02}")
}

fn ct_name_time(t: i64) -> String {
    let (y, m, d, h, mi, _) = civil(t);
    format!("{y}{m:02}{d:02}T{h:02}{mi:02}Z")
}
