//! `s3norm serve --listen ADDR`: a sidecar for log shippers (Vector's `socket` sink, or anything
//! that writes lines to TCP).
//!
//! Every connection is read a line at a time; each line is a shipper's event (Vector's
//! `{"message": …, "bucket": …, "object": …}`, Fluent Bit's `{"log": …}`, read as the library reads
//! them: [`s3norm::shipper`]) or raw log text (SAL, CloudTrail JSON). Events go to standard output
//! and error records to standard error, both as NDJSON, so a shipper that runs this command (Vector's
//! `exec` source) reads one stream of events and one of refusals. Standard error carries nothing
//! else but two JSON notices of this command's own: `{"s3norm":"listening",…}` once bound and
//! `{"s3norm":"stopped",…}` with the counts at exit (a shipper decoding it as JSON must not meet
//! a line of plain text).
//!
//! # Design
//! - One thread per connection (std only); each normalizes its own lines, so connections do not
//!   wait on each other. Outputs are appended to two shared buffers, one whole line at a time, so
//!   lines from different connections never interleave within a line.
//! - Latency is bounded: a flusher thread writes the buffers out every [`FLUSH_EVERY`] (and a
//!   writer flushes inline once a buffer holds [`FLUSH_BYTES`]), so a line's output is out within
//!   about that long even when its sender goes quiet.
//! - Stopping: SIGTERM or SIGINT (what Vector sends the `exec` source's child on shutdown) stops
//!   the accept loop; each connection then reads what has already arrived (up to
//!   [`DRAIN_BYTES`] more), normalizes every line of it (a last line cut short included: it
//!   becomes an error record carrying its text), and the buffers are flushed before the process
//!   exits 0. A connection that reaches end of input does
//!   the same and closes; the server goes on. Standard input is not read (Vector gives its child
//!   none).
//! - Reads time out every [`POLL`] so that a connection notices a stop without a signal-safe wakeup.

use std::io::{self, ErrorKind, Read, Write};
use std::marker::PhantomData;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use s3norm::{ErrorRecord, Event, Normalizer, Options, Sink, Skip, Stats};

/// How often the output buffers are flushed when they hold something.
const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// A writer flushes inline once a buffer holds this much.
const FLUSH_BYTES: usize = 64 * 1024;
/// How often blocked reads and the accept loop look at the stop flag.
const POLL: Duration = Duration::from_millis(50);
/// Read size.
const READ_CHUNK: usize = 64 * 1024;
/// Once stopping, how much more that has already arrived a connection still reads.
const DRAIN_BYTES: usize = 8 << 20;
/// Longest line accepted by default: a shipper event can hold a whole CloudTrail file.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;

pub const USAGE: &str = "\
Usage: s3norm serve --listen ADDR [--raw] [--max-line-bytes N]

Accept TCP connections on ADDR (host:port; port 0 picks one) and normalize each
newline-delimited line sent on them: a shipper's event (Vector's {\"message\": ...},
Fluent Bit's {\"log\": ...}; other fields are carried into unmapped.source_event,
and file or object becomes metadata.log_name) or raw SAL / CloudTrail text.
Events go to standard output and error records to standard error, as NDJSON,
within about 50 ms of their line. Standard error also carries a JSON notice once
listening ({\"s3norm\":\"listening\",\"address\":...}) and one with the counts at exit.
SIGTERM or SIGINT: stop accepting, normalize every line already received, flush,
exit 0.

Options:
      --listen ADDR         address to listen on (required)
      --raw                 put the original line or record text into raw_data
      --max-line-bytes N    longest line accepted (default 67108864; longer lines
                            become too_large error records)
  -h, --help                print this help and exit
";

/// Options of `s3norm serve`.
#[derive(Debug, PartialEq, Eq)]
pub struct ServeArgs {
    pub listen: String,
    pub raw: bool,
    pub max_line_bytes: usize,
}

/// What the `serve` command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum ServeCommand {
    Help,
    Serve(ServeArgs),
}

/// Parse the arguments after `serve`.
pub fn parse_args(args: &[std::ffi::OsString]) -> Result<ServeCommand, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args.iter().cloned());
    let (mut listen, mut raw, mut max_line_bytes) = (None, false, DEFAULT_MAX_LINE_BYTES);
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Short('h') | Long("help") => return Ok(ServeCommand::Help),
            Long("listen") => listen = Some(parser.value().map_err(|e| e.to_string())?.to_string_lossy().into_owned()),
            Long("raw") => raw = true,
            Long("max-line-bytes") => {
                let value = parser.value().map_err(|e| e.to_string())?;
                max_line_bytes = value.to_string_lossy().parse().map_err(|_| "--max-line-bytes needs a number of bytes".to_owned())?;
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    let listen = listen.filter(|l| !l.is_empty()).ok_or("serve needs --listen ADDR")?;
    Ok(ServeCommand::Serve(ServeArgs { listen, raw, max_line_bytes }))
}

