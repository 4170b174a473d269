//! The reader: finds the input units in a text, a byte slice or a stream, and hands each to the
//! normalizer. The CLI, the ABI, the WebAssembly adapters and the benches all read through here.
//!
//! # Shapes
//! A text is either *lines* (SAL lines and/or NDJSON CloudTrail records, told apart per line) or
//! one *JSON document* (a record, a trail file, an EventBridge envelope, a CloudWatch Logs
//! payload, an array of these, pretty-printed or not). [`shape`] makes a first guess from the
//! start of the text: a first non-blank `[` is a document; a `{` is NDJSON when the first line is
//! a whole JSON value, else a document; a line that starts like an object member (`"key": …`,
//! `key: …`) is a document; anything else is lines. It looks at the first line as far as a stream
//! holds it before guessing (`max_line_bytes + 2` bytes), in a slice too, so a stream and a slice
//! of the same bytes are read alike.
//!
//! # No single line decides the fate of a text
//! A guess of "document" is only a guess: a file of lines whose first line is a damaged NDJSON
//! record (`{"eventVersion":"1.0` cut short by a rotation) looks just like the start of a
//! pretty-printed document. So a text taken for a document that does not parse (or is over
//! `max_json_bytes`, or is not UTF-8) is looked at again, line by line: when at least one of its
//! lines is a unit on its own (a SAL line that tokenizes, or a `{` line that is a whole JSON
//! value), the text is read again as lines and the damaged line costs only itself. When no line
//! is, the text really is one broken document (a truncated trail file, a JavaScript object literal
//! pasted from documentation) and it becomes one error record (`json_syntax`, `invalid_utf8` or
//! `too_large`), not one error per line. The look is taken at the same bytes in a slice and in a
//! stream: the first `max_json_bytes + 1` bytes (its complete lines only, unless the text ends
//! within them). See [`Normalizer::document_or_lines`].
//!
//! # Units (counts in = counts out)
//! - Read as lines: every non-blank line is one unit, except a `{` line that parses, which holds
//!   as many units as the records in it (a trail file on one line holds one per record; an empty
//!   `{"Records":[]}` holds none).
//! - Read as a document that parses: the records in it, as for a `{` line.
//! - Read as a document that does not parse: one unit, the document.
//! - A text first taken for a document and read again as lines counts as lines: the attempt to
//!   parse it is not a unit and produces nothing.
//!
//! Blank lines are not units; a UTF-8 byte-order mark at the very start is not data.
//!
//! # Limits and memory
//! A stream of lines is read a line at a time into one reused buffer, so memory stays flat
//! whatever the input's size: at most `max_line_bytes + 2` bytes of a line are held, and the rest
//! of an over-long line is read, counted and dropped. A text taken for a document is held whole up
//! to `max_json_bytes` (plus one byte, to know it is over); when it is read again as lines, that
//! held start is read first and the rest of the stream after it.
//!
//! # Invariants
//! - Every unit produces exactly one output.
//! - A read error ends the read; the units read before it have been emitted, and their counts are
//!   in the [`ReadError`]. A sink that says it has [stopped](crate::Sink::stopped) ends it too.

use crate::error::{ErrorKind, ErrorRecord, MAX_ERROR_INPUT};
use crate::json::ParseError;
use crate::normalize::{Location, Normalizer};
use crate::sal;
use crate::sink::{Counter, Sink, Stats};
use crate::swar::find;
use serde_json::Value;
use std::io::{self, BufRead, BufReader, Read};

/// `bytes` cut at each `\n`, as `bytes.split(|&b| b == b'\n')` cuts it (a text ending in `\n`
/// ends with an empty piece), but finding each `\n` a word at a time: on a text in memory the
/// byte-at-a-time split was a tenth of the WebAssembly module's time.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let text = rest?;
        match find(text, b'\n') {
            Some(at) => {
                rest = Some(&text[at + 1..]);
                Some(&text[..at])
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// A UTF-8 byte-order mark, which some tools write at the start of a file: not part of the data.
const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Read buffer for streams.
const READ_BUFFER: usize = 64 * 1024;

/// How a text is to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextShape {
    /// One unit per line: SAL lines and/or NDJSON CloudTrail records (detected per line).
    Lines,
    /// One JSON document (a record, a trail file, an envelope, an array) spanning the text.
    JsonDocument,
}

/// Guess from the start of a text whether it is lines or one document. `head` must hold at least
/// the whole first non-blank line, or the whole text (a `{` line cut short reads as a document).
/// A document is: a first non-blank `[`, `]` or `}`; a `{` whose line is not a whole JSON value;
/// or a line that starts like a member of a JSON or JavaScript object (`"key": …`, `key: …`), as
/// in a record pasted without its opening brace. Only a guess: see the module documentation.
pub(crate) fn shape(head: &[u8]) -> TextShape {
    let head = head.strip_prefix(BOM).unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    let rest = &head[start..];
    let line = &rest[..rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())];
    match rest.first() {
        Some(b'[' | b']' | b'}') => TextShape::JsonDocument,
        Some(b'{') => match rest.iter().position(|&b| b == b'\n') {
            Some(_) if serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok() => TextShape::Lines,
            _ => TextShape::JsonDocument,
        },
        _ if starts_like_a_member(line) => TextShape::JsonDocument,
        _ => TextShape::Lines,
    }
}

