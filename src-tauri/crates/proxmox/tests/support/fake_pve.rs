//! A Proxmox VE API server for tests, where a real one cannot run: HTTPS with a self-signed
//! certificate made by `openssl` at start, two nodes, LXC and QEMU guests, API tokens with
//! privileges, users whose password gives a ticket (a cookie, and a CSRF token required on
//! writes) that expires and is renewed with itself, lifecycle actions that return UPIDs whose
//! tasks run for two polls and then stop with `OK` or an injected error and its log, guests'
//! configs and snapshots, and recorded load (`rrddata`) with the steps PVE 9 uses.
//!
//! It follows `shared/reference/proxmox.md`: every payload in `{"data": …}`, numbers
//! sometimes as strings, booleans as 0/1, absent optional fields, refusals with the reason
//! in the status line and `{"errors": {…}}` for bad parameters. It checks what it is sent:
//! the token header, methods, paths, parameters (unknown ones are refused as the real API
//! refuses them) and the form encoding of writes. Anything the real API would refuse, or
//! that it does not have, is recorded as a violation, which tests assert to be none.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{json, Value};
use squirrel_proxmox::Fingerprint;

pub const TOKEN_ID: &str = "root@pam!squirrel";
pub const TOKEN_SECRET: &str = "5f1c1d6e-7a33-4a56-9a3e-2f6f3c2f9b10";
pub const ALL_PRIVILEGES: &[&str] = &["Sys.Audit", "VM.Audit", "VM.PowerMgmt"];
pub const USER: &str = "squirrel@pve";
pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Clone, Debug)]
pub struct FakeGuest {
    pub kind: &'static str,
    pub node: String,
    pub vmid: u64,
    pub name: String,
    pub status: String,
    pub tags: String,
    pub maxcpu: u64,
    pub maxmem: u64,
}

struct FakeTask {
    upid: String,
    node: String,
    kind: String,
    vmid: u64,
    user: String,
    polls_left: u32,
    exit: String,
    log: Vec<String>,
    /// The guest's status once the task has ended well.
    effect: Option<String>,
}

struct Token {
    id: String,
    secret: String,
    privileges: Vec<String>,
}

struct Ticket {
    user: String,
    csrf: String,
    issued: std::time::Instant,
}

struct State {
    tokens: Vec<Token>,
    /// Users with a password: (user, password, privileges).
    users: Vec<(String, String, Vec<String>)>,
    tickets: HashMap<String, Ticket>,
    ticket_lifetime: std::time::Duration,
    logins: u32,
    renewals: u32,
    nodes: Vec<(String, bool)>,
    guests: Vec<FakeGuest>,
    tasks: HashMap<String, FakeTask>,
    fail_next: Option<(String, Vec<String>)>,
    violations: Vec<String>,
    requests: Vec<String>,
    next_pid: u32,
    fingerprint: String,
}