/// Exit statuses of `serve`.
const EXIT_OK: u8 = 0;
const EXIT_IO: u8 = 1;

/// Run the server until a signal (or standard output going away). The exit status.
pub fn run(args: ServeArgs) -> u8 {
    signals::install();
    let listener = match TcpListener::bind(&args.listen) {
        Ok(listener) => listener,
        Err(e) => {
            notice(&format!("{{\"s3norm\":\"error\",\"message\":{}}}", json_string(&format!("cannot listen on {}: {e}", args.listen))));
            return EXIT_IO;
        }
    };
    let address = listener.local_addr().map_or_else(|_| args.listen.clone(), |a| a.to_string());
    if let Err(e) = listener.set_nonblocking(true) {
        notice(&format!("{{\"s3norm\":\"error\",\"message\":{}}}", json_string(&format!("{address}: {e}"))));
        return EXIT_IO;
    }
    let shared = Arc::new(Shared::default());
    // The notice goes out before any connection is accepted: a client may wait for it.
    shared.errors.append(format!("{{\"s3norm\":\"listening\",\"address\":{}}}\n", json_string(&address)).as_bytes(), &shared);
    shared.errors.flush(&shared);
    let flusher = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            while !shared.done.load(Ordering::SeqCst) {
                thread::sleep(FLUSH_EVERY);
                shared.events.flush(&shared);
                shared.errors.flush(&shared);
            }
        })
    };
    let mut connections = Vec::new();
    while !signals::stopped() && !shared.output_gone.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, peer)) => {
                let shared = Arc::clone(&shared);
                let options = Options::default().raw_data(args.raw).max_line_bytes(args.max_line_bytes);
                connections.push(thread::spawn(move || connection(stream, peer, Normalizer::new(options), &shared)));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => thread::sleep(POLL),
            // A connection that failed before it was accepted (reset by its peer): the next one.
            Err(_) => thread::sleep(POLL),
        }
        connections.retain(|c: &thread::JoinHandle<()>| !c.is_finished());
    }
    drop(listener);
    for c in connections {
        let _ = c.join();
    }
    shared.done.store(true, Ordering::SeqCst);
    let _ = flusher.join();
    shared.events.flush(&shared);
    let stats = shared.stats();
    let summary = format!(
        "{{\"s3norm\":\"stopped\",\"connections\":{},\"stats\":{}}}\n",
        shared.connections.load(Ordering::SeqCst),
        serde_json::to_string(&stats).unwrap_or_default()
    );
    shared.errors.append(summary.as_bytes(), &shared);
    shared.errors.flush(&shared);
    if shared.output_gone.load(Ordering::SeqCst) {
        EXIT_IO
    } else {
        EXIT_OK
    }
}

