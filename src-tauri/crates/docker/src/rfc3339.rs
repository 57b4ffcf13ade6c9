//! Just enough RFC 3339 to read the engine's clock (`/info` → `SystemTime`) and stats
//! times. Input comes from engines: anything malformed or out of range is `None`, never a
//! panic or an overflow.

/// Unix seconds of a timestamp such as `2026-11-30T02:20:00.123456789Z` or `...+01:00`.
/// Years 0000 to 9999 (four digits, as RFC 3339 has them).
pub fn parse_unix_secs(s: &str) -> Option<i64> {
    let (date, time) = s.split_once(['T', 't', ' '])?;
    let mut d = date.splitn(3, '-');
    let y = number(d.next()?, 0, 9999)?;
    let m = number(d.next()?, 1, 12)?;
    let day = number(d.next()?, 1, 31)?;
    let (clock, offset_secs) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else {
        let pos = time.rfind(['+', '-'])?;
        let (c, off) = time.split_at(pos);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (oh, om) = off.get(1..)?.split_once(':')?;
        (
            c,
            sign * (number(oh, 0, 23)? * 3600 + number(om, 0, 59)? * 60),
        )
    };
    let mut t = clock.split(':');
    let h = number(t.next()?, 0, 23)?;
    let min = number(t.next()?, 0, 59)?;
    let sec = number(t.next()?.split('.').next()?, 0, 60)?;
    // Bounded fields: none of this can overflow.
    Some(days_from_civil(y, m, day) * 86_400 + h * 3600 + min * 60 + sec - offset_secs)
}

/// Unix milliseconds (with the nanoseconds as the fraction) of the engine's own log time
/// format, `2006-01-02T15:04:05.000000000Z` exactly (30 bytes, nanoseconds zero-padded, UTC):
/// the fast path for every log line. `None` for any other shape (read it with the general
/// functions).
pub fn parse_log_time(b: &[u8]) -> Option<f64> {
    if b.len() != 30
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[29] != b'Z'
    {
        return None;
    }
    let digits = |from: usize, to: usize| -> Option<i64> {
        b[from..to].iter().try_fold(0i64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let (y, m, d) = (digits(0, 4)?, digits(5, 7)?, digits(8, 10)?);
    let (h, min, sec, nanos) = (
        digits(11, 13)?,
        digits(14, 16)?,
        digits(17, 19)?,
        digits(20, 29)?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || min > 59 || sec > 60 {
        return None;
    }
    let secs = days_from_civil(y, m, d) * 86_400 + h * 3600 + min * 60 + sec;
    Some(secs as f64 * 1000.0 + nanos as f64 / 1e6)
}

/// The fraction of a second of such a timestamp, in milliseconds (nanoseconds kept as the
/// fraction of a millisecond); 0 without one.
pub fn fraction_millis(s: &str) -> f64 {
    let Some((_, time)) = s.split_once(['T', 't', ' ']) else {
        return 0.0;
    };
    let Some((_, frac)) = time.split_once('.') else {
        return 0.0;
    };
    let digits: String = frac
        .chars()
        .take_while(char::is_ascii_digit)
        .take(9)
        .collect();
    let nanos = format!("{digits:0<9}").parse::<u32>().unwrap_or(0);
    f64::from(nanos) / 1e6
}

/// Unix milliseconds of such a timestamp (the fraction truncated to milliseconds).
pub fn parse_unix_millis(s: &str) -> Option<i64> {
    let secs = parse_unix_secs(s)?;
    let (_, time) = s.split_once(['T', 't', ' '])?;
    let millis = match time.split_once('.') {
        Some((_, frac)) => {
            let digits: String = frac
                .chars()
                .take_while(char::is_ascii_digit)
                .take(3)
                .collect();
            format!("{digits:0<3}").parse::<i64>().ok()?
        }
        None => 0,
    };
    Some(secs * 1000 + millis)
}

/// A run of ASCII digits within `[min, max]`.
fn number(s: &str, min: i64, max: i64) -> Option<i64> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| (min..=max).contains(n))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::{fraction_millis, parse_log_time, parse_unix_millis, parse_unix_secs};

    #[test]
    fn the_log_time_fast_path_agrees_with_the_general_reading() {
        for stamp in [
            "2026-12-01T06:40:00.123456789Z",
            "1970-01-01T00:00:00.000000000Z",
            "2024-02-29T23:59:60.999999999Z",
        ] {
            let general =
                parse_unix_secs(stamp).map(|s| s as f64 * 1000.0 + fraction_millis(stamp));
            assert_eq!(parse_log_time(stamp.as_bytes()), general, "{stamp}");
        }
        for other in [
            "2026-12-01T06:40:00.1Z",
            "2026-12-01T06:40:00.123456789+01:00",
            "2026-13-01T06:40:00.123456789Z",
            "2026-12-01T06:40:00.12345678xZ",
        ] {
            assert_eq!(parse_log_time(other.as_bytes()), None, "{other}");
        }
    }

    #[test]
    fn parses_milliseconds() {
        assert_eq!(parse_unix_millis("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(
            parse_unix_millis("1970-01-01T00:00:02.123456789Z"),
            Some(2123)
        );
        assert_eq!(parse_unix_millis("1970-01-01T00:00:03Z"), Some(3000));
        assert_eq!(
            parse_unix_millis("0001-01-01T00:00:00Z").map(|m| m < 0),
            Some(true)
        );
    }

    #[test]
    fn parses_engine_clocks() {
        assert_eq!(parse_unix_secs("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_unix_secs("2026-11-30T02:20:00.123456789Z"),
            Some(1_796_005_200)
        );
        assert_eq!(
            parse_unix_secs("2026-11-30T03:20:00.5+01:00"),
            Some(1_796_005_200)
        );
        assert_eq!(
            parse_unix_secs("2024-02-29T12:00:00-00:30"),
            Some(1_709_208_000 + 1800)
        );
        assert_eq!(parse_unix_secs("garbage"), None);
        assert_eq!(parse_unix_secs("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_unix_secs("99999999999999-01-01T00:00:00Z"), None);
        assert_eq!(parse_unix_secs("2024-01-01T00:00:00+99999999999:00"), None);
        assert_eq!(parse_unix_secs("2024-01-01T+1:00:00Z"), None);
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_not_without_panicking(s in "\\PC{0,40}") {
            let _ = parse_unix_millis(&s);
        }

        #[test]
        fn timestamp_shaped_text_never_panics(
            s in "[0-9+-]{1,8}-[0-9+-]{1,4}-[0-9]{1,4}[T ][0-9]{1,4}:[0-9]{1,4}:[0-9.]{1,6}(Z|[+-][0-9]{1,6}:[0-9]{1,4})?"
        ) {
            let _ = parse_unix_millis(&s);
        }

        #[test]
        fn valid_times_round_trip(secs in 0i64..253_402_300_799) {
            let days = secs.div_euclid(86_400);
            let (y, m, d) = civil_from_days(days);
            let t = secs.rem_euclid(86_400);
            let text = format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.25Z", t / 3600, t / 60 % 60, t % 60);
            proptest::prop_assert_eq!(parse_unix_secs(&text), Some(secs));
            proptest::prop_assert_eq!(parse_unix_millis(&text), Some(secs * 1000 + 250));
        }
    }

    /// The inverse of `days_from_civil` (H. Hinnant), for the round trip.
    fn civil_from_days(z: i64) -> (i64, i64, i64) {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        (if m <= 2 { y + 1 } else { y }, m, d)
    }
}
