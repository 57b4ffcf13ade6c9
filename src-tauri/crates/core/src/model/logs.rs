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
    Lines { seq: u32, lines: Vec<LogLine> },
    /// The viewer fell behind and `count` lines were left out, from `from` to `to`
    /// (line times, Unix ms): it can read them again as a range.
    #[serde(rename_all = "camelCase")]
    Skipped { count: u32, from: f64, to: f64 },
    /// The stream ended; nothing follows.
    #[serde(rename_all = "camelCase")]
    Ended { kind: LogEndKind, message: String },
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
mod tests {
    use super::format_log_time;

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
