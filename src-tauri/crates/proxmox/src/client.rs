//! The Proxmox VE API over HTTPS, with an API token or a user's password (a ticket renewed
//! before it expires): a thin client for the few endpoints Squirrel needs, every answer read
//! out of its envelope, every refusal said in words that tell the user what to do, every
//! request bounded in time.

use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION, COOKIE};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use squirrel_core::secrets::Secret;

use crate::tls::{client_config, Fingerprint, Seen, Trust};
use crate::wire::{
    guests, Envelope, Guest, GuestType, InterfaceItem, Node, Resource, RrdPoint, SnapshotItem,
    TaskLogLine, TaskStatus, TicketAnswer, Upid, Version,
};

/// The API's port unless the URL names another.
pub const DEFAULT_PORT: u16 = 8006;
/// A connection, and a whole request, must be done within these.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The most an answer may weigh (a cluster of thousands of guests is a few MiB).
const MAX_BODY: usize = 16 << 20;
/// How often a task is asked about, and the most log lines read of a failed one.
const TASK_POLL: Duration = Duration::from_millis(500);
const TASK_LOG_LINES: usize = 40;
/// A ticket lives two hours; it is renewed after one, as Proxmox's own clients do.
pub const TICKET_RENEWAL: Duration = Duration::from_secs(3600);

/// Why a call gave nothing, in words for the user.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PveError {
    /// The token or ticket was refused (HTTP 401).
    #[error("Proxmox refused the API token ({0}): check the token id (user@realm!name) and its secret, and that the token has not expired")]
    Unauthorized(String),
    /// The user name or password was refused at login.
    #[error("Proxmox refused the user name or password ({0}): check both, and the realm (root@pam, not root)")]
    LoginRefused(String),
    /// A privilege is missing (HTTP 403), named in the server's words.
    #[error("Proxmox refused: {0}. Give the token that privilege (Datacenter › Permissions), or a token without privilege separation")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// Any other refusal, in the server's words.
    #[error("{0}")]
    Refused(String),
    /// Nothing approved yet: the user compares this with the node's certificate.
    #[error("the server's certificate is not approved yet: its SHA-256 fingerprint is {seen}; compare it with the node's (Node › System › Certificates) and approve it")]
    CertificateUnknown { seen: Fingerprint },
    /// Another certificate than the approved one: refused, as a changed SSH host key is.
    #[error("the server's certificate changed: it shows {seen}, not the approved {expected}. If the node's certificate was renewed, edit the device and give the new fingerprint (Node › System › Certificates); otherwise someone may be in between")]
    CertificateChanged {
        expected: Fingerprint,
        seen: Fingerprint,
    },
    #[error("{0}")]
    Unreachable(String),
    /// An answer that is not what the API documents.
    #[error("{0}")]
    Protocol(String),
    /// A task ended with an error; its last log lines say why.
    #[error("the task failed: {exit}")]
    TaskFailed { exit: String, log: Vec<String> },
}

/// `https://host[:port]` as the user may write it (`pve.lan`, `10.0.0.5:8006`,
/// `https://pve.lan:8006/`), as the API's base (`…/api2/json/`).
pub fn api_base(text: &str) -> Result<Url, String> {
    // What can be said of the text alone is said as the device form's check says it.
    squirrel_core::model::check_pve_url(text)?;
    let text = text.trim().trim_end_matches('/');
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("https://{text}")
    };
    let mut url =
        Url::parse(&with_scheme).map_err(|e| format!("\"{text}\" is not an address: {e}."))?;
    if url.scheme() != "https" || url.host_str().is_none_or(str::is_empty) {
        return Err(format!("\"{text}\" is not an https:// address of a node."));
    }
    if url.port().is_none() {
        let _ = url.set_port(Some(DEFAULT_PORT));
    }
    url.set_query(None);
    url.set_fragment(None);
    url.set_path("/api2/json/");
    Ok(url)
}

