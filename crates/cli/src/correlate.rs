//! `s3norm correlate` and `s3norm coverage`: the library's correlation (`s3norm::correlate`) over
//! files, directories and standard input.
//!
//! Both read every input twice at most (`coverage` once): an index pass, then a writing pass. A
//! file is simply opened again. Standard input cannot be re-read, so it is first copied to a
//! temporary file (in `$TMPDIR`, removed at exit): memory stays flat, and its size is bounded only
//! by the free space there — if the copy fails (disk full), the run says so and exits with 1, the
//! other inputs still processed.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;

use s3norm::correlate::{self, Coverage, Inputs, OperationRow};
use s3norm::{Normalizer, ReadError, Sink, Stats};

use crate::input::{self, Input};
use crate::output::{Failure, Output};

pub const USAGE_CORRELATE: &str = "\
Usage: s3norm correlate [--merge-memory MIB] [--strict] [--errors PATH] [--quiet] [FILE|DIR|-]...

Join server access log lines and CloudTrail records of the same S3 request (by request ID) and
write exactly one OCSF API Activity event per request as NDJSON on standard output: a request
both logs saw becomes one event with what each knows; every event says which logs it came from
in unmapped.s3.sources. A copy's two SAL lines make one event; each key of a multi-object
delete is a request of its own. Inputs as for 'normalize' (plain or gzip, directories walked in
sorted order, '-' or nothing for standard input, copied to a temporary file to be read twice).

Options:
      --merge-memory MIB  SAL lines held while their requests wait for CloudTrail's record
                          (default 256); past it, more readings of the inputs, never loss
      --strict            exit with status 2 if any input unit was refused
      --errors PATH       write error records (NDJSON) to PATH instead of standard error
  -q, --quiet             do not print the summary line on standard error
  -h, --help              print this help and exit
";

pub const USAGE_COVERAGE: &str = "\
Usage: s3norm coverage [--json] [--errors PATH] [FILE|DIR|-]...

Report, per operation, how many requests both logs saw and how many only the server access
log or only CloudTrail saw, with the reason the other log has no record of each (the operation
table says it never logs it, the other input does not cover that bucket or time, CloudTrail data
events are off for the bucket, the record is missing, ...); each log's time span per bucket; and
delivery lag (p50/p90/p99/max) where inputs are named as AWS names log objects. Inputs as for
'correlate'; refused input units are counted (--errors PATH writes them).

Options:
      --json          write the report as one JSON document
      --errors PATH   write error records (NDJSON) to PATH
  -h, --help          print this help and exit
";

/// Which of the two commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Correlate,
    Coverage,
}

/// Options of `s3norm correlate` / `s3norm coverage`.
#[derive(Debug, PartialEq, Eq)]
pub struct Args {
    pub kind: Kind,
    pub help: bool,
    pub json: bool,
    pub strict: bool,
    pub quiet: bool,
    pub errors: Option<PathBuf>,
    /// MiB of SAL lines the writing pass may hold.
    pub merge_memory: Option<usize>,
    pub paths: Vec<OsString>,
}

/// Parse the arguments after the command name.
pub fn parse(kind: Kind, args: impl IntoIterator<Item = OsString>) -> Result<Args, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut out = Args { kind, help: false, json: false, strict: false, quiet: false, errors: None, merge_memory: None, paths: Vec::new() };
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Short('h') | Long("help") => out.help = true,
            Long("json") if kind == Kind::Coverage => out.json = true,
            Long("strict") if kind == Kind::Correlate => out.strict = true,
            Short('q') | Long("quiet") if kind == Kind::Correlate => out.quiet = true,
            Long("merge-memory") if kind == Kind::Correlate => {
                let value = parser.value().map_err(|e| e.to_string())?;
                let mib = value.to_str().and_then(|v| v.parse::<usize>().ok()).filter(|&m| m > 0);
                out.merge_memory = Some(mib.ok_or("--merge-memory needs a whole number of MiB above 0")?);
            }
            Long("errors") => {
                let value = parser.value().map_err(|e| e.to_string())?;
                if value.is_empty() {
                    return Err("--errors needs a non-empty path".to_owned());
                }
                out.errors = Some(PathBuf::from(value));
            }
            Value(value) => out.paths.push(value),
            other => return Err(other.unexpected().to_string()),
        }
    }
    Ok(out)
}

/// The inputs as the library reads them: files opened anew each time, standard input spooled.
struct Files {
    inputs: Vec<Input>,
    /// The temporary copies of standard input, removed when dropped.
    spools: Vec<Spool>,
}

impl Inputs for Files {
    fn len(&self) -> usize {
        self.inputs.len()
    }

    fn log_name(&self, index: usize) -> Option<&str> {
        self.inputs.get(index).and_then(|i| i.log_name.as_deref())
    }

