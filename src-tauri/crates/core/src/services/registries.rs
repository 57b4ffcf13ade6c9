//! Registries: added by the user or imported from Docker's `config.json`, their secrets in
//! the keyring only, tested by logging in, and handed to update checks by host.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;

use crate::clock::Clock;
use crate::error::{CoreError, CoreResult};
use crate::ports::{CredentialHelperRunner, RegistryRepository};
use crate::secrets::{Secret, SecretStore};
use crate::updates::{
    normalize_host, registry_host, registry_secret_ref, NewRegistry, RegistryCredentials,
    RegistryEntry, RegistryImport, RegistryPort, RegistryProvider,
};

/// Longest name, user name and secret accepted (a GCP service-account key is a few KiB).
const MAX_NAME: usize = 100;
const MAX_USERNAME: usize = 256;
const MAX_SECRET: usize = 64 * 1024;

pub struct RegistriesService {
    repo: Arc<dyn RegistryRepository>,
    secrets: Arc<dyn SecretStore>,
    registry: Arc<dyn RegistryPort>,
    clock: Arc<dyn Clock>,
}

fn check_fields(
    new: &NewRegistry,
    secret: Option<&Secret>,
) -> CoreResult<(String, String, Option<String>)> {
    let host = normalize_host(&new.host).map_err(CoreError::InvalidInput)?;
    let name = new.name.trim();
    let name = if name.is_empty() {
        host.clone()
    } else {
        name.to_string()
    };
    if name.chars().count() > MAX_NAME {
        return Err(CoreError::InvalidInput(format!(
            "The name is longer than {MAX_NAME} characters."
        )));
    }
    let username = new
        .username
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string);
    if username
        .as_ref()
        .is_some_and(|u| u.len() > MAX_USERNAME || u.chars().any(char::is_control))
    {
        return Err(CoreError::InvalidInput(
            "The user name is not valid.".into(),
        ));
    }
    if secret.is_some_and(|s| s.expose().len() > MAX_SECRET) {
        return Err(CoreError::InvalidInput(format!(
            "The password or token is longer than {} KiB.",
            MAX_SECRET >> 10
        )));
    }
    if username.is_some() != secret.is_some_and(|s| !s.is_empty()) {
        return Err(CoreError::InvalidInput(
            "Give both a user name and a password or token, or neither (anonymous).".into(),
        ));
    }
    Ok((host, name, username))
}

