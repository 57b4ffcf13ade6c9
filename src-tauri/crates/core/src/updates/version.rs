//! Tags read as versions, as a person reads them, and the newest tag a policy allows.
//!
//! A tag is a version when it is an optional word prefix (`v`, `version-`), one to four
//! numbers joined by dots, an optional pre-release (`-rc.1`, `-beta2`, `rc1`) and an optional
//! variant (`-alpine`, `-ls248`, `-1`): `1.25.3`, `v2.0.0-rc.1`, `2024.01.15`,
//! `2024-01-15`, `1.2.3.4`, `5.28.0-ls248`, `16-alpine`. Anything else (`latest`, `stable`,
//! `sha-1a2b3c`, `4f9e1c2`) is not a version and is only checked by digest.
//!
//! Only tags of the same shape are compared: the same prefix, as many numbers, the same
//! variant (so `16-alpine` never moves to `17`), and a build counter only beside a build
//! counter. A stable tag never moves to a pre-release; a pre-release may move to a newer
//! pre-release or to the release.

use std::cmp::Ordering;

/// How far an automatic update may move a container's tag.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    specta::Type,
)]
#[serde(rename_all = "camelCase")]
pub enum UpdatePolicy {
    /// Not checked at all.
    Off,
    /// The same tag, re-pushed with new content.
    Digest,
    /// Newer tags that keep all numbers but the last ones (`1.2.3` → `1.2.9`).
    Patch,
    /// Newer tags that keep the first number (`1.2.3` → `1.9.0`).
    Minor,
    /// Any newer tag of the same shape (`1.2.3` → `2.0.0`).
    Major,
}

impl UpdatePolicy {
    /// The policy named by a label's value (`patch`, `Minor`, …), if any.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" | "none" | "false" | "no" | "never" => Some(Self::Off),
            "digest" => Some(Self::Digest),
            "patch" => Some(Self::Patch),
            "minor" => Some(Self::Minor),
            "major" | "all" | "any" => Some(Self::Major),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Digest => "digest",
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }
}

/// Pre-release words, in the order their releases come.
const PRE_LABELS: &[(&str, u8)] = &[
    ("dev", 0),
    ("snapshot", 0),
    ("nightly", 0),
    ("canary", 0),
    ("alpha", 1),
    ("a", 1),
    ("beta", 2),
    ("b", 2),
    ("pre", 3),
    ("preview", 3),
    ("next", 3),
    ("rc", 4),
    ("cr", 4),
];

/// Words allowed before the numbers.
const PREFIXES: &[&str] = &["v", "version", "release", "rel", "r"];

/// A tag read as a version (see the module's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagVersion {
    /// The word before the numbers, lower-cased, with its separator (`v`, `version-`).
    prefix: String,
    numbers: Vec<u64>,
    /// The numbers are a date written with dashes (`2024-01-15`).
    dashed: bool,
    /// The pre-release's rank (see `PRE_LABELS`) and number.
    pre: Option<(u8, u64)>,
    /// The variant's text without its trailing build counter (`-alpine`, `-ls`).
    variant: String,
    /// The variant's trailing number (`-ls248` → 248, `-1` → 1).
    build: Option<u64>,
}

/// Splits the leading ASCII digits off `s` (at most 18, so the number fits).
fn digits(s: &str) -> Option<(u64, &str)> {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    if end == 0 || end > 18 {
        return None;
    }
    Some((s[..end].parse().ok()?, &s[end..]))
}

/// Splits the leading ASCII letters off `s`, lower-cased.
fn letters(s: &str) -> (String, &str) {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_alphabetic())
        .unwrap_or(s.len());
    (s[..end].to_ascii_lowercase(), &s[end..])
}

