//! Secrets: a redacting wrapper and the port to the OS keyring.

use async_trait::async_trait;

use crate::error::CoreResult;
use crate::model::SecretRef;

/// A password, passphrase or token. Its `Debug` and `Display` print `***`, so it cannot leak
/// into logs or error messages by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that needs it (an authentication call).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The OS keyring (Secret Service, Keychain, Credential Manager).
#[async_trait]
pub trait SecretStore: Send + Sync {
    async fn put(&self, at: &SecretRef, secret: &Secret) -> CoreResult<()>;
    /// `Ok(None)` when nothing is stored there.
    async fn get(&self, at: &SecretRef) -> CoreResult<Option<Secret>>;
    async fn delete(&self, at: &SecretRef) -> CoreResult<()>;
}

/// The keyring service name for Squirrel's secrets.
pub const SECRET_SERVICE: &str = "dev.squirrel.app";

/// Where a device's SSH password or key passphrase lives.
pub fn device_secret_ref(device_uuid: &str) -> SecretRef {
    SecretRef {
        service: SECRET_SERVICE.into(),
        account: format!("device/{device_uuid}/ssh"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?} {:?}", Some(&s)), "*** *** Some(***)");
        assert_eq!(s.expose(), "hunter2");
    }
}
