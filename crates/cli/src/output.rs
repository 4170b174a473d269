//! Outputs: events as NDJSON on standard output, error records as NDJSON on standard error or a
//! file, diagnostics and the summary on standard error (around the progress bar, if any). The
//! library counts what comes out; this sink only writes it.

use std::fmt;

use std::fs::File;
use std::io::{self, BufWriter, Stderr, StdoutLock, Write};
use std::path::PathBuf;

use indicatif::ProgressBar;
use s3norm::{ErrorRecord, Event, Sink, Skip};

const WRITE_BUFFER: usize = 64 * 1024;

/// An output that could not be written; the run stops at the first one.
#[derive(Debug)]
pub enum Failure {
    Stdout(io::Error),
    /// The error-record output (`path` or, when `None`, standard error).
    Errors(Option<PathBuf>, io::Error),
}

enum ErrorOut {
    File(PathBuf, BufWriter<File>),
    Stderr(BufWriter<Stderr>),
}

/// The run's sink: writes what the normalizer produces.
pub struct Output {
    stdout: StdoutLock<'static>,
    /// Events not yet written to standard output: the writer appends to it directly, and it goes
    /// out whenever it holds `WRITE_BUFFER` bytes (no copy through a `BufWriter`).
    events: Vec<u8>,
    errors: ErrorOut,
    bar: Option<ProgressBar>,
    failure: Option<Failure>,
    /// One record's bytes, reused.
    scratch: Vec<u8>,
}

impl Output {
    /// `errors`: the opened `--errors` file, or `None` for standard error.
    pub fn new(errors: Option<(PathBuf, File)>, bar: Option<ProgressBar>) -> Output {
        let errors = match errors {
            Some((path, file)) => ErrorOut::File(path, BufWriter::with_capacity(WRITE_BUFFER, file)),
            None => ErrorOut::Stderr(BufWriter::new(io::stderr())),
        };
        let events = Vec::with_capacity(WRITE_BUFFER + 16 * 1024);
        Output { stdout: io::stdout().lock(), events, errors, bar, failure: None, scratch: Vec::new() }
    }

    pub fn bar(&self) -> Option<&ProgressBar> {
        self.bar.as_ref()
    }

    /// A diagnostic line on standard error, after any error records buffered for it and without
    /// tearing the progress bar.
    pub fn diag(&mut self, message: fmt::Arguments<'_>) {
        if let ErrorOut::Stderr(w) = &mut self.errors {
            if let Err(e) = w.flush() {
                self.fail_errors(e);
            }
        }
        let write = || {
            let _ = writeln!(io::stderr().lock(), "s3norm: {message}");
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Write out what is buffered (events and error records), keeping the first failure: for when
    /// the input pauses and whoever reads the output should not wait for the next buffer-full.
    pub fn flush_pending(&mut self) {
        if self.failure.is_some() {
            return;
        }
        if let Err(e) = self.flush_events() {
            self.failure = Some(Failure::Stdout(e));
            return;
        }
        let flushed = match &mut self.errors {
            ErrorOut::File(_, w) => w.flush(),
            ErrorOut::Stderr(w) => w.flush(),
        };
        if let Err(e) = flushed {
            self.fail_errors(e);
        }
    }

    /// Flush the outputs and clear the progress bar; the first output failure.
    pub fn finish(mut self) -> Option<Failure> {
        if self.failure.is_none() {
            if let Err(e) = self.flush_events() {
                self.failure = Some(Failure::Stdout(e));
            }
        }
        if self.failure.is_none() {
            let flushed = match &mut self.errors {
                ErrorOut::File(_, w) => w.flush(),
                ErrorOut::Stderr(w) => w.flush(),
            };
            if let Err(e) = flushed {
                self.fail_errors(e);
            }
        }
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        self.failure.take()
    }

    /// Events already written as NDJSON (by the parallel reader's workers), in order.
    pub fn write_ndjson(&mut self, ndjson: &[u8]) {
        if self.failure.is_some() {
            return;
        }
        // A worker's chunk of events is usually larger than the buffer: written as it is, after
        // what is buffered, not copied into the buffer first.
        let result = if self.events.len() + ndjson.len() < WRITE_BUFFER {
            self.events.extend_from_slice(ndjson);
            return;
        } else if ndjson.len() >= WRITE_BUFFER / 2 {
            self.stdout.write_all(&self.events).and_then(|()| self.stdout.write_all(ndjson))
        } else {
            self.events.extend_from_slice(ndjson);
            self.stdout.write_all(&self.events)
        };
        self.events.clear();
        if let Err(e) = result {
            self.failure = Some(Failure::Stdout(e));
        }
    }

    /// Write out the buffered events.
    fn flush_events(&mut self) -> io::Result<()> {
        self.stdout.write_all(&self.events)?;
        self.events.clear();
        self.stdout.flush()
    }

    fn fail_errors(&mut self, e: io::Error) {
        if self.failure.is_none() {
            let path = match &self.errors {
                ErrorOut::File(path, _) => Some(path.clone()),
                ErrorOut::Stderr(_) => None,
            };
            self.failure = Some(Failure::Errors(path, e));
        }
    }

    fn write_error(&mut self, error: &ErrorRecord) -> io::Result<()> {
        self.scratch.clear();
        s3norm::write_error(&mut self.scratch, error);
        self.scratch.push(b'\n');
        match &mut self.errors {
            ErrorOut::File(_, w) => w.write_all(&self.scratch),
            ErrorOut::Stderr(w) => {
                match &self.bar {
                    // Unbuffered, between two draws of the bar.
                    Some(bar) => bar.suspend(|| {
                        w.flush()?;
                        let mut stderr = io::stderr().lock();
                        stderr.write_all(&self.scratch)?;
                        stderr.flush()
                    }),
                    None => w.write_all(&self.scratch),
                }
            }
        }
    }
}

impl Sink for Output {
    fn event(&mut self, event: &Event<'_>) {
        if self.failure.is_some() {
            return;
        }
        s3norm::write_event(&mut self.events, event);
        self.events.push(b'\n');
        if self.events.len() >= WRITE_BUFFER {
            if let Err(e) = self.stdout.write_all(&self.events) {
                self.failure = Some(Failure::Stdout(e));
            }
            self.events.clear();
        }
    }

    fn error(&mut self, error: ErrorRecord) {
        if self.failure.is_some() {
            return;
        }
        if let Err(e) = self.write_error(&error) {
            self.fail_errors(e);
        }
    }

    fn skip(&mut self, _skip: Skip) {}

    fn stopped(&self) -> bool {
        self.failure.is_some()
    }
}