/// Whether a line starts like a member of a JSON or JavaScript object literal: a key (`"quoted"`,
/// `'quoted'` or an identifier), a colon, then the start of a value. No SAL line does: its first
/// field (the bucket owner) is followed by a space and the bucket name.
fn starts_like_a_member(line: &[u8]) -> bool {
    let key_end = match line.first() {
        Some(&quote @ (b'"' | b'\'')) => {
            let mut i = 1;
            loop {
                match line.get(i) {
                    Some(b'\\') => i += 2,
                    Some(&c) if c == quote => break i + 1,
                    Some(_) => i += 1,
                    None => return false,
                }
            }
        }
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' || *c == b'$' => {
            line.iter().position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'-'))).unwrap_or(line.len())
        }
        _ => return false,
    };
    let mut after = line.get(key_end..).unwrap_or_default().iter().copied().skip_while(|c| *c == b' ' || *c == b'\t');
    if after.next() != Some(b':') {
        return false;
    }
    let value = after.find(|c| *c != b' ' && *c != b'\t');
    matches!(value, Some(b'"' | b'\'' | b'{' | b'[' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n'))
}

/// What became of a text taken for a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// Read: as a document, or as one error record.
    Read,
    /// To be read again as lines.
    ReadAsLines,
}

/// A read that stopped on an I/O error (or a corrupt compressed stream). The units read before it
/// were emitted; `stats` counts them.
#[derive(Debug)]
pub struct ReadError {
    /// What was read and emitted before the error.
    pub stats: Stats,
    /// The error itself.
    pub error: io::Error,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (after {} input units)", self.error, self.stats.inputs)
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<ReadError> for io::Error {
    fn from(e: ReadError) -> io::Error {
        e.error
    }
}

impl Normalizer {
    /// Read a whole stream (a file, standard input, a decompressor) and send every unit to `sink`.
    /// Memory stays flat for line inputs; see the module documentation for the limits.
    ///
    /// ```
    /// let log = b"79a5 mybucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a5 3E57427F3EXAMPLE \
    ///             REST.GET.VERSIONING - \"GET /mybucket?versioning HTTP/1.1\" 200 - 113 - 7 - \"-\" \"S3Console/0.4\" -\n";
    /// let mut operations = Vec::new();
    /// let stats = s3norm::Normalizer::default().read(
    ///     &log[..],
    ///     &mut s3norm::sink_fn(|out| {
    ///         if let s3norm::Output::Event(event) = out {
    ///             operations.push(event.api.operation.to_string());
    ///         }
    ///     }),
    /// )?;
    /// assert_eq!(stats.events, 1);
    /// assert_eq!(operations, ["GetBucketVersioning"]);
    /// # Ok::<(), s3norm::ReadError>(())
    /// ```
    pub fn read<R: Read>(&self, reader: R, sink: &mut dyn Sink) -> Result<Stats, ReadError> {
        let mut out = Counter::new(sink);
        match self.stream(BufReader::with_capacity(READ_BUFFER, reader), &mut out) {
            Ok(()) => Ok(out.stats),
            Err(error) => Err(ReadError { stats: out.stats, error }),
        }
    }

    /// Read a whole text held in memory: a file's contents or a shipper's message.
    pub fn read_str(&self, text: &str, sink: &mut dyn Sink) -> Stats {
        let mut out = Counter::new(sink);
        self.slice_str(text, &mut out);
        out.stats
    }

    /// Read bytes held in memory, which may not be UTF-8 (a line that is not becomes an
    /// `invalid_utf8` error record).
    pub fn read_bytes(&self, bytes: &[u8], sink: &mut dyn Sink) -> Stats {
        let mut out = Counter::new(sink);
        self.slice(bytes, &mut out);
        out.stats
    }

    /// Read one line of a line-oriented input (without its `\n`); `line_no` counts from 1. A blank
    /// line is not a unit and produces nothing.
    pub fn read_line(&self, line: &[u8], line_no: u64, sink: &mut dyn Sink) -> Stats {
        let mut out = Counter::new(sink);
        let line = if line_no == 1 { line.strip_prefix(BOM).unwrap_or(line) } else { line };
        self.line_bytes(line, Location::line(line_no), &mut out);
        out.stats
    }

    /// Read `bytes` as lines whatever they start with (no guess of a document): a piece of a line
    /// input cut at line ends, say, as a caller that splits a large input gets it. Lines are
    /// numbered from `first_line`; a byte-order mark is dropped only when that is 1.
    pub fn read_lines(&self, bytes: &[u8], first_line: u64, sink: &mut dyn Sink) -> Stats {
        let mut out = Counter::new(sink);
        let bytes = if first_line == 1 { bytes.strip_prefix(BOM).unwrap_or(bytes) } else { bytes };
        for (i, line) in lines(bytes).enumerate() {
            if out.stopped() {
                break;
            }
            self.line_bytes(line, Location::line(first_line + i as u64), &mut out);
        }
        out.stats
    }

    /// Read an already parsed JSON value: a CloudTrail record, any container of records, or a
    /// shipper's event ([`crate::shipper`]).
    pub fn read_value(&self, value: &Value, sink: &mut dyn Sink) -> Stats {
        let mut out = Counter::new(sink);
        self.value(value, None, Location::default(), &mut out);
        out.stats
    }

    /// A text in memory: split into lines without copying, or read as one document.
    pub(crate) fn slice(&self, bytes: &[u8], out: &mut Counter<'_>) {
        self.slice_of(bytes, None, out)
    }