/// A token id as PVE writes it: `user@realm!name`.
pub fn check_token_id(token_id: &str) -> Result<(), String> {
    squirrel_core::model::check_pve_token_id(token_id)
}

/// How requests are authenticated.
enum Auth {
    /// `Authorization: PVEAPIToken=…` on every request; no CSRF token.
    Token(HeaderValue),
    /// A ticket got with the user's password: its cookie on every request, its CSRF token
    /// on writes, renewed (with the ticket itself) before it expires.
    Ticket {
        user: String,
        password: Secret,
        session: tokio::sync::Mutex<Option<Session>>,
        renew_after: Duration,
    },
}

#[derive(Clone)]
struct Session {
    cookie: HeaderValue,
    csrf: HeaderValue,
    ticket: Secret,
    at: tokio::time::Instant,
}

/// Whether `id` names an API token (`user@realm!name`) rather than a user (`user@realm`),
/// as Proxmox itself tells them apart.
pub fn is_token_id(id: &str) -> bool {
    id.contains('!')
}

pub struct PveClient {
    base: Url,
    http: reqwest::Client,
    auth: Auth,
    trust: Trust,
    seen: Seen,
}

const CSRF_HEADER: &str = "csrfpreventiontoken";

impl PveClient {
    /// A client of the node at `url` trusting its certificate as `trust` says, logged in
    /// with the API token `id` (`user@realm!name`) and its secret, or as the user `id`
    /// (`user@realm`) with that password.
    pub fn new(url: &str, id: &str, secret: &Secret, trust: Trust) -> Result<Self, PveError> {
        let base = api_base(url).map_err(PveError::Refused)?;
        let auth = if is_token_id(id) {
            check_token_id(id).map_err(PveError::Refused)?;
            let secret = secret.expose().trim();
            if secret.is_empty()
                || secret.len() > 512
                || secret.chars().any(|c| c.is_control() || c.is_whitespace())
            {
                return Err(PveError::Refused(
                    "The token secret is empty or holds spaces: paste it as Proxmox showed it."
                        .into(),
                ));
            }
            let mut authorization = HeaderValue::from_str(&format!("PVEAPIToken={id}={secret}"))
                .map_err(|_| {
                    PveError::Refused(
                        "The token secret holds characters a header cannot carry.".into(),
                    )
                })?;
            authorization.set_sensitive(true);
            Auth::Token(authorization)
        } else {
            squirrel_core::model::check_pve_user(id).map_err(PveError::Refused)?;
            if secret.expose().is_empty() || secret.expose().len() > 4096 {
                return Err(PveError::Refused("The password is empty.".into()));
            }
            Auth::Ticket {
                user: id.to_string(),
                password: Secret::new(secret.expose()),
                session: tokio::sync::Mutex::new(None),
                renew_after: TICKET_RENEWAL,
            }
        };
        let (tls, seen) = client_config(&trust).map_err(PveError::Refused)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .tcp_keepalive(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Squirrel/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PveError::Unreachable(format!("the HTTP client could not start: {e}")))?;
        Ok(Self {
            base,
            http,
            auth,
            trust,
            seen,
        })
    }

    /// Renews a password login's ticket after `after` instead of an hour (tests).
    pub fn with_ticket_renewal(mut self, after: Duration) -> Self {
        if let Auth::Ticket { renew_after, .. } = &mut self.auth {
            *renew_after = after;
        }
        self
    }

