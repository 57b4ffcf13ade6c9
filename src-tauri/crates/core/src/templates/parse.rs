//! A whole catalogue: the top level of a Portainer v2/v3 or SSM file, read tolerantly.
//!
//! The source as a whole is refused only when nothing in it can be trusted: it is not JSON,
//! it has no `templates` list, its version is one Squirrel does not know, or it is too big.
//! Anything smaller is a problem with one template, which is left out and reported while
//! the others are kept (see [`super::entry`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use specta::Type;

use super::entry::read_template;
use super::fields::describe;
use super::model::Template;

/// The largest catalogue Squirrel reads. Portainer's own is about 100 KiB and SSM's
/// 177 KiB: this leaves room for any real catalogue and none for a runaway one.
pub const MAX_SOURCE_BYTES: usize = 16 * 1024 * 1024;
/// The most templates one catalogue may hold.
pub const MAX_TEMPLATES: usize = 20_000;

/// A parsed catalogue: the templates that could be read and what was wrong with the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Catalogue {
    pub format: CatalogueFormat,
    pub templates: Vec<Template>,
    pub problems: Vec<TemplateProblem>,
}

/// Which format the top level declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum CatalogueFormat {
    /// `"version": "2"`.
    PortainerV2,
    /// `"version": "3"`.
    PortainerV3,
    /// No version: SSM's file, or a hand-written one.
    Unversioned,
}

/// One thing wrong with one template, which was left out because of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TemplateProblem {
    /// Position in the source's `templates` list, from 0.
    #[specta(type = u32)]
    pub index: usize,
    /// The template's title, when it could be read.
    pub title: Option<String>,
    /// Path of the field inside the template, e.g. `ports[1]` or `env[0].name`.
    pub field: String,
    pub message: String,
}

/// Why a whole catalogue was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("the catalogue is {} MiB; Squirrel reads catalogues of at most 16 MiB", .bytes / (1024 * 1024))]
    TooLarge { bytes: usize },
    #[error("the catalogue is not valid JSON: {0}")]
    NotJson(String),
    #[error("the catalogue is {0}; it should be an object with a \"templates\" list")]
    NoTemplates(String),
    #[error("the catalogue says version {0}; Squirrel reads versions 2 and 3 (or none)")]
    UnknownVersion(String),
    #[error("the catalogue holds {count} templates; Squirrel reads at most 20,000")]
    TooManyTemplates { count: usize },
}

/// Reads a catalogue file. Whole-source failures are errors; a broken template is left out
/// and described in [`Catalogue::problems`].
pub fn parse_catalogue(bytes: &[u8]) -> Result<Catalogue, CatalogueError> {
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(CatalogueError::TooLarge { bytes: bytes.len() });
    }
    // Editors on Windows like to start UTF-8 files with a byte-order mark; JSON forbids it.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let root: Value =
        serde_json::from_slice(bytes).map_err(|e| CatalogueError::NotJson(e.to_string()))?;
    let Some(top) = root.as_object() else {
        return Err(CatalogueError::NoTemplates(describe(&root).to_owned()));
    };
    let format = read_format(top.get("version"))?;
    let entries = match top.get("templates") {
        Some(Value::Array(entries)) => entries,
        Some(other) => {
            return Err(CatalogueError::NoTemplates(format!(
                "an object whose \"templates\" is {}",
                describe(other)
            )))
        }
        None => {
            return Err(CatalogueError::NoTemplates(
                "an object without \"templates\"".into(),
            ))
        }
    };
    if entries.len() > MAX_TEMPLATES {
        return Err(CatalogueError::TooManyTemplates {
            count: entries.len(),
        });
    }

    let mut templates = Vec::with_capacity(entries.len());
    let mut problems = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        match read_template(entry) {
            Ok(template) => templates.push(template),
            Err(rejected) => {
                problems.extend(rejected.problems.into_iter().map(|(field, message)| {
                    TemplateProblem {
                        index,
                        title: rejected.title.clone(),
                        field,
                        message,
                    }
                }))
            }
        }
    }
    Ok(Catalogue {
        format,
        templates,
        problems,
    })
}

