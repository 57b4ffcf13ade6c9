//! One SSH connection to a host (russh): host-key check and authentication.

use std::sync::Arc;
use std::time::Duration;

use russh::client::{self, Handle};
use russh::keys::{self, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use squirrel_core::model::SshAuth;
use squirrel_core::secrets::SecretStore;

use super::config::ResolvedHost;
use super::host_keys::{HostKeyCheck, HostKeyStore};
use crate::client::ConnectError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Why the SSH handshake stopped.
#[derive(Debug)]
pub enum HandshakeError {
    HostKey(ConnectError),
    Russh(russh::Error),
}

impl From<russh::Error> for HandshakeError {
    fn from(e: russh::Error) -> Self {
        Self::Russh(e)
    }
}

pub struct ClientHandler {
    host: String,
    port: u16,
    keys: Arc<HostKeyStore>,
}

impl client::Handler for ClientHandler {
    type Error = HandshakeError;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        match self.keys.check(&self.host, self.port, &key.public_key()) {
            HostKeyCheck::Trusted => Ok(true),
            HostKeyCheck::Unknown(prompt) => Err(HandshakeError::HostKey(
                ConnectError::HostKeyUnknown(prompt),
            )),
            HostKeyCheck::Changed(warning) => {
                Err(HandshakeError::HostKey(ConnectError::Unreachable(warning)))
            }
        }
    }
}

pub type SshHandle = Handle<ClientHandler>;

/// Connects, checks the host key and authenticates.
pub async fn open(
    target: &ResolvedHost,
    auth: &SshAuth,
    keys: Arc<HostKeyStore>,
    secrets: &dyn SecretStore,
) -> Result<SshHandle, ConnectError> {
    let at = format!("{}@{}:{}", target.user, target.hostname, target.port);
    let config = Arc::new(client::Config {
        keepalive_interval: Some(Duration::from_secs(10)),
        keepalive_max: 3,
        inactivity_timeout: None,
        nodelay: true,
        ..Default::default()
    });
    let handler = ClientHandler {
        host: target.hostname.clone(),
        port: target.port,
        keys,
    };
    let connecting = client::connect(config, (target.hostname.as_str(), target.port), handler);
    let mut handle = match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Err(_) => {
            return Err(ConnectError::Unreachable(format!(
            "the SSH server {}:{} did not answer within {} s: is the host up and the port open?",
            target.hostname,
            target.port,
            CONNECT_TIMEOUT.as_secs()
        )))
        }
        Ok(Err(HandshakeError::HostKey(e))) => return Err(e),
        Ok(Err(HandshakeError::Russh(e))) => {
            return Err(ConnectError::Unreachable(describe(&at, &e)))
        }
        Ok(Ok(handle)) => handle,
    };
    authenticate(&mut handle, target, auth, secrets).await?;
    Ok(handle)
}