impl RegistriesService {
    pub fn new(
        repo: Arc<dyn RegistryRepository>,
        secrets: Arc<dyn SecretStore>,
        registry: Arc<dyn RegistryPort>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            repo,
            secrets,
            registry,
            clock,
        }
    }

    pub async fn list(&self) -> CoreResult<Vec<RegistryEntry>> {
        self.repo.list_registries().await
    }

    /// Adds a registry; its secret goes to the keyring first, and is taken back out if the
    /// registry cannot be stored.
    pub async fn add(&self, new: NewRegistry, secret: Option<Secret>) -> CoreResult<RegistryEntry> {
        let (host, name, username) = check_fields(&new, secret.as_ref())?;
        if self
            .repo
            .list_registries()
            .await?
            .iter()
            .any(|r| r.host == host)
        {
            return Err(CoreError::InvalidInput(format!(
                "{host} is already added: remove it first to change it."
            )));
        }
        let uuid = uuid::Uuid::new_v4().to_string();
        let at = registry_secret_ref(&uuid);
        let stored = match (&username, &secret) {
            (Some(_), Some(s)) => {
                self.secrets.put(&at, s).await?;
                Some(at)
            }
            _ => None,
        };
        let entry = RegistryEntry {
            uuid,
            name,
            provider: new
                .provider
                .unwrap_or_else(|| RegistryProvider::of_host(&host)),
            host,
            username,
            secret: stored.clone(),
            created_at: self.clock.now_secs(),
        };
        if let Err(e) = self.repo.insert_registry(&entry).await {
            if let Some(at) = &stored {
                if let Err(d) = self.secrets.delete(at).await {
                    tracing::warn!(error = %d, "a registry's secret could not be taken back out of the keyring");
                }
            }
            return Err(e);
        }
        Ok(entry)
    }

    async fn entry(&self, uuid: &str) -> CoreResult<RegistryEntry> {
        self.repo
            .list_registries()
            .await?
            .into_iter()
            .find(|r| r.uuid == uuid)
            .ok_or_else(|| CoreError::not_found("registry"))
    }

    /// Removes a registry and its secret.
    pub async fn remove(&self, uuid: &str) -> CoreResult<()> {
        let entry = self.entry(uuid).await?;
        self.repo.delete_registry(uuid).await?;
        if let Some(at) = &entry.secret {
            if let Err(e) = self.secrets.delete(at).await {
                tracing::warn!(error = %e, "a removed registry's secret is still in the keyring");
            }
        }
        Ok(())
    }

    /// Logs in with what was typed (kept in memory, never stored), or with a stored
    /// registry's credentials when `uuid` names one. The error says what the registry said.
    pub async fn test(
        &self,
        new: NewRegistry,
        secret: Option<Secret>,
        uuid: Option<&str>,
    ) -> CoreResult<()> {
        let (host, credentials) = match uuid {
            Some(uuid) => {
                let entry = self.entry(uuid).await?;
                let creds = self.credentials_of(&entry).await?;
                (entry.host, creds)
            }
            None => {
                let (host, _, username) = check_fields(&new, secret.as_ref())?;
                let creds = username
                    .zip(secret)
                    .map(|(username, secret)| RegistryCredentials { username, secret });
                (host, creds)
            }
        };
        self.registry
            .login(&host, credentials.as_ref())
            .await
            .map_err(|e| CoreError::InvalidInput(e.to_string()))
    }

    async fn credentials_of(
        &self,
        entry: &RegistryEntry,
    ) -> CoreResult<Option<RegistryCredentials>> {
        let (Some(username), Some(at)) = (&entry.username, &entry.secret) else {
            return Ok(None);
        };
        match self.secrets.get(at).await? {
            Some(secret) => Ok(Some(RegistryCredentials {
                username: username.clone(),
                secret,
            })),
            None => Err(CoreError::Secrets(format!(
                "the password of registry {} is missing from the keyring: remove the registry and add it again",
                entry.host
            ))),
        }
    }

    /// The credentials of each added registry with some, by host. A secret the keyring
    /// cannot give is left out (that registry is asked anonymously) and logged.
    pub async fn credentials(&self) -> HashMap<String, RegistryCredentials> {
        let mut out = HashMap::new();
        let entries = match self.repo.list_registries().await {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "registries cannot be read: checks go anonymous");
                return out;
            }
        };
        for entry in entries {
            match self.credentials_of(&entry).await {
                Ok(Some(c)) => {
                    out.insert(entry.host.clone(), c);
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, host = %entry.host, "registry credentials unavailable")
                }
            }
        }
        out
    }

    /// The credentials added for an image's registry, if any (one keyring read, for that
    /// registry only).
    pub async fn credentials_for_image(&self, image: &str) -> Option<RegistryCredentials> {
        let host = registry_host(&crate::templates::ImageRef::parse(image).ok()?);
        let entries = self.repo.list_registries().await.ok()?;
        let entry = entries.into_iter().find(|r| r.host == host)?;
        match self.credentials_of(&entry).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, %host, "registry credentials unavailable: pulling anonymously");
                None
            }
        }
    }

    /// Adds the registries of Docker's `config.json`: the user and password written in its
    /// `auths`, or kept by its credential helpers (`credHelpers` per host, `credsStore` for
    /// the rest, as the Docker CLI reads them). Hosts already added are kept as they are.
    pub async fn import_docker_config(
        &self,
        text: &str,
        helpers: &dyn CredentialHelperRunner,
    ) -> CoreResult<RegistryImport> {
        let config: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            CoreError::InvalidInput(format!("The Docker config file is not valid JSON: {e}."))
        })?;
        let mut report = RegistryImport {
            added: Vec::new(),
            skipped: Vec::new(),
            failed: Vec::new(),
        };
        let empty = serde_json::Map::new();
        let auths = config
            .get("auths")
            .and_then(|a| a.as_object())
            .unwrap_or(&empty);
        let per_host = config
            .get("credHelpers")
            .and_then(|a| a.as_object())
            .unwrap_or(&empty);
        let store = config
            .get("credsStore")
            .and_then(|s| s.as_str())
            .filter(|s| !s.is_empty());
        // The servers named: in `auths`, in `credHelpers`, and those the store keeps.
        let mut servers: Vec<String> = auths.keys().chain(per_host.keys()).cloned().collect();
        if let Some(store) = store {
            match list_helper(helpers, store).await {
                Ok(kept) => servers.extend(kept),
                Err(e) => report
                    .failed
                    .push((format!("credsStore \"{}\"", shown(store)), e)),
            }
        }
        let known: Vec<String> = self
            .repo
            .list_registries()
            .await?
            .into_iter()
            .map(|r| r.host)
            .collect();
        let mut seen: Vec<String> = Vec::new();
        for server in servers {
            let host = match normalize_host(&server) {
                Ok(h) => h,
                Err(e) => {
                    report.failed.push((shown(&server), e));
                    continue;
                }
            };
            if seen.contains(&host) {
                continue;
            }
            seen.push(host.clone());
            if known.contains(&host) {
                report.skipped.push(host);
                continue;
            }
            // An empty helper name is the CLI's way to say "use what `auths` writes".
            let named = per_host
                .get(&server)
                .or_else(|| per_host.get(&host))
                .and_then(|h| h.as_str());
            let helper = named.filter(|h| !h.is_empty());
            let no_helper = named == Some("");
            let written = auths.get(&server).and_then(docker_auth);
            // As the Docker CLI: a host's own helper, else the store, else what is written.
            let found = match (helper, store, no_helper) {
                (Some(helper), _, _) => get_from_helper(helpers, helper, &server).await,
                (None, Some(store), false) => {
                    match get_from_helper(helpers, store, &server).await {
                        Ok(creds) => Ok(creds),
                        Err(e) => written.ok_or(e),
                    }
                }
                (None, _, _) => written.ok_or_else(|| {
                    "no user name and password are written for it, and no credential helper is named"
                        .to_string()
                }),
            };
            let (username, secret) = match found {
                Ok(c) => c,
                Err(e) => {
                    report.failed.push((host, e));
                    continue;
                }
            };
            let new = NewRegistry {
                name: host.clone(),
                host: host.clone(),
                provider: None,
                username: Some(username),
            };
            match self.add(new, Some(secret)).await {
                Ok(_) => report.added.push(host),
                Err(e) => report.failed.push((host, e.to_string())),
            }
        }
        Ok(report)
    }
}

