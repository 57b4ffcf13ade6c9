//! Connecting to an engine (socket, TCP/TLS, SSH), probing it, and errors in plain words.

use std::io::ErrorKind;
use std::sync::{Arc, RwLock};

use std::time::Duration;
use tokio::sync::Semaphore;

use bollard::Docker;
use squirrel_core::model::{DeviceConnection, EngineProbe, HostKeyPrompt};
use squirrel_core::secrets::SecretStore;
use squirrel_core::CoreError;

use crate::http::Dialer;
use crate::ssh::HostKeyStore;
use squirrel_core::EngineError;

/// Seconds bollard waits for a response before giving up.
const REQUEST_TIMEOUT_SECS: u64 = 120;

/// How many log streams a connection carries at once, where its transport limits them
/// (SSH: each stream holds a channel for as long as it lasts). Viewers and the history have
/// a share each, so the history never takes a viewer's, and requests keep channels of
/// their own beside both.
#[derive(Clone, Debug)]
pub struct StreamSlots {
    pub viewers: Arc<Semaphore>,
    pub history: Arc<Semaphore>,
    /// Slots of each share.
    pub each: usize,
    /// How the connection reaches the engine, for the message when the slots are taken.
    pub over: &'static str,
}

impl StreamSlots {
    /// `each` streams for viewers and as many for the history.
    pub fn new(each: usize, over: &'static str) -> Self {
        Self {
            viewers: Arc::new(Semaphore::new(each)),
            history: Arc::new(Semaphore::new(each)),
            each,
            over,
        }
    }
}

/// The device's current Docker client, shared by its watcher (which connects and reconnects)
/// and its runtime (which acts). `None` while disconnected.
#[derive(Clone, Default)]
pub struct SharedClient(Arc<RwLock<Option<Engine>>>);

/// A connected engine: its client, a dialer of bare connections for the streams Squirrel
/// reads itself, and its stream limits (`None`: unlimited).
#[derive(Clone)]
pub(crate) struct Engine {
    pub docker: Docker,
    pub dial: Dialer,
    pub slots: Option<StreamSlots>,
}

impl SharedClient {
    pub fn get(&self) -> Option<Docker> {
        self.0
            .read()
            .ok()
            .and_then(|c| c.as_ref().map(|e| e.docker.clone()))
    }

    /// The connected engine, whole.
    pub(crate) fn engine(&self) -> Option<Engine> {
        self.0.read().ok().and_then(|c| c.clone())
    }

    pub(crate) fn set(&self, client: Option<Engine>) {
        if let Ok(mut c) = self.0.write() {
            *c = client;
        }
    }
}

/// The deadlines of an engine connection. Tests shorten them; the behaviour is the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Everything before the first request: dialling, SSH negotiation and authentication
    /// (agent prompts included), the dial-stdio fallback and agreeing on the API version.
    pub connect: Duration,
    /// One listing or inspection of the watcher (a full sync, an event's re-read).
    pub request: Duration,
    /// How long the event stream may stay silent before the engine is pinged.
    pub silence: Duration,
    /// How long that ping may take before the engine counts as not responding.
    pub ping: Duration,
    /// How long a session must have stayed up for the reconnect backoff to start over.
    pub stable: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(30),
            request: Duration::from_secs(60),
            silence: Duration::from_secs(60),
            ping: Duration::from_secs(10),
            stable: Duration::from_secs(60),
        }
    }
}

/// Why connecting failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectError {
    /// A sentence for the user.
    Unreachable(String),
    /// An SSH host key waits for the user's approval.
    HostKeyUnknown(HostKeyPrompt),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Unreachable(reason) => f.write_str(reason),
            ConnectError::HostKeyUnknown(p) => write!(
                f,
                "the SSH host key of {}:{} ({} {}) is not known yet: approve it to connect",
                p.host, p.port, p.algorithm, p.fingerprint
            ),
        }
    }
}

impl From<ConnectError> for CoreError {
    fn from(e: ConnectError) -> Self {
        match e {
            ConnectError::Unreachable(reason) => {
                CoreError::Engine(EngineError::Unreachable(reason))
            }
            ConnectError::HostKeyUnknown(prompt) => CoreError::HostKeyUnknown(prompt),
        }
    }
}