async fn authenticate(
    handle: &mut SshHandle,
    target: &ResolvedHost,
    auth: &SshAuth,
    secrets: &dyn SecretStore,
) -> Result<(), ConnectError> {
    let user = target.user.as_str();
    let at = format!("{user}@{}", target.hostname);
    let fail = |m: String| ConnectError::Unreachable(m);
    let russh_err = |e: russh::Error| ConnectError::Unreachable(describe(&at, &e));
    match auth {
        SshAuth::Agent => {
            let mut agent = keys::agent::client::AgentClient::connect_env()
                .await
                .map_err(|_| fail("no ssh-agent is running for Squirrel (SSH_AUTH_SOCK is not set or not reachable): start one and add your key (ssh-add), or use a key file".into()))?;
            let identities = agent
                .request_identities()
                .await
                .map_err(|e| fail(format!("the ssh-agent did not list its keys: {e}")))?;
            if identities.is_empty() {
                return Err(fail(
                    "the ssh-agent holds no key: add one with ssh-add".into(),
                ));
            }
            let hash = handle
                .best_supported_rsa_hash()
                .await
                .map_err(russh_err)?
                .flatten();
            // Servers disconnect after MaxAuthTries (default 6): try at most five keys.
            for id in identities.iter().take(5) {
                let key = id.public_key().into_owned();
                match handle
                    .authenticate_publickey_with(user, key, hash, &mut agent)
                    .await
                {
                    Ok(r) if r.success() => return Ok(()),
                    Ok(_) => {}
                    Err(e) => tracing::debug!(error = %e, "agent signing failed"),
                }
            }
            Err(fail(format!(
                "{at} refused every key of the ssh-agent: is your public key in the server's authorized_keys?"
            )))
        }
        SshAuth::KeyFile { path, passphrase } => {
            let candidates: Vec<std::path::PathBuf> = if path.trim().is_empty() {
                target.identity_files.clone()
            } else {
                vec![path.into()]
            };
            let Some(file) = candidates.iter().find(|p| p.is_file()) else {
                return Err(fail(format!(
                    "no private key file at {}",
                    candidates
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            let passphrase = match passphrase {
                Some(r) => secrets.get(r).await.map_err(|e| fail(e.to_string()))?,
                None => None,
            };
            let key = keys::load_secret_key(file, passphrase.as_ref().map(|s| s.expose()))
                .map_err(|e| match e {
                    keys::Error::KeyIsEncrypted => fail(format!(
                        "the key {} is encrypted: enter its passphrase",
                        file.display()
                    )),
                    keys::Error::SshKey(_) if passphrase.is_some() => {
                        fail(format!("wrong passphrase for the key {}", file.display()))
                    }
                    other => fail(format!("cannot read the key {}: {other}", file.display())),
                })?;
            let hash = handle
                .best_supported_rsa_hash()
                .await
                .map_err(russh_err)?
                .flatten();
            let result = handle
                .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
                .await
                .map_err(russh_err)?;
            if result.success() {
                Ok(())
            } else {
                Err(fail(format!(
                    "{at} refused the key {}: is its public key in the server's authorized_keys?",
                    file.display()
                )))
            }
        }
        SshAuth::Password { secret } => {
            let password = match secret {
                Some(r) => secrets.get(r).await.map_err(|e| fail(e.to_string()))?,
                None => None,
            }
            .ok_or_else(|| {
                fail("no password is stored for this device: edit it and enter the password".into())
            })?;
            let result = handle
                .authenticate_password(user, password.expose())
                .await
                .map_err(russh_err)?;
            if result.success() {
                return Ok(());
            }
            // Servers with PasswordAuthentication off often take the same password through
            // keyboard-interactive (PAM).
            use russh::client::KeyboardInteractiveAuthResponse as K;
            let mut reply = handle
                .authenticate_keyboard_interactive_start(user, None)
                .await
                .map_err(russh_err)?;
            for _ in 0..3 {
                match reply {
                    K::Success => return Ok(()),
                    K::Failure { .. } => break,
                    K::InfoRequest { ref prompts, .. } => {
                        let answers = vec![password.expose().to_string(); prompts.len()];
                        reply = handle
                            .authenticate_keyboard_interactive_respond(answers)
                            .await
                            .map_err(russh_err)?;
                    }
                }
            }
            Err(fail(format!(
                "{at} refused the password (authentication failed)"
            )))
        }
    }
}

/// A sentence for a failed SSH operation with `at` (`user@host`).
pub fn describe(at: &str, e: &russh::Error) -> String {
    use std::io::ErrorKind;
    if let russh::Error::IO(io) = e {
        return match io.kind() {
            ErrorKind::ConnectionRefused => {
                format!("{at}: nothing listens for SSH there (connection refused)")
            }
            ErrorKind::TimedOut => format!("{at}: the SSH server did not answer in time"),
            ErrorKind::NotFound => format!("cannot resolve the host name of {at}"),
            _ if io.to_string().contains("failed to lookup address") => {
                format!("cannot resolve the host name of {at}: check the spelling or your DNS")
            }
            _ => format!("{at}: {io}"),
        };
    }
    match e {
        russh::Error::Disconnect | russh::Error::HUP => format!("{at} closed the SSH connection"),
        russh::Error::KeepaliveTimeout => {
            format!("{at} stopped answering (SSH keepalive timed out)")
        }
        other => format!("{at}: SSH failed: {other}"),
    }
}
