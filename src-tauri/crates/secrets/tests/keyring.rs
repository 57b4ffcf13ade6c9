//! The OS keyring adapter against a real Secret Service (run under `tests/with-keyring.sh`).
//! `no_session_bus.rs` tries it with none at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use squirrel_core::secrets::{device_secret_ref, Secret, SecretStore};
use squirrel_secrets::OsKeyring;

#[tokio::test]
async fn secrets_round_trip_through_the_real_keyring() {
    let at = device_secret_ref(&format!("test-{}", std::process::id()));
    let keyring = OsKeyring;
    assert_eq!(keyring.get(&at).await.unwrap(), None);
    keyring.put(&at, &Secret::new("first")).await.unwrap();
    keyring.put(&at, &Secret::new("second")).await.unwrap();
    assert_eq!(keyring.get(&at).await.unwrap(), Some(Secret::new("second")));
    keyring.delete(&at).await.unwrap();
    assert_eq!(keyring.get(&at).await.unwrap(), None);
    keyring.delete(&at).await.unwrap();
}
