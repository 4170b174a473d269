//! Inputs: which files a run reads (walking directories), and opening one of them (gzip detected
//! by content). Reading is the library's: `Normalizer::read`.

use std::cell::RefCell;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Cursor, Read};
use std::path::PathBuf;

use indicatif::ProgressBar;
use s3norm::{ErrorRecord, Event, Normalizer, Opened, ReadError, Sink, Skip, Stats};

use crate::output::Output;
use crate::parallel;

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

/// Read one input and feed its units to `out`. An `Err` is a read failure (I/O, corrupt gzip); the
/// units read before it have been emitted and are counted in it. Stops early when `out` has
/// stopped (an output failed).
pub fn normalize(
    input: &Input,
    normalizer: &Normalizer,
    out: &mut Output,
    bar: Option<&ProgressBar>,
    threads: usize,
) -> Result<Stats, ReadError> {
    if input.path.is_some() {
        // A large file is spread over the threads when it is a line input (most logs are).
        if threads > 1 && input.size.is_some_and(|size| size >= PARALLEL_MIN_BYTES) {
            return read_parallel(input, normalizer, out, bar, threads);
        }
        return read(input, normalizer, out, bar, |raw| raw);
    }
    // Standard input may pause (a pipe from a live source): whenever the reader is about to wait
    // for more, what has been written goes out, so a reader downstream sees each line's output
    // promptly rather than at the next buffer-full. The reader and the sink are never called at
    // the same time, so they can share the output through a `RefCell`.
    let shared = RefCell::new(out);
    let mut sink = SharedSink(&shared);
    read(input, normalizer, &mut sink, bar, |raw| Box::new(FlushBeforeRead { inner: raw, out: &shared }))
}

/// Read one input into any sink, without the flush-on-pause of [`normalize`] (`correlate` and
/// `coverage` write nothing until an input is read).
pub fn read_into(input: &Input, normalizer: &Normalizer, out: &mut dyn Sink, bar: Option<&ProgressBar>) -> Result<Stats, ReadError> {
    read(input, normalizer, out, bar, |raw| raw)
}

/// Files at least this large (on disk; compressed ones too) are read on several threads.
const PARALLEL_MIN_BYTES: u64 = 4 * parallel::CHUNK_BYTES as u64;

/// [`read`] on `threads` threads: a line input in chunks (see `parallel`); anything else as
/// `read` reads it.
fn read_parallel(
    input: &Input,
    normalizer: &Normalizer,
    out: &mut Output,
    bar: Option<&ProgressBar>,
    threads: usize,
) -> Result<Stats, ReadError> {
    let failed = |error| ReadError { stats: Stats::default(), error };
    let raw = decompressed(open(input, bar).map_err(failed)?).map_err(failed)?;
    match normalizer.open(raw, parallel::CHUNK_BYTES).map_err(failed)? {
        Opened::Lines(chunks) => parallel::normalize(chunks, normalizer, out, threads),
        Opened::Whole(rest) => normalizer.read(rest, out),
    }
}

/// `raw` decompressed when it is gzip (detected by content; concatenated members included).
fn decompressed<'a>(mut raw: Box<dyn Read + 'a>) -> std::io::Result<Box<dyn Read + 'a>> {
    let mut magic = Vec::with_capacity(GZIP_MAGIC.len());
    (&mut raw).take(GZIP_MAGIC.len() as u64).read_to_end(&mut magic)?;
    let gzip = magic == GZIP_MAGIC;
    let raw = Cursor::new(magic).chain(raw);
    Ok(if gzip { Box::new(flate2::read::MultiGzDecoder::new(raw)) } else { Box::new(raw) })
}

/// Open `input`, wrap its bytes with `wrap`, and read them (gzip detected by content).
fn read<'a>(
    input: &Input,
    normalizer: &Normalizer,
    out: &mut dyn Sink,
    bar: Option<&ProgressBar>,
    wrap: impl FnOnce(Box<dyn Read>) -> Box<dyn Read + 'a>,
) -> Result<Stats, ReadError> {
    let failed = |error| ReadError { stats: Stats::default(), error };
    let raw = decompressed(wrap(open(input, bar).map_err(failed)?)).map_err(failed)?;
    normalizer.read(raw, out)
}

/// The run's output as a sink, shared with [`FlushBeforeRead`].
struct SharedSink<'o, 'r>(&'r RefCell<&'o mut Output>);

impl Sink for SharedSink<'_, '_> {
    fn event(&mut self, event: &Event<'_>) {
        self.0.borrow_mut().event(event)
    }
    fn error(&mut self, error: ErrorRecord) {
        self.0.borrow_mut().error(error)
    }
    fn skip(&mut self, skip: Skip) {
        self.0.borrow_mut().skip(skip)
    }
    fn stopped(&self) -> bool {
        self.0.borrow().stopped()
    }
}

/// Flushes the output before each read of the input underneath: a read is where a pipe waits.
/// (The reader buffers 64 KiB at a time, so on a busy pipe this is one flush per 64 KiB read.)
struct FlushBeforeRead<'o, 'r> {
    inner: Box<dyn Read>,
    out: &'r RefCell<&'o mut Output>,
}

impl Read for FlushBeforeRead<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.out.borrow_mut().flush_pending();
        self.inner.read(buf)
    }
}
