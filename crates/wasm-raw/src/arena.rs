//! The raw module's allocator: the system allocator (dlmalloc on wasm32), with a scratch arena
//! for one Fluent Bit record at a time.
//!
//! Why: normalizing a record allocates hundreds of small blocks (every string and map of a parsed
//! CloudTrail record) and frees them all at its end. In an interpreter (Fluent Bit's WAMR) each
//! dlmalloc `malloc`/`free` is 100–200 instructions; a bump allocation is about ten and a free is
//! a comparison. Measured: about 20 000 instructions (Wasmtime fuel) less per CloudTrail record.
//! And a trap half-way through a record leaves nothing behind that the next record depends on:
//! the arena starts afresh at each scope, whatever state the last one was left in.
//!
//! # Invariants
//! - Scratch mode is on only inside [`Arena::scratch`] (a scope that trapped leaves it on: every
//!   other entry point turns it off first, [`Arena::persistent`]). Every block allocated then lives in the
//!   arena and is gone when the next scope begins: nothing allocated in a scope may outlive it
//!   (the caller copies out what must, the filter's answer, after the scope).
//! - What is built lazily and kept (`OnceLock` statics) must be built before the first scope
//!   (`prepare` in lib.rs does).
//! - `dealloc` of an arena block frees nothing (the last block is popped); `dealloc` of any other
//!   block goes to the system allocator, in either mode. `realloc` of the last arena block grows
//!   it in place when the chunk has room.
//! - Chunks come from the system allocator; a scope keeps the largest chunk up to
//!   [`KEEP_BYTES`] for the next one and frees the rest.

// Only the wasm32 module uses it as its allocator; elsewhere only its tests do.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;

/// The first chunk's size; a chunk that fills up is followed by one twice as large (or as large
/// as the block that did not fit).
const FIRST_CHUNK: usize = 256 << 10;
/// Largest chunk kept from one scope to the next.
const KEEP_BYTES: usize = 4 << 20;
/// Chunks one scope may hold (doubling sizes: far more than wasm32's 4 GiB).
const MAX_CHUNKS: usize = 24;
/// Chunk alignment (the largest alignment a block asks for here).
const CHUNK_ALIGN: usize = 16;

#[derive(Clone, Copy, Default)]
struct Chunk {
    start: usize,
    size: usize,
}

impl Chunk {
    fn holds(&self, ptr: usize) -> bool {
        ptr >= self.start && ptr < self.start + self.size
    }
}

#[derive(Default)]
struct State {
    active: bool,
    chunks: [Chunk; MAX_CHUNKS],
    used: usize,
    /// The bump pointer and the end of the current (last) chunk.
    top: usize,
    end: usize,
    /// The last block handed out (it can be popped or grown in place).
    last: usize,
}

/// See the module documentation. `B` is the allocator underneath (the system's).
pub struct Arena<B> {
    backing: B,
    state: UnsafeCell<State>,
}

// SAFETY: the raw module is single-threaded (wasm32-unknown-unknown without atomics), and the
// tests use an arena from one thread only.
unsafe impl<B: Sync> Sync for Arena<B> {}

impl<B: GlobalAlloc> Arena<B> {
    pub const fn new(backing: B) -> Self {
        Arena {
            backing,
            state: UnsafeCell::new(State {
                active: false,
                chunks: [Chunk { start: 0, size: 0 }; MAX_CHUNKS],
                used: 0,
                top: 0,
                end: 0,
                last: 0,
            }),
        }
    }

    #[allow(clippy::mut_from_ref)]
    fn state(&self) -> &mut State {
        // SAFETY: single-threaded, and no caller holds the reference across another call here.
        unsafe { &mut *self.state.get() }
    }

    /// Run `f` with every allocation in the arena. What `f` returns may live in the arena: use it
    /// before the next scope and copy out what must last.
    pub fn scratch<R>(&self, f: impl FnOnce() -> R) -> R {
        self.reset();
        self.state().active = true;
        let result = f();
        self.state().active = false;
        result
    }

    /// Leave scratch mode, if a trapped scope left it on: every export but the filter calls this
    /// first, so that what it allocates (a host's `malloc`) is never taken from the arena.
    pub fn persistent(&self) {
        self.state().active = false;
    }

    /// Start afresh: keep the largest chunk (up to `KEEP_BYTES`), free the others.
    fn reset(&self) {
        let s = self.state();
        s.active = false;
        let chunks = s.chunks;
        let keep = (0..s.used).filter(|&i| chunks[i].size <= KEEP_BYTES).max_by_key(|&i| chunks[i].size);
        for (i, chunk) in chunks.iter().enumerate().take(s.used) {
            if Some(i) != keep {
                // SAFETY: every chunk was allocated by `backing` with this layout.
                unsafe { self.backing.dealloc(chunk.start as *mut u8, Layout::from_size_align_unchecked(chunk.size, CHUNK_ALIGN)) };
            }
        }
        s.used = 0;
        s.top = 0;
        s.end = 0;
        s.last = 0;
        if let Some(i) = keep {
            s.chunks[0] = chunks[i];
            s.used = 1;
            s.top = chunks[i].start;
            s.end = chunks[i].start + chunks[i].size;
        }
    }

