//! Container registries over the OCI Distribution v2 API (reqwest).
//!
//! Written on reqwest rather than `oci-client`: update checks need what that crate keeps to
//! itself (the `ratelimit-*` headers of every answer, the `Link` header of a tag list's next
//! page, a count of each kind of request for the benchmark), and need nothing else it does
//! (pulls go through the engine).
//!
//! - A manifest's digest is read with one HEAD, all four manifest and index types accepted
//!   (a missing one makes registries answer 404 or 400, or Docker Hub a schema-1 manifest
//!   with another digest). Docker Hub does not count a HEAD as a pull.
//! - Authentication follows the registry's challenge: `Basic` gets the credentials, `Bearer`
//!   gets a token from the realm (with the credentials, if any) for `repository:<name>:pull`,
//!   kept until it expires. Anonymous works wherever the registry allows it.
//! - Credentials go to a token realm only over HTTPS, or to the loopback.
//! - Every request has a connect deadline and an overall deadline; answers are read up to a
//!   size cap; tag lists follow at most [`MAX_TAG_PAGES`] pages, on the same host.

pub mod challenge;
pub mod link;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine as _;
use futures_util::StreamExt;
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LINK, RETRY_AFTER,
    WWW_AUTHENTICATE,
};
use reqwest::{Method, StatusCode, Url};
use squirrel_core::templates::image_ref::DOCKER_HUB;
use squirrel_core::templates::ImageRef;
use squirrel_core::updates::{
    RateLimit, RegistryCredentials, RegistryError, RegistryPort, RemoteManifest, RemoteTags,
};

use challenge::Challenge;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Every manifest and index type: see the module's text.
pub const MANIFEST_TYPES: &str = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json";
/// Pages of a tag list followed at most (a registry that links in circles ends here).
pub const MAX_TAG_PAGES: usize = 100;
/// Tags asked for a page (registries may give fewer).
const TAGS_PER_PAGE: usize = 1000;
/// Bytes read of a token answer, at most.
const MAX_TOKEN_BYTES: usize = 64 * 1024;
/// Bytes read of a tag list page, at most.
const MAX_TAGS_BYTES: usize = 8 * 1024 * 1024;
/// Bytes read of an error answer, at most (for its message).
const MAX_ERROR_BYTES: usize = 16 * 1024;
/// A token is renewed this long before the registry said it expires.
const TOKEN_SLACK: Duration = Duration::from_secs(10);
/// Docker Hub's registry host, for references that name `docker.io`.
const HUB_HOST: &str = "registry-1.docker.io";

/// Requests made so far, by kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RequestCounts {
    pub head: u64,
    pub get: u64,
    pub token: u64,
}

#[derive(Default)]
struct Counters {
    head: AtomicU64,
    get: AtomicU64,
    token: AtomicU64,
}

/// Where a repository lives: the registry's base address, its name for messages, and the
/// repository's path in it.
#[derive(Debug, Clone)]
struct Repo {
    base: Url,
    host: String,
    name: String,
}

impl Repo {
    fn of(image: &ImageRef) -> Result<Self, RegistryError> {
        let host = image.registry.as_deref().unwrap_or(DOCKER_HUB);
        let (endpoint, name) = if host == DOCKER_HUB || host == "index.docker.io" {
            let name = if image.repository.contains('/') {
                image.repository.clone()
            } else {
                format!("library/{}", image.repository)
            };
            (HUB_HOST.to_string(), name)
        } else {
            (host.to_string(), image.repository.clone())
        };
        // Registries on the loopback are spoken to in plain HTTP, as the engine does.
        let scheme = if is_loopback(&endpoint) {
            "http"
        } else {
            "https"
        };
        let base = Url::parse(&format!("{scheme}://{endpoint}/")).map_err(|_| {
            RegistryError::Protocol {
                registry: host.to_string(),
                detail: "its address is not valid".into(),
            }
        })?;
        Ok(Self {
            base,
            host: host.to_string(),
            name,
        })
    }

