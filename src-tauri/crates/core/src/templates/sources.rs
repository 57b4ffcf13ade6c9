//! Where templates come from: the bundled catalogue, catalogues the user adds by URL or
//! local file (cached with their HTTP validators), and the user's own templates.

use serde::{Deserialize, Serialize};
use specta::Type;

use super::model::Template;
use super::parse::{CatalogueFormat, TemplateProblem};

/// The source id of the catalogue that ships with the app.
pub const BUNDLED_SOURCE: &str = "bundled";
/// The source id under which the user's own templates are listed.
pub const MY_SOURCE: &str = "mine";

/// Where a catalogue is read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum SourceLocation {
    /// `http://` or `https://`.
    Url(String),
    /// An absolute path on this computer.
    File(String),
}

impl SourceLocation {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Url(s) | Self::File(s) => s,
        }
    }
}

/// A catalogue the user added, as stored: the last good copy and how it was fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSource {
    pub uuid: String,
    pub name: String,
    pub location: SourceLocation,
    pub enabled: bool,
    /// The last copy that parsed (kept when a refresh fails, so the cache serves offline).
    pub body: Option<Vec<u8>>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// When `body` was last fetched or confirmed unchanged (Unix ms).
    pub fetched_at: Option<i64>,
    /// Why the last refresh failed, if it did.
    pub error: Option<String>,
    pub created_at: i64,
}

/// One of the user's own templates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MyTemplate {
    pub uuid: String,
    pub template: Template,
    #[specta(type = f64)]
    pub created_at: i64,
    #[specta(type = f64)]
    pub updated_at: i64,
}

/// A source as the UI lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SourceSummary {
    pub uuid: String,
    pub name: String,
    /// `None` for the bundled catalogue and the user's own templates.
    pub location: Option<SourceLocation>,
    /// The bundled catalogue and "My templates" cannot be removed.
    pub builtin: bool,
    pub enabled: bool,
    pub format: Option<CatalogueFormat>,
    pub template_count: u32,
    /// Templates left out, each with the field at fault.
    pub problems: Vec<TemplateProblem>,
    /// Why the last refresh failed; the cached copy (if any) is still listed.
    pub error: Option<String>,
    #[specta(type = Option<f64>)]
    pub fetched_at: Option<i64>,
}

/// One template of the merged catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CatalogueEntry {
    /// Unique across sources: `<source>/<index>`, or `mine/<uuid>`.
    pub key: String,
    pub source_uuid: String,
    pub template: Template,
}

/// Every enabled source's templates, and every source's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CatalogueView {
    pub sources: Vec<SourceSummary>,
    pub entries: Vec<CatalogueEntry>,
}

/// What a source add or an import read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub added: u32,
    pub problems: Vec<TemplateProblem>,
}

/// A catalogue fetch's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// 304: the cached copy is current.
    NotModified,
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
        content_type: Option<String>,
    },
}