    /// [`Normalizer::slice`] of a `str`, whose lines are not checked for UTF-8 again.
    pub(crate) fn slice_str(&self, text: &str, out: &mut Counter<'_>) {
        self.slice_of(text.as_bytes(), Some(text), out)
    }

    /// `bytes`, which are `text` when it is given.
    fn slice_of(&self, bytes: &[u8], text: Option<&str>, out: &mut Counter<'_>) {
        // The shape is guessed from the bytes a stream would hold when it guesses.
        let head = &bytes[..head_len(bytes, self.options.max_line_bytes.saturating_add(2))];
        let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
        if shape(head.strip_prefix(BOM).unwrap_or(head)) == TextShape::JsonDocument {
            // The same view of the text a stream has: its first `max_json_bytes + 1` bytes.
            let max = self.options.max_json_bytes;
            let window = &bytes[..bytes.len().min(max.saturating_add(1))];
            if self.document_or_lines(window, bytes.len() <= max, out) == Fate::Read {
                return;
            }
        }
        let text = text.and_then(|t| t.get(t.len() - bytes.len()..)); // less the BOM
        let mut start = 0;
        for (i, line) in lines(bytes).enumerate() {
            if out.stopped() {
                return;
            }
            let at = Location::line(i as u64 + 1);
            match text.and_then(|t| t.get(start..start + line.len())) {
                Some(line) => self.line_str(line, at, out),
                None => self.line_bytes(line, at, out),
            }
            start += line.len() + 1;
        }
    }

    /// A text taken for one JSON document: `bytes` is all of it when `whole`, else its first
    /// `max_json_bytes + 1` bytes. Reads it as a document, or says it is to be read as lines (see
    /// the module documentation): a document that does not parse, is not UTF-8 or is over the
    /// limit is read as lines when one of its lines is a unit on its own.
    fn document_or_lines(&self, bytes: &[u8], whole: bool, out: &mut Counter<'_>) -> Fate {
        let at = Location::default();
        if !whole {
            if self.has_a_unit_line(bytes, false) {
                return Fate::ReadAsLines;
            }
            let max = self.options.max_json_bytes;
            out.error(self.locate(ErrorRecord::document_too_large(None, max, bytes), at));
            return Fate::Read;
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) if self.has_a_unit_line(bytes, true) => return Fate::ReadAsLines,
            Err(e) => {
                let start = &bytes[..bytes.len().min(MAX_ERROR_INPUT)];
                let message = format!("JSON document is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to());
                let mut record = self.error(ErrorKind::InvalidUtf8, message, &String::from_utf8_lossy(start), at);
                record.input_truncated |= bytes.len() > MAX_ERROR_INPUT;
                out.error(record);
                return Fate::Read;
            }
        };
        match self.parse(text) {
            Ok(value) => {
                self.value(&value, Some(text.trim()), at, out);
                self.discard(value)
            }
            Err(_) if self.has_a_unit_line(bytes, true) => return Fate::ReadAsLines,
            Err(e) => {
                let what = match e {
                    ParseError::TooManyValues => "is not read",
                    _ => "does not parse",
                };
                let kind = e.kind();
                let message = format!("JSON document {what} ({e}), and none of its lines is a record on its own");
                out.error(self.error(kind, message, text, at))
            }
        }
        Fate::Read
    }

    /// Whether any line of `bytes` is an input unit on its own: a SAL line that tokenizes, or a
    /// `{` line that is a whole JSON value. The last line counts only when `complete` (the text
    /// ends there); lines over `max_line_bytes` never count. Stops at the first such line.
    fn has_a_unit_line(&self, bytes: &[u8], complete: bool) -> bool {
        let mut lines = bytes.split(|&b| b == b'\n');
        if !complete {
            lines.next_back();
        }
        lines.any(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.len() > self.options.max_line_bytes {
                return false;
            }
            let Ok(text) = std::str::from_utf8(line) else { return false };
            let text = text.trim();
            if text.starts_with('{') {
                serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
            } else {
                !text.is_empty() && sal::parse_line(text).is_ok()
            }
        })
    }

    /// A stream: look at the whole first line to guess its shape; a document is held (bounded) and
    /// read, or read again as lines (the held start, then the rest of the stream).
    fn stream(&self, mut reader: impl BufRead, out: &mut Counter<'_>) -> io::Result<()> {
        let mut head = Vec::new();
        let limit = self.options.max_line_bytes.saturating_add(2);
        read_through_first_line(&mut reader, limit, &mut head)?;
        let skip = if head.starts_with(BOM) { BOM.len() } else { 0 };
        if shape(&head[skip..]) == TextShape::JsonDocument {
            let max = self.options.max_json_bytes;
            // Hold the first `max + 1` bytes of the document: enough to know whether it is over.
            let want = (skip as u64).saturating_add(max as u64).saturating_add(1).saturating_sub(head.len() as u64);
            (&mut reader).take(want).read_to_end(&mut head)?;
            let document = &head[skip..];
            let window = &document[..document.len().min(max.saturating_add(1))];
            if self.document_or_lines(window, document.len() <= max, out) == Fate::Read {
                return Ok(());
            }
        }
        self.stream_lines(io::Cursor::new(head).chain(reader), skip, out)
    }

