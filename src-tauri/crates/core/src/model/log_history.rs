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
    /// `text` is a regular expression (Rust's syntax, without case unless it says
    /// `(?-i)`), run over the kept lines newest first: no word index helps, so a page
    /// reads for at most [`REGEX_SCAN_MS`] and says where the next one goes on.
    #[serde(default)]
    pub regex: bool,
}

/// How long one page of a regular-expression search of the history reads, at most.
pub const REGEX_SCAN_MS: u64 = 2_000;

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
    /// Where the next page goes on (its `before`): the oldest line this page read, which
    /// is older than its oldest answer when a regular expression stopped on time.
    #[specta(type = Option<f64>)]
    pub next_before: Option<i64>,
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
    /// Each term as found in a text's spaced words (see `spaced_words`).
    needles: Vec<String>,
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
    if text.is_ascii() {
        // Most log lines: byte by byte.
        for b in text.bytes() {
            if b.is_ascii_alphanumeric() {
                out.push(char::from(b.to_ascii_lowercase()));
            } else if !out.ends_with(' ') {
                out.push(' ');
            }
        }
        if !out.ends_with(' ') {
            out.push(' ');
        }
        return;
    }
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

/// Whether SQLite's `unicode61` tokenizer surely reads `c` as part of a word, as Rust
/// does: letters of scripts long in Unicode (ASCII, Latin, Greek, Cyrillic, CJK, kana,
/// Hangul) and digits. A word with any other character is put in the index as a hash.
fn plain_in_index(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || (c.is_alphabetic()
            && matches!(c as u32,
                0xC0..=0x24F | 0x386..=0x3CE | 0x400..=0x45F | 0x3041..=0x3096
                | 0x30A1..=0x30FA | 0x4E00..=0x9FFF | 0xAC00..=0xD7A3))
}

/// A word as the word index holds it: itself when every character is plain (see
/// [`plain_in_index`]), otherwise `zq` and a hash of it (the index's tokenizer could cut it
/// elsewhere than Rust does; both sides hash alike, and lines are checked after).
fn index_word(word: &str, out: &mut String) -> bool {
    if word.chars().all(plain_in_index) {
        out.push_str(word);
        return true;
    }
    // FNV-1a: stable across versions and runs (the index outlives them).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in word.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    out.push_str(&format!("zq{h:016x}"));
    false
}

/// The words of `text` as the word index holds them, each after a space, appended to
/// `out`. `scratch` is reused between calls.
pub fn index_words(text: &str, out: &mut String, scratch: &mut String) {
    spaced_words(text, scratch);
    for w in scratch.split_ascii_whitespace() {
        out.push(' ');
        index_word(w, out);
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
        let last = terms.len() - 1;
        let needles = terms
            .iter()
            .enumerate()
            .map(|(k, term)| {
                let mut needle = String::new();
                for w in term {
                    needle.push(' ');
                    needle.push_str(w);
                }
                if !(prefix && k == last) {
                    needle.push(' ');
                }
                needle
            })
            .collect();
        Some(Self {
            terms,
            prefix,
            needles,
        })
    }

    /// An FTS5 query that every matching text also matches (each word as the index holds
    /// it, in any order; the last as a prefix): the word index's first cut, checked line by
    /// line after. `None` when no word can narrow it (a start of a word the index holds as
    /// a hash).
    pub fn index_query(&self) -> Option<String> {
        let all: Vec<&String> = self.terms.iter().flatten().collect();
        let mut q = String::new();
        for (k, w) in all.iter().enumerate() {
            let mut token = String::new();
            let plain = index_word(w, &mut token);
            let prefix = self.prefix && k + 1 == all.len();
            if prefix && !plain {
                continue;
            }
            if !q.is_empty() {
                q.push(' ');
            }
            q.push('"');
            q.push_str(&token);
            q.push('"');
            if prefix {
                q.push('*');
            }
        }
        (!q.is_empty()).then_some(q)
    }

    /// The longest of the words typed that are ASCII (lower-cased): an ASCII line that
    /// matches holds it as written, case aside. A reader can look for it in a whole block
    /// at once.
    pub fn longest_ascii_word(&self) -> Option<&str> {
        self.terms
            .iter()
            .flatten()
            .filter(|w| w.is_ascii())
            .max_by_key(|w| w.len())
            .map(String::as_str)
    }

    /// Whether `text` has every term. `scratch` is reused between calls.
    pub fn matches(&self, text: &str, scratch: &mut String) -> bool {
        // A quick no first: an ASCII line that does not hold a term's words as written
        // (case aside) anywhere does not hold them as words.
        if text.is_ascii() {
            scratch.clear();
            scratch.push_str(text);
            scratch.make_ascii_lowercase();
            let plain = self
                .terms
                .iter()
                .flatten()
                .all(|w| scratch.contains(w.as_str()));
            if !plain {
                return false;
            }
        }
        spaced_words(text, scratch);
        self.needles.iter().all(|n| scratch.contains(n.as_str()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
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
        let q = |t: &str| HistorySearch::parse(t).unwrap().index_query().unwrap();
        assert_eq!(q("error"), "\"error\"*");
        assert_eq!(
            q("GET /api \"timed out\""),
            "\"get\" \"api\" \"timed\" \"out\""
        );
        assert_eq!(q("a\"b"), "\"a\" \"b\"*");
        assert_eq!(q("a\0b"), "\"a\" \"b\"*");
        assert_eq!(q("NOT OR AND"), "\"not\" \"or\" \"and\"*");
        assert_eq!(q("É*"), "\"é\"*");
        // A word the index's tokenizer might cut elsewhere is held as a hash, on both sides;
        // as a start of a word it cannot narrow the search.
        let mut held = String::new();
        super::index_words("x a\u{a980}b", &mut held, &mut String::new());
        assert!(held.starts_with(" x zq"), "{held}");
        assert_eq!(q("\"a\u{a980}b\" x"), format!("\"{}\" \"x\"*", &held[3..]));
        assert_eq!(
            HistorySearch::parse("a\u{a980}b").unwrap().index_query(),
            None
        );
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
