//! Agentless SSH devices: one russh connection per host, a channel per HTTP connection.

pub mod config;
pub mod host_keys;
mod session;
mod transport;

use std::sync::Arc;

use bollard::Docker;
use squirrel_core::model::SshAuth;
use squirrel_core::secrets::SecretStore;

pub use host_keys::HostKeyStore;

use crate::client::ConnectError;

/// A connected SSH device: the Docker client and, if the fallback is in use, why.
pub struct SshConnection {
    pub docker: Docker,
    pub note: Option<String>,
}

/// Resolves the host with `~/.ssh/config`, connects, checks the host key, authenticates, and
/// builds a Docker client that tunnels every connection through the SSH session.
#[allow(clippy::too_many_arguments)]
pub async fn connect(
    host: &str,
    port: Option<u16>,
    user: Option<&str>,
    socket_path: &str,
    auth: &SshAuth,
    keys: Arc<HostKeyStore>,
    secrets: &dyn SecretStore,
    timeout_secs: u64,
) -> Result<SshConnection, ConnectError> {
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let target = config::resolve(
        host,
        port,
        user,
        config::user_config(&home).as_deref(),
        &home,
    );
    let handle = Arc::new(session::open(&target, auth, keys, secrets).await?);
    let at = format!("{}@{}:{}", target.user, target.hostname, target.port);
    let (mode, note) = transport::choose_mode(&handle, socket_path, &at)
        .await
        .map_err(ConnectError::Unreachable)?;
    if let Some(note) = &note {
        tracing::warn!(%at, "{note}");
    }
    let docker = transport::docker_over(handle, mode, timeout_secs)
        .map_err(|e| ConnectError::Unreachable(format!("{at}: {e}")))?;
    Ok(SshConnection { docker, note })
}