/// What connections need besides their configuration: the known SSH host keys and the
/// keyring. Cheap to clone.
#[derive(Clone)]
pub struct ConnectDeps {
    pub host_keys: Arc<HostKeyStore>,
    pub secrets: Arc<dyn SecretStore>,
    pub timeouts: Timeouts,
    /// The SSH client config SSH devices are resolved with (`~/.ssh/config`); `None`: none.
    pub ssh_config: Option<std::path::PathBuf>,
}

/// A connected engine client, and anything the user should know about how it connects.
pub(crate) struct Connected {
    pub docker: Docker,
    pub dial: Dialer,
    pub notes: Vec<String>,
    pub slots: Option<StreamSlots>,
}

/// Opens a client for `connection` and agrees on the API version with the engine, all
/// within the connect deadline: a host that accepts the connection and then says nothing
/// (a stopped daemon, a hung SSH server) is reported as not responding.
pub(crate) async fn connect(
    connection: &DeviceConnection,
    deps: &ConnectDeps,
) -> Result<Connected, ConnectError> {
    let limit = deps.timeouts.connect;
    match tokio::time::timeout(limit, connect_unbounded(connection, deps)).await {
        Ok(result) => result,
        Err(_) => Err(ConnectError::Unreachable(not_responding(connection, limit))),
    }
}

/// The reason shown for an engine that accepted a connection and then stayed silent.
pub(crate) fn not_responding(connection: &DeviceConnection, waited: Duration) -> String {
    format!(
        "{} is not responding (no answer within {} s): the host, its Docker engine or its \
         SSH server may be hung or overloaded. Squirrel keeps retrying.",
        connection.describe(),
        waited.as_secs()
    )
}

async fn connect_unbounded(
    connection: &DeviceConnection,
    deps: &ConnectDeps,
) -> Result<Connected, ConnectError> {
    let mut notes = Vec::new();
    let mut slots = None;
    let unreachable =
        |e: bollard::errors::Error| ConnectError::Unreachable(describe_error(connection, &e));
    let (client, dial) = match connection {
        DeviceConnection::LocalSocket { path } => crate::unix::connect(path, REQUEST_TIMEOUT_SECS),
        DeviceConnection::Tcp {
            host, port, tls, ..
        } => {
            let (client, tls_notes) = crate::tcp::connect(
                host,
                *port,
                tls.as_ref(),
                deps.timeouts.connect,
                REQUEST_TIMEOUT_SECS,
            )?;
            notes.extend(tls_notes);
            Ok(client)
        }
        DeviceConnection::Ssh {
            host,
            port,
            user,
            socket_path,
            auth,
        } => {
            let ssh = crate::ssh::connect(
                host,
                *port,
                user.as_deref(),
                socket_path,
                auth,
                deps.host_keys.clone(),
                deps.secrets.as_ref(),
                deps.ssh_config.as_deref(),
                REQUEST_TIMEOUT_SECS,
            )
            .await?;
            notes.extend(ssh.note);
            slots = Some(ssh.slots);
            Ok((ssh.docker, ssh.dial))
        }
        DeviceConnection::Proxmox { .. } => {
            return Err(ConnectError::Unreachable(
                "a Proxmox VE cluster is not a Docker engine".into(),
            ))
        }
    }
    .map_err(unreachable)?;
    for note in &notes {
        tracing::warn!(target = %connection.describe(), "{note}");
    }
    Ok(Connected {
        docker: client.negotiate_version().await.map_err(unreachable)?,
        dial,
        notes,
        slots,
    })
}

/// Connects once and reports what the engine is.
pub async fn probe(
    connection: &DeviceConnection,
    deps: &ConnectDeps,
) -> Result<EngineProbe, ConnectError> {
    let Connected { docker, notes, .. } = connect(connection, deps).await?;
    let limit = deps.timeouts.request;
    let (version, info) = match tokio::time::timeout(limit, async {
        tokio::try_join!(docker.version(), docker.info())
    })
    .await
    {
        Ok(result) => {
            result.map_err(|e| ConnectError::Unreachable(describe_error(connection, &e)))?
        }
        Err(_) => return Err(ConnectError::Unreachable(not_responding(connection, limit))),
    };
    let count = |n: Option<i64>| u32::try_from(n.unwrap_or_default()).unwrap_or_default();
    Ok(EngineProbe {
        engine_version: version.version.unwrap_or_else(|| "unknown".into()),
        api_version: version.api_version.unwrap_or_default(),
        os: info
            .operating_system
            .or(version.os)
            .unwrap_or_else(|| "unknown".into()),
        architecture: info.architecture.or(version.arch).unwrap_or_default(),
        containers: count(info.containers),
        running: count(info.containers_running),
        images: count(info.images),
        notes,
    })
}