    /// The headers that authenticate a request: the token, or the ticket's cookie (and its
    /// CSRF token on writes), logging in or renewing the ticket first when due.
    async fn auth_headers(
        &self,
        method: &Method,
    ) -> Result<Vec<(HeaderName, HeaderValue)>, PveError> {
        match &self.auth {
            Auth::Token(value) => Ok(vec![(AUTHORIZATION, value.clone())]),
            Auth::Ticket {
                user,
                password,
                session,
                renew_after,
            } => {
                let mut held = session.lock().await;
                let fresh = match held.as_ref() {
                    Some(s) if s.at.elapsed() < *renew_after => None,
                    // Renewed with the ticket as the password; a ticket that already
                    // expired is replaced by a new login.
                    Some(s) => Some(match self.login(user, &s.ticket).await {
                        Ok(renewed) => renewed,
                        Err(PveError::LoginRefused(_)) => self.login(user, password).await?,
                        Err(e) => return Err(e),
                    }),
                    None => Some(self.login(user, password).await?),
                };
                if let Some(fresh) = fresh {
                    *held = Some(fresh);
                }
                let Some(s) = held.as_ref() else {
                    return Err(PveError::Protocol("no session after login".into()));
                };
                let mut headers = vec![(COOKIE, s.cookie.clone())];
                if matches!(*method, Method::POST | Method::PUT | Method::DELETE) {
                    headers.push((HeaderName::from_static(CSRF_HEADER), s.csrf.clone()));
                }
                Ok(headers)
            }
        }
    }

    /// Forgets a ticket the server refused: the next request logs in again.
    async fn drop_session(&self) {
        if let Auth::Ticket { session, .. } = &self.auth {
            *session.lock().await = None;
        }
    }

