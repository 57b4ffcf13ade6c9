//! What a container's labels ask of update checks: Squirrel's own `squirrel.update`, and
//! What's Up Docker's `wud.watch`, `wud.tag.include` and `wud.tag.exclude`, honoured so
//! that a homelab labelled for WUD keeps its meaning.

use std::collections::BTreeMap;

use regex::{Regex, RegexBuilder};

use super::UpdatePolicy;

/// Squirrel's label: `off`, `digest`, `patch`, `minor` or `major`.
pub const POLICY_LABEL: &str = "squirrel.update";
/// The policy of a container without a label: newer tags that keep the major number, so
/// that an update never crosses a major release (a database's data format) unasked.
pub const DEFAULT_POLICY: UpdatePolicy = UpdatePolicy::Minor;
/// Compiled size limit for an expression read from a label (it comes from outside).
const REGEX_SIZE_LIMIT: usize = 256 * 1024;

/// A container's update settings, read from its labels.
#[derive(Debug, Clone)]
pub struct WatchLabels {
    pub policy: UpdatePolicy,
    /// Tags considered must match this (`wud.tag.include`).
    include: Option<Regex>,
    /// Tags considered must not match this (`wud.tag.exclude`).
    exclude: Option<Regex>,
    /// Labels that could not be read, in sentences (shown beside the check's result).
    pub problems: Vec<String>,
}

impl Default for WatchLabels {
    fn default() -> Self {
        Self {
            policy: DEFAULT_POLICY,
            include: None,
            exclude: None,
            problems: Vec::new(),
        }
    }
}

fn expression(
    labels: &BTreeMap<String, String>,
    key: &str,
    problems: &mut Vec<String>,
) -> Option<Regex> {
    let text = labels.get(key)?;
    match RegexBuilder::new(text).size_limit(REGEX_SIZE_LIMIT).build() {
        Ok(re) => Some(re),
        Err(_) => {
            problems.push(format!(
                "The label {key} is not a valid regular expression; it is ignored."
            ));
            None
        }
    }
}

impl WatchLabels {
    pub fn from_labels(labels: &BTreeMap<String, String>) -> Self {
        let mut problems = Vec::new();
        let mut policy = DEFAULT_POLICY;
        if labels
            .get("wud.watch")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
        {
            policy = UpdatePolicy::Off;
        }
        if let Some(text) = labels.get(POLICY_LABEL) {
            match UpdatePolicy::parse(text) {
                Some(p) => policy = p,
                None => problems.push(format!(
                    "The label {POLICY_LABEL} says \"{}\"; it should be off, digest, patch, minor or major. The default ({}) is used.",
                    text.chars().take(40).collect::<String>(),
                    DEFAULT_POLICY.as_str()
                )),
            }
        }
        let include = expression(labels, "wud.tag.include", &mut problems);
        let exclude = expression(labels, "wud.tag.exclude", &mut problems);
        Self {
            policy,
            include,
            exclude,
            problems,
        }
    }

    /// Whether a tag may be offered as the newer one.
    pub fn considers(&self, tag: &str) -> bool {
        self.include.as_ref().is_none_or(|re| re.is_match(tag))
            && !self.exclude.as_ref().is_some_and(|re| re.is_match(tag))
    }

    /// What the include and exclude expressions say, to tell checks with different
    /// filters apart (the same image may be run under several).
    pub fn filter_key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.policy.as_str(),
            self.include.as_ref().map_or("", Regex::as_str),
            self.exclude.as_ref().map_or("", Regex::as_str)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn squirrel_and_wud_labels_are_read() {
        assert_eq!(
            WatchLabels::from_labels(&labels(&[])).policy,
            DEFAULT_POLICY
        );
        assert_eq!(
            WatchLabels::from_labels(&labels(&[("squirrel.update", "major")])).policy,
            UpdatePolicy::Major
        );
        assert_eq!(
            WatchLabels::from_labels(&labels(&[("wud.watch", "false")])).policy,
            UpdatePolicy::Off
        );
        // Squirrel's label wins over WUD's.
        assert_eq!(
            WatchLabels::from_labels(&labels(&[
                ("wud.watch", "false"),
                ("squirrel.update", "patch")
            ]))
            .policy,
            UpdatePolicy::Patch
        );
        let w = WatchLabels::from_labels(&labels(&[
            ("wud.tag.include", r"^\d+\.\d+\.\d+$"),
            ("wud.tag.exclude", r"^2\."),
        ]));
        assert!(w.considers("1.2.3"));
        assert!(!w.considers("1.2.3-alpine"));
        assert!(!w.considers("2.0.0"));
    }

    #[test]
    fn unreadable_labels_are_said_and_ignored() {
        let w = WatchLabels::from_labels(&labels(&[
            ("squirrel.update", "<b>sometimes</b>"),
            ("wud.tag.include", "(unclosed"),
        ]));
        assert_eq!(w.policy, DEFAULT_POLICY);
        assert_eq!(w.problems.len(), 2);
        assert!(w.considers("anything"));
    }
}
