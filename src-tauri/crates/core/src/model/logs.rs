//! Container logs: lines as the engine wrote them, what a viewer asks for, and what it is sent.

use serde::{Deserialize, Serialize};
use specta::Type;

/// Which output of the container a line came from. A container with a TTY has one output,
/// where stdout and stderr cannot be told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum LogSource {
    Stdout,
    Stderr,
    Tty,
}

impl LogSource {
    /// Its letter in a batch's columns ([`LogColumns::sources`]).
    fn letter(self) -> char {
        match self {
            LogSource::Stdout => 'o',
            LogSource::Stderr => 'e',
            LogSource::Tty => 't',
        }
    }

    fn of_letter(c: char) -> Option<Self> {
        [LogSource::Stdout, LogSource::Stderr, LogSource::Tty]
            .into_iter()
            .find(|s| s.letter() == c)
    }
}

/// One line of a container's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    /// When the engine received the line: Unix milliseconds, with the fraction of a
    /// millisecond the engine gave (nanoseconds for Docker).
    pub ts: f64,
    pub source: LogSource,
    /// The line without its line ending. Invalid UTF-8 is replaced (U+FFFD); escape
    /// sequences are kept: the viewer styles the ones it knows and drops the others.
    pub text: String,
    /// The line was longer than [`MAX_LINE_BYTES`]: this is its start, and the rest
    /// follows as further lines.
    pub cut: bool,
}

/// A line longer than this is sent in parts (each part is a line of its own, marked `cut`).
pub const MAX_LINE_BYTES: usize = 1024 * 1024 + 4096;

/// What a viewer asks of a container's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LogQuery {
    /// The last N lines before `until` (or now); `None` for all of them.
    pub tail: Option<u32>,
    /// Lines from this Unix second on.
    #[specta(type = Option<f64>)]
    pub since: Option<i64>,
    /// Lines before this Unix second (a finished range: `follow` is ignored).
    #[specta(type = Option<f64>)]
    pub until: Option<i64>,
    /// Keep the stream open and send new lines as they come.
    pub follow: bool,
    pub stdout: bool,
    pub stderr: bool,
}

impl Default for LogQuery {
    fn default() -> Self {
        Self {
            tail: Some(500),
            since: None,
            until: None,
            follow: true,
            stdout: true,
            stderr: true,
        }
    }
}

/// Why a log stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum LogEndKind {
    /// Every line asked for was sent (not following, or `until` reached).
    Complete,
    /// The container stopped: its log has no new lines until it starts again.
    Stopped,
    /// The container was removed.
    Removed,
    /// Its device went offline, was disabled or removed.
    DeviceGone,
    /// The engine failed; `message` says how.
    Failed,
}

/// What a log stream sends its viewer, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum LogEvent {
    /// Lines in the order the engine sent them. The viewer answers each batch with its
    /// `seq` (`logs_ack`): without answers, at most a few batches are on their way.
    #[serde(rename_all = "camelCase")]
    Lines {
        seq: u32,
        #[serde(with = "columns")]
        #[specta(type = LogColumns)]
        lines: Vec<LogLine>,
    },
    /// The viewer fell behind and `count` lines were left out, from `from` to `to`
    /// (line times, Unix ms): it can read them again as a range.
    #[serde(rename_all = "camelCase")]
    Skipped { count: u32, from: f64, to: f64 },
    /// The stream ended; nothing follows.
    #[serde(rename_all = "camelCase")]
    Ended { kind: LogEndKind, message: String },
}

/// A batch of lines as a viewer receives it: in columns, not an object a line. The web view
/// parses one string and two arrays for a batch of thousands of lines instead of thousands of
/// objects, and keeps the text as it came (the viewer holds its lines joined, by chunks).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LogColumns {
    /// Each line's time (Unix milliseconds).
    pub ts: Vec<f64>,
    /// Each line's output, a letter a line: `o` stdout, `e` stderr, `t` a TTY.
    pub sources: String,
    /// The texts, joined by newlines (a line holds none: one it held would be shown as `␤`).
    pub text: String,
    /// The positions of the lines that are cut (see [`LogLine::cut`]), ascending.
    pub cut: Vec<u32>,
}

impl LogColumns {
    pub fn of(lines: &[LogLine]) -> Self {
        let bytes: usize = lines.iter().map(|l| l.text.len() + 1).sum();
        let mut c = Self {
            ts: Vec::with_capacity(lines.len()),
            sources: String::with_capacity(lines.len()),
            text: String::with_capacity(bytes),
            cut: Vec::new(),
        };
        for (k, line) in lines.iter().enumerate() {
            c.ts.push(line.ts);
            c.sources.push(line.source.letter());
            if k > 0 {
                c.text.push('\n');
            }
            if line.text.contains('\n') {
                c.text.push_str(&line.text.replace('\n', "\u{2424}"));
            } else {
                c.text.push_str(&line.text);
            }
            if line.cut {
                c.cut.push(k as u32);
            }
        }
        c
    }