    /// `POST /access/ticket` with a password (or a ticket to renew).
    async fn login(&self, user: &str, password: &Secret) -> Result<Session, PveError> {
        let url = self.url(&["access", "ticket"])?;
        let form = [("username", user), ("password", password.expose())];
        let response = self
            .http
            .post(url)
            .form(&form)
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        let reason = reason_of(&response);
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e))?;
        if status == StatusCode::UNAUTHORIZED {
            return Err(PveError::LoginRefused(clip(&reason)));
        }
        if !status.is_success() {
            return Err(status_error(
                status,
                &reason,
                &body,
                &Method::POST,
                &["access", "ticket"],
            ));
        }
        let answer = serde_json::from_slice::<Envelope<TicketAnswer>>(&body)
            .map_err(|e| {
                PveError::Protocol(format!(
                    "the login gave an answer Squirrel cannot read: {e}"
                ))
            })?
            .data;
        if answer.need_tfa {
            return Err(PveError::Refused(
                "this user has a second factor (TOTP, WebAuthn) that Squirrel cannot answer: use an API token instead (Datacenter › Permissions › API Tokens)".into(),
            ));
        }
        let (Some(ticket), Some(csrf)) = (answer.ticket, answer.csrf) else {
            return Err(PveError::Protocol("the login gave no ticket".into()));
        };
        let header = |text: String| {
            HeaderValue::from_str(&text)
                .map(|mut v| {
                    v.set_sensitive(true);
                    v
                })
                .map_err(|_| {
                    PveError::Protocol("the login gave a ticket no header can carry".into())
                })
        };
        Ok(Session {
            cookie: header(format!("PVEAuthCookie={ticket}"))?,
            csrf: header(csrf)?,
            ticket: Secret::new(ticket),
            at: tokio::time::Instant::now(),
        })
    }

    /// The certificate the server showed last, for the user to compare and approve.
    pub fn seen_certificate(&self) -> Option<Fingerprint> {
        self.seen.get()
    }

    fn url(&self, path: &[&str]) -> Result<Url, PveError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| PveError::Protocol("the API address cannot take a path".into()))?
            .pop_if_empty()
            .extend(path);
        Ok(url)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &[&str],
        query: &[(&str, &str)],
        form: Option<&[(&str, String)]>,
    ) -> Result<T, PveError> {
        let url = self.url(path)?;
        let mut retried = false;
        let response = loop {
            let mut request = self.http.request(method.clone(), url.clone());
            for (name, value) in self.auth_headers(&method).await? {
                request = request.header(name, value);
            }
            if !query.is_empty() {
                request = request.query(query);
            }
            if let Some(form) = form {
                request = request.form(form);
            }
            let response = request.send().await.map_err(|e| self.transport_error(&e))?;
            // A ticket refused (expired early, the server restarted): one new login.
            if response.status() == StatusCode::UNAUTHORIZED
                && matches!(self.auth, Auth::Ticket { .. })
                && !retried
            {
                retried = true;
                self.drop_session().await;
                continue;
            }
            break response;
        };
        let status = response.status();
        // PVE says why in the status line's reason phrase, not in the body.
        let reason = reason_of(&response);
        let too_big = response
            .content_length()
            .is_some_and(|n| n > MAX_BODY as u64);
        if too_big {
            return Err(PveError::Protocol(format!(
                "{} sent more than {} MiB",
                path.join("/"),
                MAX_BODY >> 20
            )));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e))?;
        if body.len() > MAX_BODY {
            return Err(PveError::Protocol(format!(
                "{} sent more than {} MiB",
                path.join("/"),
                MAX_BODY >> 20
            )));
        }
        if !status.is_success() {
            return Err(
                match (
                    status_error(status, &reason, &body, &method, path),
                    &self.auth,
                ) {
                    (PveError::Unauthorized(said), Auth::Ticket { .. }) => {
                        PveError::LoginRefused(said)
                    }
                    (e, _) => e,
                },
            );
        }
        serde_json::from_slice::<Envelope<T>>(&body)
            .map(|e| e.data)
            .map_err(|e| {
                PveError::Protocol(format!(
                    "{} {} gave an answer Squirrel cannot read: {e}",
                    method,
                    path.join("/")
                ))
            })
    }

    /// What a failed connection means: a certificate to approve, a changed one, or a host
    /// that cannot be reached.
    fn transport_error(&self, e: &reqwest::Error) -> PveError {
        match (&self.trust, self.seen.get()) {
            (Trust::FirstUse, Some(seen)) => return PveError::CertificateUnknown { seen },
            (Trust::Pinned(expected), Some(seen)) if *expected != seen => {
                return PveError::CertificateChanged {
                    expected: *expected,
                    seen,
                }
            }
            _ => {}
        }
        let host = self.base.host_str().unwrap_or("the node");
        let port = self.base.port().unwrap_or(DEFAULT_PORT);
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            detail = format!("{detail}: {s}");
            source = s.source();
        }
        if self.seen.get().is_some() && detail.contains("certificate") {
            let by = match self.trust {
                Trust::Ca(_) => "the CA given",
                _ => "a root this system trusts",
            };
            return PveError::Unreachable(format!(
                "{host}:{port} shows a certificate not signed by {by}: {detail}"
            ));
        }
        if e.is_timeout() {
            PveError::Unreachable(format!(
                "{host}:{port} is not responding (no answer within {} s)",
                REQUEST_TIMEOUT.as_secs()
            ))
        } else {
            PveError::Unreachable(format!("{host}:{port} cannot be reached: {detail}"))
        }
    }

    pub async fn version(&self) -> Result<Version, PveError> {
        self.call(Method::GET, &["version"], &[], None).await
    }

    pub async fn nodes(&self) -> Result<Vec<Node>, PveError> {
        self.call(Method::GET, &["nodes"], &[], None).await
    }

    /// Every guest of the cluster, LXC and QEMU, in one call.
    pub async fn guests(&self) -> Result<Vec<Guest>, PveError> {
        let resources: Vec<Resource> = self
            .call(
                Method::GET,
                &["cluster", "resources"],
                &[("type", "vm")],
                None,
            )
            .await?;
        Ok(guests(resources))
    }

    /// Starts a lifecycle action of a guest (`start`, `shutdown`, `stop`, `reboot`,
    /// `suspend`, `resume`) and returns its task.
    pub async fn guest_action(
        &self,
        kind: GuestType,
        node: &str,
        vmid: u64,
        action: &str,
        params: &[(&str, String)],
    ) -> Result<Upid, PveError> {
        let vmid = vmid.to_string();
        let upid: String = self
            .call(
                Method::POST,
                &["nodes", node, kind.as_str(), &vmid, "status", action],
                &[],
                Some(params),
            )
            .await?;
        Upid::parse(&upid).map_err(PveError::Protocol)
    }

    /// A guest's configuration, every key as the API gives it.
    pub async fn guest_config(
        &self,
        kind: GuestType,
        node: &str,
        vmid: u64,
    ) -> Result<serde_json::Map<String, serde_json::Value>, PveError> {
        let vmid = vmid.to_string();
        self.call(
            Method::GET,
            &["nodes", node, kind.as_str(), &vmid, "config"],
            &[],
            None,
        )
        .await
    }

    pub async fn snapshots(
        &self,
        kind: GuestType,
        node: &str,
        vmid: u64,
    ) -> Result<Vec<SnapshotItem>, PveError> {
        let vmid = vmid.to_string();
        self.call(
            Method::GET,
            &["nodes", node, kind.as_str(), &vmid, "snapshot"],
            &[],
            None,
        )
        .await
    }

    /// A running LXC container's interfaces and their addresses now.
    pub async fn lxc_interfaces(
        &self,
        node: &str,
        vmid: u64,
    ) -> Result<Vec<InterfaceItem>, PveError> {
        let vmid = vmid.to_string();
        self.call(
            Method::GET,
            &["nodes", node, "lxc", &vmid, "interfaces"],
            &[],
            None,
        )
        .await
    }

    /// A guest's recorded load over `timeframe` (`hour`, `day`, ...), averages.
    pub async fn rrddata(
        &self,
        kind: GuestType,
        node: &str,
        vmid: u64,
        timeframe: &str,
    ) -> Result<Vec<RrdPoint>, PveError> {
        let vmid = vmid.to_string();
        self.call(
            Method::GET,
            &["nodes", node, kind.as_str(), &vmid, "rrddata"],
            &[("timeframe", timeframe), ("cf", "AVERAGE")],
            None,
        )
        .await
    }

    pub async fn task_status(&self, upid: &Upid) -> Result<TaskStatus, PveError> {
        self.call(
            Method::GET,
            &["nodes", &upid.node, "tasks", &upid.text, "status"],
            &[],
            None,
        )
        .await
    }

    /// The last lines of a task's log.
    pub async fn task_log(&self, upid: &Upid) -> Result<Vec<String>, PveError> {
        let lines: Vec<TaskLogLine> = self
            .call(
                Method::GET,
                &["nodes", &upid.node, "tasks", &upid.text, "log"],
                &[("limit", "5000")],
                None,
            )
            .await?;
        let skip = lines.len().saturating_sub(TASK_LOG_LINES);
        Ok(lines.into_iter().skip(skip).map(|l| l.t).collect())
    }

    /// Follows a task until it ends, within `deadline`: `Ok` when its exit status is `OK`,
    /// else the failure with the task's last log lines.
    pub async fn follow_task(&self, upid: &Upid, deadline: Duration) -> Result<(), PveError> {
        let started = tokio::time::Instant::now();
        loop {
            let status = self.task_status(upid).await?;
            if status.status == "stopped" {
                let exit = status.exitstatus.unwrap_or_default();
                // `WARNINGS: n`: done, with warnings in its log (a start that logged one).
                if exit == "OK" || exit.starts_with("WARNINGS") {
                    if exit != "OK" {
                        tracing::warn!(task = %upid.text, %exit, "a Proxmox task ended with warnings");
                    }
                    return Ok(());
                }
                let log = self.task_log(upid).await.unwrap_or_default();
                return Err(PveError::TaskFailed {
                    exit: if exit.is_empty() {
                        "it stopped without an exit status".into()
                    } else {
                        exit
                    },
                    log,
                });
            }
            if started.elapsed() >= deadline {
                return Err(PveError::Unreachable(format!(
                    "the task {} ({}) is still running after {} s: it goes on in Proxmox",
                    upid.kind,
                    upid.id,
                    deadline.as_secs()
                )));
            }
            tokio::time::sleep(TASK_POLL).await;
        }
    }
}