    /// Stream lines through one reused buffer (see the module documentation for the bounds).
    /// Stream lines through one reused buffer, a line at a time (so a pause in the input delays
    /// no line already read): see the module documentation for the bounds.
    fn stream_lines(&self, reader: impl Read, skip: usize, out: &mut Counter<'_>) -> io::Result<()> {
        let mut reader = BufReader::with_capacity(READ_BUFFER, reader);
        let available = reader.fill_buf()?.len();
        reader.consume(skip.min(available));
        let cap = (self.options.max_line_bytes as u64).saturating_add(2);
        let mut line = Vec::new();
        let mut line_no = 0u64;
        loop {
            line.clear();
            let read = next_line(&mut reader, cap, &mut line)?;
            if read == Line::End || out.stopped() {
                return Ok(());
            }
            line_no += 1;
            match read {
                Line::Whole => self.line_bytes(line.strip_suffix(b"\n").unwrap_or(&line), Location::line(line_no), out),
                Line::TooLong { length } => self.too_long(&line, length, Location::line(line_no), out),
                Line::Blank | Line::End => {}
            }
        }
    }

    /// A line over the limit, of which `held` was kept: one `too_large` record.
    fn too_long(&self, held: &[u8], length: u64, at: Location, out: &mut Counter<'_>) {
        out.error(self.locate(ErrorRecord::line_too_large(length, self.options.max_line_bytes, held), at))
    }

    /// Open a stream for reading in pieces: the start of the text decides (as [`Normalizer::read`]
    /// decides) whether it is lines, which come as [`LineChunks`] of about `chunk_bytes` each, or
    /// anything else, which is to be read whole with [`Normalizer::read`]. For callers that read
    /// the pieces of a large line input on several threads: each chunk read with
    /// [`Normalizer::read_chunk`], and the outputs put back in chunk order, give exactly what
    /// `read` gives; chunks given back with [`LineChunks::recycle`] lend their buffers to later
    /// ones.
    pub fn open<R: Read>(&self, reader: R, chunk_bytes: usize) -> io::Result<Opened<R>> {
        let mut reader = BufReader::with_capacity(READ_BUFFER, reader);
        let mut head = Vec::new();
        read_through_first_line(&mut reader, self.options.max_line_bytes.saturating_add(2), &mut head)?;
        let skip = if head.starts_with(BOM) { BOM.len() } else { 0 };
        let document = shape(&head[skip..]) == TextShape::JsonDocument;
        let mut rest = io::Cursor::new(head).chain(reader);
        if document {
            return Ok(Opened::Whole(rest));
        }
        rest.consume(skip); // the byte-order mark, held at the start of the cursor
        Ok(Opened::Lines(self.chunks_of(rest, chunk_bytes)))
    }

    fn chunks_of<R: BufRead>(&self, reader: R, chunk_bytes: usize) -> LineChunks<R> {
        let target = chunk_bytes.max(1);
        LineChunks { reader, max_line: self.options.max_line_bytes, target, next_line: 1, pending: None, done: false, spare: Vec::new() }
    }

    /// Read one chunk of a line input (from [`Normalizer::open`]) into `sink`.
    pub fn read_chunk(&self, chunk: &LineChunk, sink: &mut dyn Sink) -> Stats {
        let mut out = Counter::new(sink);
        self.chunk(chunk, &mut out);
        out.stats
    }

    fn chunk(&self, chunk: &LineChunk, out: &mut Counter<'_>) {
        match &chunk.body {
            ChunkBody::Lines(bytes) => {
                // Each line ends in `\n` but perhaps the input's last: the piece after the last `\n`
                // is empty (blank, not a unit) or that last line.
                let (mut start, mut number) = (0, chunk.first_line);
                loop {
                    if out.stopped() {
                        return;
                    }
                    let rest = &bytes[start..];
                    let end = find(rest, b'\n').unwrap_or(rest.len());
                    self.line_bytes(&rest[..end], Location::line(number), out);
                    if end == rest.len() {
                        break;
                    }
                    (start, number) = (start + end + 1, number + 1);
                }
            }
            ChunkBody::TooLong { held, length } => self.too_long(held, *length, Location::line(chunk.first_line), out),
        }
    }
}

/// How [`Normalizer::open`] found a stream.
pub enum Opened<R: Read> {
    /// A line input, in chunks of whole lines.
    Lines(LineChunks<io::Chain<io::Cursor<Vec<u8>>, BufReader<R>>>),
    /// A JSON document (or a text taken for one at first): read it whole with [`Normalizer::read`].
    Whole(io::Chain<io::Cursor<Vec<u8>>, BufReader<R>>),
}

/// A piece of a line input: whole lines, or one line too long to hold (see [`LineChunks`]).
#[derive(Debug)]
pub struct LineChunk {
    first_line: u64,
    body: ChunkBody,
}

impl LineChunk {
    /// Bytes of input it holds.
    pub fn len(&self) -> usize {
        match &self.body {
            ChunkBody::Lines(bytes) => bytes.len(),
            ChunkBody::TooLong { held, .. } => held.len(),
        }
    }