/// A line written straight to standard error (before anything else is running).
fn notice(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// What every connection shares: the two outputs and the counts.
#[derive(Default)]
struct Shared {
    events: Buffered<Stdout>,
    errors: Buffered<Stderr>,
    /// Standard output (or error) could not be written: stop, nobody is reading.
    output_gone: AtomicBool,
    /// The server is done: the flusher stops.
    done: AtomicBool,
    connections: AtomicU64,
    inputs: AtomicU64,
    events_n: AtomicU64,
    errors_n: AtomicU64,
    skipped: AtomicU64,
}

impl Shared {
    fn add(&self, stats: Stats) {
        self.inputs.fetch_add(stats.inputs, Ordering::SeqCst);
        self.events_n.fetch_add(stats.events, Ordering::SeqCst);
        self.errors_n.fetch_add(stats.errors, Ordering::SeqCst);
        self.skipped.fetch_add(stats.skipped, Ordering::SeqCst);
    }

    fn stats(&self) -> Stats {
        Stats {
            inputs: self.inputs.load(Ordering::SeqCst),
            events: self.events_n.load(Ordering::SeqCst),
            errors: self.errors_n.load(Ordering::SeqCst),
            skipped: self.skipped.load(Ordering::SeqCst),
        }
    }
}

/// Standard output or error, by type.
trait Stream {
    fn write_all(buf: &[u8]) -> io::Result<()>;
}

struct Stdout;
struct Stderr;

impl Stream for Stdout {
    fn write_all(buf: &[u8]) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(buf)?;
        out.flush()
    }
}

impl Stream for Stderr {
    fn write_all(buf: &[u8]) -> io::Result<()> {
        io::stderr().lock().write_all(buf)
    }
}

/// A shared output buffer, written out whole lines at a time.
struct Buffered<S: Stream> {
    pending: Mutex<Vec<u8>>,
    stream: PhantomData<S>,
}

impl<S: Stream> Default for Buffered<S> {
    fn default() -> Self {
        Buffered { pending: Mutex::new(Vec::new()), stream: PhantomData }
    }
}

impl<S: Stream> Buffered<S> {
    /// Append whole lines; write them out at once when the buffer is large.
    fn append(&self, lines: &[u8], shared: &Shared) {
        if lines.is_empty() {
            return;
        }
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.extend_from_slice(lines);
        if pending.len() >= FLUSH_BYTES {
            Self::write_out(&mut pending, shared);
        }
    }

    fn flush(&self, shared: &Shared) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        Self::write_out(&mut pending, shared);
    }

    fn write_out(pending: &mut Vec<u8>, shared: &Shared) {
        if pending.is_empty() {
            return;
        }
        if S::write_all(pending).is_err() {
            shared.output_gone.store(true, Ordering::SeqCst);
        }
        pending.clear();
    }
}

/// One connection's outputs for the line being read, handed to the shared buffers per line.
#[derive(Default)]
struct LineOutputs {
    events: Vec<u8>,
    errors: Vec<u8>,
}

impl Sink for LineOutputs {
    fn event(&mut self, event: &Event<'_>) {
        s3norm::write_event(&mut self.events, event);
        self.events.push(b'\n');
    }
    fn error(&mut self, error: ErrorRecord) {
        s3norm::write_error(&mut self.errors, &error);
        self.errors.push(b'\n');
    }
    fn skip(&mut self, _: Skip) {}
}