/// At most 80 characters of something read from a file, for a report.
fn shown(text: &str) -> String {
    text.chars().take(80).collect()
}

/// A helper's name as `docker-credential-<name>` allows: letters, digits, `.`, `_`, `-`.
fn check_helper(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{}\" is not a credential helper's name",
            shown(name)
        ))
    }
}

async fn list_helper(
    helpers: &dyn CredentialHelperRunner,
    helper: &str,
) -> Result<Vec<String>, String> {
    check_helper(helper)?;
    let out = helpers.run(helper, "list", "").await?;
    parse_helper_list(&out)
}

async fn get_from_helper(
    helpers: &dyn CredentialHelperRunner,
    helper: &str,
    server: &str,
) -> Result<(String, Secret), String> {
    check_helper(helper)?;
    let out = helpers
        .run(helper, "get", server)
        .await
        .map_err(|e| format!("docker-credential-{helper}: {e}"))?;
    parse_helper_get(&out).map_err(|e| format!("docker-credential-{helper}: {e}"))
}

/// `list`'s answer: a JSON object of server URL to user name.
fn parse_helper_list(out: &str) -> Result<Vec<String>, String> {
    let map: HashMap<String, serde_json::Value> = serde_json::from_str(out.trim())
        .map_err(|_| "its list is not the JSON object the helper protocol gives".to_string())?;
    let mut servers: Vec<String> = map.into_keys().collect();
    servers.sort();
    Ok(servers)
}

/// `get`'s answer: `{"ServerURL", "Username", "Secret"}`. A user name `<token>` marks an
/// identity token (an OAuth refresh token), which is no password for the registry API.
fn parse_helper_get(out: &str) -> Result<(String, Secret), String> {
    #[derive(serde::Deserialize)]
    struct Got {
        #[serde(rename = "Username", default)]
        username: String,
        #[serde(rename = "Secret", default)]
        secret: String,
    }
    let got: Got = serde_json::from_str(out.trim()).map_err(|_| {
        "its answer is not the JSON the credential helper protocol gives".to_string()
    })?;
    if got.username == "<token>" {
        return Err(
            "it keeps an identity token, not a password: add the registry with a token by hand"
                .into(),
        );
    }
    if got.username.is_empty() || got.secret.is_empty() {
        return Err("it keeps no user name and password for it".into());
    }
    Ok((got.username, Secret::new(got.secret)))
}