/// A sentence that says what went wrong and what to do about it.
pub fn describe_error(connection: &DeviceConnection, e: &bollard::errors::Error) -> String {
    use bollard::errors::Error as E;
    let target = connection.describe();
    let io_kind = io_error_kind(e);
    let chain = error_chain(e);
    if let Some(tls) = describe_tls_failure(&chain) {
        return format!("{target}: {tls}");
    }
    if chain.contains("failed to lookup address") || chain.contains("Name or service not known") {
        return format!("cannot resolve the host name of {target}: check the spelling or your DNS");
    }
    match (e, io_kind) {
        (E::SocketNotFoundError(path), _) => {
            format!("no Docker socket at {path}: is Docker installed and running on this computer?")
        }
        (_, Some(ErrorKind::PermissionDenied)) => format!(
            "permission denied on {target}: add your user to the 'docker' group \
             (sudo usermod -aG docker $USER) and log in again"
        ),
        (_, Some(ErrorKind::ConnectionRefused)) | (_, Some(ErrorKind::NotFound)) => {
            format!("Docker is not running at {target} (connection refused)")
        }
        (E::RequestTimeoutError, _) | (_, Some(ErrorKind::TimedOut)) => {
            format!("{target} did not answer in time: is the host up and the port open?")
        }
        (_, Some(ErrorKind::ConnectionReset)) | (_, Some(ErrorKind::UnexpectedEof)) => format!(
            "{target} closed the connection: is it a Docker engine, and does it expect TLS?"
        ),
        _ => format!("cannot talk to Docker at {target}: {e}"),
    }
}

/// Maps a failed engine call to a domain error with the engine's own words.
pub(crate) fn engine_error(e: bollard::errors::Error) -> EngineError {
    use bollard::errors::Error as E;
    match e {
        E::DockerResponseServerError {
            status_code,
            message,
        } => status_error(status_code, &message),
        E::SocketNotFoundError(_)
        | E::IOError { .. }
        | E::HyperResponseError { .. }
        | E::HyperLegacyError { .. } => {
            EngineError::Unreachable(format!("the engine could not be reached: {e}"))
        }
        E::RequestTimeoutError => {
            EngineError::Unreachable("the engine did not answer in time".into())
        }
        other => EngineError::Other(other.to_string()),
    }
}

/// The engine's refusal of a request, by its HTTP status, in its own words.
pub(crate) fn status_error(status: u16, message: &str) -> EngineError {
    let message = capitalise(message.trim());
    match status {
        404 => EngineError::NoSuchObject(message),
        409 => EngineError::Conflict(message),
        400 => EngineError::BadRequest(message),
        _ => EngineError::Other(message),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => "The engine refused the request".into(),
    }
}

/// The kind of the first I/O error in `e`'s chain of causes.
fn io_error_kind(e: &bollard::errors::Error) -> Option<ErrorKind> {
    if let bollard::errors::Error::IOError { err } = e {
        return Some(err.kind());
    }
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cause = c.source();
    }
    None
}

/// Every message in `e`'s chain of causes, joined.
fn error_chain(e: &bollard::errors::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Advice for the usual mutual-TLS mistakes, from rustls' wording.
fn describe_tls_failure(chain: &str) -> Option<&'static str> {
    if chain.contains("UnknownIssuer") || chain.contains("BadSignature") {
        Some("the engine's certificate is not signed by the CA you chose")
    } else if chain.contains("NotValidForName") || chain.contains("not valid for name") {
        Some("the engine's certificate does not name this host: connect with the host name or address it was issued for")
    } else if chain.contains("Expired") {
        Some("a certificate has expired")
    } else if chain.contains("BadCertificate")
        || chain.contains("CertificateRequired")
        || chain.contains("UnknownCA")
        || chain.contains("unknown ca")
        || chain.contains("AccessDenied")
    {
        Some("the engine refused Squirrel's client certificate: use a certificate signed by the CA the engine trusts")
    } else if chain.contains("InvalidContentType") || chain.contains("CorruptMessage") {
        Some("the engine did not answer with TLS: is it listening without --tlsverify?")
    } else if chain.contains("no private key") || chain.contains("No private key") {
        Some("the client key file holds no usable private key (an encrypted key must be decrypted first)")
    } else {
        None
    }
}
