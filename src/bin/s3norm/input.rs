//! Inputs: which files a run reads (walking directories), and reading one of them (gzip
//! detection, shape detection, line streaming or a bounded whole-document read).

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::PathBuf;

use indicatif::ProgressBar;
use s3norm::error::MAX_ERROR_INPUT;
use s3norm::normalize::TextShape;
use s3norm::{ErrorKind, ErrorRecord, Normalizer, Sink};

use crate::output::Output;

/// How much of a (decompressed) input is looked at to decide its shape: as much as
/// `Normalizer::text` looks at, so that both decide alike.
const HEAD_BYTES: usize = 64 * 1024;
/// Read buffer of the line reader.
const READ_BUFFER: usize = 64 * 1024;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Identity of a file on disk, to recognise the run's own output files among the inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    #[cfg(unix)]
    pub fn of(meta: &fs::Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        Some(FileId { dev: meta.dev(), ino: meta.ino() })
    }

    #[cfg(not(unix))]
    pub fn of(_meta: &fs::Metadata) -> Option<FileId> {
        None
    }

    /// Identity of standard output when it is a regular file (`> file`).
    #[cfg(unix)]
    pub fn of_stdout() -> Option<FileId> {
        use std::os::fd::AsFd;
        let fd = io::stdout().as_fd().try_clone_to_owned().ok()?;
        let meta = File::from(fd).metadata().ok()?;
        if meta.is_file() {
            FileId::of(&meta)
        } else {
            None
        }
    }

    #[cfg(not(unix))]
    pub fn of_stdout() -> Option<FileId> {
        None
    }
}

/// One input to read, in run order.
#[derive(Debug)]
pub struct Input {
    /// `None`: standard input.
    pub path: Option<PathBuf>,
    /// `metadata.log_name`: the path as given (for a walked file: the directory as given, joined
    /// with the path below it). `None` for standard input.
    pub log_name: Option<String>,
    /// Size of a regular file (compressed size for gzip), for the progress bar.
    pub size: Option<u64>,
    pub id: Option<FileId>,
}

impl Input {
    fn stdin() -> Input {
        Input { path: None, log_name: None, size: None, id: None }
    }

    fn file(path: PathBuf, meta: &fs::Metadata) -> Input {
        let size = if meta.is_file() { Some(meta.len()) } else { None };
        Input { log_name: Some(path.to_string_lossy().into_owned()), size, id: FileId::of(meta), path: Some(path) }
    }

    /// How the input is named in diagnostics.
    pub fn display(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "-".to_owned(),
        }
    }
}

/// The inputs of a run, and the paths that could not be examined.
#[derive(Debug, Default)]
pub struct Collected {
    pub inputs: Vec<Input>,
    pub failures: Vec<(PathBuf, io::Error)>,
}

/// Expand the command-line paths into inputs. No path means standard input. A directory is walked
/// depth-first with the entries of each directory sorted by name; symlinked directories inside it
/// are skipped (no loops), symlinked files are read, special files (FIFOs, sockets, devices) inside
/// it are skipped. A path named explicitly is read whatever it is.
pub fn collect(paths: &[OsString]) -> Collected {
    let mut out = Collected::default();
    if paths.is_empty() {
        out.inputs.push(Input::stdin());
    }
    for arg in paths {
        if arg == "-" {
            out.inputs.push(Input::stdin());
            continue;
        }
        let path = PathBuf::from(arg);
        match fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut out),
            Ok(meta) => out.inputs.push(Input::file(path, &meta)),
            Err(e) => out.failures.push((path, e)),
        }
    }
    out
}

