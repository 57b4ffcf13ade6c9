//! Just enough RFC 3339 to read the engine's clock (`/info` → `SystemTime`).

/// Unix seconds of a timestamp such as `2026-11-30T02:20:00.123456789Z` or `...+01:00`.
pub fn parse_unix_secs(s: &str) -> Option<i64> {
    let (date, time) = s.split_once(['T', 't', ' '])?;
    let mut d = date.splitn(3, '-');
    let (y, m, day): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let (clock, offset_secs) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else {
        let pos = time.rfind(['+', '-'])?;
        let (c, off) = time.split_at(pos);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (oh, om) = off[1..].split_once(':')?;
        (
            c,
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60),
        )
    };
    let mut t = clock.split(':');
    let (h, min): (i64, i64) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?);
    let sec: i64 = t.next()?.split('.').next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || min > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(y, m, day) * 86_400 + h * 3600 + min * 60 + sec - offset_secs)
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
    use super::{parse_unix_millis, parse_unix_secs};

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
    }
}