pub struct FakePve {
    addr: SocketAddr,
    fingerprint: Fingerprint,
    state: Arc<Mutex<State>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for FakePve {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

impl FakePve {
    /// Starts the server on a free loopback port with a fresh self-signed certificate.
    pub async fn start() -> Self {
        Self::start_with_cert(None).await
    }

    /// A cluster of `nodes` nodes and `guests` guests (two LXC for each QEMU VM, two in three
    /// running), for the benchmark.
    pub async fn start_cluster(nodes: usize, guests: usize) -> Self {
        let fake = Self::start().await;
        {
            let mut st = fake.state.lock().unwrap();
            st.nodes = (1..=nodes).map(|n| (format!("pve{n}"), true)).collect();
            st.guests = (0..guests)
                .map(|i| {
                    let node = format!("pve{}", i % nodes.max(1) + 1);
                    let kind = if i % 3 == 2 { "qemu" } else { "lxc" };
                    let status = if i % 3 == 1 { "stopped" } else { "running" };
                    guest(
                        kind,
                        &node,
                        100 + i as u64,
                        &format!("guest-{i}"),
                        status,
                        "bench",
                    )
                })
                .collect();
        }
        fake
    }

    /// Starts it on `port` (a free one when `None`) with a fresh certificate: started again on
    /// the same port, it is the same server with a changed certificate.
    pub async fn start_with_cert(port: Option<u16>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        let made = std::process::Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
            ])
            .args([
                "-days",
                "2",
                "-subj",
                "/CN=pve-fake",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("openssl runs");
        assert!(
            made.status.success(),
            "openssl: {}",
            String::from_utf8_lossy(&made.stderr)
        );
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let fingerprint = Fingerprint::of(certs[0].as_ref());
        let key = PrivateKeyDer::from_pem_file(&key).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port.unwrap_or(0)))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            tokens: vec![Token {
                id: TOKEN_ID.into(),
                secret: TOKEN_SECRET.into(),
                privileges: ALL_PRIVILEGES.iter().map(|p| p.to_string()).collect(),
            }],
            users: vec![(
                USER.into(),
                PASSWORD.into(),
                ALL_PRIVILEGES.iter().map(|p| p.to_string()).collect(),
            )],
            tickets: HashMap::new(),
            ticket_lifetime: std::time::Duration::from_secs(7200),
            logins: 0,
            renewals: 0,
            nodes: vec![("pve1".into(), true), ("pve2".into(), true)],
            guests: vec![
                guest("lxc", "pve1", 101, "dns", "running", "infra;dns"),
                guest("lxc", "pve2", 102, "media", "stopped", ""),
                guest("qemu", "pve2", 200, "homeassistant", "running", "home"),
            ],
            tasks: HashMap::new(),
            fail_next: None,
            violations: Vec::new(),
            requests: Vec::new(),
            next_pid: 0x1000,
            fingerprint: fingerprint.to_string(),
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let state = shared.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake: nothing to serve.
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(handle(state, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Self {
            addr,
            fingerprint,
            state,
            task: Some(task),
            _dir: dir,
        }
    }

    /// Stops the server and frees its port (the listener is gone when this returns).
    pub async fn stop(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// Adds a token with only these privileges.
    pub fn add_token(&self, id: &str, secret: &str, privileges: &[&str]) {
        self.state.lock().unwrap().tokens.push(Token {
            id: id.into(),
            secret: secret.into(),
            privileges: privileges.iter().map(|p| p.to_string()).collect(),
        });
    }

    /// Tickets expire after this (two hours, as PVE's, unless a test shortens it).
    pub fn set_ticket_lifetime(&self, lifetime: std::time::Duration) {
        self.state.lock().unwrap().ticket_lifetime = lifetime;
    }

    /// Every ticket given so far stops working (as after two hours, or a restart).
    pub fn expire_tickets(&self) {
        self.state.lock().unwrap().tickets.clear();
    }

    /// Logins with a password, and renewals with a ticket, so far.
    pub fn logins(&self) -> (u32, u32) {
        let st = self.state.lock().unwrap();
        (st.logins, st.renewals)
    }

    pub fn guests(&self) -> Vec<FakeGuest> {
        self.state.lock().unwrap().guests.clone()
    }

    pub fn set_guest_status(&self, vmid: u64, status: &str) {
        let mut st = self.state.lock().unwrap();
        if let Some(g) = st.guests.iter_mut().find(|g| g.vmid == vmid) {
            g.status = status.into();
        }
    }

    pub fn add_guest(&self, g: FakeGuest) {
        self.state.lock().unwrap().guests.push(g);
    }

    pub fn remove_guest(&self, vmid: u64) {
        self.state.lock().unwrap().guests.retain(|g| g.vmid != vmid);
    }

    pub fn set_node_online(&self, node: &str, online: bool) {
        let mut st = self.state.lock().unwrap();
        if let Some(n) = st.nodes.iter_mut().find(|(n, _)| n == node) {
            n.1 = online;
        }
    }

    /// The next task fails with this exit status and log.
    pub fn fail_next_task(&self, exit: &str, log: &[&str]) {
        self.state.lock().unwrap().fail_next =
            Some((exit.into(), log.iter().map(|l| l.to_string()).collect()));
    }

    /// Requests the real API would have refused, or that it does not have.
    pub fn violations(&self) -> Vec<String> {
        self.state.lock().unwrap().violations.clone()
    }

    /// Every request, as `METHOD /path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }
}

pub fn guest(
    kind: &'static str,
    node: &str,
    vmid: u64,
    name: &str,
    status: &str,
    tags: &str,
) -> FakeGuest {
    FakeGuest {
        kind,
        node: node.into(),
        vmid,
        name: name.into(),
        status: status.into(),
        tags: tags.into(),
        maxcpu: 2,
        maxmem: 512 * 1024 * 1024,
    }
}

async fn handle(state: Arc<Mutex<State>>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut st = state.lock().unwrap();
    st.respond(&parts.method, &parts.uri, &parts.headers, &body)
}

fn reply(status: StatusCode, reason: &str, body: Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        "content-type",
        "application/json;charset=UTF-8".parse().unwrap(),
    );
    if let Ok(phrase) = hyper::ext::ReasonPhrase::try_from(reason.as_bytes().to_vec()) {
        r.extensions_mut().insert(phrase);
    }
    r
}

fn data(v: Value) -> Response<Full<Bytes>> {
    reply(StatusCode::OK, "OK", json!({ "data": v }))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The parameters each action takes (wire names, as the schema has them).
fn action_params(action: &str) -> Option<&'static [&'static str]> {
    Some(match action {
        "start" => &["debug", "skiplock"],
        "stop" => &["skiplock", "overrule-shutdown"],
        "shutdown" => &["timeout", "forceStop"],
        "reboot" => &["timeout"],
        "suspend" | "resume" => &[],
        _ => return None,
    })
}

impl State {
    fn violation(&mut self, what: String) {
        self.violations.push(what);
    }

    fn respond(
        &mut self,
        method: &Method,
        uri: &hyper::Uri,
        headers: &hyper::HeaderMap,
        body: &[u8],
    ) -> Response<Full<Bytes>> {
        let line = format!(
            "{method} {}",
            uri.path_and_query().map(|p| p.as_str()).unwrap_or("")
        );
        self.requests.push(line.clone());
        let Some(path) = uri.path().strip_prefix("/api2/json/") else {
            self.violation(format!("{line}: not under /api2/json/"));
            return reply(StatusCode::NOT_FOUND, "Not Found", json!({ "data": null }));
        };
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let query: Vec<(String, String)> = uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();

        // Writes are form-encoded.
        let mut form: Vec<(String, String)> = Vec::new();
        if *method == Method::POST || *method == Method::PUT {
            let ct = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !body.is_empty() && !ct.starts_with("application/x-www-form-urlencoded") {
                self.violation(format!("{line}: a body of type {ct:?}, not form-encoded"));
                return reply(
                    StatusCode::BAD_REQUEST,
                    "Parameter verification failed.",
                    json!({ "data": null }),
                );
            }
            form = form_urlencoded::parse(body).into_owned().collect();
        } else if !body.is_empty() {
            self.violation(format!("{line}: a body on a {method}"));
        }

        let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
        if seg.as_slice() == ["access", "ticket"] {
            return self.ticket(method, &line, headers, &form);
        }

        // Authentication: an API token (no CSRF token), or a ticket's cookie with its CSRF
        // token on every write.
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("PVEAPIToken="))
            .and_then(|v| v.split_once('='))
            .and_then(|(id, secret)| {
                self.tokens
                    .iter()
                    .position(|t| t.id == id && t.secret == secret)
            });
        let cookie = headers
            .get("cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split(';')
                    .find_map(|c| c.trim().strip_prefix("PVEAuthCookie=").map(str::to_string))
            });
        let (user, privileges) = if let Some(token) = token {
            (
                self.tokens[token].id.clone(),
                self.tokens[token].privileges.clone(),
            )
        } else if let Some(ticket) = cookie {
            let lifetime = self.ticket_lifetime;
            let Some((user, csrf)) = self
                .tickets
                .get(&ticket)
                .filter(|t| t.issued.elapsed() < lifetime)
                .map(|t| (t.user.clone(), t.csrf.clone()))
            else {
                return reply(
                    StatusCode::UNAUTHORIZED,
                    "authentication failure",
                    json!({ "data": null }),
                );
            };
            if matches!(*method, Method::POST | Method::PUT | Method::DELETE) {
                let sent = headers
                    .get("csrfpreventiontoken")
                    .and_then(|v| v.to_str().ok());
                if sent != Some(csrf.as_str()) {
                    self.violation(format!(
                        "{line}: a write with a ticket but without its CSRF token"
                    ));
                    return reply(
                        StatusCode::UNAUTHORIZED,
                        "Permission denied - invalid csrf token",
                        json!({ "data": null }),
                    );
                }
            }
            let privileges = self
                .users
                .iter()
                .find(|(u, _, _)| *u == user)
                .map(|(_, _, p)| p.clone())
                .unwrap_or_default();
            (user, privileges)
        } else {
            return reply(
                StatusCode::UNAUTHORIZED,
                "authentication failure",
                json!({ "data": null }),
            );
        };
        let has = |p: &str| privileges.iter().any(|x| x == p);

        match (method.clone(), seg.as_slice()) {
            (Method::GET, ["version"]) => {
                if !query.is_empty() {
                    self.violation(format!("{line}: parameters on /version"));
                }
                data(json!({ "version": "9.1.2", "release": "9.1", "repoid": "6f2c5b2e" }))
            }
            (Method::GET, ["nodes"]) => {
                let nodes: Vec<Value> = self
                    .nodes
                    .iter()
                    .map(|(name, online)| {
                        if *online {
                            json!({
                                "id": format!("node/{name}"), "type": "node", "node": name, "status": "online",
                                "cpu": 0.031, "maxcpu": 4, "mem": "2147483648", "maxmem": 8589934592u64,
                                "uptime": 86400, "level": "", "ssl_fingerprint": self.fingerprint,
                            })
                        } else {
                            json!({ "id": format!("node/{name}"), "type": "node", "node": name, "status": "offline" })
                        }
                    })
                    .collect();
                data(json!(nodes))
            }
            (Method::GET, ["cluster", "resources"]) => {
                let mut kind = None;
                for (k, v) in &query {
                    match k.as_str() {
                        "type" if ["vm", "storage", "node", "sdn"].contains(&v.as_str()) => {
                            kind = Some(v.clone())
                        }
                        "type" => {
                            self.violation(format!("{line}: type={v}"));
                            return reply(
                                StatusCode::BAD_REQUEST,
                                "Parameter verification failed.",
                                json!({ "data": null, "errors": { "type": format!("value '{v}' does not have a value in the enumeration 'vm, storage, node, sdn'") } }),
                            );
                        }
                        other => {
                            self.violation(format!("{line}: unknown parameter {other}"));
                            return reply(
                                StatusCode::BAD_REQUEST,
                                "Parameter verification failed.",
                                json!({ "data": null, "errors": { other: "property is not defined in schema and the schema does not allow additional properties" } }),
                            );
                        }
                    }
                }
                let mut items = Vec::new();
                if kind.as_deref().is_none_or(|k| k == "vm") && has("VM.Audit") {
                    for g in &self.guests {
                        let online = self.nodes.iter().any(|(n, on)| *n == g.node && *on);
                        items.push(guest_json(g, online));
                    }
                }
                if kind.as_deref().is_none_or(|k| k == "node") {
                    for (name, online) in &self.nodes {
                        items.push(json!({ "id": format!("node/{name}"), "type": "node", "node": name, "status": if *online { "online" } else { "offline" } }));
                    }
                }
                data(json!(items))
            }
            (Method::GET, ["nodes", node, kind @ ("lxc" | "qemu"), vmid, "status", "current"]) => {
                let Some(i) = self.find_guest(node, kind, vmid) else {
                    return self.no_guest(&line, node, kind, vmid);
                };
                if !has("VM.Audit") {
                    return reply(
                        StatusCode::FORBIDDEN,
                        &format!("Permission check failed (/vms/{vmid}, VM.Audit)"),
                        json!({ "data": null }),
                    );
                }
                data(guest_json(&self.guests[i], true))
            }
            (Method::POST, ["nodes", node, kind @ ("lxc" | "qemu"), vmid, "status", action]) => {
                let Some(allowed) = action_params(action) else {
                    self.violation(format!("{line}: no such action"));
                    return reply(
                        StatusCode::NOT_IMPLEMENTED,
                        &format!("Method 'POST /{path}' not implemented"),
                        json!({ "data": null }),
                    );
                };
                for (k, _) in &form {
                    if !allowed.contains(&k.as_str()) {
                        self.violation(format!("{line}: unknown parameter {k}"));
                        return reply(
                            StatusCode::BAD_REQUEST,
                            "Parameter verification failed.",
                            json!({ "data": null, "errors": { k.clone(): "property is not defined in schema and the schema does not allow additional properties" } }),
                        );
                    }
                }
                let Some(i) = self.find_guest(node, kind, vmid) else {
                    return self.no_guest(&line, node, kind, vmid);
                };
                if !has("VM.PowerMgmt") {
                    return reply(
                        StatusCode::FORBIDDEN,
                        &format!("Permission check failed (/vms/{vmid}, VM.PowerMgmt)"),
                        json!({ "data": null }),
                    );
                }
                let running = self.guests[i].status == "running";
                let label = if *kind == "lxc" { "CT" } else { "VM" };
                match (*action, running) {
                    ("start", true) => {
                        return reply(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            &format!("{label} {vmid} already running"),
                            json!({ "data": null }),
                        )
                    }
                    ("stop" | "shutdown" | "reboot" | "suspend", false) => {
                        return reply(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            &format!("{label} {vmid} not running"),
                            json!({ "data": null }),
                        )
                    }
                    _ => {}
                }
                let prefix = if *kind == "lxc" { "vz" } else { "qm" };
                let effect = match *action {
                    "start" | "reboot" | "resume" => Some("running".to_string()),
                    "stop" | "shutdown" => Some("stopped".to_string()),
                    _ => None,
                };
                let upid = self.new_task(node, &format!("{prefix}{action}"), vmid, &user, effect);
                data(json!(upid))
            }
            (
                Method::GET,
                ["nodes", node, kind @ ("lxc" | "qemu"), vmid, what @ ("config" | "snapshot" | "interfaces" | "rrddata")],
            ) => {
                let Some(i) = self.find_guest(node, kind, vmid) else {
                    return self.no_guest(&line, node, kind, vmid);
                };
                if *what == "interfaces" && *kind != "lxc" {
                    self.violation(format!(
                        "{line}: a VM has no interfaces endpoint (its agent's is another)"
                    ));
                    return reply(
                        StatusCode::NOT_IMPLEMENTED,
                        &format!("Method 'GET /{path}' not implemented"),
                        json!({ "data": null }),
                    );
                }
                let allowed: &[&str] = match *what {
                    "config" => &["current", "snapshot"],
                    "rrddata" => &["timeframe", "cf"],
                    _ => &[],
                };
                for (k, v) in &query {
                    let bad_value = match k.as_str() {
                        "timeframe" => !["hour", "day", "week", "month", "year", "decade"]
                            .contains(&v.as_str()),
                        "cf" => !["AVERAGE", "MAX"].contains(&v.as_str()),
                        _ => false,
                    };
                    if !allowed.contains(&k.as_str()) || bad_value {
                        self.violation(format!("{line}: parameter {k}={v}"));
                        return reply(
                            StatusCode::BAD_REQUEST,
                            "Parameter verification failed.",
                            json!({ "data": null, "errors": { k.clone(): "value not allowed" } }),
                        );
                    }
                }
                if !has("VM.Audit") {
                    return reply(
                        StatusCode::FORBIDDEN,
                        &format!("Permission check failed (/vms/{vmid}, VM.Audit)"),
                        json!({ "data": null }),
                    );
                }
                let g = self.guests[i].clone();
                match *what {
                    "config" => data(guest_config(&g)),
                    "snapshot" => data(json!([
                        { "name": "fresh", "description": "as installed", "snaptime": 1_763_000_000u64 },
                        { "name": "before-upgrade", "description": "apt full-upgrade", "snaptime": "1764000000", "parent": "fresh" },
                        { "name": "current", "description": "You are here!", "parent": "before-upgrade", "running": if g.status == "running" { 1 } else { 0 } },
                    ])),
                    "interfaces" => {
                        if g.status != "running" {
                            return reply(
                                StatusCode::INTERNAL_SERVER_ERROR,
                                &format!("CT {vmid} not running"),
                                json!({ "data": null }),
                            );
                        }
                        data(json!([
                            { "name": "lo", "hwaddr": "00:00:00:00:00:00", "inet": "127.0.0.1/8", "inet6": "::1/128" },
                            { "name": "eth0", "hwaddr": "BC:24:11:00:00:01", "inet": format!("10.0.0.{}/24", g.vmid % 250), "inet6": "fd00::5/64" },
                        ]))
                    }
                    _ => {
                        let frame = query
                            .iter()
                            .find(|(k, _)| k == "timeframe")
                            .map(|(_, v)| v.as_str());
                        let Some(frame) = frame else {
                            self.violation(format!("{line}: rrddata without its timeframe"));
                            return reply(
                                StatusCode::BAD_REQUEST,
                                "Parameter verification failed.",
                                json!({ "data": null, "errors": { "timeframe": "property is missing and it is not optional" } }),
                            );
                        };
                        data(rrd_points(&g, frame))
                    }
                }
            }
            (Method::GET, ["nodes", node, "tasks", upid, what @ ("status" | "log")]) => {
                let Some(task) = self.tasks.get_mut(*upid) else {
                    self.violation(format!("{line}: no such task"));
                    return reply(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "no such task",
                        json!({ "data": null }),
                    );
                };
                if task.node != *node {
                    let wrong = format!("{line}: the task runs on {}, asked on {node}", task.node);
                    self.violation(wrong);
                    return reply(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "no such task",
                        json!({ "data": null }),
                    );
                }
                if *what == "log" {
                    let lines: Vec<Value> = task
                        .log
                        .iter()
                        .enumerate()
                        .map(|(n, t)| json!({ "n": n + 1, "t": t }))
                        .collect();
                    return data(json!(lines));
                }
                let running = task.polls_left > 0;
                task.polls_left = task.polls_left.saturating_sub(1);
                let mut status = json!({
                    "upid": task.upid, "node": task.node, "pid": 4096, "pstart": 123456, "starttime": 1_764_633_600,
                    "type": task.kind, "id": task.vmid.to_string(), "user": task.user,
                    "status": if running { "running" } else { "stopped" },
                });
                if !running {
                    status["exitstatus"] = json!(task.exit);
                    if let Some(effect) = task.effect.take() {
                        let vmid = task.vmid;
                        if let Some(g) = self.guests.iter_mut().find(|g| g.vmid == vmid) {
                            g.status = effect;
                        }
                    }
                }
                data(status)
            }
            _ => {
                self.violation(format!(
                    "{line}: not an endpoint the fake (or Squirrel) has"
                ));
                reply(
                    StatusCode::NOT_IMPLEMENTED,
                    &format!("Method '{method} /{path}' not implemented"),
                    json!({ "data": null }),
                )
            }
        }
    }

