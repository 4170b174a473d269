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
//!
//! Robustness rules, since the host's pointers are untrusted:
//! - every (ptr, len) is checked against the current memory size before it is read; a range out of
//!   bounds, a null pointer with a non-zero length, or a length past the end of memory becomes an
//!   `invalid_request` error response, never a trap;
//! - input that is not inside a live block handed out by this module is copied before use, so later
//!   allocations cannot overwrite it while it is being parsed;
//! - `s3norm_dealloc` only frees blocks this module handed out, with their exact length: a wrong,
//!   stale or doubled free is a no-op instead of heap corruption;
//! - nothing here unwraps input-derived data.
//!
//! Functions named `malloc`/`free` are deliberately not exported: WAMR (Fluent Bit's engine) would
//! then route its own `module_malloc` through them instead of its private app heap.

pub mod bounds;
mod fluent_bit;

pub use fluent_bit::{filter_record, refused};

// ---------------------------------------------------------------------------------------------
// The exports (wasm32 only: they deal in 32-bit addresses of the module's own memory)
// ---------------------------------------------------------------------------------------------

#[cfg(target_arch = "wasm32")]
mod exports {
    use super::*;
    use s3norm::abi::{error_response, transform_bytes};
    use s3norm::{ErrorKind, ErrorRecord};
    use std::alloc::{alloc, dealloc, Layout};
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    /// A block handed to the host: `len` is what the host knows, `cap` what the allocator gave.
    #[derive(Clone, Copy)]
    struct Block {
        len: u32,
        cap: u32,
    }

    /// Live blocks handed to the host, by address. (The module is single-threaded; the mutex only
    /// makes the statics `Sync` and never blocks.)
    static LIVE: Mutex<BTreeMap<u32, Block>> = Mutex::new(BTreeMap::new());
    /// The Fluent Bit adapter's output: module-owned, overwritten by the next call.
    static FLUENT_BIT_OUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());

    fn live() -> std::sync::MutexGuard<'static, BTreeMap<u32, Block>> {
        LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

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

    fn read_input(ptr: u32, len: u32, what: &str) -> Result<Input, String> {
        if len == 0 {
            return Ok(Input::Borrowed(&[]));
        }
        bounds::check_range(ptr, len, memory_bytes(), what)?;
        // SAFETY: the range lies within linear memory (checked above); every address of linear
        // memory is readable, and nothing writes to it while this borrow is in use when it sits
        // inside a live block (which the allocator will not hand out again until it is freed).
        let inside_live = {
            let blocks = live();
            blocks.range(..=ptr).next_back().is_some_and(|(&start, b)| bounds::inside_block(start, b.cap, ptr, len))
        };
        let bytes: &'static [u8] = unsafe { core::slice::from_raw_parts(ptr as usize as *const u8, len as usize) };
        if inside_live {
            return Ok(Input::Borrowed(bytes));
        }
        // Not ours: copy before anything else allocates. `Vec::try_reserve_exact` reports failure
        // instead of aborting; the copy is a memmove, correct even if the fresh block overlaps.
        let mut v: Vec<u8> = Vec::new();
        if v.try_reserve_exact(len as usize).is_err() {
            return Err(format!("{what}: no memory for a copy of {len} bytes"));
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
            live().insert(ptr, Block { len, cap });
        }
        ((ptr as u64) << 32) | len as u64
    }

    /// ABI version of the request and response format.
    #[no_mangle]
    pub extern "C" fn s3norm_abi_version() -> u32 {
        s3norm::abi::ABI_VERSION
    }

    /// Allocate `len` bytes for input. Returns 0 when `len` is 0 or no memory is left (never traps).
    #[no_mangle]
    pub extern "C" fn s3norm_alloc(len: u32) -> u32 {
        if len == 0 {
            return 0;
        }
        let Ok(layout) = Layout::from_size_align(len as usize, 1) else { return 0 };
        // SAFETY: layout has non-zero size.
        let ptr = unsafe { alloc(layout) };
        if ptr.is_null() {
            return 0;
        }
        let ptr = ptr as usize as u32;
        live().insert(ptr, Block { len, cap: len });
        ptr
    }

    /// Free a block from `s3norm_alloc` or a `s3norm_transform` result. `len` must be the length
    /// the module gave; an unknown pointer, a wrong length or a second free is ignored.
    #[no_mangle]
    pub extern "C" fn s3norm_dealloc(ptr: u32, len: u32) {
        let block = {
            let mut blocks = live();
            match blocks.get(&ptr) {
                Some(b) if b.len == len => blocks.remove(&ptr),
                _ => None,
            }
        };
        if let Some(b) = block {
            if let Ok(layout) = Layout::from_size_align(b.cap as usize, 1) {
                // SAFETY: (ptr, cap) is exactly a live allocation made with this layout.
                unsafe { dealloc(ptr as usize as *mut u8, layout) }
            }
        }
    }

    /// Normalize the ABI request at (ptr, len) — UTF-8 JSON, see docs/abi.md. Returns the
    /// response as `(ptr << 32) | len`; free it with `s3norm_dealloc(ptr, len)`. Never traps on bad
    /// input or bad pointers: those come back as an error response.
    #[no_mangle]
    pub extern "C" fn s3norm_transform(ptr: u32, len: u32) -> u64 {
        let response = match read_input(ptr, len, "s3norm_transform") {
            Ok(input) => transform_bytes(input.bytes()),
            Err(message) => error_response(ErrorRecord::new(ErrorKind::InvalidRequest, message, "")),
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
        let mut bytes = match read_input(record as usize as u32, record_len, "record") {
            Ok(input) => filter_record(input.bytes()),
            Err(message) => refused(&message),
        };
        // The output becomes the module-owned buffer (the previous one is freed): no copy, and no
        // capacity kept from an earlier huge record. JSON escapes control characters, so the only
        // NUL is the terminator.
        bytes.push(0);
        let mut buffer = FLUENT_BIT_OUT.lock().unwrap_or_else(|p| p.into_inner());
        *buffer = bytes;
        buffer.as_ptr()
    }
}
