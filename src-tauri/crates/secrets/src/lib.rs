//! Squirrel's secrets in the OS keyring. The database keeps only a [`SecretRef`].
//!
//! keyring's calls block (D-Bus round trips), so each runs on tokio's blocking pool.

use async_trait::async_trait;
use squirrel_core::model::SecretRef;
use squirrel_core::secrets::{Secret, SecretStore};
use squirrel_core::{CoreError, CoreResult};

/// The OS keyring: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsKeyring;

fn entry(at: &SecretRef) -> CoreResult<keyring::Entry> {
    keyring::Entry::new(&at.service, &at.account).map_err(keyring_error)
}

fn keyring_error(e: keyring::Error) -> CoreError {
    // keyring's messages name the store and the failure, never the secret.
    CoreError::Secrets(match e {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            format!("{e}. Is a keyring (e.g. GNOME Keyring or KWallet) running and unlocked?")
        }
        other => other.to_string(),
    })
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> CoreResult<T> + Send + 'static,
) -> CoreResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CoreError::Secrets(format!("the keyring call did not finish: {e}")))?
}

#[async_trait]
impl SecretStore for OsKeyring {
    async fn put(&self, at: &SecretRef, secret: &Secret) -> CoreResult<()> {
        let (at, secret) = (at.clone(), secret.clone());
        blocking(move || {
            entry(&at)?
                .set_password(secret.expose())
                .map_err(keyring_error)
        })
        .await
    }

    async fn get(&self, at: &SecretRef) -> CoreResult<Option<Secret>> {
        let at = at.clone();
        blocking(move || match entry(&at)?.get_password() {
            Ok(s) => Ok(Some(Secret::new(s))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        })
        .await
    }

    async fn delete(&self, at: &SecretRef) -> CoreResult<()> {
        let at = at.clone();
        blocking(move || match entry(&at)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        })
        .await
    }
}
