//! Timestamps: the two source formats in, epoch milliseconds and RFC 3339 out.
//!
//! No date crate: the formats are fixed, the arithmetic is Howard Hinnant's `days_from_civil`, and
//! a hand-rolled parser keeps the WebAssembly build small (no chrono, no `wasmbind`).
//! Every parser returns `None` on anything it does not fully understand; none panics.

use serde::{Serialize, Serializer};

/// Parse the SAL time field without its brackets: `06/Feb/2019:00:00:38 +0000`.
pub fn parse_sal_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    // dd/Mon/yyyy:HH:MM:SS +zzzz is exactly 26 bytes.
    if b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[14] != b':' || b[17] != b':' || b[20] != b' ' {
        return None;
    }
    let day = digits(&b[0..2])?;
    let month = month_number(&b[3..6])?;
    let year = digits(&b[7..11])?;
    let (h, m, sec) = (digits(&b[12..14])?, digits(&b[15..17])?, digits(&b[18..20])?);
    let offset = zone_offset_seconds(b[21], &b[22..24], &b[24..26])?;
    civil_to_ms(year, month, day, h, m, sec, 0, offset)
}

/// Parse CloudTrail's `eventTime`: RFC 3339 (`2020-05-22T08:38:05Z`, fractions, `+hh:mm` offsets),
/// also with a space for `T` and no zone (read as UTC), as some pipelines rewrite it
/// (`2024-11-25 22:00:58.000000000`).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let (h, m, sec) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    let mut rest = &b[19..];
    let mut millis = 0u32;
    if let Some((&b'.', frac)) = rest.split_first() {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        // Keep milliseconds; finer digits are dropped (the output has millisecond precision).
        for (i, &c) in frac[..n.min(3)].iter().enumerate() {
            millis += u32::from(c - b'0') * [100, 10, 1][i];
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign, hh @ .., b':', m1, m2] if hh.len() == 2 => zone_offset_seconds(*sign, hh, &[*m1, *m2])?,
        [sign, h1, h2, m1, m2] => zone_offset_seconds(*sign, &[*h1, *h2], &[*m1, *m2])?,
        _ => return None,
    };
    civil_to_ms(year, month, day, h, m, sec, millis, offset)
}

/// An instant written as RFC 3339 UTC with milliseconds, `2019-02-06T00:00:38.000Z`: fixed width,
/// so equal instants from both sources give equal text. Serializes as a string without allocating.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Rfc3339([u8; 24]);

impl Rfc3339 {
    pub fn from_millis(ms: i64) -> Self {
        let days = ms.div_euclid(86_400_000);
        let in_day = ms.rem_euclid(86_400_000);
        let (y, mo, d) = civil_from_days(days);
        let (h, mi, s, milli) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1000 % 60, in_day % 1000);
        let mut out = *b"0000-00-00T00:00:00.000Z";
        put(&mut out[0..4], y.clamp(0, 9999));
        put(&mut out[5..7], mo);
        put(&mut out[8..10], d);
        put(&mut out[11..13], h);
        put(&mut out[14..16], mi);
        put(&mut out[17..19], s);
        put(&mut out[20..23], milli);
        Rfc3339(out)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits and separators are ever written.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl std::fmt::Debug for Rfc3339 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Rfc3339 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

fn put(dst: &mut [u8], mut v: i64) {
    for slot in dst.iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0')))
}

fn month_number(b: &[u8]) -> Option<i64> {
    const MONTHS: [&[u8; 3]; 12] = [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
    MONTHS.iter().position(|m| m.as_slice() == b).map(|i| i as i64 + 1)
}

fn zone_offset_seconds(sign: u8, hh: &[u8], mm: &[u8]) -> Option<i64> {
    let (h, m) = (digits(hh)?, digits(mm)?);
    if h > 23 || m > 59 {
        return None;
    }
    match sign {
        b'+' => Some(h * 3600 + m * 60),
        b'-' => Some(-(h * 3600 + m * 60)),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn civil_to_ms(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, millis: u32, offset_s: i64) -> Option<i64> {
    // Leap seconds (:60) are accepted and folded into the next second, as most parsers do.
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + s - offset_s) * 1000) + i64::from(millis))
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant, "chrono-Compatible Low-Level Date Algorithms").
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sal_time_from_aws_example() {
        // [06/Feb/2019:00:00:38 +0000] from AWS's LogFormat examples; 1549411238 s since the epoch.
        assert_eq!(parse_sal_time("06/Feb/2019:00:00:38 +0000"), Some(1_549_411_238_000));
        assert_eq!(parse_sal_time("06/Feb/2019:02:00:38 +0200"), Some(1_549_411_238_000));
        assert_eq!(parse_sal_time("06/Foo/2019:00:00:38 +0000"), None);
        assert_eq!(parse_sal_time("30/Feb/2019:00:00:38 +0000"), None);
        assert_eq!(parse_sal_time("06/Feb/2019:00:00:38"), None);
    }

    #[test]
    fn rfc3339_variants() {
        assert_eq!(parse_rfc3339("2019-02-06T00:00:38Z"), Some(1_549_411_238_000));
        assert_eq!(parse_rfc3339("2019-02-06T00:00:38.123456Z"), Some(1_549_411_238_123));
        assert_eq!(parse_rfc3339("2019-02-06T01:00:38+01:00"), Some(1_549_411_238_000));
        assert_eq!(parse_rfc3339("2019-02-05T23:00:38-0100"), Some(1_549_411_238_000));
        assert_eq!(parse_rfc3339("2024-11-25 22:00:58.000000000"), Some(1_732_572_058_000));
        assert_eq!(parse_rfc3339("2019-02-06T00:00:38.Z"), None);
        assert_eq!(parse_rfc3339("2019-13-06T00:00:38Z"), None);
        assert_eq!(parse_rfc3339("2019-02-06"), None);
        assert_eq!(parse_rfc3339("é019-02-06T00:00:38Z"), None);
    }

    #[test]
    fn formats_fixed_width_utc() {
        assert_eq!(Rfc3339::from_millis(1_549_411_238_000).as_str(), "2019-02-06T00:00:38.000Z");
        assert_eq!(Rfc3339::from_millis(951_782_400_007).as_str(), "2000-02-29T00:00:00.007Z");
        assert_eq!(Rfc3339::from_millis(-1).as_str(), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn round_trips_every_day_of_four_centuries() {
        for day in (-200 * 366..200 * 366).step_by(1) {
            let ms = day as i64 * 86_400_000 + 45_296_789;
            assert_eq!(parse_rfc3339(Rfc3339::from_millis(ms).as_str()), Some(ms));
        }
    }
}