    fn read(&mut self, index: usize, normalizer: &Normalizer, sink: &mut dyn Sink) -> Result<Stats, ReadError> {
        match self.inputs.get(index) {
            Some(input) => input::read_into(input, normalizer, sink, None),
            None => Ok(Stats::default()),
        }
    }
}

/// A temporary file holding a copy of standard input.
struct Spool(PathBuf);

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Copy standard input to a new temporary file.
fn spool_stdin(n: usize) -> io::Result<Spool> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let path = std::env::temp_dir().join(format!("s3norm-stdin-{}-{nanos}-{n}", std::process::id()));
    let mut file = OpenOptions::new().write(true).create_new(true).open(&path)?;
    let spool = Spool(path);
    io::copy(&mut io::stdin().lock(), &mut file)?;
    file.flush()?;
    Ok(spool)
}

/// Run `s3norm correlate` or `s3norm coverage`; the exit status.
pub fn run(args: Args) -> u8 {
    let mut stderr = io::stderr();
    if args.help {
        let usage = if args.kind == Kind::Correlate { USAGE_CORRELATE } else { USAGE_COVERAGE };
        let _ = io::stdout().lock().write_all(usage.as_bytes());
        return crate::EXIT_OK;
    }
    let errors_file = match &args.errors {
        Some(path) => match File::create(path) {
            Ok(file) => Some((path.clone(), file)),
            Err(e) => {
                let _ = writeln!(stderr, "s3norm: {}: {e}", path.display());
                return crate::EXIT_IO;
            }
        },
        None => None,
    };
    let collected = input::collect(&args.paths);
    let mut unreadable = false;
    for (path, e) in &collected.failures {
        let _ = writeln!(stderr, "s3norm: {}: {e}", path.display());
        unreadable = true;
    }
    let mut files = Files { inputs: Vec::new(), spools: Vec::new() };
    for mut input in collected.inputs {
        if input.path.is_none() {
            match spool_stdin(files.spools.len()) {
                Ok(spool) => {
                    input.path = Some(spool.0.clone());
                    files.spools.push(spool);
                }
                Err(e) => {
                    let _ = writeln!(stderr, "s3norm: -: cannot copy standard input to a temporary file: {e}");
                    unreadable = true;
                    continue;
                }
            }
        }
        files.inputs.push(input);
    }

    let code = match args.kind {
        Kind::Coverage => coverage(&args, &mut files, errors_file, &mut unreadable),
        Kind::Correlate => correlate(&args, &mut files, errors_file, &mut unreadable),
    };
    match code {
        Some(code) => code,
        None if unreadable => crate::EXIT_IO,
        None => crate::EXIT_OK,
    }
}

/// Names of the inputs whose reading failed in the index pass, reported once.
fn report_read_errors(index: &correlate::Index, files: &Files, unreadable: &mut bool) {
    for (i, error) in index.read_errors() {
        let name = files.inputs[i].display();
        let _ = writeln!(io::stderr(), "s3norm: {name}: {error}");
        *unreadable = true;
    }
}

fn coverage(args: &Args, files: &mut Files, errors_file: Option<(PathBuf, File)>, unreadable: &mut bool) -> Option<u8> {
    let mut index = match errors_file {
        Some(file) => {
            let mut errors = ErrorsOnly(Output::new(Some(file), None));
            let index = correlate::index(files, &mut errors);
            if let Some(failure) = errors.0.finish() {
                return Some(report_failure(failure));
            }
            index
        }
        None => correlate::index(files, &mut correlate::Discard),
    };
    report_read_errors(&index, files, unreadable);
    let report = index.coverage();
    let mut stdout = io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer_pretty(&mut stdout, &report).map_err(io::Error::from).and_then(|()| writeln!(stdout))
    } else {
        stdout.write_all(table(&report).as_bytes())
    };
    match written.and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            let _ = writeln!(io::stderr(), "s3norm: standard output: {e}");
            Some(crate::EXIT_IO)
        }
        _ => None,
    }
}

fn correlate(args: &Args, files: &mut Files, errors_file: Option<(PathBuf, File)>, unreadable: &mut bool) -> Option<u8> {
    let mut index = correlate::index(files, &mut correlate::Discard);
    report_read_errors(&index, files, unreadable);
    let mut options = correlate::Options::default();
    if let Some(mib) = args.merge_memory {
        options = options.merge_memory(mib.saturating_mul(1 << 20));
    }
    let mut out = Output::new(errors_file, None);
    let summary = correlate::write(&mut index, files, &options, &mut out);
    if let Some(failure) = out.finish() {
        return match failure {
            Failure::Stdout(e) if e.kind() == io::ErrorKind::BrokenPipe => Some(crate::EXIT_OK),
            failure => Some(report_failure(failure)),
        };
    }
    let mut stderr = io::stderr().lock();
    if summary.changed_inputs > 0 {
        let _ = writeln!(
            stderr,
            "s3norm: {} inputs changed between the two readings; their new records were written unmerged",
            summary.changed_inputs
        );
        *unreadable = true;
    }
    if !args.quiet {
        let _ = writeln!(stderr, "{summary}");
        if summary.rounds > 1 {
            let _ = writeln!(
                stderr,
                "merging read the inputs {} times: the SAL lines waiting for CloudTrail's records did not fit --merge-memory at once (at most {} bytes held)",
                summary.rounds, summary.held_peak_bytes
            );
        }
    }
    (args.strict && summary.errors > 0 && !*unreadable).then_some(crate::EXIT_STRICT)
}