    /// Whether it holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug)]
enum ChunkBody {
    /// Whole lines, each ending in `\n` but perhaps the input's last.
    Lines(Vec<u8>),
    /// A line over `max_line_bytes`: its start (at most `max_line_bytes + 2` bytes; its `\r` left
    /// out when the line ended there) and its length without its line end. Never blank.
    TooLong { held: Vec<u8>, length: u64 },
}

/// A line input cut into chunks of whole lines, about `chunk_bytes` each; a line over the limit is
/// a chunk of its own and is not held past the limit, so memory stays bounded by the chunk size.
/// Line numbers run on across chunks. A read error ends the chunks (after those already read).
pub struct LineChunks<R> {
    reader: R,
    max_line: usize,
    target: usize,
    next_line: u64,
    /// A chunk found while cutting the one before (an over-long line), or a read error.
    pending: Option<io::Result<LineChunk>>,
    done: bool,
    /// Buffers of chunks given back ([`LineChunks::recycle`]), to be filled again.
    spare: Vec<Vec<u8>>,
}

/// Most buffers [`LineChunks::recycle`] keeps.
const SPARE_CHUNKS: usize = 16;

impl<R> LineChunks<R> {
    /// Give a chunk that has been read back, so that its buffer holds a later chunk: a caller
    /// that hands chunks to other threads allocates (and the system zeroes) a few buffers, not
    /// one per chunk.
    pub fn recycle(&mut self, chunk: LineChunk) {
        if let ChunkBody::Lines(mut bytes) = chunk.body {
            if self.spare.len() < SPARE_CHUNKS {
                bytes.clear();
                self.spare.push(bytes);
            }
        }
    }
}

impl<R: BufRead> Iterator for LineChunks<R> {
    type Item = io::Result<LineChunk>;

    fn next(&mut self) -> Option<io::Result<LineChunk>> {
        if let Some(pending) = self.pending.take() {
            return Some(pending);
        }
        if self.done {
            return None;
        }
        let first_line = self.next_line;
        let cap = (self.max_line as u64).saturating_add(2);
        let mut bytes = self.spare.pop().unwrap_or_else(|| Vec::with_capacity(self.target.min(4 << 20).saturating_add(1024)));
        while bytes.len() < self.target {
            let start = bytes.len();
            let read = match next_line(&mut self.reader, cap, &mut bytes) {
                Ok(read) => read,
                Err(e) => {
                    self.done = true;
                    bytes.truncate(start);
                    self.pending = Some(Err(e));
                    break;
                }
            };
            if read == Line::End {
                self.done = true;
                break;
            }
            self.next_line += 1;
            if read == Line::Whole {
                continue;
            }
            // An over-long line (kept apart) or a blank one (dropped) ends this chunk, so that line
            // numbers within a chunk stay those of its lines.
            let held = bytes.split_off(start);
            if let Line::TooLong { length } = read {
                let too_long = LineChunk { first_line: self.next_line - 1, body: ChunkBody::TooLong { held, length } };
                if bytes.is_empty() {
                    return Some(Ok(too_long));
                }
                self.pending = Some(Ok(too_long));
            }
            break;
        }
        if bytes.is_empty() {
            // Nothing before a blank over-long line, an error or the end.
            return self.pending.take().or_else(|| (!self.done).then(|| self.next()).flatten());
        }
        Some(Ok(LineChunk { first_line, body: ChunkBody::Lines(bytes) }))
    }
}

/// What [`next_line`] read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Line {
    /// A line that fits, appended with its `\n` (none for the input's last line without one).
    Whole,
    /// A line over the limit: its start was appended (at most `cap` bytes, without a `\r` that
    /// ended the line), the rest passed over; `length` is its length without its line end.
    TooLong { length: u64 },
    /// An over-long line of nothing but whitespace: not a unit; nothing appended.
    Blank,
    /// The end of the input.
    End,
}

/// Read the next line into `buf` (appended), holding at most `cap` bytes of it: one definition
/// of a line and of an over-long one for every stream reader.
fn next_line(reader: &mut impl BufRead, cap: u64, buf: &mut Vec<u8>) -> io::Result<Line> {
    let start = buf.len();
    let n = reader.take(cap).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(Line::End);
    }
    if buf.last() == Some(&b'\n') || (n as u64) < cap {
        return Ok(Line::Whole);
    }
    let rest = skip_rest_of_line(reader)?;
    let line = &buf[start..];
    if rest.blank && line.iter().all(u8::is_ascii_whitespace) {
        buf.truncate(start);
        return Ok(Line::Blank);
    }
    let mut length = line.len() as u64 + rest.bytes;
    if rest.last == Some(b'\r') || (rest.bytes == 0 && line.last() == Some(&b'\r')) {
        length -= 1;
    }
    // A `\r` just before the `\n` ends the line; it is not part of what is held.
    if rest.bytes == 0 && line.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Line::TooLong { length })
}

/// How much of a text [`read_through_first_line`] holds: up to and including the first `\n` after
/// the first non-blank byte, at most `limit` bytes.
fn head_len(bytes: &[u8], limit: usize) -> usize {
    let mut seen_data = false;
    for (i, &b) in bytes.iter().enumerate().take(limit) {
        if b == b'\n' && seen_data {
            return i + 1;
        }
        seen_data |= !b.is_ascii_whitespace() && !BOM.contains(&b);
    }
    bytes.len().min(limit)
}