/// Read one connection to its end (or until the server stops), a line at a time.
fn connection(mut stream: TcpStream, _peer: SocketAddr, normalizer: Normalizer, shared: &Shared) {
    shared.connections.fetch_add(1, Ordering::SeqCst);
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(POLL));
    let max = normalizer.options().max_line_bytes;
    let mut lines = LineReader::new(max);
    let mut outputs = LineOutputs::default();
    let mut chunk = vec![0u8; READ_CHUNK];
    let mut stats = Stats::default();
    let mut stopping = false;
    let mut drained = 0usize;
    loop {
        if stopping && drained >= DRAIN_BYTES {
            break;
        }
        let read = match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                if stopping {
                    drained += n;
                }
                n
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted) => {
                if stopping {
                    break; // everything that had arrived is read
                }
                if signals::stopped() || shared.output_gone.load(Ordering::SeqCst) {
                    // Read on without waiting: what has arrived already, then stop.
                    stopping = true;
                    let _ = stream.set_nonblocking(true);
                }
                continue;
            }
            Err(_) => break, // reset by the peer: what was read is normalized below
        };
        lines.feed(&chunk[..read], |line| {
            stats.add(lines_unit(&normalizer, line, &mut outputs, shared));
        });
        if shared.output_gone.load(Ordering::SeqCst) {
            stopping = true;
        }
    }
    // A last line without its newline is a line all the same.
    lines.finish(|line| stats.add(lines_unit(&normalizer, line, &mut outputs, shared)));
    shared.add(stats);
    let _ = stream.shutdown(Shutdown::Both);
}

/// Normalize one line (or a too-long line's error) and hand its outputs on.
fn lines_unit(normalizer: &Normalizer, line: Line<'_>, outputs: &mut LineOutputs, shared: &Shared) -> Stats {
    let stats = match line {
        Line::Whole(bytes, line_no) => normalizer.read_line(bytes, line_no, outputs),
        Line::TooLong { length, start, line_no } => {
            let mut record = ErrorRecord::line_too_large(length, normalizer.options().max_line_bytes, start);
            record.line = Some(line_no);
            outputs.error(record);
            Stats { inputs: 1, events: 0, errors: 1, skipped: 0 }
        }
    };
    shared.events.append(&outputs.events, shared);
    shared.errors.append(&outputs.errors, shared);
    outputs.events.clear();
    outputs.errors.clear();
    stats
}

/// A line as the connection's reader found it.
enum Line<'a> {
    Whole(&'a [u8], u64),
    /// Over the limit: its length, the start kept for the error record, its number.
    TooLong {
        length: u64,
        start: &'a [u8],
        line_no: u64,
    },
}

/// Splits a byte stream into lines, holding at most `max + 2` bytes of a line (the rest of a
/// longer one is counted and dropped, as the library's stream reader does).
struct LineReader {
    max: usize,
    buffer: Vec<u8>,
    line_no: u64,
    /// In a line over the limit: its bytes so far, its last byte, whether all were blank.
    overlong: Option<(u64, Option<u8>, bool)>,
}

impl LineReader {
    fn new(max: usize) -> Self {
        LineReader { max, buffer: Vec::new(), line_no: 0, overlong: None }
    }