/// Depth-first, sorted, iterative (no recursion depth limit) walk of one directory.
fn walk(root: PathBuf, out: &mut Collected) {
    enum Item {
        Dir(PathBuf),
        File(PathBuf, fs::Metadata),
    }
    let mut stack = vec![Item::Dir(root)];
    while let Some(item) = stack.pop() {
        let dir = match item {
            Item::File(path, meta) => {
                out.inputs.push(Input::file(path, &meta));
                continue;
            }
            Item::Dir(dir) => dir,
        };
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                out.failures.push((dir, e));
                continue;
            }
        };
        let mut children: Vec<(OsString, Item)> = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    out.failures.push((dir.clone(), e));
                    continue;
                }
            };
            let name = entry.file_name();
            let path = dir.join(&name);
            let file_type = match entry.file_type() {
                Ok(t) => t,
                Err(e) => {
                    out.failures.push((path, e));
                    continue;
                }
            };
            if file_type.is_dir() {
                children.push((name, Item::Dir(path)));
            } else if file_type.is_file() || file_type.is_symlink() {
                // Follows a symlink: a symlinked file is read, a symlinked directory skipped.
                match fs::metadata(&path) {
                    Ok(meta) if meta.is_file() => children.push((name, Item::File(path, meta))),
                    Ok(_) => {}
                    Err(e) => out.failures.push((path, e)),
                }
            }
        }
        children.sort_by(|a, b| a.0.cmp(&b.0));
        // Reversed onto the stack so that they come off in sorted order.
        stack.extend(children.into_iter().rev().map(|(_, item)| item));
    }
}

/// Open an input's bytes (counted on the progress bar when there is one).
fn open(input: &Input, bar: Option<&ProgressBar>) -> io::Result<Box<dyn Read>> {
    let raw: Box<dyn Read> = match &input.path {
        Some(path) => Box::new(File::open(path)?),
        None => Box::new(io::stdin().lock()),
    };
    Ok(match bar {
        Some(bar) => Box::new(bar.wrap_read(raw)),
        None => raw,
    })
}

/// Read up to `n` bytes (fewer only at end of input).
fn peek(reader: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    reader.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Read one input and feed its units to `out`. An `Err` is a read failure (I/O, corrupt gzip); the
/// units already read have been emitted. Stops early when `out` has stopped (an output failed).
pub fn normalize(input: &Input, normalizer: &Normalizer, out: &mut Output, bar: Option<&ProgressBar>) -> io::Result<()> {
    let mut raw = open(input, bar)?;
    let magic = peek(&mut raw, GZIP_MAGIC.len())?;
    let gzip = magic == GZIP_MAGIC;
    let raw = Cursor::new(magic).chain(raw);
    // A log delivery can concatenate gzip members: decode them all.
    let mut reader: Box<dyn Read> = if gzip { Box::new(flate2::read::MultiGzDecoder::new(raw)) } else { Box::new(raw) };
    let head = head(&mut reader, normalizer.options().max_line_bytes)?;
    let shape = Normalizer::shape(&head);
    let reader = Cursor::new(head).chain(reader);
    match shape {
        TextShape::Lines => lines(reader, input, normalizer, out),
        TextShape::JsonDocument => {
            // The plain size is known up front: no need to read a file that is too large.
            let known = if gzip { None } else { input.size };
            document(reader, known, input, normalizer, out)
        }
    }
}

/// The start of a (decompressed) input, for `Normalizer::shape`: `HEAD_BYTES`, the head that
/// `Normalizer::text` decides on; and when that holds no newline, on through the first newline (at
/// most a line's limit), so that NDJSON whose first record is long is still seen as lines.
fn head(reader: &mut dyn Read, max_line_bytes: usize) -> io::Result<Vec<u8>> {
    let mut head = peek(&mut *reader, HEAD_BYTES)?;
    let limit = max_line_bytes.saturating_add(2);
    let mut scanned = 0;
    let mut more = head.len() == HEAD_BYTES; // else the input has ended
    while more && head.len() < limit && !head[scanned..].contains(&b'\n') {
        scanned = head.len();
        let want = (limit - scanned).min(HEAD_BYTES);
        more = (&mut *reader).take(want as u64).read_to_end(&mut head)? == want;
    }
    Ok(head)
}

/// Stream lines through `Normalizer::line_bytes` with one reused buffer. Memory stays flat: at most
/// `max_line_bytes + 2` bytes of a line are kept; the rest of a line over the limit is read, counted
/// and dropped, and the line becomes one `too_large` error record here. Only the `\n` is taken off
/// a line: `line_bytes` takes off a `\r`, as `Normalizer::text` does.
fn lines(reader: impl Read, input: &Input, normalizer: &Normalizer, out: &mut Output) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(READ_BUFFER, reader);
    let max = normalizer.options().max_line_bytes;
    let cap = (max as u64).saturating_add(2);
    let mut line = Vec::new();
    let mut line_no = 0u64;
    loop {
        line.clear();
        let n = (&mut reader).take(cap).read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        if line.last() == Some(&b'\n') {
            line.pop();
            normalizer.line_bytes(&line, line_no, out);
        } else if n as u64 == cap {
            let rest = skip_rest_of_line(&mut reader)?;
            let blank = rest.blank && line.iter().all(u8::is_ascii_whitespace);
            if !blank {
                let mut length = line.len() as u64 + rest.bytes;
                if rest.last == Some(b'\r') {
                    length -= 1;
                }
                let record = ErrorRecord::line_too_large(length, max, &line).with_log_name(input.log_name.as_deref()).at_line(line_no);
                out.error(record);
            }
        } else {
            // The last line, without a newline.
            normalizer.line_bytes(&line, line_no, out);
        }
        if out.stopped() {
            return Ok(());
        }
    }
}