/// Append to `head` up to and including the first `\n` after the first non-blank byte, or until
/// `limit` bytes or the end of input ([`head_len`] of the same bytes).
fn read_through_first_line(reader: &mut impl BufRead, limit: usize, head: &mut Vec<u8>) -> io::Result<()> {
    let mut seen_data = false;
    while head.len() < limit {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(());
        }
        let room = (limit - head.len()).min(buf.len());
        let mut take = room;
        for (i, &b) in buf[..room].iter().enumerate() {
            if b == b'\n' && seen_data {
                take = i + 1;
                break;
            }
            seen_data |= !b.is_ascii_whitespace() && !BOM.contains(&b);
        }
        head.extend_from_slice(&buf[..take]);
        reader.consume(take);
        if head.last() == Some(&b'\n') && seen_data {
            return Ok(());
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_cut_where_split_cuts() {
        for text in ["", "\n", "a", "a\n", "\n\na", "one line\nand another\n\n", "a longer first line\nb\r\n\nlast"] {
            let ours: Vec<&[u8]> = lines(text.as_bytes()).collect();
            let split: Vec<&[u8]> = text.as_bytes().split(|&b| b == b'\n').collect();
            assert_eq!(ours, split, "{text:?}");
        }
    }
    use crate::normalize::Options;
    use crate::sink::{sink_fn, Output};

    /// Read `text` as a slice and as a stream; both must say the same. The outputs as text.
    fn both_ways(n: &Normalizer, text: &[u8]) -> (Vec<String>, Stats) {
        let run = |stream: bool| {
            let mut outs = Vec::new();
            let stats = {
                let mut sink = sink_fn(|out| {
                    outs.push(match out {
                        Output::Event(e) => format!("event {}", e.api.operation),
                        Output::Error(e) => format!("error {} line {:?} {:?}: {}", e.kind, e.line, e.index, e.input),
                        Output::Skip(s) => format!("skip {}", s.event_name),
                    })
                });
                if stream {
                    n.read(text, &mut sink).expect("memory")
                } else {
                    n.read_bytes(text, &mut sink)
                }
            };
            (outs, stats)
        };
        let (slice, streamed) = (run(false), run(true));
        assert_eq!(slice, streamed, "slice and stream disagree on {:?}", String::from_utf8_lossy(text));
        slice
    }

    const GET_USER: &str = r#"{"eventSource":"iam.amazonaws.com","eventName":"GetUser","eventTime":"2020-01-01T00:00:00Z"}"#;

    /// The outputs of `open` + `read_chunk` over every chunk, in order, as text.
    fn chunked(n: &Normalizer, text: &[u8], chunk_bytes: usize) -> (Vec<String>, Stats) {
        let mut outs = Vec::new();
        let mut stats = Stats::default();
        let mut sink = sink_fn(|out: Output<'_, '_>| {
            outs.push(match out {
                Output::Event(e) => format!("event {}", e.api.operation),
                Output::Error(e) => format!("error {} line {:?} {:?}: {}", e.kind, e.line, e.index, e.input),
                Output::Skip(s) => format!("skip {}", s.event_name),
            })
        });
        match n.open(text, chunk_bytes).expect("memory") {
            Opened::Lines(chunks) => {
                for chunk in chunks {
                    stats.add(n.read_chunk(&chunk.expect("memory"), &mut sink));
                }
            }
            Opened::Whole(rest) => stats = n.read(rest, &mut sink).expect("memory"),
        }
        (outs, stats)
    }

    #[test]
    fn chunks_of_any_size_give_what_read_gives() {
        let sal = r#"79a5 mybucket [06/Feb/2014:00:00:38 +0000] 192.0.2.3 79a5 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /mybucket?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -"#;
        let long = "x".repeat(40);
        let texts = [
            format!("{sal}\n{sal}\r\n\n{GET_USER}\n{long}\r\n   \t{}\n{sal}", " ".repeat(50)),
            format!("\u{FEFF}{sal}\n{long}\n{long}\n\n{sal}\n"),
            format!("junk\n{{broken\n{sal}"),
            format!("{{\"Records\": [{GET_USER}]}}"),
            String::new(),
        ];
        let n = Normalizer::new(Options::default().max_line_bytes(30));
        for text in &texts {
            let whole = both_ways(&n, text.as_bytes());
            for size in [1, 7, 64, 1 << 20] {
                assert_eq!(chunked(&n, text.as_bytes(), size), whole, "chunks of {size} of {text:?}");
            }
        }
    }

    #[test]
    fn shapes_of_texts() {
        assert_eq!(shape(b"owner bucket [06/Feb/2019:00:00:38 +0000] ..."), TextShape::Lines);
        assert_eq!(shape(b"{\"a\":1}\n{\"a\":2}\n"), TextShape::Lines);
        assert_eq!(shape(b"{\n \"Records\": []\n}"), TextShape::JsonDocument);
        assert_eq!(shape(b"\xEF\xBB\xBF  [1]"), TextShape::JsonDocument);
        assert_eq!(shape(b"{\"Records\": []}"), TextShape::JsonDocument);
        assert_eq!(shape(b"\n\n  {\"a\":1}\n{"), TextShape::Lines);
        assert_eq!(shape(b""), TextShape::Lines);
    }

    #[test]
    fn ndjson_with_a_long_first_record_is_still_lines() {
        let big = format!("{{\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"GetUser\",\"pad\":\"{}\"}}", "x".repeat(100_000));
        let (outs, stats) = both_ways(&Normalizer::default(), format!("{big}\n{big}\n").as_bytes());
        assert_eq!(outs, ["skip GetUser", "skip GetUser"]);
        assert_eq!(stats, Stats { inputs: 2, events: 0, errors: 0, skipped: 2 });
    }

    #[test]
    fn a_byte_order_mark_is_not_data() {
        let record = r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2020-01-01T00:00:00Z"}"#;
        for text in [format!("\u{FEFF}{record}\n{record}\n"), format!("\u{FEFF}{{\"Records\":[{record}]}}")] {
            let (outs, stats) = both_ways(&Normalizer::default(), text.as_bytes());
            assert!(outs.iter().all(|o| o == "event GetObject"), "{outs:?}");
            assert_eq!(stats.events as usize, text.matches("GetObject").count());
        }
        let mut sink = sink_fn(|_| {});
        assert_eq!(Normalizer::default().read_line(format!("\u{FEFF}{record}").as_bytes(), 1, &mut sink).events, 1);
    }

    #[test]
    fn every_unit_comes_out_once() {
        let text = format!("junk line\n\n{GET_USER}\n{{broken\n\u{0}");
        let (outs, stats) = both_ways(&Normalizer::default(), text.as_bytes());
        assert_eq!(stats, Stats { inputs: 4, events: 0, errors: 3, skipped: 1 });
        assert!(outs[0].starts_with("error sal_syntax line Some(1)"), "{outs:?}");
        assert_eq!(outs[2], "error json_syntax line Some(4) None: {broken");
    }

    #[test]
    fn limits_and_bad_bytes() {
        let n = Normalizer::new(Options::default().max_line_bytes(10));
        let (outs, stats) = both_ways(&n, b"0123456789ABC\n\xff\xfe\n   \r\n0123456789ABCDEF\r\n  \t \r");
        assert_eq!(stats.inputs, 3, "{outs:?}");
        assert!(outs[0].starts_with("error too_large line Some(1)"), "{outs:?}");
        assert_eq!(outs[1], "error invalid_utf8 line Some(2) None: \u{FFFD}\u{FFFD}");
        assert!(outs[2].starts_with("error too_large line Some(4)"), "{outs:?}");
        // The length a streamed over-long line reports leaves out its `\r`, as for a held line.
        let mut lengths = Vec::new();
        {
            let mut sink = sink_fn(|out| {
                if let Output::Error(e) = out {
                    lengths.push(e.message);
                }
            });
            n.read(&b"0123456789ABCDEF\r\n"[..], &mut sink).expect("memory");
            n.read_bytes(b"0123456789ABCDEF\r\n", &mut sink);
        }
        assert_eq!(lengths, ["line is 16 bytes, over the 10-byte limit", "line is 16 bytes, over the 10-byte limit"]);
        // A line one byte over the limit, then `\r\n`: the stream holds the `\r` too, but it is no
        // part of the line's text (found by fuzzing: the error inputs differed).
        let (outs, _) = both_ways(&n, b"0123456789A\r\nb\r\n");
        assert_eq!(outs[0], "error too_large line Some(1) None: 0123456789A");
    }

    #[test]
    fn a_document_over_the_limit_is_one_error_with_its_start() {
        let n = Normalizer::new(Options::default().max_json_bytes(50));
        let doc = format!("{{\"Records\": [{GET_USER}]}}");
        let (outs, stats) = both_ways(&n, doc.as_bytes());
        assert_eq!(stats, Stats { inputs: 1, events: 0, errors: 1, skipped: 0 });
        assert!(outs[0].starts_with("error too_large"), "{outs:?}");
        let (_, stats) = both_ways(&Normalizer::default(), doc.as_bytes());
        assert_eq!(stats.skipped, 1);
    }

    const SAL_LINE: &str = r#"79a5 mybucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a5 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /mybucket?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -"#;
    const S3_RECORD: &str = r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2020-01-01T00:00:00Z"}"#;

    #[test]
    fn shapes_of_pasted_fragments() {
        assert_eq!(shape(b"\neventVersion:\"1.09\",\n  userIdentity:{"), TextShape::JsonDocument);
        assert_eq!(shape(b"  \"Records\": [\n"), TextShape::JsonDocument);
        assert_eq!(shape(b"'x-amz-id-2':\"9H5\",\n"), TextShape::JsonDocument);
        assert_eq!(shape(b"  },\n"), TextShape::JsonDocument);
        assert_eq!(shape(SAL_LINE.as_bytes()), TextShape::Lines);
        assert_eq!(shape(b"efd-somestring-df11 bucket [30/Mar/2026:01:09:38 +0000] xx.xx.41.39 - C36T"), TextShape::Lines);
        // A colon that is not followed by a value does not make a member.
        assert_eq!(shape(b"Error: something went wrong\n"), TextShape::Lines);
        assert_eq!(shape(b"key:\n"), TextShape::Lines);
        assert_eq!(shape(b"\"unterminated\n"), TextShape::Lines);
    }

    /// Lines led by a damaged NDJSON record (a `{` line that is not a whole value): the damaged
    /// line is one error and every other line is read, whether the text is under the document
    /// limit, over it, or not UTF-8.
    #[test]
    fn a_damaged_first_line_costs_only_itself() {
        let text = format!("{{\"eventVersion\":\"1.08\",\"userIdent\n{SAL_LINE}\n\n{GET_USER}\r\n{S3_RECORD}\n");
        let expected = [
            "error json_syntax line Some(1) None: {\"eventVersion\":\"1.08\",\"userIdent",
            "event GetBucketVersioning",
            "skip GetUser",
            "event GetObject",
        ];
        let through_sal_line = text.find("\n\n").unwrap() + 1;
        for max_json in [64 << 20, through_sal_line] {
            let n = Normalizer::new(Options::default().max_json_bytes(max_json));
            let (outs, stats) = both_ways(&n, text.as_bytes());
            assert!(outs[0].starts_with("error json_syntax line Some(1) None: {\"eventVersion"), "{max_json}: {outs:?}");
            assert_eq!(outs[1..], expected[1..], "{max_json}");
            assert_eq!(stats, Stats { inputs: 4, events: 2, errors: 1, skipped: 1 }, "{max_json}");
        }
        // A limit whose window holds no whole unit line: one broken document after all.
        let (outs, stats) = both_ways(&Normalizer::new(Options::default().max_json_bytes(40)), text.as_bytes());
        assert_eq!(stats.errors, 1, "{outs:?}");
        assert!(outs[0].starts_with("error too_large"), "{outs:?}");
        let mut bytes = b"{\"eventVersion\":\"\xff\xfe\n".to_vec();
        bytes.extend_from_slice(format!("{SAL_LINE}\n").as_bytes());
        let (outs, stats) = both_ways(&Normalizer::default(), &bytes);
        assert_eq!(stats, Stats { inputs: 2, events: 1, errors: 1, skipped: 0 }, "{outs:?}");
        assert!(outs[0].starts_with("error invalid_utf8 line Some(1)"), "{outs:?}");
        // A byte-order mark before the damaged line changes nothing.
        let (outs, _) = both_ways(&Normalizer::default(), format!("\u{FEFF}{text}").as_bytes());
        assert_eq!(outs[1..], expected[1..]);
    }

    /// A text taken for a document in which no line is a unit on its own is one broken document:
    /// one error record, not one per line.
    #[test]
    fn a_broken_document_is_one_error() {
        let truncated_trail = format!("{{\n  \"Records\": [\n    {S3_RECORD},\n    {{\"eventSource\": \"s3.amazon");
        let js_literal = "\neventVersion:\"1.09\",\n  userIdentity:{\n    type:\"AWSService\"\n  },\n  eventName:\"DeleteObjects\"\n}\n";
        let two_documents = "{\n\"eventName\": \"GetObject\"\n}\n{\n\"a\": 1\n}\n";
        for text in [truncated_trail.as_str(), js_literal, two_documents] {
            let (outs, stats) = both_ways(&Normalizer::default(), text.as_bytes());
            assert_eq!(stats, Stats { inputs: 1, events: 0, errors: 1, skipped: 0 }, "{outs:?}");
            assert!(outs[0].starts_with("error json_syntax line None None: "), "{outs:?}");
            assert!(outs[0].ends_with(text), "the error carries the whole text: {outs:?}");
        }
        // Over the limit: one too_large error with the start of the text.
        let n = Normalizer::new(Options::default().max_json_bytes(20));
        let (outs, stats) = both_ways(&n, truncated_trail.as_bytes());
        assert_eq!(stats.errors, 1, "{outs:?}");
        assert!(outs[0].starts_with("error too_large"), "{outs:?}");
    }

    /// The shape is guessed from the first line as far as `max_line_bytes + 2` bytes reach, in a
    /// slice as in a stream (found by fuzzing: a slice once looked at the whole first line).
    #[test]
    fn the_guess_looks_as_far_in_a_slice_as_in_a_stream() {
        let js_literal = "\neventVersion:\"1.09\",\n  userIdentity:{\n    type:\"AWSService\"\n  }\n}\n";
        for max_line in [0, 5, 12, 13, 14, 1 << 20] {
            let n = Normalizer::new(Options::default().max_line_bytes(max_line));
            both_ways(&n, js_literal.as_bytes());
            let long_record = format!("{S3_RECORD}\n{S3_RECORD}\n");
            let (outs, _) = both_ways(&n, long_record.as_bytes());
            // Records longer than the line limit are no units on their own: one broken document.
            assert_eq!(outs.len(), if max_line > S3_RECORD.len() { 2 } else { 1 }, "{max_line}: {outs:?}");
        }
    }

    /// A document that parses is read as one, even when some of its lines are records on their own.
    #[test]
    fn a_document_that_parses_is_not_read_as_lines() {
        let text = format!("{{\"Records\": [\n{S3_RECORD}\n]\n}}\n");
        let (outs, stats) = both_ways(&Normalizer::default(), text.as_bytes());
        assert_eq!(outs, ["event GetObject"]);
        assert_eq!(stats.inputs, 1);
    }

    /// Slice and stream look at the same bytes: a unit line past the first `max_json_bytes + 1`
    /// bytes does not count, in either.
    #[test]
    fn the_look_at_a_document_stops_at_the_limit() {
        let text = format!("{{\"Records\": [\n{:>60}\n{SAL_LINE}\n", "");
        let first_lines = text.find(SAL_LINE).unwrap();
        for (max, lines) in [(first_lines + SAL_LINE.len() + 1, true), (first_lines + SAL_LINE.len() - 1, false)] {
            let n = Normalizer::new(Options::default().max_json_bytes(max));
            let (outs, _) = both_ways(&n, text.as_bytes());
            assert_eq!(outs.iter().any(|o| o == "event GetBucketVersioning"), lines, "max {max}: {outs:?}");
        }
    }

    #[test]
    fn a_stopped_sink_ends_the_read() {
        struct StopAfterOne(u64);
        impl Sink for StopAfterOne {
            fn event(&mut self, _: &crate::Event<'_>) {}
            fn error(&mut self, _: crate::ErrorRecord) {
                self.0 += 1;
            }
            fn skip(&mut self, _: crate::Skip) {}
            fn stopped(&self) -> bool {
                self.0 >= 1
            }
        }
        let text = b"a\nb\nc\n";
        let n = Normalizer::default();
        assert_eq!(n.read(&text[..], &mut StopAfterOne(0)).expect("memory").errors, 1);
        assert_eq!(n.read_bytes(text, &mut StopAfterOne(0)).errors, 1);
    }
}