    /// `POST /access/ticket`: a password gives a ticket, a valid ticket as the password
    /// renews it; anything else is a 401.
    fn ticket(
        &mut self,
        method: &Method,
        line: &str,
        headers: &hyper::HeaderMap,
        form: &[(String, String)],
    ) -> Response<Full<Bytes>> {
        if *method != Method::POST {
            self.violation(format!("{line}: access/ticket is POST"));
            return reply(
                StatusCode::NOT_IMPLEMENTED,
                "Method not implemented",
                json!({ "data": null }),
            );
        }
        if headers.contains_key("authorization") {
            self.violation(format!("{line}: a login sent with a token header"));
        }
        const KNOWN: [&str; 6] = [
            "username",
            "password",
            "realm",
            "otp",
            "new-format",
            "tfa-challenge",
        ];
        if let Some((k, _)) = form.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
            self.violation(format!("{line}: unknown parameter {k}"));
            return reply(
                StatusCode::BAD_REQUEST,
                "Parameter verification failed.",
                json!({ "data": null, "errors": { k.clone(): "property is not defined in schema and the schema does not allow additional properties" } }),
            );
        }
        let get = |k: &str| form.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone());
        let (Some(user), Some(password)) = (get("username"), get("password")) else {
            self.violation(format!("{line}: a login without username or password"));
            return reply(
                StatusCode::BAD_REQUEST,
                "Parameter verification failed.",
                json!({ "data": null, "errors": { "username": "property is missing and it is not optional" } }),
            );
        };
        let by_password = self
            .users
            .iter()
            .any(|(u, p, _)| *u == user && *p == password);
        let renewal = self
            .tickets
            .get(&password)
            .is_some_and(|t| t.user == user && t.issued.elapsed() < self.ticket_lifetime);
        if !by_password && !renewal {
            return reply(
                StatusCode::UNAUTHORIZED,
                "authentication failure",
                json!({ "data": null }),
            );
        }
        if renewal {
            self.renewals += 1;
        } else {
            self.logins += 1;
        }
        self.next_pid += 1;
        let stamp = format!("{:08X}", 0x692E_1A00u32 + self.next_pid);
        let ticket = format!(
            "PVE:{user}:{stamp}::c2lnbmF0dXJlLW9mLXRoZS1mYWtl{}/+=",
            self.next_pid
        );
        let csrf = format!("{stamp}:Y3NyZi1vZi10aGUtZmFrZQ{}", self.next_pid);
        self.tickets.insert(
            ticket.clone(),
            Ticket {
                user: user.clone(),
                csrf: csrf.clone(),
                issued: std::time::Instant::now(),
            },
        );
        data(
            json!({ "ticket": ticket, "CSRFPreventionToken": csrf, "username": user, "clustername": "lab" }),
        )
    }

    fn find_guest(&self, node: &str, kind: &str, vmid: &str) -> Option<usize> {
        let vmid: u64 = vmid.parse().ok()?;
        self.guests
            .iter()
            .position(|g| g.node == node && g.kind == kind && g.vmid == vmid)
    }

    fn no_guest(
        &mut self,
        line: &str,
        node: &str,
        kind: &str,
        vmid: &str,
    ) -> Response<Full<Bytes>> {
        self.violation(format!("{line}: no such guest"));
        let dir = if kind == "lxc" { "lxc" } else { "qemu-server" };
        reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("Configuration file 'nodes/{node}/{dir}/{vmid}.conf' does not exist"),
            json!({ "data": null }),
        )
    }

    fn new_task(
        &mut self,
        node: &str,
        kind: &str,
        vmid: &str,
        user: &str,
        effect: Option<String>,
    ) -> String {
        self.next_pid += 1;
        let upid = format!(
            "UPID:{node}:{:08X}:{:08X}:{:08X}:{kind}:{vmid}:{user}:",
            self.next_pid,
            0x10F9374C,
            0x692E1A00 + self.next_pid
        );
        let (exit, log, effect) = match self.fail_next.take() {
            Some((exit, log)) => (exit, log, None),
            None => (
                "OK".to_string(),
                vec![format!("{kind} {vmid}"), "TASK OK".to_string()],
                effect,
            ),
        };
        self.tasks.insert(
            upid.clone(),
            FakeTask {
                upid: upid.clone(),
                node: node.into(),
                kind: kind.into(),
                vmid: vmid.parse().unwrap_or(0),
                user: user.into(),
                polls_left: 2,
                exit,
                log,
                effect,
            },
        );
        upid
    }
}

