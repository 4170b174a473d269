//! The checks the exports make on a host's (pointer, length) pairs, kept apart from the wasm32-only
//! exports so they can be tested and fuzzed natively (`fuzz/fuzz_targets/raw_exports.rs`).

/// Whether `len` bytes at `ptr` may be read from a linear memory of `memory_bytes` bytes: an empty
/// range always may; otherwise the pointer must not be null and the range must end inside memory
/// (computed in 64 bits: `ptr + len` cannot wrap). `Err` says why not, naming the input `what`.
pub fn check_range(ptr: u32, len: u32, memory_bytes: u64, what: &str) -> Result<(), String> {
    if len == 0 {
        return Ok(());
    }
    if ptr == 0 {
        return Err(format!("{what}: null pointer with length {len}"));
    }
    let end = ptr as u64 + len as u64;
    if end > memory_bytes {
        return Err(format!("{what}: range {ptr}..{end} is outside linear memory ({memory_bytes} bytes)"));
    }
    Ok(())
}

/// Whether `len` bytes at `ptr` lie inside the block of `cap` bytes at `start`.
pub fn inside_block(start: u32, cap: u32, ptr: u32, len: u32) -> bool {
    start <= ptr && start as u64 + cap as u64 >= ptr as u64 + len as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert!(check_range(0, 0, 0, "x").is_ok());
        assert!(check_range(u32::MAX, 0, 0, "x").is_ok());
        assert_eq!(check_range(0, 9, 65536, "record"), Err("record: null pointer with length 9".to_owned()));
        assert!(check_range(65535, 1, 65536, "x").is_ok());
        assert!(check_range(65535, 2, 65536, "x").is_err());
        assert!(check_range(u32::MAX, u32::MAX, 1 << 32, "x").is_err(), "no wrap-around");
        assert!(inside_block(16, 8, 16, 8) && inside_block(16, 8, 20, 0) && !inside_block(16, 8, 20, 5) && !inside_block(16, 8, 15, 1));
        assert!(inside_block(u32::MAX - 1, 1, u32::MAX - 1, 1) && !inside_block(u32::MAX - 1, 1, u32::MAX - 1, 2));
    }
}
