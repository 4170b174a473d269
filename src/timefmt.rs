//! Timestamps. (STUB)