    fn feed(&mut self, mut data: &[u8], mut each: impl FnMut(Line<'_>)) {
        while !data.is_empty() {
            let newline = data.iter().position(|&b| b == b'\n');
            let (part, rest) = match newline {
                Some(i) => (&data[..i], &data[i + 1..]),
                None => (data, &data[data.len()..]),
            };
            data = rest;
            let room = (self.max + 2).saturating_sub(self.buffer.len());
            match self.overlong.as_mut() {
                Some((seen, last, blank)) => {
                    *seen += part.len() as u64;
                    *last = part.last().copied().or(*last);
                    *blank &= part.iter().all(u8::is_ascii_whitespace);
                }
                None if part.len() > room => {
                    self.buffer.extend_from_slice(&part[..room]);
                    let blank = self.buffer.iter().chain(&part[room..]).all(u8::is_ascii_whitespace);
                    self.overlong = Some(((self.buffer.len() + part.len() - room) as u64, part.last().copied(), blank));
                }
                None => self.buffer.extend_from_slice(part),
            }
            if newline.is_some() {
                self.end_line(&mut each);
            }
        }
    }

    fn finish(&mut self, mut each: impl FnMut(Line<'_>)) {
        if !self.buffer.is_empty() || self.overlong.is_some() {
            self.end_line(&mut each);
        }
    }

    fn end_line(&mut self, each: &mut impl FnMut(Line<'_>)) {
        self.line_no += 1;
        match self.overlong.take() {
            // A blank line is not a unit, however long.
            Some((_, _, true)) => {}
            // Its length without a final `\r`, as the library reports it.
            Some((length, last, false)) => {
                let length = length - u64::from(last == Some(b'\r'));
                each(Line::TooLong { length, start: &self.buffer, line_no: self.line_no });
            }
            None => each(Line::Whole(&self.buffer, self.line_no)),
        }
        self.buffer.clear();
    }
}

/// SIGTERM and SIGINT set a flag; nothing else happens in the handler.
mod signals {
    use std::sync::atomic::{AtomicBool, Ordering};

    static STOP: AtomicBool = AtomicBool::new(false);

    pub fn stopped() -> bool {
        STOP.load(Ordering::SeqCst)
    }

    #[cfg(unix)]
    pub fn install() {
        // The C library's `signal` (std links it on every Unix): an atomic store is all the
        // handler does, which is async-signal-safe. SIGINT and SIGTERM are 2 and 15 on every
        // Unix Rust supports.
        extern "C" fn on_signal(_: i32) {
            STOP.store(true, Ordering::SeqCst);
        }
        extern "C" {
            fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
        }
        const SIGINT: i32 = 2;
        const SIGTERM: i32 = 15;
        // SAFETY: installs a handler that only stores to an atomic.
        unsafe {
            signal(SIGINT, on_signal);
            signal(SIGTERM, on_signal);
        }
    }

    #[cfg(not(unix))]
    pub fn install() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(max: usize, chunks: &[&[u8]]) -> Vec<String> {
        let mut reader = LineReader::new(max);
        let mut out = Vec::new();
        let mut record = |line: Line<'_>| {
            out.push(match line {
                Line::Whole(b, n) => format!("{n}:{}", String::from_utf8_lossy(b)),
                Line::TooLong { length, start, line_no } => format!("{line_no}:too long {length} ({} kept)", start.len()),
            })
        };
        for chunk in chunks {
            reader.feed(chunk, &mut record);
        }
        reader.finish(&mut record);
        out
    }

    #[test]
    fn lines_across_chunks_and_limits() {
        assert_eq!(lines(100, &[b"ab", b"c\nde", b"f\n\ng"]), ["1:abc", "2:def", "3:", "4:g"]);
        assert_eq!(lines(4, &[b"0123456789\nok\n"]), ["1:too long 10 (6 kept)", "2:ok"]);
        assert_eq!(lines(4, &[b"0123", b"45", b"6789", b"\nok"]), ["1:too long 10 (6 kept)", "2:ok"]);
        assert_eq!(lines(4, &[b"0123456789\r\n", b"         \n"]), ["1:too long 10 (6 kept)"]);
        assert_eq!(lines(100, &[b"no newline"]), ["1:no newline"]);
        assert!(lines(100, &[]).is_empty());
    }

    #[test]
    fn arguments() {
        let a = |v: &[&str]| parse_args(&v.iter().map(Into::into).collect::<Vec<std::ffi::OsString>>());
        assert_eq!(
            a(&["--listen", "127.0.0.1:0", "--raw"]),
            Ok(ServeCommand::Serve(ServeArgs { listen: "127.0.0.1:0".into(), raw: true, max_line_bytes: DEFAULT_MAX_LINE_BYTES }))
        );
        assert_eq!(a(&["--help"]), Ok(ServeCommand::Help));
        assert!(a(&[]).is_err());
        assert!(a(&["--listen"]).is_err());
        assert!(a(&["--listen", "x", "extra"]).is_err());
        assert!(a(&["--listen", "x", "--max-line-bytes", "lots"]).is_err());
    }
}
