//! `s3norm normalize`: the native command-line tool.
//!
//! Reads S3 server access log files and CloudTrail files (plain or gzip, files, directories or
//! standard input), writes OCSF API Activity events as NDJSON on standard output and error records
//! as NDJSON on standard error (or `--errors PATH`), then a summary line on standard error.
//!
//! Modules: [`args`] parses the command line, [`input`] finds the inputs and opens them (gzip
//! included; the library reads them), [`output`] is the sink that writes what the library
//! produces. The library counts. [`serve`] is `s3norm serve`, the sidecar for log shippers.

mod args;
mod correlate;
mod input;
mod output;
mod parallel;
mod serve;

use std::fs::{self, File};
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use s3norm::{Normalizer, Options, Sink, Stats};

use crate::args::{Args, Command};
use crate::input::{FileId, Input};
use crate::output::{Failure, Output};

// A parsed CloudTrail record is hundreds of small blocks allocated and freed together; mimalloc's
// per-thread free lists serve them in a fraction of glibc malloc's instructions (measured in
// README.md, Speed), and with `--threads` the workers do not share an arena lock.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit statuses.
const EXIT_OK: u8 = 0;
const EXIT_IO: u8 = 1;
const EXIT_STRICT: u8 = 2;
const EXIT_USAGE: u8 = 64;

/// Inputs larger than this (in total) get a progress bar, when standard error is a terminal.
const PROGRESS_MIN_BYTES: u64 = 64 << 20;

/// Workers by default: one per processor, at most [`DEFAULT_THREADS_MAX`].
fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(DEFAULT_THREADS_MAX)
}

/// Each worker may hold one parsed JSON line: about 130 bytes a byte for value-dense JSON, so up
/// to ~140 MB at the 1 MiB line limit. One per processor on a large machine multiplies that (16
/// workers took 1.6 GB on 1 MiB lines of numbers), while one thread reads and writes for all of
/// them; `--threads N` asks for more.
const DEFAULT_THREADS_MAX: usize = 4;

fn main() -> ExitCode {
    let code = match args::parse(std::env::args_os().skip(1)) {
        Ok(Command::Help) => {
            let _ = io::stdout().lock().write_all(args::USAGE.as_bytes());
            EXIT_OK
        }
        Ok(Command::Version) => {
            let _ = writeln!(io::stdout().lock(), "s3norm {}", s3norm::VERSION);
            EXIT_OK
        }
        Ok(Command::Normalize(args)) => run(args),
        Ok(Command::Serve(serve::ServeCommand::Help)) => {
            let _ = io::stdout().lock().write_all(serve::USAGE.as_bytes());
            EXIT_OK
        }
        Ok(Command::Serve(serve::ServeCommand::Serve(args))) => serve::run(args),
        Ok(Command::Correlate(args)) => correlate::run(args),
        Err(message) => usage_error(&message),
    };
    ExitCode::from(code)
}

fn usage_error(message: &str) -> u8 {
    let usage = args::USAGE.lines().next().unwrap_or_default();
    let _ = write!(io::stderr().lock(), "s3norm: {message}\n{usage}\nTry 's3norm --help' for more information.\n");
    EXIT_USAGE
}

/// Whether `path` (the `--errors` file) is a file named on the command line as an input. (A file
/// met while walking a directory is not refused: the run skips it when it meets it.)
fn names_an_input(path: &Path, args: &Args) -> bool {
    let Some(id) = fs::metadata(path).ok().and_then(|m| FileId::of(&m)) else {
        return false;
    };
    args.paths.iter().filter(|p| *p != "-").any(|p| fs::metadata(p).ok().and_then(|m| FileId::of(&m)) == Some(id))
}

fn run(args: Args) -> u8 {
    if let Some(path) = &args.errors {
        if names_an_input(path, &args) {
            return usage_error(&format!("--errors {}: is an input, and would be overwritten", path.display()));
        }
    }
    let errors_file = match &args.errors {
        Some(path) => match File::create(path) {
            Ok(file) => Some((path.clone(), file)),
            Err(e) => {
                let _ = writeln!(io::stderr().lock(), "s3norm: {}: {e}", path.display());
                return EXIT_IO;
            }
        },
        None => None,
    };
    // The run's own output files are never read back as inputs (that could loop forever).
    let own_outputs: Vec<FileId> =
        errors_file.iter().filter_map(|(_, file)| file.metadata().ok().and_then(|m| FileId::of(&m))).chain(FileId::of_stdout()).collect();

    let collected = input::collect(&args.paths);
    let bar = progress_bar(&collected.inputs);
    let mut out = Output::new(errors_file, bar);
    let mut unreadable = false;
    for (path, e) in &collected.failures {
        out.diag(format_args!("{}: {e}", path.display()));
        unreadable = true;
    }

    let threads = args.threads.unwrap_or_else(default_threads);
    let mut stats = Stats::default();
    let mut done_bytes = 0u64;
    for input in &collected.inputs {
        let bar = out.bar().cloned();
        if input.id.is_some_and(|id| own_outputs.contains(&id)) {
            out.diag(format_args!("{}: skipped: it is an output of this run", input.display()));
        } else {
            let mut options = Options::default().raw_data(args.raw);
            options.log_name.clone_from(&input.log_name);
            let normalizer = Normalizer::new(options);
            match input::normalize(input, &normalizer, &mut out, bar.as_ref(), threads) {
                Ok(read) => stats.add(read),
                Err(e) => {
                    stats.add(e.stats);
                    out.diag(format_args!("{}: {}", input.display(), e.error));
                    unreadable = true;
                }
            }
            if out.stopped() {
                break;
            }
        }
        // Whatever part of the file was read (all of it, or only the start of a JSON document
        // too large to read, or up to a read error), the bar moves past it.
        if let (Some(bar), Some(size)) = (&bar, input.size) {
            done_bytes += size;
            bar.set_position(done_bytes);
        }
    }

    let failure = out.finish();
    let code = if unreadable {
        EXIT_IO
    } else if args.strict && stats.errors > 0 {
        EXIT_STRICT
    } else {
        EXIT_OK
    };
    let mut stderr = io::stderr().lock();
    match failure {
        // The reader went away (`| head`): end quietly, as far as the run had got.
        Some(Failure::Stdout(e)) if e.kind() == io::ErrorKind::BrokenPipe => return code,
        Some(Failure::Stdout(e)) => {
            let _ = writeln!(stderr, "s3norm: standard output: {e}");
            return EXIT_IO;
        }
        Some(Failure::Errors(path, e)) => {
            let name = path.map_or_else(|| "standard error".to_owned(), |p| p.display().to_string());
            let _ = writeln!(stderr, "s3norm: {name}: {e}");
            return EXIT_IO;
        }
        None => {}
    }
    if !args.quiet {
        let _ = writeln!(stderr, "{stats}");
    }
    code
}

/// A bar of bytes read, only for a terminal and a large input of known size.
fn progress_bar(inputs: &[Input]) -> Option<ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let mut total = 0u64;
    for input in inputs {
        total = total.saturating_add(input.size?);
    }
    if total <= PROGRESS_MIN_BYTES {
        return None;
    }
    let style = ProgressStyle::with_template("{bar:40} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}").ok()?;
    Some(ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_style(style))
}