fn report_failure(failure: Failure) -> u8 {
    let mut stderr = io::stderr().lock();
    match failure {
        Failure::Stdout(e) => {
            let _ = writeln!(stderr, "s3norm: standard output: {e}");
        }
        Failure::Errors(path, e) => {
            let name = path.map_or_else(|| "standard error".to_owned(), |p| p.display().to_string());
            let _ = writeln!(stderr, "s3norm: {name}: {e}");
        }
    }
    crate::EXIT_IO
}

/// A sink that writes only error records (the index pass of `coverage --errors PATH`).
struct ErrorsOnly(Output);

impl Sink for ErrorsOnly {
    fn event(&mut self, _: &s3norm::Event<'_>) {}
    fn error(&mut self, error: s3norm::ErrorRecord) {
        self.0.error(error);
    }
    fn skip(&mut self, _: s3norm::Skip) {}
    fn stopped(&self) -> bool {
        self.0.stopped()
    }
}

/// The report as text tables.
pub fn table(c: &Coverage) -> String {
    let mut t = String::new();
    let i = &c.inputs;
    t.push_str(&format!(
        "{} input units: {} events ({} server access log, {} CloudTrail), {} errors, {} skipped\n\n",
        i.units, i.events, i.server_access_log, i.cloudtrail, i.errors, i.skipped
    ));
    let width = c.operations.iter().map(|r| r.operation.len()).max().unwrap_or(0).max(9);
    t.push_str(&format!(
        "{:<width$}  {:>7}  {:>8}  {:>15}  why the other log has no record\n",
        "operation", "both", "SAL only", "CloudTrail only"
    ));
    for row in c.operations.iter().chain(std::iter::once(&c.requests)) {
        if std::ptr::eq(row, &c.requests) {
            t.push_str(&format!("{}\n", "-".repeat(width + 38)));
        }
        t.push_str(&format!(
            "{:<width$}  {:>7}  {:>8}  {:>15}  {}\n",
            row.operation,
            row.both,
            row.sal_only,
            row.cloudtrail_only,
            why(row)
        ));
    }
    if !c.buckets.is_empty() {
        let width = c.buckets.iter().map(|b| b.bucket.len()).max().unwrap_or(0).max(6);
        t.push_str(&format!(
            "\n{:<width$}  {:>11}  {:<41}  {:>10}  {:<41}\n",
            "bucket", "SAL records", "SAL first .. last", "CloudTrail", "CloudTrail first .. last"
        ));
        for b in &c.buckets {
            let span = |s: &Option<correlate::BucketSpan>| match s {
                Some(s) => (s.records.to_string(), format!("{} .. {}", &s.first[..19], &s.last[..19])),
                None => ("-".to_owned(), String::new()),
            };
            let (sal_n, sal_span) = span(&b.server_access_log);
            let (ct_n, ct_span) = span(&b.cloudtrail);
            t.push_str(
                &format!("{:<width$}  {:>11}  {:<41}  {:>10}  {}\n", b.bucket, sal_n, sal_span, ct_n, ct_span).replace("  \n", "\n"),
            );
        }
    }
    t.push_str("\ndelivery lag (s)   records      p50      p90      p99      max\n");
    for (name, lag) in [("server access log", &c.delivery_lag.server_access_log), ("CloudTrail", &c.delivery_lag.cloudtrail)] {
        match lag {
            Some(l) => t.push_str(&format!("{name:<17} {:>8} {:>8} {:>8} {:>8} {:>8}\n", l.records, l.p50, l.p90, l.p99, l.max)),
            None => t.push_str(&format!("{name:<17} {:>8}  (no input named as AWS names log objects)\n", 0)),
        }
    }
    t
}

/// `SAL only: outside_overlap 3; CloudTrail only: not_logged_by_sal 1`.
fn why(row: &OperationRow) -> String {
    let list = |r: &correlate::ReasonCounts| r.iter().map(|(reason, n)| format!("{} {n}", reason.as_str())).collect::<Vec<_>>().join(", ");
    let mut parts = Vec::new();
    if row.sal_only > 0 {
        parts.push(format!("SAL only: {}", list(&row.sal_only_reasons)));
    }
    if row.cloudtrail_only > 0 {
        parts.push(format!("CloudTrail only: {}", list(&row.cloudtrail_only_reasons)));
    }
    parts.join("; ")
}