    fn url(&self, path: &str) -> Result<Url, RegistryError> {
        self.base
            .join(path)
            .map_err(|_| self.protocol("an address could not be built"))
    }

    fn protocol(&self, detail: impl Into<String>) -> RegistryError {
        RegistryError::Protocol {
            registry: self.host.clone(),
            detail: detail.into(),
        }
    }
}

/// `localhost`, `127.x`, `::1`, with or without a port.
fn is_loopback(endpoint: &str) -> bool {
    let host = match endpoint.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => endpoint,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// How to authenticate to a repository, once learnt from its challenge.
#[derive(Clone)]
enum Known {
    Basic,
    Token { value: String, until: Instant },
}

/// A client for every registry. Cheap to share; tokens are kept per registry and repository.
pub struct RegistryClient {
    http: Result<reqwest::Client, String>,
    known: Mutex<HashMap<(String, String), Known>>,
    counters: Counters,
}

impl Default for RegistryClient {
    fn default() -> Self {
        Self::new()
    }
}

impl RegistryClient {
    pub fn new() -> Self {
        // reqwest is built without a crypto provider: the process uses ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("Squirrel/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("the HTTP client could not start: {e}"));
        Self {
            http,
            known: Mutex::new(HashMap::new()),
            counters: Counters::default(),
        }
    }

    /// Requests made so far, by kind (tests and the benchmark count them).
    pub fn requests(&self) -> RequestCounts {
        RequestCounts {
            head: self.counters.head.load(Ordering::Relaxed),
            get: self.counters.get.load(Ordering::Relaxed),
            token: self.counters.token.load(Ordering::Relaxed),
        }
    }

    fn http(&self, repo: &Repo) -> Result<&reqwest::Client, RegistryError> {
        self.http.as_ref().map_err(|e| RegistryError::Unreachable {
            registry: repo.host.clone(),
            detail: e.clone(),
        })
    }

    fn known(&self, repo: &Repo) -> Option<Known> {
        let key = (repo.base.to_string(), repo.name.clone());
        let known = self.known.lock().ok()?;
        match known.get(&key)? {
            Known::Token { until, .. } if *until <= Instant::now() => None,
            k => Some(k.clone()),
        }
    }

    fn learn(&self, repo: &Repo, how: Known) {
        if let Ok(mut known) = self.known.lock() {
            known.insert((repo.base.to_string(), repo.name.clone()), how);
        }
    }

    /// Sends a request with what is known of the repository's authentication; on a
    /// challenge, authenticates as it asks and sends it once more.
    async fn send(
        &self,
        repo: &Repo,
        method: Method,
        url: Url,
        accept: &str,
        credentials: Option<&RegistryCredentials>,
    ) -> Result<reqwest::Response, RegistryError> {
        let mut auth = self
            .known(repo)
            .and_then(|k| authorization(&k, credentials));
        for attempt in 0..2 {
            let counter = if method == Method::HEAD {
                &self.counters.head
            } else {
                &self.counters.get
            };
            counter.fetch_add(1, Ordering::Relaxed);
            let mut request = self
                .http(repo)?
                .request(method.clone(), url.clone())
                .header(ACCEPT, accept);
            if let Some(value) = &auth {
                request = request.header(AUTHORIZATION, value.clone());
            }
            let response = request.send().await.map_err(|e| unreachable(repo, &e))?;
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            if attempt == 1 {
                break;
            }
            let challenge = response
                .headers()
                .get(WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .and_then(challenge::parse);
            let how = match challenge {
                Some(Challenge::Basic) if credentials.is_some() => Known::Basic,
                Some(Challenge::Bearer { realm, service, .. }) => {
                    self.token(repo, &realm, service.as_deref(), credentials)
                        .await?
                }
                _ => break,
            };
            auth = authorization(&how, credentials);
            self.learn(repo, how);
        }
        Err(RegistryError::Unauthorized {
            registry: repo.host.clone(),
        })
    }

    /// A token for `repository:<name>:pull` from the challenge's realm.
    async fn token(
        &self,
        repo: &Repo,
        realm: &str,
        service: Option<&str>,
        credentials: Option<&RegistryCredentials>,
    ) -> Result<Known, RegistryError> {
        let mut url =
            Url::parse(realm).map_err(|_| repo.protocol("its token address is not valid"))?;
        let secure = url.scheme() == "https"
            || (url.scheme() == "http" && url.host_str().is_some_and(is_loopback));
        if !matches!(url.scheme(), "http" | "https") || (credentials.is_some() && !secure) {
            return Err(repo.protocol(format!(
                "it sends credentials to {} in plain text; Squirrel does not",
                url.host_str().unwrap_or("another address")
            )));
        }
        {
            let mut query = url.query_pairs_mut();
            if let Some(service) = service {
                query.append_pair("service", service);
            }
            // A login (no repository) asks for no scope, as `docker login` does.
            if !repo.name.is_empty() {
                query.append_pair("scope", &format!("repository:{}:pull", repo.name));
            }
        }
        self.counters.token.fetch_add(1, Ordering::Relaxed);
        let mut request = self.http(repo)?.get(url);
        if let Some(c) = credentials {
            request = request.basic_auth(&c.username, Some(c.secret.expose()));
        }
        let response = request.send().await.map_err(|e| unreachable(repo, &e))?;
        match response.status() {
            s if s.is_success() => {}
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                return Err(RegistryError::Unauthorized {
                    registry: repo.host.clone(),
                })
            }
            StatusCode::TOO_MANY_REQUESTS => return Err(rate_limited(repo, response.headers())),
            s => return Err(repo.protocol(format!("its token service answered {s}"))),
        }
        let body = read_capped(repo, response, MAX_TOKEN_BYTES).await?;
        #[derive(serde::Deserialize)]
        struct TokenAnswer {
            token: Option<String>,
            access_token: Option<String>,
            expires_in: Option<u64>,
        }
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|_| repo.protocol("its token service did not answer with a token"))?;
        let value = answer
            .token
            .or(answer.access_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| repo.protocol("its token service did not answer with a token"))?;
        // Absent means 60 s (the spec); a registry's number is taken as a bound, not trusted
        // to be large.
        let life = Duration::from_secs(answer.expires_in.unwrap_or(60).clamp(1, 86_400));
        Ok(Known::Token {
            value,
            until: Instant::now() + life.saturating_sub(TOKEN_SLACK),
        })
    }
}