/// `"2"`, `"3"`, `2`, `3` or nothing.
fn read_format(version: Option<&Value>) -> Result<CatalogueFormat, CatalogueError> {
    let number = match version {
        None | Some(Value::Null) => return Ok(CatalogueFormat::Unversioned),
        Some(Value::String(s)) => s.trim().parse::<u8>().ok(),
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
        Some(_) => None,
    };
    match number {
        Some(2) => Ok(CatalogueFormat::PortainerV2),
        Some(3) => Ok(CatalogueFormat::PortainerV3),
        _ => Err(CatalogueError::UnknownVersion(match version {
            Some(Value::String(s)) => format!("\"{}\"", s.chars().take(32).collect::<String>()),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => describe(other).to_owned(),
            None => String::new(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(json: &str) -> Vec<(usize, String, String)> {
        match parse_catalogue(json.as_bytes()) {
            Ok(c) => c
                .problems
                .into_iter()
                .map(|p| (p.index, p.field, p.message))
                .collect(),
            Err(e) => vec![(usize::MAX, "source".into(), e.to_string())],
        }
    }

    #[test]
    fn versions_as_text_numbers_or_absent() {
        for (version, format) in [
            ("\"2\"", CatalogueFormat::PortainerV2),
            ("3", CatalogueFormat::PortainerV3),
            ("null", CatalogueFormat::Unversioned),
        ] {
            let json = format!(r#"{{"version": {version}, "templates": []}}"#);
            assert_eq!(
                parse_catalogue(json.as_bytes()).map(|c| c.format),
                Ok(format)
            );
        }
        assert_eq!(
            parse_catalogue(br#"{"version": "7", "templates": []}"#),
            Err(CatalogueError::UnknownVersion("\"7\"".into()))
        );
    }

    #[test]
    fn the_source_fails_only_as_a_whole_when_it_must() {
        let not_json = parse_catalogue(b"<html>").map_err(|e| e.to_string());
        assert!(matches!(not_json, Err(m) if m.starts_with("the catalogue is not valid JSON")));
        assert_eq!(
            parse_catalogue(b"[]"),
            Err(CatalogueError::NoTemplates("a list".into()))
        );
        assert!(matches!(
            parse_catalogue(br#"{"templates": {}}"#),
            Err(CatalogueError::NoTemplates(_))
        ));
        let huge = vec![b' '; MAX_SOURCE_BYTES + 1];
        assert!(matches!(
            parse_catalogue(&huge),
            Err(CatalogueError::TooLarge { .. })
        ));
        let many = format!(r#"{{"templates": [{}0]}}"#, "0,".repeat(MAX_TEMPLATES));
        assert_eq!(
            parse_catalogue(many.as_bytes()),
            Err(CatalogueError::TooManyTemplates {
                count: MAX_TEMPLATES + 1
            })
        );
        assert!(parse_catalogue(b"\xEF\xBB\xBF{\"templates\": []}").is_ok());
    }

    #[test]
    fn a_broken_template_is_left_out_and_the_others_kept() {
        let json = r#"{"version": "2", "templates": [
            {"type": 1, "title": "Good", "image": "nginx"},
            {"type": 1, "title": "Bad", "image": "nginx", "ports": ["80/tcp", "8080-8090:80/tcp"]},
            "not an object"
        ]}"#;
        let catalogue = parse_catalogue(json.as_bytes());
        assert_eq!(
            catalogue.as_ref().map(|c| c.templates.len()),
            Ok(1),
            "{catalogue:?}"
        );
        assert_eq!(
            problems_of(json),
            vec![
                (
                    1,
                    "ports[1]".into(),
                    "\"8080-8090:80/tcp\" is a port range; templates take one port".into()
                ),
                (2, "template".into(), "is text, not an object".into()),
            ]
        );
        let titles: Vec<_> = catalogue
            .map(|c| c.problems.into_iter().map(|p| p.title).collect())
            .unwrap_or_default();
        assert_eq!(titles, vec![Some("Bad".to_owned()), None]);
    }

    #[test]
    fn error_messages_are_sentences() {
        assert_eq!(
            CatalogueError::TooLarge {
                bytes: 32 * 1024 * 1024
            }
            .to_string(),
            "the catalogue is 32 MiB; Squirrel reads catalogues of at most 16 MiB"
        );
        assert_eq!(
            CatalogueError::UnknownVersion("\"7\"".into()).to_string(),
            "the catalogue says version \"7\"; Squirrel reads versions 2 and 3 (or none)"
        );
    }
}
