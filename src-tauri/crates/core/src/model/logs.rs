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
