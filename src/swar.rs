//! Eight bytes at a time: finding rare bytes in text with word arithmetic instead of a byte loop
//! (SWAR, "SIMD within a register"; Hacker's Delight 6-1). Portable, WebAssembly included.
//!
//! Invariant: a mask's lowest set bit is exact (the first matching byte); bits above it may be
//! false hits (a borrow carries into the next byte), so callers take `trailing_zeros` or check
//! the bytes themselves, never count bits.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The eight bytes at `i` as a little-endian word, when eight remain.
#[inline(always)]
pub(crate) fn word_at(bytes: &[u8], i: usize) -> Option<u64> {
    let chunk = bytes.get(i..i + 8)?;
    Some(u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]))
}

/// The high bit of each byte of `w` equal to `b` (see the module's invariant).
#[inline(always)]
pub(crate) fn bytes_equal(w: u64, b: u8) -> u64 {
    let x = w ^ (ONES * u64::from(b));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The high bit of each byte of `w` below `n` (`n` ≤ 0x80; see the module's invariant).
#[inline(always)]
pub(crate) fn bytes_below(w: u64, n: u8) -> u64 {
    w.wrapping_sub(ONES * u64::from(n)) & !w & HIGHS
}

/// Index of the byte a non-zero mask's lowest bit stands for, within its word.
#[inline(always)]
pub(crate) fn first(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// The index of the first `b` in `bytes`: a word at a time, then byte by byte.
#[inline]
pub(crate) fn find(bytes: &[u8], b: u8) -> Option<usize> {
    let mut i = 0;
    while let Some(w) = word_at(bytes, i) {
        let hits = bytes_equal(w, b);
        if hits != 0 {
            return Some(i + first(hits));
        }
        i += 8;
    }
    bytes[i..].iter().position(|&c| c == b).map(|at| i + at)
}

/// The index of the first byte at or after `i` that `hits` marks (a mask of a word, as
/// [`bytes_equal`] and [`bytes_below`] make; see the module's invariant), or `None`.
#[inline(always)]
pub(crate) fn find_hit(text: &[u8], mut i: usize, hits: impl Fn(u64) -> u64) -> Option<usize> {
    while let Some(w) = word_at(text, i) {
        let mask = hits(w);
        if mask != 0 {
            return Some(i + first(mask));
        }
        i += 8;
    }
    let tail = text.get(i..)?;
    // Fewer than eight left: one word of them, padded after their end. The lowest hit is exact,
    // so a hit in the padding means none in the text, and is dropped.
    let mut last = [b' '; 8];
    last[..tail.len()].copy_from_slice(tail);
    let mask = hits(u64::from_le_bytes(last));
    (mask != 0).then(|| i + first(mask)).filter(|&at| at < text.len())
}

/// `s` split around its first `b`, an ASCII byte (so both sides are whole `str`s).
#[inline]
pub(crate) fn split_once(s: &str, b: u8) -> Option<(&str, &str)> {
    debug_assert!(b.is_ascii());
    let i = find(s.as_bytes(), b)?;
    Some((&s[..i], &s[i + 1..]))
}

/// `s` split around its last `b`, an ASCII byte.
#[inline]
pub(crate) fn rsplit_once(s: &str, b: u8) -> Option<(&str, &str)> {
    debug_assert!(b.is_ascii());
    let i = s.bytes().rposition(|c| c == b)?;
    Some((&s[..i], &s[i + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_hit_is_exact() {
        // Every position of a match, every byte value around it.
        for at in 0..8 {
            for other in 0..=255u8 {
                let mut bytes = [other; 8];
                bytes[at] = b'*';
                let w = word_at(&bytes, 0).unwrap();
                let expect = bytes.iter().position(|&b| b == b'*').unwrap();
                assert_eq!(first(bytes_equal(w, b'*')), expect);
                let below = bytes.iter().position(|&b| b < 0x20);
                assert_eq!((bytes_below(w, 0x20) != 0).then(|| first(bytes_below(w, 0x20))), below);
            }
        }
        assert_eq!(bytes_equal(word_at(b"abcdefgh", 0).unwrap(), b'*'), 0);
        for len in 0..40 {
            for at in 0..=len {
                let mut bytes = vec![b'a'; len];
                bytes.extend_from_slice(b" x ");
                bytes.truncate(len.max(at + 1).min(len + 3));
                assert_eq!(find(&bytes, b' '), bytes.iter().position(|&c| c == b' '), "{bytes:?}");
            }
            assert_eq!(find(&vec![0xa0; len], b' '), None);
        }
        for text in ["", " ", "a b c", "é ü?x", "GET /k?a=1 HTTP/1.1", "no-space"] {
            assert_eq!(split_once(text, b' '), text.split_once(' '), "{text}");
            assert_eq!(rsplit_once(text, b' '), text.rsplit_once(' '), "{text}");
        }
        assert_eq!(word_at(b"1234567", 0), None);
    }
}