    fn in_arena(&self, ptr: usize) -> bool {
        let s = self.state();
        s.chunks[..s.used].iter().any(|c| c.holds(ptr))
    }

    /// A block from the arena, or null when no chunk can be had.
    fn bump(&self, layout: Layout) -> *mut u8 {
        let s = self.state();
        loop {
            let start = (s.top + layout.align() - 1) & !(layout.align() - 1);
            if s.used > 0 && start.checked_add(layout.size()).is_some_and(|end| end <= s.end) {
                s.top = start + layout.size();
                s.last = start;
                return start as *mut u8;
            }
            if s.used == MAX_CHUNKS {
                return core::ptr::null_mut();
            }
            let previous = if s.used > 0 { s.chunks[s.used - 1].size } else { FIRST_CHUNK / 2 };
            let Some(size) = layout.size().checked_add(layout.align()).map(|need| need.max(previous * 2).next_power_of_two()) else {
                return core::ptr::null_mut();
            };
            let Ok(chunk_layout) = Layout::from_size_align(size, CHUNK_ALIGN) else { return core::ptr::null_mut() };
            // SAFETY: non-zero size.
            let chunk = unsafe { self.backing.alloc(chunk_layout) };
            if chunk.is_null() {
                return chunk;
            }
            s.chunks[s.used] = Chunk { start: chunk as usize, size };
            s.used += 1;
            s.top = chunk as usize;
            s.end = chunk as usize + size;
        }
    }
}

unsafe impl<B: GlobalAlloc> GlobalAlloc for Arena<B> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if self.state().active && layout.align() <= CHUNK_ALIGN {
            self.bump(layout)
        } else {
            self.backing.alloc(layout)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let p = ptr as usize;
        if !self.in_arena(p) {
            return self.backing.dealloc(ptr, layout);
        }
        let s = self.state();
        if p == s.last && p + layout.size() == s.top {
            s.top = p; // the last block: popped
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = ptr as usize;
        if !self.in_arena(p) {
            return self.backing.realloc(ptr, layout, new_size);
        }
        let s = self.state();
        if new_size <= layout.size() {
            if p == s.last && p + layout.size() == s.top {
                s.top = p + new_size;
            }
            return ptr;
        }
        if p == s.last && p + layout.size() == s.top && p + new_size <= s.end {
            s.top = p + new_size; // the last block grows in place
            return ptr;
        }
        // SAFETY: the new layout is valid (the caller's contract for realloc).
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        // Out of the arena's scope (a block kept from before), it goes to the system allocator.
        let new = if s.active { self.bump(new_layout) } else { self.backing.alloc(new_layout) };
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, layout.size());
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::System;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn blocks_come_from_the_arena_only_inside_a_scope() {
        let arena = Arena::new(System);
        unsafe {
            let outside = arena.alloc(layout(64, 8));
            let (a, b) = arena.scratch(|| (arena.alloc(layout(10, 1)), arena.alloc(layout(100, 16))));
            assert!(arena.in_arena(a as usize) && arena.in_arena(b as usize));
            assert_eq!(b as usize % 16, 0);
            assert!(!arena.in_arena(outside as usize));
            // A block from before the scope is freed by the system allocator, even inside one.
            arena.scratch(|| arena.dealloc(outside, layout(64, 8)));
        }
    }

    #[test]
    fn the_last_block_grows_in_place_and_others_are_copied() {
        let arena = Arena::new(System);
        arena.scratch(|| unsafe {
            let a = arena.alloc(layout(8, 1));
            a.write_bytes(7, 8);
            let grown = arena.realloc(a, layout(8, 1), 1000);
            assert_eq!(grown, a, "grown in place");
            let b = arena.alloc(layout(8, 1));
            let moved = arena.realloc(grown, layout(1000, 1), 2000);
            assert_ne!(moved, grown);
            assert_eq!(std::slice::from_raw_parts(moved, 8), [7; 8]);
            arena.dealloc(b, layout(8, 1));
            // Larger than a chunk: a chunk of its own.
            let big = arena.alloc(layout(10 << 20, 8));
            assert!(!big.is_null() && arena.in_arena(big as usize));
            big.write_bytes(1, 10 << 20);
        });
        // The next scope keeps one chunk (the largest up to KEEP_BYTES) and starts at its start.
        arena.scratch(|| {
            let s = arena.state();
            assert_eq!(s.used, 1);
            assert!(s.chunks[0].size <= KEEP_BYTES);
            assert_eq!(s.top, s.chunks[0].start);
        });
    }

    #[test]
    fn vectors_and_strings_work_on_it() {
        let arena = Arena::new(System);
        // Exercised through the trait as the global allocator would be.
        arena.scratch(|| unsafe {
            let mut blocks = Vec::new();
            for i in 1..2000usize {
                let p = arena.alloc(layout(i % 97 + 1, 1 << (i % 4)));
                assert!(!p.is_null());
                p.write_bytes((i % 251) as u8, i % 97 + 1);
                blocks.push((p, i));
            }
            for (p, i) in blocks {
                assert!(std::slice::from_raw_parts(p, i % 97 + 1).iter().all(|&b| b == (i % 251) as u8));
            }
        });
    }
}