/// A guest's config as PVE gives it: every value a string or a number, option strings for
/// disks and interfaces.
fn guest_config(g: &FakeGuest) -> Value {
    let mut v = if g.kind == "lxc" {
        json!({
            "hostname": g.name, "ostype": "debian", "arch": "amd64", "cores": g.maxcpu,
            "memory": g.maxmem >> 20, "swap": 512, "unprivileged": 1,
            "features": "nesting=1,keyctl=1", "onboot": 1,
            "rootfs": format!("local-lvm:vm-{}-disk-0,size=8G", g.vmid),
            "mp0": format!("local-lvm:vm-{}-disk-1,mp=/srv/data,backup=1,size=32G", g.vmid),
            "net0": format!("name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,hwaddr=BC:24:11:00:00:01,ip=10.0.0.{}/24,type=veth", g.vmid % 250),
            "description": "<b>Not bold</b> & served by the fake\n",
            "digest": "5e5b0b1d0f5f6b2ec3b4bdc0e8f3c1d1b2a3f4e5",
        })
    } else {
        json!({
            "name": g.name, "ostype": "l26", "cores": g.maxcpu, "sockets": 1,
            "memory": (g.maxmem >> 20).to_string(), "onboot": 0,
            "scsi0": format!("local-lvm:vm-{}-disk-0,iothread=1,size=32G", g.vmid),
            "ide2": "none,media=cdrom",
            "net0": "virtio=BC:24:11:00:00:02,bridge=vmbr0,firewall=1",
            "ipconfig0": "ip=dhcp",
            "digest": "0f5f6b2ec3b4bdc0e8f3c1d1b2a3f4e55e5b0b1d",
        })
    };
    if !g.tags.is_empty() {
        v["tags"] = json!(g.tags);
    }
    v
}

