//! Log history: the lines Squirrel keeps of a container's log, in timelines that outlive the
//! container (a container recreated under the same name on the same device continues the
//! timeline of the one it replaced).

use serde::{Deserialize, Serialize};
use specta::Type;

use super::LogLine;

/// The space the history may take on disk, unless the user chose another.
pub const DEFAULT_HISTORY_BUDGET: u64 = 1024 * 1024 * 1024;
/// The smallest budget a user may choose.
pub const MIN_HISTORY_BUDGET: u64 = 16 * 1024 * 1024;
/// Lines a query returns at most.
pub const MAX_HISTORY_PAGE: u32 = 5_000;

/// The kept log of every container of one name on one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LogTimeline {
    #[specta(type = f64)]
    pub id: i64,
    pub device_uuid: String,
    pub name: String,
    /// The container now writing to it; `None` once it was removed.
    pub container_uuid: Option<String>,
    pub image: String,
    /// Times of the oldest and newest kept lines (Unix ms).
    pub first_ts: Option<f64>,
    pub last_ts: Option<f64>,
    #[specta(type = f64)]
    pub lines: u64,
    /// When its last container was removed (Unix seconds).
    #[specta(type = Option<f64>)]
    pub removed_at: Option<i64>,
}

/// Whether the history keeps the logs of a device's containers, or of one container (by
/// name). `name: None` is the device's choice; a container's own choice wins over it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KeepSetting {
    pub device_uuid: String,
    pub name: Option<String>,
    pub keep: bool,
}

/// A question to the history: lines of one timeline, of one device or of all of them,
/// matching words or not, newest first from a cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryQuery {
    /// Words every line must hold, in any order (a quoted run of words must appear as
    /// written); the last word may be the start of one. Empty: every line.
    pub text: String,
    #[specta(type = Option<f64>)]
    pub timeline: Option<i64>,
    pub device_uuid: Option<String>,
    /// Only lines older than this one (the `id` of the oldest line of the page before).
    #[specta(type = Option<f64>)]
    pub before: Option<i64>,
    /// At most this many lines (capped at [`MAX_HISTORY_PAGE`]).
    pub limit: u32,
}

/// A kept line and where it belongs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryLine {
    /// Grows with every line stored: the cursor for the next page.
    #[specta(type = f64)]
    pub id: i64,
    #[specta(type = f64)]
    pub timeline: i64,
    pub line: LogLine,
}

/// One page of answers, oldest first; `more` when older ones match too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    pub lines: Vec<HistoryLine>,
    pub more: bool,
}

/// The history as a whole: its timelines, the space it takes and the choices made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryOverview {
    pub timelines: Vec<LogTimeline>,
    #[specta(type = f64)]
    pub used_bytes: u64,
    #[specta(type = f64)]
    pub budget_bytes: u64,
    /// The choices made (devices, and containers by name).
    pub settings: Vec<KeepSetting>,
    /// The devices whose containers are kept, chosen or by default (the local engine).
    pub kept_devices: Vec<String>,
    /// The containers whose logs are being kept now.
    pub ingesting: Vec<String>,
    /// Kept running containers waiting for a stream (past the most Squirrel follows).
    pub waiting: u32,
}

/// What a trim to the budget did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryTrim {
    pub deleted_lines: u64,
    pub used_bytes: u64,
}

/// The FTS5 query for what a person typed: every word quoted (so nothing they type is
/// FTS syntax), a quoted run kept as one phrase, the last word a prefix. `None` when
/// nothing searchable was typed.
pub fn fts_query(text: &str) -> Option<String> {
    // FTS5 reads a NUL as the end of the query; control characters separate words.
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut terms: Vec<String> = Vec::new();
    let mut rest = text.as_str();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let (term, after) = if let Some(inner) = rest.strip_prefix('"') {
            match inner.find('"') {
                Some(end) => (&inner[..end], &inner[end + 1..]),
                None => (inner, ""),
            }
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        // A term without a letter or digit has no token: FTS5 would find nothing for it.
        if term.chars().any(char::is_alphanumeric) {
            terms.push(format!("\"{}\"", term.replace('"', "\"\"")));
        }
        rest = after;
    }
    let last_plain = !text.trim_end().ends_with('"');
    let mut q = terms.join(" ");
    if q.is_empty() {
        return None;
    }
    if last_plain {
        q.push('*');
    }
    Some(q)
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn typed_words_become_quoted_terms() {
        assert_eq!(fts_query("  "), None);
        assert_eq!(fts_query("--- ..."), None);
        assert_eq!(fts_query("error"), Some("\"error\"*".into()));
        assert_eq!(
            fts_query("GET /api \"timed out\""),
            Some("\"GET\" \"/api\" \"timed out\"".into())
        );
        assert_eq!(fts_query("a\"b"), Some("\"a\"\"b\"*".into()));
        assert_eq!(fts_query("a\0b"), Some("\"a\" \"b\"*".into()));
        assert_eq!(
            fts_query("NOT OR AND"),
            Some("\"NOT\" \"OR\" \"AND\"*".into())
        );
    }
}
