//! Squirrel's secrets in the OS keyring. The database keeps only a [`SecretRef`].
//!
//! keyring's calls block (D-Bus round trips, and on a locked Secret Service an unlock prompt
//! with no time limit), so each runs on tokio's blocking pool, where it cannot be cancelled.
//! The app shares it behind core's `GatedSecrets`, which serialises the calls, gives each a
//! time limit, asks nothing more while one that ran out of time still waits, and pauses
//! them while the keyring is locked, absent or silent.

use async_trait::async_trait;
use squirrel_core::model::SecretRef;
use squirrel_core::secrets::{Secret, SecretStore};
use squirrel_core::{CoreError, CoreResult};
use zeroize::Zeroize;

/// The OS keyring: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsKeyring;

fn entry(at: &SecretRef) -> CoreResult<keyring::Entry> {
    keyring::Entry::new(&at.service, &at.account).map_err(|e| keyring_error(at, e))
}

/// Only a keyring that cannot be used now (locked, not running, the unlock prompt dismissed)
/// is [`CoreError::Secrets`]: the [`GatedSecrets`](squirrel_core::secrets::GatedSecrets) the
/// app wraps this in pauses on it. keyring's messages name the store and the failure, never
/// the secret.
fn keyring_error(at: &SecretRef, e: keyring::Error) -> CoreError {
    match e {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            CoreError::Secrets(format!(
                "{e}. Is a keyring (e.g. GNOME Keyring or KWallet) running and unlocked?"
            ))
        }
        keyring::Error::BadEncoding(mut bytes) => {
            bytes.zeroize();
            CoreError::Storage(format!(
                "the keyring entry {} is not text: delete it in your keyring manager (e.g. \
                 Seahorse) and enter the secret again",
                at.account
            ))
        }
        keyring::Error::Ambiguous(_) => CoreError::Storage(format!(
            "the keyring holds several entries for {}: delete them in your keyring manager \
             (e.g. Seahorse) and enter the secret again",
            at.account
        )),
        other => CoreError::InvalidInput(format!("the keyring refused {}: {other}", at.account)),
    }
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
                .map_err(|e| keyring_error(&at, e))
        })
        .await
    }

    async fn get(&self, at: &SecretRef) -> CoreResult<Option<Secret>> {
        let at = at.clone();
        blocking(move || match entry(&at)?.get_password() {
            // Moved, not copied: the only copy is the one that zeroizes itself.
            Ok(s) => Ok(Some(Secret::new(s))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(&at, e)),
        })
        .await
    }

    async fn delete(&self, at: &SecretRef) -> CoreResult<()> {
        let at = at.clone();
        blocking(move || match entry(&at)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(&at, e)),
        })
        .await
    }
}