/// Recorded load over a timeframe, with PVE 9's steps: a point a minute for the last hour
/// and day. A running guest's points have every data source; every seventh point is left
/// without values, as a gap in the RRD is; a stopped guest's have only its maxima.
fn rrd_points(g: &FakeGuest, frame: &str) -> Value {
    let (step, count): (u64, u64) = match frame {
        "hour" => (60, 60),
        "day" => (60, 1440),
        "week" | "month" => (1800, 336),
        _ => (21600, 1440),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let last = now / step * step;
    let points: Vec<Value> = (0..count)
        .map(|i| {
            let time = last - (count - 1 - i) * step;
            if i % 7 == 3 {
                return json!({ "time": time });
            }
            let mut p = json!({ "time": time, "maxcpu": g.maxcpu, "maxmem": g.maxmem, "maxdisk": 8u64 << 30 });
            if g.status == "running" {
                let wave = (i % 60) as f64 / 60.0;
                p["cpu"] = json!(0.05 + 0.2 * wave);
                p["mem"] = json!((96u64 << 20) + (i % 60) * (1 << 20));
                p["netin"] = json!(1500.0 + 500.0 * wave);
                p["netout"] = json!(800.0);
                p["diskread"] = json!(0);
                p["diskwrite"] = json!(4096.0 * wave);
            }
            p
        })
        .collect();
    json!(points)
}

/// When this fake process started serving.
fn fake_epoch() -> std::time::Instant {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(std::time::Instant::now)
}

fn guest_json(g: &FakeGuest, node_online: bool) -> Value {
    let running = g.status == "running" && node_online;
    let mut v = json!({
        "id": format!("{}/{}", g.kind, g.vmid),
        "type": g.kind,
        "node": g.node,
        "vmid": g.vmid,
        "name": g.name,
        "status": if node_online { g.status.as_str() } else { "unknown" },
        "maxcpu": g.maxcpu,
        "maxmem": g.maxmem,
        "maxdisk": 8u64 << 30,
        "template": 0,
        // Counters are zero while stopped; some numbers come as strings, as PVE sends them.
        "cpu": if running { 0.125 } else { 0.0 },
        "mem": if running { json!((128u64 << 20).to_string()) } else { json!(0) },
        "disk": if running { 1u64 << 30 } else { 0 },
        "netin": if running { 1_000_000 } else { 0 },
        "netout": if running { 2_000_000 } else { 0 },
        "diskread": if running { 3_000_000 } else { 0 },
        "diskwrite": if running { 4_000_000 } else { 0 },
        // Up an hour when the fake started, and counting, as a real guest's uptime does.
        "uptime": if running { 3600 + fake_epoch().elapsed().as_secs() } else { 0 },
    });
    if !g.tags.is_empty() {
        v["tags"] = json!(g.tags);
    }
    v
}