/// The user and password of one `auths` entry: `auth` (base64 `user:password`) or
/// `username` and `password`. An `identitytoken` alone is not a password.
fn docker_auth(value: &serde_json::Value) -> Option<(String, Secret)> {
    let field = |k: &str| {
        value
            .get(k)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    if let Some(auth) = field("auth") {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        let (user, password) = text.split_once(':')?;
        if user.is_empty() || password.is_empty() {
            return None;
        }
        return Some((user.to_string(), Secret::new(password)));
    }
    Some((
        field("username")?.to_string(),
        Secret::new(field("password")?),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_config_entries_give_their_user_and_password() {
        let auth = base64::engine::general_purpose::STANDARD.encode("me:pa:ss");
        let (u, p) =
            docker_auth(&serde_json::json!({ "auth": auth })).unwrap_or_else(|| panic!("read"));
        assert_eq!((u.as_str(), p.expose()), ("me", "pa:ss"));
        let (u, p) = docker_auth(&serde_json::json!({ "username": "a", "password": "b" }))
            .unwrap_or_else(|| panic!("read"));
        assert_eq!((u.as_str(), p.expose()), ("a", "b"));
        assert!(docker_auth(&serde_json::json!({ "auth": "!!" })).is_none());
        assert!(docker_auth(&serde_json::json!({ "identitytoken": "t" })).is_none());
        assert!(docker_auth(&serde_json::json!({})).is_none());
    }

    #[test]
    fn helper_answers_are_read_as_the_protocol_gives_them() {
        let (u, p) = parse_helper_get(r#"{"ServerURL":"ghcr.io","Username":"me","Secret":"tok"}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((u.as_str(), p.expose()), ("me", "tok"));
        let token = parse_helper_get(r#"{"ServerURL":"x","Username":"<token>","Secret":"r"}"#);
        assert!(token.is_err_and(|e| e.contains("identity token")));
        assert!(parse_helper_get("credentials not found in native keychain").is_err());
        assert_eq!(
            parse_helper_list(r#"{"b.io":"u","a.io":"v"}"#),
            Ok(vec!["a.io".to_string(), "b.io".to_string()])
        );
        assert!(parse_helper_list("[]").is_err());
        assert!(check_helper("secretservice").is_ok());
        assert!(check_helper("../../bin/sh").is_err());
        assert!(check_helper("a b").is_err());
        assert!(check_helper("").is_err());
    }

    proptest::proptest! {
        /// Whatever a helper prints: read or refused, never a panic, and a refusal never
        /// repeats what it printed (it may hold a secret).
        #[test]
        fn any_helper_answer_is_read_or_refused(out in "\\PC{0,120}", secret in "[a-z]{12,20}") {
            let _ = parse_helper_list(&out);
            let with_secret = format!("{out}{secret}");
            if let Err(e) = parse_helper_get(&with_secret) {
                proptest::prop_assert!(!e.contains(&secret));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_config_entry_is_read_or_refused_without_panicking(
            auth in "\\PC{0,60}",
            user in "\\PC{0,20}",
            password in "\\PC{0,20}",
        ) {
            let _ = docker_auth(&serde_json::json!({ "auth": auth }));
            let _ = docker_auth(&serde_json::json!({ "username": user, "password": password }));
            // Whatever was written as `auth`, a user and password read back are the ones encoded.
            let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            if let Some((u, p)) = docker_auth(&serde_json::json!({ "auth": encoded })) {
                proptest::prop_assert_eq!(format!("{u}:{}", p.expose()), format!("{user}:{password}"));
            }
        }
    }

    #[test]
    fn fields_are_checked_before_anything_is_stored() {
        let new = |host: &str, user: Option<&str>| NewRegistry {
            name: String::new(),
            host: host.into(),
            provider: None,
            username: user.map(str::to_string),
        };
        let ok = check_fields(&new("https://ghcr.io", Some("me")), Some(&Secret::new("t")));
        assert_eq!(
            ok.ok(),
            Some(("ghcr.io".into(), "ghcr.io".into(), Some("me".into())))
        );
        assert!(check_fields(&new("ghcr.io", Some("me")), None).is_err());
        assert!(check_fields(&new("ghcr.io", None), Some(&Secret::new("t"))).is_err());
        assert!(check_fields(&new("", None), None).is_err());
        assert!(check_fields(&new("ghcr.io", None), None).is_ok());
    }
}
