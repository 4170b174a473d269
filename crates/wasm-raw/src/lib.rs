//! The zero-import WebAssembly module for non-JS hosts: Wasmtime, WAMR, Fluent Bit.
//!
//! Built without wasm-bindgen for `wasm32-unknown-unknown`, so the module imports nothing and any
//! engine can instantiate it with an empty import object. Exports (see docs/abi.md):
//!
//! | export | signature (wasm) | what it does |
//! |---|---|---|
//! | `memory` | memory | the module's linear memory |
//! | `s3norm_abi_version` | `() -> i32` | [`s3norm::abi::ABI_VERSION`] |
//! | `s3norm_alloc` | `(len: i32) -> i32` | `len` bytes for the host to write input into; 0 when `len` is 0 or memory is exhausted |
//! | `s3norm_dealloc` | `(ptr: i32, len: i32)` | frees a block from `s3norm_alloc` or a `s3norm_transform` result; anything else is ignored |
//! | `s3norm_transform` | `(ptr: i32, len: i32) -> i64` | ABI request (UTF-8 JSON) in, response out as `(ptr << 32) \| len` |
//! | `s3norm_fluent_bit_filter` | `(tag, tag_len, time_sec, time_nsec, record, record_len: i32) -> i32` | Fluent Bit's WASM filter signature (event_format json): NUL-terminated JSON object out |
//! | `malloc` | `(len: i32) -> i32` | C's `malloc`, for hosts that copy input with the module's allocator (WAMR, Fluent Bit's engine, does when both `malloc` and `free` are exported) |
//! | `free` | `(ptr: i32)` | C's `free`, for blocks from `malloc` or `s3norm_alloc`; anything else is ignored |
//!
//! Robustness rules, since the host's pointers are untrusted:
//! - every (ptr, len) is checked against the current memory size before it is read; a range out of
//!   bounds, a null pointer with a non-zero length, or a length past the end of memory becomes an
//!   `invalid_request` error response, never a trap;
//! - input that is not inside a live block handed out by this module is copied before use, so later
//!   allocations cannot overwrite it while it is being parsed;
//! - `s3norm_dealloc` and `free` only free blocks this module handed out: a wrong, stale or
//!   doubled free is a no-op instead of heap corruption;
//! - nothing here unwraps input-derived data, and no state outlives a call half-updated by a trap
//!   that can be avoided: the statics are plain cells, not locks that a trap would leave held.
//!
//! A trap cannot always be avoided (a host may give the interpreter too small a stack), and a
//! trapped call never runs its epilogues, so the shadow stack pointer (`__stack_pointer`) would
//! stay where the trap left it, and enough traps would exhaust it. `scripts/build-wasm.sh`
//! therefore makes every export set `__stack_pointer` back to its initial value on entry (exports
//! are never re-entered: the module imports nothing, so nothing calls back into it).
//!
//! Records are normalized in a scratch arena (`arena.rs`): bump allocation, nothing freed until
//! the next record, nothing of it left for the next record to trip over after a trap.
//!
//! Exporting `malloc`/`free` makes WAMR copy records with the module's allocator instead of its
//! fixed-size app heap (`wasm_heap_size`), so a record of any size reaches the filter; other hosts
//! (V8, Wasmtime) never call them.

mod arena;
pub mod bounds;
mod fluent_bit;

pub use fluent_bit::{filter_record, msgpack, not_copied, refused, NESTING_KEPT};

// ---------------------------------------------------------------------------------------------
// The exports (wasm32 only: they deal in 32-bit addresses of the module's own memory)
// ---------------------------------------------------------------------------------------------

#[cfg(target_arch = "wasm32")]
mod exports {
    use super::*;
    use s3norm::abi::{error_response, transform_bytes};
    use s3norm::{ErrorKind, ErrorRecord};
    use std::alloc::{alloc, dealloc, Layout};
    use std::cell::UnsafeCell;
    use std::collections::BTreeMap;

    /// A block handed to the host: `len` is what the host knows, `cap` what the allocator gave.
    #[derive(Clone, Copy)]
    struct Block {
        len: u32,
        cap: u32,
        align: u32,
    }

    /// A static the module's single thread owns. Not a lock: a trap inside `with` leaves no
    /// "held" state behind for the next call to trip over. Exports never re-enter the module, so
    /// `with` is never nested for the same cell.
    struct Global<T>(UnsafeCell<T>);

    // SAFETY: wasm32-unknown-unknown without the atomics feature has one thread.
    unsafe impl<T> Sync for Global<T> {}

