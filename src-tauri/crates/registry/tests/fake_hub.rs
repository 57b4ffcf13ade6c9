//! What distribution 2.8 cannot show (`../shared/reference/registries.md` §11): the Bearer
//! token flow with an `access_token`-only answer (ACR), Docker Hub's `ratelimit-*` headers
//! (which a HEAD does not spend), a 429 `TOOMANYREQUESTS`, and a tag list paged by relative
//! `Link` headers. A small HTTP server that follows those documented shapes; the client's
//! requests are counted on both sides.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use squirrel_core::secrets::Secret;
use squirrel_core::templates::ImageRef;
use squirrel_core::updates::{RateLimit, RegistryCredentials, RegistryError, RegistryPort};
use squirrel_registry::{RegistryClient, MANIFEST_TYPES};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const DIGEST: &str = "sha256:5f0c4e1c3b1a8f9e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706";
const TAGS: [&str; 5] = ["1.0.0", "1.0.1", "1.1.0", "2.0.0", "latest"];
/// `user:token` in Basic, as the token service expects it.
const BASIC: &str = "Basic dXNlcjp0b2tlbg==";

#[derive(Default)]
struct Seen {
    /// Each request's method and path (with query).
    requests: Vec<String>,
    /// Pulls spent (a GET of a manifest; never a HEAD).
    pulls: u32,
}

struct Fake {
    port: u16,
    seen: Arc<Mutex<Seen>>,
}

fn response(status: &str, headers: &[(&str, String)], body: &str) -> String {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out
}

