//! The OS keyring adapter with no Secret Service at all (no session bus): one clear
//! sentence, the same for every device, and removals that wait instead of failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use squirrel_core::clock::SystemClock;
use squirrel_core::secrets::{device_secret_ref, GatedSecrets, SecretStore, KEYRING_UNAVAILABLE};
use squirrel_core::CoreError;
use squirrel_secrets::OsKeyring;

#[tokio::test]
async fn an_absent_secret_service_is_reported_in_one_sentence() {
    // This binary's only test: no other test shares the process environment.
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/squirrel-bus",
    );
    let at = device_secret_ref("absent");
    // The adapter says the keyring cannot be used (the kind the gate pauses on)...
    let err = OsKeyring.get(&at).await.unwrap_err();
    assert!(matches!(err, CoreError::Secrets(_)), "{err:?}");
    // ...and behind the gate every device reads the same sentence, again and again.
    let gated = GatedSecrets::new(Arc::new(OsKeyring), Arc::new(SystemClock));
    let expected = format!("the OS keyring failed: {KEYRING_UNAVAILABLE}");
    for _ in 0..3 {
        assert_eq!(gated.get(&at).await.unwrap_err().to_string(), expected);
    }
    // Removing a device never fails on it: the delete waits.
    gated.delete(&at).await.unwrap();
    assert_eq!(gated.orphans().await, vec![at]);
}
