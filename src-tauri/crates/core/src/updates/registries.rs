//! Registries the user added: which provider, which host, which user. The password or
//! token is in the OS keyring only (a [`SecretRef`] points at it); nothing here holds it.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::model::SecretRef;

/// The kinds of registry Squirrel knows; each has its host and what its credentials are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum RegistryProvider {
    DockerHub,
    Ghcr,
    Lscr,
    Gcr,
    ArtifactRegistry,
    Ecr,
    Acr,
    Quay,
    GitLab,
    Gitea,
    Custom,
}

impl RegistryProvider {
    /// The provider a host belongs to (first match by suffix, as peers do).
    pub fn of_host(host: &str) -> Self {
        let h = host.to_ascii_lowercase();
        let h = h.split(':').next().unwrap_or("");
        match h {
            "docker.io" => Self::DockerHub,
            "ghcr.io" => Self::Ghcr,
            "lscr.io" => Self::Lscr,
            "quay.io" => Self::Quay,
            "registry.gitlab.com" => Self::GitLab,
            "public.ecr.aws" => Self::Ecr,
            _ if h == "gcr.io" || h.ends_with(".gcr.io") => Self::Gcr,
            _ if h.ends_with("-docker.pkg.dev") => Self::ArtifactRegistry,
            _ if h.ends_with(".amazonaws.com") && h.contains(".dkr.ecr.") => Self::Ecr,
            _ if h.ends_with(".azurecr.io") => Self::Acr,
            _ => Self::Custom,
        }
    }
}

/// A registry the user added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RegistryEntry {
    pub uuid: String,
    pub name: String,
    pub provider: RegistryProvider,
    /// `host[:port]` as image references name it (`docker.io`, `ghcr.io`, `nas.lan:5000`).
    pub host: String,
    /// `None`: anonymous.
    pub username: Option<String>,
    /// Where the password or token is in the keyring.
    pub secret: Option<SecretRef>,
    #[specta(type = f64)]
    pub created_at: i64,
}

/// What the user fills in to add a registry (the secret comes beside it, never in it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NewRegistry {
    pub name: String,
    pub host: String,
    /// `None`: told by the host (a self-hosted GitLab or Gitea is told by the user).
    pub provider: Option<RegistryProvider>,
    pub username: Option<String>,
}

/// What an import of `~/.docker/config.json` did, entry by entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RegistryImport {
    pub added: Vec<String>,
    /// Hosts already added (kept as they are).
    pub skipped: Vec<String>,
    /// Hosts that could not be read, with why.
    pub failed: Vec<(String, String)>,
}

/// A registry host as image references write it: no scheme, no path, lower-case, and
/// Docker Hub's other names (`index.docker.io`, `registry-1.docker.io`) as `docker.io`.
pub fn normalize_host(text: &str) -> Result<String, String> {
    let t = text.trim();
    let t = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .unwrap_or(t);
    let t = t.split('/').next().unwrap_or("").to_ascii_lowercase();
    if t.is_empty() {
        return Err("Enter the registry's host, for example ghcr.io or nas.lan:5000.".into());
    }
    let valid = t
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !valid || t.len() > 253 {
        return Err(format!(
            "\"{}\" is not a registry host: use letters, digits, dots, dashes and an optional :port.",
            text.chars().take(60).collect::<String>()
        ));
    }
    Ok(match t.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".into()
        }
        _ => t,
    })
}

/// The registry host an image's credentials are kept under (`docker.io` when the reference
/// names none).
pub fn registry_host(image: &crate::templates::ImageRef) -> String {
    let raw = image
        .registry
        .as_deref()
        .unwrap_or(crate::templates::image_ref::DOCKER_HUB);
    normalize_host(raw).unwrap_or_else(|_| raw.to_string())
}

/// Where a registry's password or token is kept.
pub fn registry_secret_ref(uuid: &str) -> SecretRef {
    SecretRef {
        service: crate::secrets::SECRET_SERVICE.into(),
        account: format!("registry/{uuid}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hosts_are_written_as_references_write_them() {
        assert_eq!(normalize_host("https://GHCR.io/").as_deref(), Ok("ghcr.io"));
        assert_eq!(
            normalize_host(" index.docker.io ").as_deref(),
            Ok("docker.io")
        );
        assert_eq!(
            normalize_host("https://index.docker.io/v1/").as_deref(),
            Ok("docker.io")
        );
        assert_eq!(
            normalize_host("nas.lan:5000").as_deref(),
            Ok("nas.lan:5000")
        );
        assert!(normalize_host("").is_err());
        assert!(normalize_host("<b>x</b>").is_err());
    }

    #[test]
    fn providers_are_told_by_their_hosts() {
        for (host, provider) in [
            ("docker.io", RegistryProvider::DockerHub),
            ("ghcr.io", RegistryProvider::Ghcr),
            ("lscr.io", RegistryProvider::Lscr),
            ("eu.gcr.io", RegistryProvider::Gcr),
            (
                "europe-west1-docker.pkg.dev",
                RegistryProvider::ArtifactRegistry,
            ),
            (
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                RegistryProvider::Ecr,
            ),
            ("myreg.azurecr.io", RegistryProvider::Acr),
            ("quay.io", RegistryProvider::Quay),
            ("registry.gitlab.com", RegistryProvider::GitLab),
            ("nas.lan:5000", RegistryProvider::Custom),
        ] {
            assert_eq!(RegistryProvider::of_host(host), provider, "{host}");
        }
    }

    proptest! {
        #[test]
        fn any_text_is_a_host_or_a_sentence(text in "\\PC{0,80}") {
            match normalize_host(&text) {
                Ok(h) => prop_assert!(!h.is_empty() && !h.contains('/')),
                Err(e) => prop_assert!(e.ends_with('.')),
            }
        }
    }
}