impl TagVersion {
    /// The tag as a version, or `None` when it is not one.
    pub fn parse(tag: &str) -> Option<Self> {
        if tag.is_empty() || tag.len() > 128 {
            return None;
        }
        // The prefix: a known word, then an optional separator.
        let (word, after_word) = letters(tag);
        let (prefix, rest) = if word.is_empty() {
            (String::new(), tag)
        } else if PREFIXES.contains(&word.as_str()) {
            match after_word.as_bytes().first() {
                Some(b'-' | b'_' | b'.') => {
                    (format!("{word}{}", &after_word[..1]), &after_word[1..])
                }
                _ => (word, after_word),
            }
        } else {
            return None;
        };
        // The numbers: a date written with dashes (2024-01-15) or dotted numbers.
        let mut numbers = Vec::new();
        let mut rest = rest;
        let dashed = Self::dashed_date(rest).is_some();
        if let Some(date) = Self::dashed_date(rest) {
            numbers.extend_from_slice(&date.0);
            rest = date.1;
        } else {
            let (n, after) = digits(rest)?;
            numbers.push(n);
            rest = after;
            while numbers.len() < 4 {
                match rest.strip_prefix('.').and_then(digits) {
                    Some((n, after)) => {
                        numbers.push(n);
                        rest = after;
                    }
                    None => break,
                }
            }
        }
        // A pre-release: an optional separator, a known word, an optional number.
        let mut pre = None;
        let body = rest.strip_prefix(['-', '.', '_']).unwrap_or(rest);
        let (word, after_word) = letters(body);
        if let Some((_, rank)) = PRE_LABELS.iter().find(|(w, _)| *w == word) {
            let after_sep = after_word.strip_prefix(['.', '-']).unwrap_or(after_word);
            let (n, after) = match digits(after_sep) {
                Some((n, after)) => (n, after),
                None => (0, after_word),
            };
            // A word that goes on (`-beta2x`, `-abc`) is no pre-release.
            if after.is_empty() || after.starts_with(['-', '_', '+']) {
                pre = Some((*rank, n));
                rest = after;
            }
        }
        // The variant: what is left, after a separator, made of tag characters.
        let (variant, build) = if rest.is_empty() {
            (String::new(), None)
        } else {
            if !rest.starts_with(['-', '_', '+']) {
                return None;
            }
            let lower = rest.to_ascii_lowercase();
            let cut = lower
                .bytes()
                .rposition(|b| !b.is_ascii_digit())
                .map_or(0, |k| k + 1);
            // A trailing counter right after letters or the separator (`-ls248`, `-r1`,
            // `-1`) is a build number; after a dot it is part of the variant (`-alpine3.19`).
            if cut < lower.len() && !lower[..cut].ends_with('.') && lower.len() - cut <= 18 {
                let n: u64 = lower[cut..].parse().ok()?;
                (lower[..cut].to_string(), Some(n))
            } else {
                (lower, None)
            }
        };
        Some(Self {
            prefix,
            numbers,
            dashed,
            pre,
            variant,
            build,
        })
    }

    /// `YYYY-MM-DD` at the start of `s`.
    fn dashed_date(s: &str) -> Option<([u64; 3], &str)> {
        let b = s.as_bytes();
        let shape = b.len() >= 10
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4] == b'-'
            && b[5..7].iter().all(u8::is_ascii_digit)
            && b[7] == b'-'
            && b[8..10].iter().all(u8::is_ascii_digit)
            && b.get(10).is_none_or(|c| !c.is_ascii_digit());
        if !shape {
            return None;
        }
        let n = |r: std::ops::Range<usize>| s[r].parse::<u64>().ok();
        Some(([n(0..4)?, n(5..7)?, n(8..10)?], &s[10..]))
    }

    /// Whether `other` can stand in for this tag: the same prefix, as many numbers, the
    /// same variant, a build counter only beside one, and no pre-release after a release.
    pub fn same_shape(&self, other: &Self) -> bool {
        self.prefix == other.prefix
            && self.numbers.len() == other.numbers.len()
            && self.dashed == other.dashed
            && self.variant == other.variant
            && self.build.is_some() == other.build.is_some()
            && (self.pre.is_some() || other.pre.is_none())
    }

    /// Whether `policy` lets this tag move to `newer`.
    fn allows(&self, newer: &Self, policy: UpdatePolicy) -> bool {
        let kept = match policy {
            UpdatePolicy::Off | UpdatePolicy::Digest => return false,
            UpdatePolicy::Major => 0,
            UpdatePolicy::Minor => 1,
            UpdatePolicy::Patch => 2,
        };
        // A tag with fewer numbers keeps all it has (`16` under `minor` moves only by build).
        let kept = kept.min(self.numbers.len());
        self.numbers[..kept] == newer.numbers[..kept]
    }

    fn pre_key(&self) -> (u8, u8, u64) {
        match self.pre {
            None => (1, 0, 0),
            Some((rank, n)) => (0, rank, n),
        }
    }
}

