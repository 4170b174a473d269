//! When AWS delivered a log object, read from its name (`metadata.log_name`: a path or an S3 key).
//!
//! Both products put the delivery time in the object name:
//! - server access logs: `[prefix]YYYY-mm-DD-HH-MM-SS-UniqueString` (AWS: "the year, month, day,
//!   hour, minute, and seconds … when the log file was delivered", UTC; UniqueString is 16
//!   characters). With a partitioned prefix whose date source is `EventTime`, the name holds the
//!   day of the events and `00-00-00` instead: that is not a delivery time, and is not used.
//! - CloudTrail: `AccountID_CloudTrail_RegionName_YYYYMMDDTHHmmZ_UniqueString.FileNameFormat`
//!   (the delivery time, to the minute, UTC).
//!
//! Files copied out of S3 keep their names; a `.gz`, `.log` or `.txt` ending added by a download
//! tool is allowed after a SAL name. Anything else has no delivery time.

use super::record::Source;
use crate::timefmt::parse_rfc3339;

/// The delivery time (epoch seconds) of the log object named `log_name`, and which product's
/// naming it follows; `None` when the name follows neither.
pub(crate) fn delivery_time(log_name: &str) -> Option<(Source, i64)> {
    let (dir, base) = match log_name.rfind(['/', '\\']) {
        Some(i) => (&log_name[..i], &log_name[i + 1..]),
        None => ("", log_name),
    };
    cloudtrail_name(base).map(|t| (Source::CloudTrail, t)).or_else(|| sal_name(dir, base).map(|t| (Source::Sal, t)))
}

/// `…YYYY-mm-DD-HH-MM-SS-XXXXXXXXXXXXXXXX` at the end of the name.
fn sal_name(dir: &str, base: &str) -> Option<i64> {
    let mut name = base;
    for ending in [".gz", ".log", ".txt"] {
        name = name.strip_suffix(ending).unwrap_or(name);
    }
    const LEN: usize = 36; // 19 for the time, a dash, 16 for the unique string
    let tail = name.as_bytes().get(name.len().checked_sub(LEN)?..)?;
    let (time, unique) = tail.split_at(20);
    let shape = b"dddd-dd-dd-dd-dd-dd-";
    let fits = time.iter().zip(shape).all(|(&c, &s)| if s == b'd' { c.is_ascii_digit() } else { c == s });
    if !fits || !unique.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let t = std::str::from_utf8(time).ok()?;
    if &t[11..19] == "00-00-00" && dir.ends_with(&format!("{}/{}/{}", &t[0..4], &t[5..7], &t[8..10])) {
        return None; // partitioned by event time: the name holds the events' day, not a delivery time
    }
    let rfc = format!("{}T{}:{}:{}Z", &t[0..10], &t[11..13], &t[14..16], &t[17..19]);
    parse_rfc3339(&rfc).map(|ms| ms / 1000)
}

/// `AccountID_CloudTrail_Region_YYYYMMDDTHHmmZ_Unique.ext`.
fn cloudtrail_name(base: &str) -> Option<i64> {
    let mut parts = base.split('_');
    let account = parts.next()?;
    if account.len() != 12 || !account.bytes().all(|c| c.is_ascii_digit()) || parts.next()? != "CloudTrail" {
        return None;
    }
    let region = parts.next()?;
    let time = parts.next()?.as_bytes();
    let unique = parts.next()?;
    if region.is_empty() || parts.next().is_some() || !unique.contains('.') {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| time[r].iter().all(u8::is_ascii_digit);
    if time.len() != 14 || time[8] != b'T' || time[13] != b'Z' || !digits(0..8) || !digits(9..13) {
        return None;
    }
    let t = std::str::from_utf8(time).ok()?;
    let rfc = format!("{}-{}-{}T{}:{}:00Z", &t[0..4], &t[4..6], &t[6..8], &t[9..11], &t[11..13]);
    parse_rfc3339(&rfc).map(|ms| ms / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc: &str) -> i64 {
        parse_rfc3339(rfc).unwrap() / 1000
    }

    #[test]
    fn aws_documented_examples() {
        // S3 User Guide, ServerLogs: "logs/2013-11-01-21-32-16-E568B2907131C0C0".
        assert_eq!(delivery_time("logs/2013-11-01-21-32-16-E568B2907131C0C0"), Some((Source::Sal, at("2013-11-01T21:32:16Z"))));
        // CloudTrail User Guide: "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz".
        let ct = "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz";
        assert_eq!(delivery_time(ct), Some((Source::CloudTrail, at("2015-08-01T02:10:00Z"))));
    }

    #[test]
    fn prefixes_downloads_and_partitions() {
        assert_eq!(delivery_time("2013-11-01-21-32-16-E568B2907131C0C0.gz").map(|d| d.1), Some(at("2013-11-01T21:32:16Z")));
        assert_eq!(delivery_time("C:\\logs\\access-2013-11-01-21-32-16-E568B2907131C0C0").map(|d| d.1), Some(at("2013-11-01T21:32:16Z")));
        // Partitioned prefix, delivery-time source: a delivery time.
        let delivered = "p/123456789012/us-east-1/b/2023/11/20/2023-11-20-10-04-55-0123456789ABCDEF";
        assert_eq!(delivery_time(delivered).map(|d| d.1), Some(at("2023-11-20T10:04:55Z")));
        // Partitioned prefix, event-time source: the day of the events, not a delivery time.
        assert_eq!(delivery_time("p/123456789012/us-east-1/b/2023/11/20/2023-11-20-00-00-00-0123456789ABCDEF"), None);
    }

    #[test]
    fn other_names_have_no_delivery_time() {
        for name in [
            "",
            "access.log",
            "tests/fixtures/s3-access-logs/awsdocs__amazon-s3-userguide__LogFormat__example_lines.log",
            "2013-11-01-21-32-16-E568B290713",      // unique string too short
            "2013-13-01-21-32-16-E568B2907131C0C0", // no 13th month
            "1111222233_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz", // 10-digit account
            "111122223333_CloudTrail-Insight_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz",
            "111122223333_CloudTrail_us-east-2_20150801T0210_Mu0KsOhtH1ar15ZZ.json.gz",
            "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ",
        ] {
            assert_eq!(delivery_time(name), None, "{name}");
        }
    }
}
