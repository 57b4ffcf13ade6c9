//! Agentless SSH devices: one russh connection per host, a channel per HTTP connection.

pub mod config;
pub mod host_keys;
pub mod known_hosts;
mod session;
mod transport;

use std::path::Path;
use std::sync::Arc;

use bollard::Docker;
use squirrel_core::model::SshAuth;
use squirrel_core::secrets::SecretStore;

pub use host_keys::HostKeyStore;
pub use transport::{DIAL_STDIO_STREAMS, MAX_HTTP_CHANNELS, SOCKET_STREAMS};

use crate::client::ConnectError;

/// A connected SSH device: the Docker client and, if the fallback is in use, why.
pub struct SshConnection {
    pub docker: Docker,
    pub(crate) dial: crate::http::Dialer,
    pub note: Option<String>,
    /// The log streams the connection carries at once.
    pub slots: crate::client::StreamSlots,
}

/// Resolves the host with the SSH config (`ssh_config`, the user's `~/.ssh/config`; `None`:
/// none), connects through its jump hosts if it has any, checks every host key, authenticates,
/// and builds a Docker client that tunnels every connection through the SSH session.
#[allow(clippy::too_many_arguments)]
pub async fn connect(
    host: &str,
    port: Option<u16>,
    user: Option<&str>,
    socket_path: &str,
    auth: &SshAuth,
    keys: Arc<HostKeyStore>,
    secrets: &dyn SecretStore,
    ssh_config: Option<&Path>,
    timeout_secs: u64,
) -> Result<SshConnection, ConnectError> {
    let route = config::SshConfig::at(ssh_config)
        .route(host, port, user)
        .map_err(ConnectError::Unreachable)?;
    let deadline = tokio::time::Instant::now() + session::CONNECT_TIMEOUT;
    let mut via: Option<(Arc<session::SshHandle>, &str)> = None;
    for (i, hop) in route.iter().enumerate() {
        let last = i + 1 == route.len();
        let hop_auth = if last {
            auth.clone()
        } else {
            jump_auth(auth, hop)
        };
        let opened = session::open(hop, &hop_auth, keys.clone(), secrets, via, deadline).await;
        let handle = opened.map_err(|e| match e {
            ConnectError::Unreachable(m) if !last && !m.starts_with("jump host ") => {
                ConnectError::Unreachable(format!("jump host {}: {m}", hop.alias))
            }
            other => other,
        })?;
        via = Some((Arc::new(handle), hop.alias.as_str()));
    }
    let (Some((handle, _)), Some(target)) = (via, route.last()) else {
        return Err(ConnectError::Unreachable(format!("no SSH route to {host}")));
    };
    let at = format!("{}@{}:{}", target.user, target.hostname, target.port);
    let (mode, note) = transport::choose_mode(&handle, socket_path, &at)
        .await
        .map_err(ConnectError::Unreachable)?;
    if let Some(note) = &note {
        tracing::warn!(%at, "{note}");
    }
    let slots = transport::stream_slots(&mode);
    let (docker, dial) = transport::docker_over(handle, mode, timeout_secs)
        .map_err(|e| ConnectError::Unreachable(format!("{at}: {e}")))?;
    Ok(SshConnection {
        docker,
        dial,
        note,
        slots,
    })
}

/// How a jump host authenticates. The device's agent, or its key file when the config names
/// no other key for the jump host (one personal key is the common case). A password belongs
/// to the device's own server, so it is never sent to a jump host: those use the config's
/// `IdentityFile`s, else the agent if one runs, else the default key files, unencrypted.
fn jump_auth(device: &SshAuth, hop: &config::ResolvedHost) -> SshAuth {
    let config_keys = SshAuth::KeyFile {
        path: String::new(),
        passphrase: None,
    };
    match device {
        SshAuth::Agent => SshAuth::Agent,
        SshAuth::KeyFile { path, .. }
            if hop.identity_from_config
                && !hop.identity_files.iter().any(|f| f == Path::new(path)) =>
        {
            config_keys
        }
        SshAuth::KeyFile { .. } => device.clone(),
        SshAuth::Password { .. } if hop.identity_from_config => config_keys,
        SshAuth::Password { .. } if std::env::var_os("SSH_AUTH_SOCK").is_some() => SshAuth::Agent,
        SshAuth::Password { .. } => config_keys,
    }
}