impl Ord for TagVersion {
    /// By numbers, then a release after its pre-releases, then by build counter. Tags of
    /// other shapes are ordered too (so the order is total) but never compared by a check.
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers
            .cmp(&other.numbers)
            .then_with(|| self.pre_key().cmp(&other.pre_key()))
            .then_with(|| self.build.cmp(&other.build))
            .then_with(|| self.prefix.cmp(&other.prefix))
            .then_with(|| self.variant.cmp(&other.variant))
            .then_with(|| self.dashed.cmp(&other.dashed))
    }
}

impl PartialOrd for TagVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The newest of `tags` that `current` may move to under `policy`, as written in `tags`;
/// `None` when the current tag is not a version or nothing newer fits.
pub fn newest_tag<'a>(
    current: &str,
    tags: impl IntoIterator<Item = &'a str>,
    policy: UpdatePolicy,
) -> Option<&'a str> {
    let now = TagVersion::parse(current)?;
    let mut best: Option<(TagVersion, &'a str)> = None;
    for tag in tags {
        let Some(v) = TagVersion::parse(tag) else {
            continue;
        };
        if v <= now || !now.same_shape(&v) || !now.allows(&v, policy) {
            continue;
        }
        // Of two tags that read the same (`1.2` and `v1.2` never do: prefixes differ),
        // the first listed wins.
        if best.as_ref().is_none_or(|(b, _)| v > *b) {
            best = Some((v, tag));
        }
    }
    best.map(|(_, tag)| tag)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TAGS: &[&str] = &[
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "2.0.0",
        "2.1.0-rc.1",
        "latest",
        "1.0.2-alpine",
        "1.1.0-alpine",
        "v1.0.5",
        "1.0",
        "1.1",
        "2",
        "1.0.1.7",
        "sha-1a2b3c",
    ];

    #[test]
    fn each_policy_moves_as_far_as_it_says() {
        let table = [
            ("1.0.0", UpdatePolicy::Digest, None),
            ("1.0.0", UpdatePolicy::Patch, Some("1.0.1")),
            ("1.0.0", UpdatePolicy::Minor, Some("1.1.0")),
            ("1.0.0", UpdatePolicy::Major, Some("2.0.0")),
            ("1.0.1", UpdatePolicy::Patch, None),
            ("2.0.0", UpdatePolicy::Major, None),
            ("1.0.0", UpdatePolicy::Off, None),
            // Variants stay variants.
            ("1.0.2-alpine", UpdatePolicy::Major, Some("1.1.0-alpine")),
            ("1.0.2-alpine", UpdatePolicy::Patch, None),
            // Prefixes stay prefixes.
            ("v1.0.0", UpdatePolicy::Patch, Some("v1.0.5")),
            // Floating tags move among their own shape.
            ("1.0", UpdatePolicy::Minor, Some("1.1")),
            ("1.0", UpdatePolicy::Patch, None),
            ("1", UpdatePolicy::Major, Some("2")),
            ("1", UpdatePolicy::Minor, None),
            // Four parts.
            ("1.0.1.2", UpdatePolicy::Patch, Some("1.0.1.7")),
            // Not versions: digest only.
            ("latest", UpdatePolicy::Major, None),
            ("sha-1a2b3c", UpdatePolicy::Major, None),
        ];
        for (current, policy, want) in table {
            assert_eq!(
                newest_tag(current, TAGS.iter().copied(), policy),
                want,
                "{current} under {policy:?}"
            );
        }
    }

    #[test]
    fn pre_releases_move_forward_but_releases_never_go_back_to_them() {
        let tags = [
            "2.0.0-rc.1",
            "2.0.0-rc.2",
            "2.0.0-beta.9",
            "2.0.0",
            "2.1.0-alpha.1",
        ];
        assert_eq!(
            newest_tag("1.9.0", tags, UpdatePolicy::Major),
            Some("2.0.0")
        );
        assert_eq!(newest_tag("2.0.0", tags, UpdatePolicy::Major), None);
        assert_eq!(
            newest_tag("2.0.0-beta.9", tags, UpdatePolicy::Major),
            Some("2.1.0-alpha.1")
        );
        assert_eq!(
            newest_tag("2.0.0-beta.9", tags, UpdatePolicy::Patch),
            Some("2.0.0")
        );
        assert_eq!(
            newest_tag(
                "2.0.0-rc.1",
                ["2.0.0-rc.2", "2.0.0-beta.9"],
                UpdatePolicy::Patch
            ),
            Some("2.0.0-rc.2")
        );
        // Written without separators (`1.0rc1`, `2.0b2`).
        assert_eq!(
            newest_tag("1.0rc1", ["1.0rc2", "1.0"], UpdatePolicy::Patch),
            Some("1.0")
        );
    }

    #[test]
    fn build_counters_calver_and_dates_read_as_a_person_reads_them() {
        // LinuxServer's build counter.
        let ls = ["5.28.0-ls247", "5.28.0-ls248", "5.29.1-ls250", "5.29.1"];
        assert_eq!(
            newest_tag("5.28.0-ls247", ls, UpdatePolicy::Patch),
            Some("5.28.0-ls248")
        );
        assert_eq!(
            newest_tag("5.28.0-ls247", ls, UpdatePolicy::Minor),
            Some("5.29.1-ls250")
        );
        // CalVer and dates.
        let cal = [
            "2024.01.15",
            "2024.11.2",
            "2025.1.0",
            "2024-12-31",
            "20250101",
        ];
        assert_eq!(
            newest_tag("2024.01.15", cal, UpdatePolicy::Minor),
            Some("2024.11.2")
        );
        assert_eq!(
            newest_tag("2024.01.15", cal, UpdatePolicy::Major),
            Some("2025.1.0")
        );
        assert_eq!(
            newest_tag("2024-06-01", cal, UpdatePolicy::Major),
            Some("2024-12-31")
        );
        assert_eq!(
            newest_tag("20240101", cal, UpdatePolicy::Major),
            Some("20250101")
        );
        // Numbers compare as numbers, not text.
        assert_eq!(
            newest_tag("1.9.0", ["1.10.0", "1.2.0"], UpdatePolicy::Minor),
            Some("1.10.0")
        );
        // A variant with a dotted version keeps it whole.
        assert_eq!(
            newest_tag(
                "3.1-alpine3.19",
                ["3.2-alpine3.19", "3.2-alpine3.20"],
                UpdatePolicy::Minor
            ),
            Some("3.2-alpine3.19")
        );
    }

    #[test]
    fn what_is_not_a_version_is_said_so() {
        for tag in [
            "latest",
            "stable",
            "main",
            "sha-1a2b3c",
            "4f9e1c2",
            "1.2.3x",
            "",
            "v",
            "1.2.3-beta2x",
        ] {
            assert!(
                TagVersion::parse(tag).is_none() || tag == "1.2.3-beta2x",
                "{tag}"
            );
        }
        // `-beta2x` is not a pre-release word: it stays a variant.
        assert!(TagVersion::parse("1.2.3-beta2x").is_some_and(|v| v.pre.is_none()));
        for tag in [
            "1",
            "v2.0",
            "1.2.3.4",
            "2.0.0-rc.1",
            "16-alpine",
            "5.28.0-ls248",
            "2024-01-15",
        ] {
            assert!(TagVersion::parse(tag).is_some(), "{tag}");
        }
        assert_eq!(UpdatePolicy::parse(" Minor "), Some(UpdatePolicy::Minor));
        assert_eq!(UpdatePolicy::parse("sometimes"), None);
    }

    proptest! {
        #[test]
        fn any_tag_is_read_or_refused_without_panicking(tag in "[A-Za-z0-9_.+-]{0,40}") {
            let _ = TagVersion::parse(&tag);
        }

        #[test]
        fn the_newest_tag_is_newer_of_the_same_shape_and_within_the_policy(
            current in (0u64..4, 0u64..4, 0u64..4),
            tags in proptest::collection::vec((0u64..4, 0u64..4, 0u64..4), 0..30),
            policy in prop_oneof![Just(UpdatePolicy::Patch), Just(UpdatePolicy::Minor), Just(UpdatePolicy::Major)],
        ) {
            let cur = format!("{}.{}.{}", current.0, current.1, current.2);
            let written: Vec<String> = tags.iter().map(|t| format!("{}.{}.{}", t.0, t.1, t.2)).collect();
            let got = newest_tag(&cur, written.iter().map(String::as_str), policy);
            // The expected answer, found the long way.
            let want = tags.iter().copied()
                .filter(|t| *t > current)
                .filter(|t| match policy {
                    UpdatePolicy::Patch => (t.0, t.1) == (current.0, current.1),
                    UpdatePolicy::Minor => t.0 == current.0,
                    _ => true,
                })
                .max()
                .map(|t| format!("{}.{}.{}", t.0, t.1, t.2));
            prop_assert_eq!(got.map(str::to_string), want);
        }
    }
}
