//! Host keys: checked against the user's `~/.ssh/known_hosts` and Squirrel's own file;
//! unknown keys wait for the user's approval (trust on first use), changed keys are refused.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use russh::keys::known_hosts::learn_known_hosts_path;
use russh::keys::{check_known_hosts_path, HashAlg, PublicKey};
use squirrel_core::factory::WatcherKind;
use squirrel_core::model::HostKeyPrompt;
use squirrel_core::{CoreError, CoreResult};

pub enum HostKeyCheck {
    Trusted,
    Unknown(HostKeyPrompt),
    Changed(String),
}

/// The known hosts Squirrel reads (the user's file, then its own) and writes (its own only:
/// Squirrel never edits the user's files).
pub struct HostKeyStore {
    own: PathBuf,
    user: Option<PathBuf>,
    /// Keys shown by servers and not yet approved, by host and port.
    pending: Mutex<HashMap<(String, u16), PublicKey>>,
}

impl HostKeyStore {
    pub fn new(own: PathBuf, user: Option<PathBuf>) -> Self {
        Self {
            own,
            user,
            pending: Mutex::new(HashMap::new()),
        }
    }

    pub fn check(&self, host: &str, port: u16, key: &PublicKey) -> HostKeyCheck {
        for file in self.user.iter().chain(std::iter::once(&self.own)) {
            match check_known_hosts_path(host, port, key, file) {
                Ok(true) => return HostKeyCheck::Trusted,
                Ok(false) => {}
                Err(russh::keys::Error::KeyChanged { line }) => {
                    return HostKeyCheck::Changed(format!(
                        "WARNING: the SSH host key of {host}:{port} has CHANGED (it is now {}). \
                         Someone may be intercepting the connection, or the server was \
                         reinstalled. Squirrel refuses to connect. If you know why it changed, \
                         remove the old key from {} line {line} and connect again.",
                        key.fingerprint(HashAlg::Sha256),
                        file.display()
                    ))
                }
                Err(e) => {
                    tracing::warn!(file = %file.display(), error = %e, "unreadable known_hosts")
                }
            }
        }
        if let Ok(mut pending) = self.pending.lock() {
            pending.insert((host.to_string(), port), key.clone());
        }
        HostKeyCheck::Unknown(HostKeyPrompt {
            kind: WatcherKind::Docker,
            host: host.to_string(),
            port,
            algorithm: key.algorithm().to_string(),
            fingerprint: key.fingerprint(HashAlg::Sha256).to_string(),
        })
    }

    /// Remembers the pending key of `prompt`'s host, if it is the one the user saw.
    pub fn trust(&self, prompt: &HostKeyPrompt) -> CoreResult<()> {
        let key = self
            .pending
            .lock()
            .ok()
            .and_then(|p| p.get(&(prompt.host.clone(), prompt.port)).cloned())
            .filter(|k| k.fingerprint(HashAlg::Sha256).to_string() == prompt.fingerprint)
            .ok_or_else(|| {
                CoreError::InvalidInput(format!(
                    "{}:{} did not show the key {}: test the connection again and compare the new fingerprint",
                    prompt.host, prompt.port, prompt.fingerprint
                ))
            })?;
        learn_known_hosts_path(&prompt.host, prompt.port, &key, &self.own)
            .map_err(|e| CoreError::Storage(format!("cannot write {}: {e}", self.own.display())))?;
        if let Ok(mut p) = self.pending.lock() {
            p.remove(&(prompt.host.clone(), prompt.port));
        }
        tracing::info!(host = %prompt.host, port = prompt.port, fingerprint = %prompt.fingerprint, "host key trusted");
        Ok(())
    }
}