/// The `Authorization` value for what is known, if it can be made.
fn authorization(known: &Known, credentials: Option<&RegistryCredentials>) -> Option<HeaderValue> {
    let text = match known {
        Known::Basic => {
            let c = credentials?;
            let raw = format!("{}:{}", c.username, c.secret.expose());
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(raw)
            )
        }
        Known::Token { value, .. } => format!("Bearer {value}"),
    };
    let mut value = HeaderValue::from_str(&text).ok()?;
    value.set_sensitive(true);
    Some(value)
}

fn unreachable(repo: &Repo, e: &reqwest::Error) -> RegistryError {
    let detail = if e.is_timeout() {
        format!("it did not answer within {} s", REQUEST_TIMEOUT.as_secs())
    } else if e.is_connect() {
        "the connection failed; check the address and the network".to_string()
    } else {
        let mut cause = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            cause = s.to_string();
            source = s.source();
        }
        cause
    };
    RegistryError::Unreachable {
        registry: repo.host.clone(),
        detail,
    }
}

/// `ratelimit-limit: 100;w=21600` and `ratelimit-remaining: 20;w=21600`.
fn rate_limit(headers: &HeaderMap) -> Option<RateLimit> {
    let read = |name: &str| -> Option<(u32, Option<u32>)> {
        let text = headers.get(name)?.to_str().ok()?;
        let mut parts = text.split(';');
        let n = parts.next()?.trim().parse().ok()?;
        let w = parts.find_map(|p| p.trim().strip_prefix("w=")?.trim().parse().ok());
        Some((n, w))
    };
    let (limit, window) = read("ratelimit-limit")?;
    let (remaining, _) = read("ratelimit-remaining")?;
    Some(RateLimit {
        limit,
        remaining,
        window_secs: window,
    })
}