    impl<T> Global<T> {
        const fn new(value: T) -> Self {
            Global(UnsafeCell::new(value))
        }
        fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
            // SAFETY: one thread, and no caller nests `with` on the same cell.
            f(unsafe { &mut *self.0.get() })
        }
    }

    /// The allocator: dlmalloc, with a scratch arena for one Fluent Bit record at a time.
    #[global_allocator]
    static ALLOCATOR: arena::Arena<std::alloc::System> = arena::Arena::new(std::alloc::System);

    /// Live blocks handed to the host, by address.
    static LIVE: Global<BTreeMap<u32, Block>> = Global::new(BTreeMap::new());
    /// Whether [`prepare`] has run.
    static PREPARED: Global<bool> = Global::new(false);

    /// The library builds its operation indexes on first use (`OnceLock`). A call that trapped
    /// half-way through building one would leave it poisoned, and every later record would fail;
    /// so they are built here, first, where the call stack is shallowest.
    fn prepare() {
        if !PREPARED.with(|done| core::mem::replace(done, true)) {
            let _ = s3norm::operations::rows_for_sal("").count();
            let _ = s3norm::operations::find_event_name("");
        }
    }
    /// The Fluent Bit adapter's output: module-owned, overwritten by the next call.
    static FLUENT_BIT_OUT: Global<Vec<u8>> = Global::new(Vec::new());

    /// Bytes of linear memory right now.
    fn memory_bytes() -> u64 {
        core::arch::wasm32::memory_size::<0>() as u64 * 65536
    }

    /// Input bytes at (ptr, len): borrowed when they lie inside a live block this module handed
    /// out, copied otherwise (the host may have written to memory the allocator considers free).
    enum Input {
        Borrowed(&'static [u8]),
        Owned(Vec<u8>),
    }

    impl Input {
        fn bytes(&self) -> &[u8] {
            match self {
                Input::Borrowed(b) => b,
                Input::Owned(v) => v,
            }
        }
    }

    /// Why input could not be read.
    enum Refusal {
        /// A null pointer with a non-zero length: the host made no copy.
        Null(u32),
        Other(String),
    }

    fn read_input(ptr: u32, len: u32, what: &str) -> Result<Input, Refusal> {
        if len == 0 {
            return Ok(Input::Borrowed(&[]));
        }
        bounds::check_range(ptr, len, memory_bytes(), what)
            .map_err(|message| if ptr == 0 { Refusal::Null(len) } else { Refusal::Other(message) })?;
        let inside_live =
            LIVE.with(|blocks| blocks.range(..=ptr).next_back().is_some_and(|(&start, b)| bounds::inside_block(start, b.cap, ptr, len)));
        // SAFETY: the range lies within linear memory (checked above); every address of linear
        // memory is readable, and nothing writes to it while this borrow is in use when it sits
        // inside a live block (which the allocator will not hand out again until it is freed).
        let bytes: &'static [u8] = unsafe { core::slice::from_raw_parts(ptr as usize as *const u8, len as usize) };
        if inside_live {
            return Ok(Input::Borrowed(bytes));
        }
        // Not ours: copy before anything else allocates. `Vec::try_reserve_exact` reports failure
        // instead of aborting; the copy is a memmove, correct even if the fresh block overlaps.
        let mut v: Vec<u8> = Vec::new();
        if v.try_reserve_exact(len as usize).is_err() {
            return Err(Refusal::Other(format!("{what}: no memory for a copy of {len} bytes")));
        }
        // SAFETY: `v` has capacity for `len` bytes; source is in bounds (checked above).
        unsafe {
            core::ptr::copy(ptr as usize as *const u8, v.as_mut_ptr(), len as usize);
            v.set_len(len as usize);
        }
        Ok(Input::Owned(v))
    }

    /// Hand `bytes` to the host: remember the block, return `(ptr << 32) | len`.
    fn hand_out(bytes: Vec<u8>) -> u64 {
        let mut bytes = core::mem::ManuallyDrop::new(bytes);
        let (ptr, len, cap) = (bytes.as_mut_ptr() as usize as u32, bytes.len() as u32, bytes.capacity() as u32);
        if cap > 0 {
            LIVE.with(|blocks| blocks.insert(ptr, Block { len, cap, align: 1 }));
        }
        ((ptr as u64) << 32) | len as u64
    }

    /// A new block of `len` bytes, remembered as live; 0 when `len` is 0 or memory is exhausted.
    fn allocate(len: u32, align: u32) -> u32 {
        ALLOCATOR.persistent();
        if len == 0 {
            return 0;
        }
        let Ok(layout) = Layout::from_size_align(len as usize, align as usize) else { return 0 };
        // SAFETY: layout has non-zero size.
        let ptr = unsafe { alloc(layout) };
        if ptr.is_null() {
            return 0;
        }
        let ptr = ptr as usize as u32;
        LIVE.with(|blocks| blocks.insert(ptr, Block { len, cap: len, align }));
        ptr
    }

    /// Free the live block at `ptr` when `fits` accepts it; anything else is ignored.
    fn release(ptr: u32, fits: impl FnOnce(&Block) -> bool) {
        ALLOCATOR.persistent();
        let block = LIVE.with(|blocks| match blocks.get(&ptr) {
            Some(b) if fits(b) => blocks.remove(&ptr),
            _ => None,
        });
        if let Some(b) = block {
            if let Ok(layout) = Layout::from_size_align(b.cap as usize, b.align as usize) {
                // SAFETY: (ptr, cap, align) is exactly a live allocation made with this layout.
                unsafe { dealloc(ptr as usize as *mut u8, layout) }
            }
        }
    }

    /// ABI version of the request and response format.
    #[no_mangle]
    pub extern "C" fn s3norm_abi_version() -> u32 {
        s3norm::abi::ABI_VERSION
    }

    /// Allocate `len` bytes for input. Returns 0 when `len` is 0 or no memory is left (never traps).
    #[no_mangle]
    pub extern "C" fn s3norm_alloc(len: u32) -> u32 {
        allocate(len, 1)
    }

    /// Free a block from `s3norm_alloc` or a `s3norm_transform` result. `len` must be the length
    /// the module gave; an unknown pointer, a wrong length or a second free is ignored.
    #[no_mangle]
    pub extern "C" fn s3norm_dealloc(ptr: u32, len: u32) {
        release(ptr, |b| b.len == len);
    }

    /// C's `malloc`, under the name WAMR looks for (`(i32) -> i32`): with `free`, it makes WAMR
    /// copy Fluent Bit's records with this allocator instead of its fixed-size app heap. 8-byte
    /// aligned; 0 when `len` is 0 or memory is exhausted.
    #[export_name = "malloc"]
    pub extern "C" fn s3norm_malloc(len: u32) -> u32 {
        allocate(len, 8)
    }

    /// C's `free` (`(i32) -> ()`): frees a block from `malloc` or `s3norm_alloc`; an unknown
    /// pointer or a second free is ignored.
    #[export_name = "free"]
    pub extern "C" fn s3norm_free(ptr: u32) {
        release(ptr, |_| true);
    }

    /// Normalize the ABI request at (ptr, len) — UTF-8 JSON, see docs/abi.md. Returns the
    /// response as `(ptr << 32) | len`; free it with `s3norm_dealloc(ptr, len)`. Never traps on bad
    /// input or bad pointers: those come back as an error response.
    #[no_mangle]
    pub extern "C" fn s3norm_transform(ptr: u32, len: u32) -> u64 {
        ALLOCATOR.persistent();
        prepare();
        let response = match read_input(ptr, len, "s3norm_transform") {
            Ok(input) => transform_bytes(input.bytes()),
            Err(Refusal::Null(len)) => {
                error_response(ErrorRecord::new(ErrorKind::InvalidRequest, format!("s3norm_transform: null pointer with length {len}"), ""))
            }
            Err(Refusal::Other(message)) => error_response(ErrorRecord::new(ErrorKind::InvalidRequest, message, "")),
        };
        hand_out(response.into_bytes())
    }

    /// Fluent Bit WASM filter (`function_name s3norm_fluent_bit_filter`, `event_format json`).
    ///
    /// Fluent Bit copies tag and record into module memory (NUL-terminated; the lengths exclude the
    /// NUL), calls this, copies the NUL-terminated result with strdup and never frees it. The
    /// result lives in a module-owned buffer that the next call overwrites. Always a non-empty
    /// JSON object: Fluent Bit drops a record when the result is empty or not an object.
    #[no_mangle]
    pub extern "C" fn s3norm_fluent_bit_filter(
        tag: *const u8,
        tag_len: u32,
        time_sec: u32,
        time_nsec: u32,
        record: *const u8,
        record_len: u32,
    ) -> *const u8 {
        // The tag routes records inside Fluent Bit and the record's own time is authoritative.
        let _ = (tag, tag_len, time_sec, time_nsec);
        ALLOCATOR.persistent();
        prepare();
        // Everything the record needs is allocated in the scratch arena, and gone at the next
        // record; the answer is copied out into the module-owned buffer.
        let answer = ALLOCATOR.scratch(|| match read_input(record as usize as u32, record_len, "record") {
            Ok(input) => filter_record(input.bytes()),
            Err(Refusal::Null(len)) => not_copied(len),
            Err(Refusal::Other(message)) => refused(&message),
        });
        // JSON escapes control characters, and the MessagePack refusal has no zero byte, so the
        // only NUL is the terminator. No capacity is kept from an earlier huge record.
        FLUENT_BIT_OUT.with(|buffer| {
            buffer.clear();
            if buffer.capacity() > (64 << 10) && buffer.capacity() > 4 * (answer.len() + 1) {
                *buffer = Vec::new();
            }
            buffer.reserve(answer.len() + 1);
            buffer.extend_from_slice(&answer);
            buffer.push(0);
            buffer.as_ptr()
        })
    }
}
