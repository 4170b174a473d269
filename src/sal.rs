//! S3 server access log lines. (STUB)
