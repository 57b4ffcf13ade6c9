//! HTTP GETs for template catalogues and logos (reqwest over rustls with the system's
//! roots). Every request has a connect deadline and an overall deadline, follows at most a
//! few redirects and stops reading past a size cap. Errors are sentences that never repeat
//! credentials written into a URL.

use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use reqwest::header::{
    HeaderMap, HeaderValue, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use reqwest::StatusCode;
use squirrel_core::ports::HttpFetcher;
use squirrel_core::templates::Fetched;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_REDIRECTS: usize = 5;

pub struct ReqwestFetcher {
    client: Result<reqwest::Client, String>,
}

impl Default for ReqwestFetcher {
    fn default() -> Self {
        Self::new()
    }
}

impl ReqwestFetcher {
    pub fn new() -> Self {
        // reqwest is built without a crypto provider: the process uses ring, as the Docker
        // TLS transport does. Installing it twice is harmless (the first one stays).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .user_agent(concat!("Squirrel/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("the HTTP client could not start: {e}"));
        if let Err(e) = &client {
            tracing::error!(error = %e, "no HTTP client");
        }
        Self { client }
    }
}

/// The URL without user and password, for messages and logs.
pub fn redact(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            if !u.username().is_empty() || u.password().is_some() {
                let _ = u.set_username("");
                let _ = u.set_password(None);
            }
            u.to_string()
        }
        Err(_) => url.chars().take(200).collect(),
    }
}

fn describe(url: &str, e: &reqwest::Error) -> String {
    let at = redact(url);
    if e.is_timeout() {
        format!("{at} did not answer within {} s", REQUEST_TIMEOUT.as_secs())
    } else if e.is_connect() {
        format!("cannot connect to {at}: check the address and the network")
    } else if e.is_redirect() {
        format!("{at} redirects too many times")
    } else {
        // reqwest's own text names the URL; keep only the cause chain.
        let mut cause = String::new();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            cause = s.to_string();
            source = s.source();
        }
        if cause.is_empty() {
            format!("reading {at} failed")
        } else {
            format!("reading {at} failed: {cause}")
        }
    }
}

#[async_trait]
impl HttpFetcher for ReqwestFetcher {
    async fn fetch(
        &self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
        max_bytes: usize,
    ) -> Result<Fetched, String> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| format!("\"{}\" is not a valid address: {e}", redact(url)))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("{} is not an http or https address", redact(url)));
        }
        let mut headers = HeaderMap::new();
        if let Some(v) = etag.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(IF_NONE_MATCH, v);
        }
        if let Some(v) = last_modified.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(IF_MODIFIED_SINCE, v);
        }
        let response = client
            .get(parsed)
            .headers(headers)
            .send()
            .await
            .map_err(|e| describe(url, &e))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(format!("{} answered {status}", redact(url)));
        }
        let too_big = || format!("{} is larger than {} KiB", redact(url), max_bytes >> 10);
        if response
            .content_length()
            .is_some_and(|n| n > max_bytes as u64)
        {
            return Err(too_big());
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let etag = header(ETAG);
        let last_modified = header(LAST_MODIFIED);
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let mut bytes = Vec::new();
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| describe(url, &e))?;
            if bytes.len() + chunk.len() > max_bytes {
                return Err(too_big());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            bytes,
            etag,
            last_modified,
            content_type,
        })
    }
}
