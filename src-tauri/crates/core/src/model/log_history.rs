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

/// What a person typed into the history's search, as words to find in a line: every term
/// must be there, a quoted run as a phrase (its words one after another), the last word
/// typed as the start of a word. Words are runs of letters and digits, compared without
/// case; nothing typed is syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistorySearch {
    /// Each term's words, lower-cased.
    terms: Vec<Vec<String>>,
    /// The last word of the last term is the start of a word.
    prefix: bool,
}

/// Whether `c` is part of a word, as SQLite's `unicode61` word index sees it: letters,
/// digits and private-use characters.
fn in_word(c: char) -> bool {
    c.is_alphanumeric()
        || ('\u{E000}'..='\u{F8FF}').contains(&c)
        || ('\u{F0000}'..='\u{10FFFD}').contains(&c)
}

/// A text's words, lower-cased, each after a space, and a space at the end (`" a b "`): a
/// term's words are then found with `contains`.
fn spaced_words(text: &str, out: &mut String) {
    out.clear();
    out.push(' ');
    for c in text.chars() {
        if in_word(c) {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
}

fn words(text: &str) -> Vec<String> {
    let mut spaced = String::new();
    spaced_words(text, &mut spaced);
    spaced.split_whitespace().map(str::to_string).collect()
}

impl HistorySearch {
    /// `None` when nothing searchable was typed (no letter or digit).
    pub fn parse(text: &str) -> Option<Self> {
        let mut terms: Vec<Vec<String>> = Vec::new();
        let mut rest = text;
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
            let w = words(term);
            if !w.is_empty() {
                terms.push(w);
            }
            rest = after;
        }
        if terms.is_empty() {
            return None;
        }
        let prefix = !text.trim_end().ends_with('"');
        Some(Self { terms, prefix })
    }

    /// An FTS5 query that every matching text also matches (each word, in any order; the
    /// last as a prefix): the word index's first cut, checked line by line after.
    pub fn index_query(&self) -> String {
        let all: Vec<&String> = self.terms.iter().flatten().collect();
        let mut q = String::new();
        for (k, w) in all.iter().enumerate() {
            if k > 0 {
                q.push(' ');
            }
            q.push('"');
            q.push_str(w);
            q.push('"');
            if self.prefix && k + 1 == all.len() {
                q.push('*');
            }
        }
        q
    }

    /// Whether `text` has every term. `scratch` is reused between calls.
    pub fn matches(&self, text: &str, scratch: &mut String) -> bool {
        spaced_words(text, scratch);
        let last = self.terms.len() - 1;
        let mut needle = String::new();
        self.terms.iter().enumerate().all(|(k, term)| {
            needle.clear();
            for w in term {
                needle.push(' ');
                needle.push_str(w);
            }
            if !(self.prefix && k == last) {
                needle.push(' ');
            }
            scratch.contains(needle.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::HistorySearch;

    fn finds(typed: &str, line: &str) -> bool {
        HistorySearch::parse(typed)
            .unwrap()
            .matches(line, &mut String::new())
    }

    #[test]
    fn typed_words_are_words_to_find_never_syntax() {
        assert_eq!(HistorySearch::parse("  "), None);
        assert_eq!(HistorySearch::parse("--- ..."), None);
        let q = |t: &str| HistorySearch::parse(t).unwrap().index_query();
        assert_eq!(q("error"), "\"error\"*");
        assert_eq!(
            q("GET /api \"timed out\""),
            "\"get\" \"api\" \"timed\" \"out\""
        );
        assert_eq!(q("a\"b"), "\"a\" \"b\"*");
        assert_eq!(q("a\0b"), "\"a\" \"b\"*");
        assert_eq!(q("NOT OR AND"), "\"not\" \"or\" \"and\"*");
        assert_eq!(q("É*"), "\"é\"*");
    }

    #[test]
    fn a_line_has_every_term_a_phrase_in_order_and_the_last_word_as_a_start() {
        assert!(finds("disk", "level=error msg=\"disk full\""));
        assert!(finds("DISK fu", "level=error msg=\"disk full\""));
        assert!(!finds("isk", "disk full"));
        assert!(finds("\"disk full\"", "ERR: Disk-Full!"));
        assert!(!finds("\"disk full\"", "full disk"));
        assert!(!finds("\"disk ful\"", "disk full"));
        assert!(finds("/api/v1 200", "GET /api/v1/items 200"));
        assert!(!finds("/api/v2", "GET /api/v1/items 200"));
        assert!(finds("café", "un Café noir"));
        assert!(!finds("error", ""));
    }
}