fn rate_limited(repo: &Repo, headers: &HeaderMap) -> RegistryError {
    RegistryError::RateLimited {
        registry: repo.host.clone(),
        retry_after_secs: headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok()),
    }
}

async fn read_capped(
    repo: &Repo,
    response: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, RegistryError> {
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Err(repo.protocol(format!("an answer is larger than {} KiB", cap >> 10)));
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| unreachable(repo, &e))?;
        if body.len() + chunk.len() > cap {
            return Err(repo.protocol(format!("an answer is larger than {} KiB", cap >> 10)));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The first message of a registry's error answer (`{"errors":[{"code","message"}]}`).
async fn error_message(repo: &Repo, response: reqwest::Response) -> Option<String> {
    let body = read_capped(repo, response, MAX_ERROR_BYTES).await.ok()?;
    let v: serde_json::Value = serde_json::from_slice(&body).ok()?;
    let e = v.get("errors")?.get(0)?;
    let text = e
        .get("message")
        .and_then(|m| m.as_str())
        .or_else(|| e.get("code")?.as_str())?;
    Some(text.chars().take(200).collect())
}

/// What a failed answer means.
async fn failure(repo: &Repo, response: reqwest::Response, what: String) -> RegistryError {
    match response.status() {
        StatusCode::NOT_FOUND => RegistryError::NotFound {
            registry: repo.host.clone(),
            what,
        },
        StatusCode::TOO_MANY_REQUESTS => rate_limited(repo, response.headers()),
        StatusCode::FORBIDDEN => RegistryError::Unauthorized {
            registry: repo.host.clone(),
        },
        status => {
            let message = error_message(repo, response).await;
            repo.protocol(match message {
                Some(m) => format!("{status}: {m}"),
                None => status.to_string(),
            })
        }
    }
}

#[async_trait]
impl RegistryPort for RegistryClient {
    async fn manifest(
        &self,
        image: &ImageRef,
        credentials: Option<&RegistryCredentials>,
    ) -> Result<RemoteManifest, RegistryError> {
        let repo = Repo::of(image)?;
        let reference = match (&image.tag, &image.digest) {
            (_, Some(digest)) => digest.clone(),
            (Some(tag), None) => tag.clone(),
            (None, None) => "latest".to_string(),
        };
        let url = repo.url(&format!("v2/{}/manifests/{reference}", repo.name))?;
        let response = self
            .send(&repo, Method::HEAD, url, MANIFEST_TYPES, credentials)
            .await?;
        if !response.status().is_success() {
            let what = format!("image {}:{reference}", repo.name);
            return Err(failure(&repo, response, what).await);
        }
        let headers = response.headers();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let digest = header("docker-content-digest")
            .filter(|d| d.starts_with("sha256:") && d.len() == 71)
            .ok_or_else(|| repo.protocol("its manifest answer names no digest"))?;
        Ok(RemoteManifest {
            digest,
            media_type: header(CONTENT_TYPE.as_str()).unwrap_or_default(),
            rate_limit: rate_limit(headers),
        })
    }

    async fn login(
        &self,
        host: &str,
        credentials: Option<&RegistryCredentials>,
    ) -> Result<(), RegistryError> {
        // The registry's root, as a repository without a name.
        let image = ImageRef {
            registry: Some(host.to_string()),
            repository: "x".into(),
            tag: None,
            digest: None,
        };
        let mut repo = Repo::of(&image)?;
        repo.name.clear();
        let url = repo.url("v2/")?;
        // What was learnt of another login must not answer for this one.
        if let Ok(mut known) = self.known.lock() {
            known.remove(&(repo.base.to_string(), String::new()));
        }
        let response = self
            .send(&repo, Method::GET, url, "application/json", credentials)
            .await?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(failure(&repo, response, "registry API (v2) at this address".into()).await)
    }

    async fn tags(
        &self,
        image: &ImageRef,
        credentials: Option<&RegistryCredentials>,
    ) -> Result<RemoteTags, RegistryError> {
        let repo = Repo::of(image)?;
        let mut url = repo.url(&format!("v2/{}/tags/list?n={TAGS_PER_PAGE}", repo.name))?;
        let mut tags = Vec::new();
        let mut rate = None;
        for _ in 0..MAX_TAG_PAGES {
            let response = self
                .send(
                    &repo,
                    Method::GET,
                    url.clone(),
                    "application/json",
                    credentials,
                )
                .await?;
            if !response.status().is_success() {
                let what = format!("repository {}", repo.name);
                return Err(failure(&repo, response, what).await);
            }
            rate = rate_limit(response.headers()).or(rate);
            let next = response
                .headers()
                .get(LINK)
                .and_then(|v| v.to_str().ok())
                .and_then(link::next)
                .map(str::to_string);
            let body = read_capped(&repo, response, MAX_TAGS_BYTES).await?;
            #[derive(serde::Deserialize)]
            struct Page {
                tags: Option<Vec<String>>,
            }
            let page: Page = serde_json::from_slice(&body)
                .map_err(|_| repo.protocol("its tag list is not the JSON the API describes"))?;
            tags.extend(page.tags.unwrap_or_default());
            let Some(next) = next else {
                return Ok(RemoteTags {
                    tags,
                    rate_limit: rate,
                });
            };
            let following = url
                .join(&next)
                .map_err(|_| repo.protocol("its next page's address is not valid"))?;
            // A next page elsewhere would take the credentials with it.
            if following.origin() != repo.base.origin() {
                return Err(repo.protocol("its next page is on another host"));
            }
            url = following;
        }
        Err(repo.protocol(format!("its tag list goes on past {MAX_TAG_PAGES} pages")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_find_their_registry_and_repository() {
        let repo = |r: &str| {
            Repo::of(&ImageRef::parse(r).unwrap_or_else(|e| panic!("{e}")))
                .map(|x| (x.base.to_string(), x.host, x.name))
        };
        assert_eq!(
            repo("nginx").ok(),
            Some((
                "https://registry-1.docker.io/".into(),
                "docker.io".into(),
                "library/nginx".into()
            ))
        );
        assert_eq!(
            repo("ghcr.io/owner/app:1.2").ok(),
            Some((
                "https://ghcr.io/".into(),
                "ghcr.io".into(),
                "owner/app".into()
            ))
        );
        assert_eq!(
            repo("127.0.0.1:5000/e2e/hello:1").ok(),
            Some((
                "http://127.0.0.1:5000/".into(),
                "127.0.0.1:5000".into(),
                "e2e/hello".into()
            ))
        );
        assert_eq!(
            repo("localhost/x").ok().map(|r| r.0),
            Some("http://localhost/".into())
        );
    }

    #[test]
    fn rate_limit_headers_are_read() {
        let mut h = HeaderMap::new();
        h.insert("ratelimit-limit", HeaderValue::from_static("100;w=21600"));
        h.insert(
            "ratelimit-remaining",
            HeaderValue::from_static("20;w=21600"),
        );
        assert_eq!(
            rate_limit(&h),
            Some(RateLimit {
                limit: 100,
                remaining: 20,
                window_secs: Some(21600)
            })
        );
        h.insert("ratelimit-remaining", HeaderValue::from_static("lots"));
        assert_eq!(rate_limit(&h), None);
    }

    proptest::proptest! {
        #[test]
        fn any_rate_limit_header_is_read_or_ignored_without_panicking(
            limit in "[ -~]{0,40}",
            remaining in "[ -~]{0,40}",
        ) {
            let mut h = HeaderMap::new();
            if let (Ok(l), Ok(r)) = (HeaderValue::from_str(&limit), HeaderValue::from_str(&remaining)) {
                h.insert("ratelimit-limit", l);
                h.insert("ratelimit-remaining", r);
            }
            let _ = rate_limit(&h);
        }
    }
}