/// Why the server answered as it did, from the status line's reason phrase.
fn reason_of(response: &reqwest::Response) -> String {
    response
        .extensions()
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
        .unwrap_or_else(|| {
            response
                .status()
                .canonical_reason()
                .unwrap_or("")
                .to_string()
        })
}

fn clip(text: &str) -> String {
    text.trim().chars().take(300).collect()
}

/// A refusal in words: the server's reason phrase, and the parameters it named.
fn status_error(
    status: StatusCode,
    reason: &str,
    body: &[u8],
    method: &Method,
    path: &[&str],
) -> PveError {
    let reason = clip(reason);
    let params = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("errors").and_then(|e| e.as_object()).cloned())
        .map(|errors| {
            errors
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}: {}",
                        v.as_str()
                            .unwrap_or_default()
                            .chars()
                            .take(200)
                            .collect::<String>()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|s| !s.is_empty());
    let said = match params {
        Some(p) => format!("{reason} ({p})"),
        None => reason,
    };
    match status {
        StatusCode::UNAUTHORIZED => PveError::Unauthorized(said),
        StatusCode::FORBIDDEN => PveError::Forbidden(said),
        StatusCode::NOT_FOUND | StatusCode::NOT_IMPLEMENTED => {
            PveError::NotFound(format!("{method} {} is not there: {said}", path.join("/")))
        }
        _ => PveError::Refused(format!("Proxmox answered {}: {said}", status.as_u16())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn addresses_are_read_as_people_write_them() {
        assert_eq!(
            api_base("pve.lan").unwrap().as_str(),
            "https://pve.lan:8006/api2/json/"
        );
        assert_eq!(
            api_base(" https://10.0.0.5:8443/ ").unwrap().as_str(),
            "https://10.0.0.5:8443/api2/json/"
        );
        assert_eq!(
            api_base("[fd00::5]").unwrap().as_str(),
            "https://[fd00::5]:8006/api2/json/"
        );
        assert!(api_base("http://pve.lan").is_err());
        assert!(api_base("").is_err());
        assert!(api_base("https://root:pw@pve.lan").is_err());
    }

    #[test]
    fn token_ids_are_user_realm_and_name() {
        assert!(check_token_id("root@pam!squirrel").is_ok());
        assert!(check_token_id("monitor@pve!ro-1").is_ok());
        assert!(check_token_id("root@pam").is_err());
        assert!(check_token_id("root!x").is_err());
        assert!(check_token_id("root@pam!x=y").is_err());
        assert!(check_token_id("root@pam!x\r\nX: y").is_err());
    }

    #[test]
    fn refusals_say_the_server_s_reason_and_the_parameters() {
        let e = status_error(
            StatusCode::FORBIDDEN,
            "Permission check failed (/vms/101, VM.PowerMgmt)",
            b"{\"data\":null}",
            &Method::POST,
            &["nodes", "pve1", "lxc", "101", "status", "start"],
        );
        assert!(e.to_string().contains("VM.PowerMgmt"), "{e}");
        let e = status_error(
            StatusCode::BAD_REQUEST,
            "Parameter verification failed.",
            br#"{"data":null,"errors":{"timeout":"value must have a minimum value of 0"}}"#,
            &Method::POST,
            &["x"],
        );
        assert!(e.to_string().contains("timeout: value must have"), "{e}");
    }

    proptest! {
        #[test]
        fn any_address_is_a_base_or_refused(text in "\\PC{0,60}") {
            if let Ok(url) = api_base(&text) {
                prop_assert_eq!(url.scheme(), "https");
                prop_assert_eq!(url.path(), "/api2/json/");
                prop_assert!(url.port().is_some());
            }
        }

        #[test]
        fn any_error_body_is_said_or_left_out(body in proptest::collection::vec(any::<u8>(), 0..200), code in 400u16..600) {
            let status = StatusCode::from_u16(code).unwrap();
            let _ = status_error(status, "reason", &body, &Method::GET, &["x"]).to_string();
        }
    }
}
