//! The port to container registries (OCI Distribution v2): a manifest's digest by HEAD and
//! a repository's tags, with what the registry says of its rate limit.

use async_trait::async_trait;

use crate::secrets::Secret;
use crate::templates::ImageRef;

/// Credentials for one registry: a user name and a password or token (from the keyring).
#[derive(Debug, Clone)]
pub struct RegistryCredentials {
    pub username: String,
    pub secret: Secret,
}

/// A registry's pull limit, as its `ratelimit-*` headers say (Docker Hub).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    pub limit: u32,
    pub remaining: u32,
    /// The window the limit counts over, in seconds (`;w=21600`).
    pub window_secs: Option<u32>,
}

/// What a HEAD of a tag's manifest says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteManifest {
    /// `sha256:…` of the manifest or index the tag names now.
    pub digest: String,
    /// Which kind it is (an index or manifest list for a multi-arch image).
    pub media_type: String,
    pub rate_limit: Option<RateLimit>,
}

/// A repository's tags, in the registry's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTags {
    pub tags: Vec<String>,
    pub rate_limit: Option<RateLimit>,
}

/// Why a registry request failed, in words a person can act on. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error(
        "{registry} refused the credentials, or needs some: add or correct them under Registries."
    )]
    Unauthorized { registry: String },
    #[error("{registry} has no {what}.")]
    NotFound { registry: String, what: String },
    #[error("{registry} limits pulls and the limit is reached{}.", retry_after_secs.map(|s| format!("; it can be asked again in {s} s")).unwrap_or_default())]
    RateLimited {
        registry: String,
        retry_after_secs: Option<u64>,
    },
    #[error("{registry} cannot be reached: {detail}")]
    Unreachable { registry: String, detail: String },
    #[error("{registry} answered in a way Squirrel does not understand: {detail}")]
    Protocol { registry: String, detail: String },
}

impl RegistryError {
    /// The registry host it is about.
    pub fn registry(&self) -> &str {
        match self {
            Self::Unauthorized { registry }
            | Self::NotFound { registry, .. }
            | Self::RateLimited { registry, .. }
            | Self::Unreachable { registry, .. }
            | Self::Protocol { registry, .. } => registry,
        }
    }
}

/// Container registries, reached over HTTP(S).
#[async_trait]
pub trait RegistryPort: Send + Sync {
    /// The digest the image's tag names now (a HEAD, which Docker Hub does not count as a
    /// pull), with every manifest and index type accepted.
    async fn manifest(
        &self,
        image: &ImageRef,
        credentials: Option<&RegistryCredentials>,
    ) -> Result<RemoteManifest, RegistryError>;

    /// Logs in to the registry at `host` as `credentials` (`GET /v2/`, with the token flow
    /// when the registry asks for it): `Ok` when it accepts them.
    async fn login(
        &self,
        host: &str,
        credentials: Option<&RegistryCredentials>,
    ) -> Result<(), RegistryError>;

    /// Every tag of the image's repository (all pages).
    async fn tags(
        &self,
        image: &ImageRef,
        credentials: Option<&RegistryCredentials>,
    ) -> Result<RemoteTags, RegistryError>;
}
