//! The domain's errors: what went wrong, in words a user can act on, with a stable code.

use thiserror::Error;

/// Errors of the domain layer. Each says what happened in words a user can act on.
#[derive(Debug, Error)]
pub enum CoreError {
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{0}")]
    InvalidInput(String),
    #[error("device {device} is not connected: {reason}")]
    DeviceUnavailable { device: String, reason: String },
    #[error("{0}")]
    Engine(#[from] EngineError),
    #[error("storage error: {0}")]
    Storage(String),
    #[error("{0}")]
    Unsupported(String),
    /// The server's identity (an SSH host key, a Proxmox node's certificate) is not known
    /// yet: show the fingerprint and ask.
    #[error("{}", identity_unknown(.0))]
    HostKeyUnknown(crate::model::HostKeyPrompt),
    #[error("the OS keyring failed: {0}")]
    Secrets(String),
}

impl CoreError {
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    /// A stable machine-readable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::NotFound { .. } => "not_found",
            CoreError::InvalidInput(_) => "invalid_input",
            CoreError::DeviceUnavailable { .. } => "device_unavailable",
            CoreError::Engine(e) => e.code(),
            CoreError::Storage(_) => "storage",
            CoreError::Unsupported(_) => "unsupported",
            CoreError::HostKeyUnknown(_) => "host_key_unknown",
            CoreError::Secrets(_) => "secrets",
        }
    }
}

/// What an engine (Docker, Proxmox) answered when an operation failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// The object does not exist on the engine (HTTP 404).
    #[error("{0}")]
    NoSuchObject(String),
    /// The object is in the wrong state for the operation (HTTP 409), e.g. "is not running".
    #[error("{0}")]
    Conflict(String),
    /// The engine refused the request as invalid (HTTP 400).
    #[error("{0}")]
    BadRequest(String),
    /// The engine could not be reached.
    #[error("{0}")]
    Unreachable(String),
    /// The connection to the engine carries all it may (long-lived streams over SSH): the
    /// request may succeed once another ends.
    #[error("{0}")]
    Busy(String),
    #[error("{0}")]
    Other(String),
}

impl EngineError {
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::NoSuchObject(_) => "not_found",
            EngineError::Conflict(_) => "conflict",
            EngineError::BadRequest(_) => "invalid_input",
            EngineError::Unreachable(_) => "device_unavailable",
            EngineError::Busy(_) => "busy",
            EngineError::Other(_) => "engine",
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;

fn identity_unknown(p: &crate::model::HostKeyPrompt) -> String {
    match p.kind {
        crate::factory::WatcherKind::Docker => format!(
            "the SSH host key of {}:{} is not known yet ({})",
            p.host, p.port, p.fingerprint
        ),
        crate::factory::WatcherKind::Proxmox => format!(
            "the certificate of {}:{} is not approved yet (SHA-256 {}): compare it with the node's (Node › System › Certificates) and approve it",
            p.host, p.port, p.fingerprint
        ),
    }
}
