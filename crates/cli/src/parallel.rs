//! A large line input read on several threads, with exactly the output of one.
//!
//! The library cuts the input into chunks of whole lines (`Normalizer::open`, about
//! [`CHUNK_BYTES`] each); the main thread reads chunks and hands them to `threads` workers, each
//! of which normalizes a chunk into its own buffers (events as NDJSON, error records, counts); the
//! main thread writes the results in chunk order. So the output is byte for byte what one thread
//! writes, and memory stays bounded: at most two chunks per worker are in flight or waiting for
//! their turn to be written, whatever the input's size.

use std::collections::BTreeMap;
use std::sync::mpsc::{channel, sync_channel, Receiver};
use std::sync::{Arc, Mutex};

use s3norm::{ErrorRecord, Event, LineChunk, LineChunks, Normalizer, ReadError, Sink, Skip, Stats};

use crate::output::Output;

/// Input bytes per chunk: large enough that handing one to a thread costs nothing next to reading
/// it, small enough that a few per thread use little memory.
pub const CHUNK_BYTES: usize = 1 << 20;

/// What a worker made of one chunk. Once it is written, its chunk goes back to the reader and its
/// `events` buffer out with a later chunk, so a run allocates (and faults in) a few buffers, not
/// two per chunk.
#[derive(Default)]
struct Rendered {
    /// The chunk it was made of, given back to the reader once written.
    chunk: Option<LineChunk>,
    events: Vec<u8>,
    errors: Vec<ErrorRecord>,
    stats: Stats,
}

impl Sink for Rendered {
    fn event(&mut self, event: &Event<'_>) {
        s3norm::write_event(&mut self.events, event);
        self.events.push(b'\n');
    }
    fn error(&mut self, error: ErrorRecord) {
        self.errors.push(error);
    }
    fn skip(&mut self, _: Skip) {}
}

/// Normalize `chunks` (from `Normalizer::open`) on `threads` workers, writing to `out` in order.
pub fn normalize<R: std::io::BufRead>(
    mut chunks: LineChunks<R>,
    normalizer: &Normalizer,
    out: &mut Output,
    threads: usize,
) -> Result<Stats, ReadError> {
    let limit = threads * 2;
    // A chunk, with an empty buffer for its events.
    let (work_tx, work_rx) = sync_channel::<(u64, LineChunk, Vec<u8>)>(limit);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = channel::<(u64, Rendered)>();
    let mut stats = Stats::default();
    let mut read_error = None;
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (work_rx, done_tx) = (Arc::clone(&work_rx), done_tx.clone());
            scope.spawn(move || loop {
                // The lock is held only to take a chunk, never while normalizing one.
                let job = work_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((seq, chunk, mut events))) = job else { return };
                // SAL events are about 3.6 bytes per input byte: room for that, grown at most once.
                events.reserve(chunk.len() * 4);
                let mut rendered = Rendered { events, ..Rendered::default() };
                rendered.stats = normalizer.read_chunk(&chunk, &mut rendered);
                rendered.chunk = Some(chunk);
                if done_tx.send((seq, rendered)).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        let mut writer = InOrder { done_rx, waiting: BTreeMap::new(), next: 0, in_flight: 0, chunks: Vec::new(), buffers: Vec::new() };
        for seq in 0u64.. {
            for written in writer.chunks.drain(..) {
                chunks.recycle(written);
            }
            let Some(chunk) = chunks.next() else { break };
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            };
            while writer.in_flight >= limit {
                writer.wait_one(out, &mut stats);
            }
            let events = writer.buffers.pop().unwrap_or_default();
            if work_tx.send((seq, chunk, events)).is_err() {
                break;
            }
            writer.in_flight += 1;
            writer.write_ready(out, &mut stats);
            if out.stopped() {
                break;
            }
        }
        drop(work_tx);
        while writer.in_flight > 0 {
            writer.wait_one(out, &mut stats);
        }
    });
    match read_error {
        None => Ok(stats),
        Some(error) => Err(ReadError { stats, error }),
    }
}

/// Results put back in chunk order.
struct InOrder {
    done_rx: Receiver<(u64, Rendered)>,
    waiting: BTreeMap<u64, Rendered>,
    next: u64,
    in_flight: usize,
    /// What written results leave behind: their chunks, for the reader, and their emptied event
    /// buffers, for the next chunks sent out.
    chunks: Vec<LineChunk>,
    buffers: Vec<Vec<u8>>,
}

impl InOrder {
    /// Wait for one result, then write whatever is ready.
    fn wait_one(&mut self, out: &mut Output, stats: &mut Stats) {
        match self.done_rx.recv() {
            Ok((seq, rendered)) => {
                self.waiting.insert(seq, rendered);
            }
            // Every worker has gone (none can, short of a panic): nothing more will come.
            Err(_) => self.in_flight = 0,
        }
        self.write_ready(out, stats);
    }

    /// Take what has arrived, and write every result whose turn it is.
    fn write_ready(&mut self, out: &mut Output, stats: &mut Stats) {
        while let Ok((seq, rendered)) = self.done_rx.try_recv() {
            self.waiting.insert(seq, rendered);
        }
        while let Some(rendered) = self.waiting.remove(&self.next) {
            self.next += 1;
            self.in_flight -= 1;
            stats.add(rendered.stats);
            out.write_ndjson(&rendered.events);
            for error in rendered.errors {
                out.error(error);
            }
            self.chunks.extend(rendered.chunk);
            let mut events = rendered.events;
            events.clear();
            self.buffers.push(events);
        }
    }
}
