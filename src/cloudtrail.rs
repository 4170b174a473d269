//! CloudTrail records and containers. (STUB)