    /// The lines again; `None` when the columns do not agree (lengths, an unknown output, a
    /// cut position that is no line's or out of order).
    pub fn lines(&self) -> Option<Vec<LogLine>> {
        if self.ts.is_empty() {
            let empty = self.sources.is_empty() && self.text.is_empty() && self.cut.is_empty();
            return empty.then(Vec::new);
        }
        let texts: Vec<&str> = self.text.split('\n').collect();
        if texts.len() != self.ts.len() || self.sources.chars().count() != self.ts.len() {
            return None;
        }
        let mut cut = self.cut.iter().peekable();
        let lines = self
            .ts
            .iter()
            .zip(self.sources.chars())
            .zip(texts)
            .enumerate()
            .map(|(k, ((ts, source), text))| {
                Some(LogLine {
                    ts: *ts,
                    source: LogSource::of_letter(source)?,
                    text: text.to_string(),
                    cut: cut.next_if(|c| **c as usize == k).is_some(),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        cut.next().is_none().then_some(lines)
    }
}

/// `LogEvent::Lines`' lines on the wire, as [`LogColumns`].
mod columns {
    use super::{LogColumns, LogLine};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(lines: &[LogLine], s: S) -> Result<S::Ok, S::Error> {
        LogColumns::of(lines).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<LogLine>, D::Error> {
        LogColumns::deserialize(d)?
            .lines()
            .ok_or_else(|| serde::de::Error::custom("the columns of a batch of lines disagree"))
    }
}

/// A line's time as `docker logs -t` prints it (`2026-12-01T06:40:00.123456000Z`, UTC, to the
/// microsecond the milliseconds keep).
pub fn format_log_time(ts_ms: f64) -> String {
    let ms = if ts_ms.is_finite() { ts_ms } else { 0.0 };
    let secs = (ms / 1000.0).floor();
    let nanos = (((ms - secs * 1000.0) * 1e6).round() as i64).clamp(0, 999_999_999);
    // A double holding Unix milliseconds keeps about a quarter of a microsecond: the
    // microseconds are shown (within one), the rest is noise.
    let nanos = (nanos + 500) / 1000 * 1000;
    let nanos = nanos.min(999_999_000);
    let secs = secs as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(ts: f64, source: LogSource, text: &str, cut: bool) -> LogLine {
        LogLine {
            ts,
            source,
            text: text.into(),
            cut,
        }
    }

    #[test]
    fn a_batch_goes_in_columns_and_comes_back_whole() {
        let lines = vec![
            line(1.5, LogSource::Stdout, "one", false),
            line(2.0, LogSource::Stderr, "", true),
            line(3.25, LogSource::Tty, "a\nb\r", false),
        ];
        let event = LogEvent::Lines {
            seq: 7,
            lines: lines.clone(),
        };
        let json: serde_json::Value = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "lines",
                "seq": 7,
                "lines": { "ts": [1.5, 2.0, 3.25], "sources": "oet", "text": "one\n\na\u{2424}b\r", "cut": [1] }
            })
        );
        // A newline inside a line cannot come back: it is shown as a sign.
        let mut expected = lines;
        expected[2].text = "a\u{2424}b\r".into();
        assert_eq!(
            serde_json::from_value::<LogEvent>(json).unwrap(),
            LogEvent::Lines {
                seq: 7,
                lines: expected
            }
        );
        let empty = serde_json::to_string(&LogColumns::of(&[])).unwrap();
        assert_eq!(empty, r#"{"ts":[],"sources":"","text":"","cut":[]}"#);
        assert_eq!(
            serde_json::from_str::<LogColumns>(&empty).unwrap().lines(),
            Some(vec![])
        );
    }

    #[test]
    fn columns_that_disagree_are_refused() {
        for bad in [
            r#"{"ts":[1],"sources":"oo","text":"a","cut":[]}"#,
            r#"{"ts":[1,2],"sources":"oo","text":"a","cut":[]}"#,
            r#"{"ts":[1],"sources":"x","text":"a","cut":[]}"#,
            r#"{"ts":[],"sources":"","text":"a","cut":[]}"#,
            r#"{"ts":[1,2],"sources":"oo","text":"a\nb","cut":[2]}"#,
            r#"{"ts":[1,2],"sources":"oo","text":"a\nb","cut":[1,0]}"#,
        ] {
            assert_eq!(
                serde_json::from_str::<LogColumns>(bad).unwrap().lines(),
                None,
                "{bad}"
            );
        }
    }

    proptest! {
        #[test]
        fn any_batch_of_lines_comes_back_through_json(
            raw in proptest::collection::vec(
                (any::<i32>(), 0..3u8, "[^\n]{0,40}", any::<bool>()),
                0..40,
            )
        ) {
            let lines: Vec<LogLine> = raw
                .iter()
                .map(|(ts, s, text, cut)| {
                    let source = [LogSource::Stdout, LogSource::Stderr, LogSource::Tty][*s as usize];
                    line(f64::from(*ts) / 8.0, source, text, *cut)
                })
                .collect();
            let event = LogEvent::Lines { seq: 1, lines };
            let json = serde_json::to_string(&event).unwrap();
            prop_assert_eq!(serde_json::from_str::<LogEvent>(&json).unwrap(), event);
        }
    }

    #[test]
    fn times_print_as_docker_logs_prints_them() {
        assert_eq!(format_log_time(0.0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            format_log_time(1_796_108_152_510.45),
            "2026-12-01T06:55:52.510450000Z"
        );
        assert_eq!(
            format_log_time(951_782_400_000.0),
            "2000-02-29T00:00:00.000000000Z"
        );
        assert_eq!(format_log_time(f64::NAN), "1970-01-01T00:00:00.000000000Z");
    }
}