/// What `skip_rest_of_line` passed over (the `\n` not included).
struct Skipped {
    bytes: u64,
    last: Option<u8>,
    blank: bool,
}

/// Consume input through the next `\n` (or the end), keeping none of it.
fn skip_rest_of_line(reader: &mut impl BufRead) -> io::Result<Skipped> {
    let mut skipped = Skipped { bytes: 0, last: None, blank: true };
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(skipped);
        }
        let (part, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], true),
            None => (buf, false),
        };
        skipped.bytes += part.len() as u64;
        skipped.blank &= part.iter().all(u8::is_ascii_whitespace);
        if let Some(&last) = part.last() {
            skipped.last = Some(last);
        }
        let used = part.len() + usize::from(done);
        reader.consume(used);
        if done {
            return Ok(skipped);
        }
    }
}

/// Read a whole JSON document (at most `max_json_bytes`) and hand it to `Normalizer::text`. A larger
/// document is not read into memory: it becomes one `too_large` error record carrying its start.
fn document(mut reader: impl Read, known_size: Option<u64>, input: &Input, normalizer: &Normalizer, out: &mut Output) -> io::Result<()> {
    let max = normalizer.options().max_json_bytes;
    let too_large = |start: &[u8], size: Option<u64>| {
        // Only the start of the document is carried.
        let mut record = ErrorRecord::document_too_large(size, max, start).with_log_name(input.log_name.as_deref());
        record.input_truncated = true;
        record
    };
    if let Some(size) = known_size.filter(|&size| size > max as u64) {
        let start = peek(&mut reader, MAX_ERROR_INPUT)?;
        out.error(too_large(&start, Some(size)));
        return Ok(());
    }
    let mut text = Vec::new();
    (&mut reader).take((max as u64).saturating_add(1)).read_to_end(&mut text)?;
    if text.len() > max {
        out.error(too_large(&text, None));
        return Ok(());
    }
    match String::from_utf8(text) {
        Ok(text) => normalizer.text(&text, out),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let start = &bytes[..bytes.len().min(MAX_ERROR_INPUT)];
            let mut record = ErrorRecord::new(
                ErrorKind::InvalidUtf8,
                format!("JSON document is not valid UTF-8 (invalid byte at offset {at})"),
                &String::from_utf8_lossy(start),
            )
            .with_log_name(input.log_name.as_deref());
            record.input_truncated |= bytes.len() > MAX_ERROR_INPUT;
            out.error(record);
        }
    }
    Ok(())
}