fn answer(
    port: u16,
    seen: &Mutex<Seen>,
    method: &str,
    target: &str,
    headers: &[(String, String)],
) -> String {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    seen.lock()
        .unwrap()
        .requests
        .push(format!("{method} {target}"));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let challenge = || {
        response(
            "401 Unauthorized",
            &[(
                "WWW-Authenticate",
                format!(r#"Bearer realm="http://127.0.0.1:{port}/token",service="fake.registry""#),
            )],
            r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
        )
    };
    if path == "/token" {
        // ACR-style: only `access_token`. The scope names the repository asked.
        if header("authorization") != Some(BASIC) {
            return response("401 Unauthorized", &[], "{}");
        }
        let scope = query
            .split('&')
            .find_map(|p| p.strip_prefix("scope="))
            .unwrap_or("")
            .replace("%3A", ":")
            .replace("%2F", "/");
        return response(
            "200 OK",
            &[],
            &format!(r#"{{"access_token":"tok {scope}","expires_in":300}}"#),
        );
    }
    // The API's root: any token of the service opens it (a login).
    if path == "/v2/" {
        if header("authorization").is_some_and(|a| a.starts_with("Bearer tok")) {
            return response("200 OK", &[], "{}");
        }
        return challenge();
    }
    let repo = path
        .strip_prefix("/v2/")
        .and_then(|p| {
            p.rsplit_once("/manifests/")
                .map(|x| x.0)
                .or_else(|| p.strip_suffix("/tags/list"))
        })
        .unwrap_or("");
    let wanted = format!("Bearer tok repository:{repo}:pull");
    if header("authorization") != Some(wanted.as_str()) {
        return challenge();
    }
    let limits = [
        ("ratelimit-limit", "100;w=21600".to_string()),
        ("ratelimit-remaining", "42;w=21600".to_string()),
    ];
    if repo == "limited/app" {
        return response(
            "429 Too Many Requests",
            &[("Retry-After", "120".into())],
            r#"{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}"#,
        );
    }
    if let Some((_, reference)) = path.rsplit_once("/manifests/") {
        // Every manifest and index type must be accepted, or the tag is not found.
        let accept = header("accept").unwrap_or("");
        if !MANIFEST_TYPES.split(", ").all(|t| accept.contains(t)) || !TAGS.contains(&reference) {
            return response(
                "404 Not Found",
                &[],
                r#"{"errors":[{"code":"MANIFEST_UNKNOWN"}]}"#,
            );
        }
        if method == "GET" {
            seen.lock().unwrap().pulls += 1;
        }
        let mut h = limits.to_vec();
        h.push(("Docker-Content-Digest", DIGEST.into()));
        h.push((
            "Content-Type",
            "application/vnd.oci.image.index.v1+json".into(),
        ));
        return response("200 OK", &h, "");
    }
    // Tags, two a page, after `last`; the next page's address relative, keys sorted.
    let last = query.split('&').find_map(|p| p.strip_prefix("last="));
    let start = last.map_or(0, |l| {
        TAGS.iter()
            .position(|t| *t == l)
            .map_or(TAGS.len(), |k| k + 1)
    });
    let page: Vec<&str> = TAGS.iter().skip(start).take(2).copied().collect();
    let mut h = Vec::new();
    if start + 2 < TAGS.len() {
        let next = if repo == "elsewhere/app" {
            format!(
                "<http://192.0.2.1:{port}/v2/{repo}/tags/list?last={}&n=2>; rel=\"next\"",
                page[1]
            )
        } else {
            format!("</v2/{repo}/tags/list?last={}&n=2>; rel=\"next\"", page[1])
        };
        h.push(("Link", next));
    }
    let body = serde_json::json!({ "name": repo, "tags": page }).to_string();
    response("200 OK", &h, &body)
}

impl Fake {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let shared = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let seen = shared.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&buf).to_string();
                    let mut lines = text.split("\r\n");
                    let mut first = lines.next().unwrap_or("").split(' ');
                    let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
                    let headers: Vec<(String, String)> = lines
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                        .collect();
                    let out = answer(port, &seen, method, target, &headers);
                    let _ = socket.write_all(out.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Self { port, seen }
    }

    fn image(&self, reference: &str) -> ImageRef {
        ImageRef::parse(&format!("127.0.0.1:{}/{reference}", self.port)).unwrap()
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().requests.clone()
    }
}

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("a request took over 30 s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_flow_rate_limits_and_pages_as_documented() {
    let fake = Fake::start().await;
    let client = RegistryClient::new();
    let creds = RegistryCredentials {
        username: "user".into(),
        secret: Secret::new("token"),
    };

    // The first check: refused, a token for this repository's pull, the HEAD again.
    let m = bounded(client.manifest(&fake.image("homelab/app:1.0.0"), Some(&creds)))
        .await
        .unwrap();
    assert_eq!(m.digest, DIGEST);
    assert_eq!(
        m.rate_limit,
        Some(RateLimit {
            limit: 100,
            remaining: 42,
            window_secs: Some(21600)
        })
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert!(requests[0].starts_with("HEAD /v2/homelab/app/manifests/1.0.0"));
    assert!(
        requests[1].starts_with(
            "GET /token?service=fake.registry&scope=repository%3Ahomelab%2Fapp%3Apull"
        ),
        "{requests:?}"
    );
    assert!(requests[2].starts_with("HEAD /v2/homelab/app/manifests/1.0.0"));

    // Later checks of the repository reuse the token: one HEAD each, no pull spent.
    for tag in ["1.0.1", "2.0.0", "latest"] {
        bounded(client.manifest(&fake.image(&format!("homelab/app:{tag}")), Some(&creds)))
            .await
            .unwrap();
    }
    assert_eq!(fake.requests().len(), 6);
    assert_eq!(fake.seen.lock().unwrap().pulls, 0);
    let counts = client.requests();
    assert_eq!((counts.head, counts.get, counts.token), (5, 0, 1));

    // All pages of tags, by following the relative Link as written.
    let tags = bounded(client.tags(&fake.image("homelab/app"), Some(&creds)))
        .await
        .unwrap();
    assert_eq!(tags.tags, TAGS);
    let pages: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.contains("/tags/list"))
        .collect();
    // The token is reused; the pages are the server's size (2), not the 1,000 asked.
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages[0].ends_with("/tags/list?n=1000"), "{pages:?}");
    assert!(pages[2].ends_with("/tags/list?last=2.0.0&n=2"), "{pages:?}");

    // A next page on another host is not followed.
    let elsewhere = bounded(client.tags(&fake.image("elsewhere/app"), Some(&creds))).await;
    assert!(
        matches!(elsewhere, Err(RegistryError::Protocol { .. })),
        "{elsewhere:?}"
    );

    // Over the limit: said, with when to ask again.
    let limited = bounded(client.manifest(&fake.image("limited/app:1.0.0"), Some(&creds)))
        .await
        .unwrap_err();
    assert_eq!(
        limited,
        RegistryError::RateLimited {
            registry: format!("127.0.0.1:{}", fake.port),
            retry_after_secs: Some(120)
        }
    );
    assert!(limited.to_string().contains("120 s"));

    // A login: the challenge, a token asked without a scope, the root again.
    let before = fake.requests().len();
    let host = format!("127.0.0.1:{}", fake.port);
    bounded(client.login(&host, Some(&creds))).await.unwrap();
    let asked: Vec<String> = fake.requests()[before..].to_vec();
    assert_eq!(asked.len(), 3, "{asked:?}");
    assert_eq!(asked[1], "GET /token?service=fake.registry");

    // The token service refusing the credentials is a refusal, and names no secret.
    let wrong = RegistryCredentials {
        username: "user".into(),
        secret: Secret::new("s3cret-wrong"),
    };
    let refused =
        bounded(RegistryClient::new().manifest(&fake.image("homelab/app:1.0.0"), Some(&wrong)))
            .await
            .unwrap_err();
    assert!(
        matches!(refused, RegistryError::Unauthorized { .. }),
        "{refused:?}"
    );
    assert!(!format!("{refused} {refused:?}").contains("s3cret-wrong"));
}
