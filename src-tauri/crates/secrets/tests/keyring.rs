//! The OS keyring adapter against a real Secret Service (run under `tests/with-keyring.sh`),
//! and against none at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use squirrel_core::clock::SystemClock;
use squirrel_core::secrets::{
    device_secret_ref, GatedSecrets, Secret, SecretStore, KEYRING_UNAVAILABLE,
};
use squirrel_core::CoreError;
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

/// Runs [`without_a_session_bus`] in a child process whose session bus does not exist.
#[test]
fn an_absent_secret_service_is_reported_in_one_sentence() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "without_a_session_bus",
            "--ignored",
            "--nocapture",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/squirrel-bus",
        )
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("1 passed"),
        "the inner test did not run: {text}"
    );
}

#[tokio::test]
#[ignore = "run by an_absent_secret_service_is_reported_in_one_sentence, without a session bus"]
async fn without_a_session_bus() {
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
