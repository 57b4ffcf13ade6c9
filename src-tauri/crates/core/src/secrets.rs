//! Secrets: a redacting, zeroizing wrapper; the port to the OS keyring; the gate that keeps a
//! locked keyring from being asked again and again; and the in-memory view a connection test
//! uses so that a typed secret never reaches the keyring.

use std::sync::Arc;

use async_trait::async_trait;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::clock::Clock;
use crate::error::{CoreError, CoreResult};
use crate::model::SecretRef;

/// A password, passphrase or token. Its `Debug` and `Display` print `***`, so it cannot leak
/// into logs or error messages by accident, and its memory is wiped when it is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself, for the one place that needs it (an authentication call).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Zeroize for Secret {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

/// Dropping a `Secret` drops its `Zeroizing<String>`, which wipes the bytes.
impl ZeroizeOnDrop for Secret {}

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
///
/// Adapters report a keyring that cannot be used right now (locked, not running, the unlock
/// prompt dismissed) as [`CoreError::Secrets`], and only that: [`GatedSecrets`] pauses on it.
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

/// The reference a connection test points its auth at when the user typed the secret: only
/// [`TypedSecret`] answers it, from memory.
pub fn typed_secret_ref() -> SecretRef {
    SecretRef {
        service: SECRET_SERVICE.into(),
        account: "connection-test/typed".into(),
    }
}

/// The keyring as one connection test sees it: the secret typed for the test answers at
/// [`typed_secret_ref`], every other reference is read from the real keyring, and nothing is
/// ever written.
pub struct TypedSecret {
    keyring: Arc<dyn SecretStore>,
    typed: Secret,
}

impl TypedSecret {
    pub fn new(keyring: Arc<dyn SecretStore>, typed: Secret) -> Self {
        Self { keyring, typed }
    }
}

fn test_writes_nothing() -> CoreError {
    CoreError::Unsupported("a connection test writes nothing to the keyring".into())
}

#[async_trait]
impl SecretStore for TypedSecret {
    async fn put(&self, _at: &SecretRef, _secret: &Secret) -> CoreResult<()> {
        Err(test_writes_nothing())
    }

    async fn get(&self, at: &SecretRef) -> CoreResult<Option<Secret>> {
        if *at == typed_secret_ref() {
            Ok(Some(self.typed.clone()))
        } else {
            self.keyring.get(at).await
        }
    }

    async fn delete(&self, _at: &SecretRef) -> CoreResult<()> {
        Err(test_writes_nothing())
    }
}

/// What every device that needs a secret says while the keyring cannot be used.
pub const KEYRING_UNAVAILABLE: &str = "it is locked or not running. Unlock it (GNOME Keyring or \
     KWallet) and Squirrel reconnects by itself";

/// The first pause after the keyring failed; each further failure doubles it, up to the max.
pub const KEYRING_PAUSE_MS: i64 = 10_000;
pub const KEYRING_PAUSE_MAX_MS: i64 = 120_000;

/// The keyring every part of the app shares (the device service and the drivers' watchers):
///
/// - one call at a time, so that devices connecting together meet one unlock prompt, not one
///   each;
/// - after a call finds the keyring locked or absent, reads fail at once for a pause (10 s,
///   doubling to 2 min) instead of asking D-Bus again on every reconnection attempt; all fail
///   with the same sentence ([`KEYRING_UNAVAILABLE`]). Writes (the user saving a secret they
///   just typed) still try, and a success ends the pause;
/// - a delete that cannot reach the keyring is remembered (in the [`OrphanLedger`], so an
///   app restart does not forget it) and retried after the next call that reaches it, and at
///   the next start ([`GatedSecrets::restore`]), so removing a device never fails on a
///   locked keyring.
pub struct GatedSecrets {
    inner: Arc<dyn SecretStore>,
    clock: Arc<dyn Clock>,
    ledger: Option<Arc<dyn OrphanLedger>>,
    /// Held across each call to `inner`: calls are serialised.
    state: tokio::sync::Mutex<Gate>,
}

#[derive(Default)]
struct Gate {
    /// Unix ms until which reads fail without asking the keyring.
    paused_until: Option<i64>,
    /// The length of the next pause.
    next_pause_ms: i64,
    /// Entries to delete once the keyring answers again.
    orphans: Vec<SecretRef>,
}

fn unavailable() -> CoreError {
    CoreError::Secrets(KEYRING_UNAVAILABLE.into())
}

/// Where the keyring entries still to delete are kept between runs (the database).
#[async_trait]
pub trait OrphanLedger: Send + Sync {
    async fn load_orphans(&self) -> CoreResult<Vec<SecretRef>>;
    async fn save_orphans(&self, orphans: &[SecretRef]) -> CoreResult<()>;
}

impl GatedSecrets {
    /// A gate whose pending deletes live in memory only.
    pub fn new(inner: Arc<dyn SecretStore>, clock: Arc<dyn Clock>) -> Self {
        Self::with_ledger(inner, clock, None)
    }

    /// A gate whose pending deletes are kept in `ledger`.
    pub fn with_ledger(
        inner: Arc<dyn SecretStore>,
        clock: Arc<dyn Clock>,
        ledger: Option<Arc<dyn OrphanLedger>>,
    ) -> Self {
        Self {
            inner,
            clock,
            ledger,
            state: tokio::sync::Mutex::new(Gate {
                next_pause_ms: KEYRING_PAUSE_MS,
                ..Gate::default()
            }),
        }
    }

    /// The deletes still waiting for the keyring.
    pub async fn orphans(&self) -> Vec<SecretRef> {
        self.state.lock().await.orphans.clone()
    }

    /// At start: takes up the deletes a previous run left pending and tries them now (one
    /// keyring call while the keyring is locked; they wait again if so).
    pub async fn restore(&self) {
        let Some(ledger) = &self.ledger else {
            return;
        };
        let saved = match ledger.load_orphans().await {
            Ok(saved) => saved,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the keyring entries left to delete");
                return;
            }
        };
        if saved.is_empty() {
            return;
        }
        let mut gate = self.state.lock().await;
        for at in saved {
            if !gate.orphans.contains(&at) {
                gate.orphans.push(at);
            }
        }
        tracing::info!(
            count = gate.orphans.len(),
            "deleting keyring entries left behind by a previous run"
        );
        self.delete_orphans(&mut gate).await;
    }

    /// Writes the pending deletes to the ledger (if any); a failure is logged: the deletes
    /// are still retried during this run.
    async fn record(&self, gate: &Gate) {
        if let Some(ledger) = &self.ledger {
            if let Err(e) = ledger.save_orphans(&gate.orphans).await {
                tracing::warn!(error = %e, "cannot record the keyring entries left to delete");
            }
        }
    }

    fn paused(&self, gate: &Gate) -> bool {
        gate.paused_until
            .is_some_and(|until| self.clock.now_ms() < until)
    }

    /// Records how a call to the keyring went: a failure to reach it starts a pause, a
    /// success ends any pause and deletes the orphans. Returns the call's result, with the
    /// one sentence for an unusable keyring.
    async fn settle<T>(&self, gate: &mut Gate, result: CoreResult<T>) -> CoreResult<T> {
        match result {
            Err(CoreError::Secrets(detail)) => {
                let pause = gate.next_pause_ms;
                tracing::warn!(
                    error = %detail,
                    pause_secs = pause / 1000,
                    "the keyring cannot be used; Squirrel asks it again after a pause"
                );
                gate.paused_until = Some(self.clock.now_ms() + pause);
                gate.next_pause_ms = (pause * 2).min(KEYRING_PAUSE_MAX_MS);
                Err(unavailable())
            }
            other => {
                gate.paused_until = None;
                gate.next_pause_ms = KEYRING_PAUSE_MS;
                self.delete_orphans(gate).await;
                other
            }
        }
    }

    async fn delete_orphans(&self, gate: &mut Gate) {
        let before = gate.orphans.len();
        while let Some(at) = gate.orphans.first().cloned() {
            match self.inner.delete(&at).await {
                Ok(()) => {
                    tracing::info!(account = %at.account, "deleted a keyring entry left behind while the keyring was locked");
                    gate.orphans.remove(0);
                }
                Err(e) => {
                    tracing::warn!(account = %at.account, error = %e, "a keyring entry left behind is still not deleted");
                    break;
                }
            }
        }
        if gate.orphans.len() != before {
            self.record(gate).await;
        }
    }
}

#[async_trait]
impl SecretStore for GatedSecrets {
    async fn put(&self, at: &SecretRef, secret: &Secret) -> CoreResult<()> {
        let mut gate = self.state.lock().await;
        let result = self.inner.put(at, secret).await;
        if result.is_ok() && gate.orphans.contains(at) {
            // The new secret supersedes a delete still pending there.
            gate.orphans.retain(|o| o != at);
            self.record(&gate).await;
        }
        self.settle(&mut gate, result).await
    }

    async fn get(&self, at: &SecretRef) -> CoreResult<Option<Secret>> {
        let mut gate = self.state.lock().await;
        if self.paused(&gate) {
            return Err(unavailable());
        }
        let result = self.inner.get(at).await;
        self.settle(&mut gate, result).await
    }

    /// Never fails because the keyring is locked: the delete then waits for the keyring to
    /// answer again (and is logged).
    async fn delete(&self, at: &SecretRef) -> CoreResult<()> {
        let mut gate = self.state.lock().await;
        let result = if self.paused(&gate) {
            Err(unavailable())
        } else {
            let result = self.inner.delete(at).await;
            self.settle(&mut gate, result).await
        };
        match result {
            Err(CoreError::Secrets(_)) => {
                tracing::warn!(
                    account = %at.account,
                    "the keyring is locked: this entry is deleted once it answers again"
                );
                if !gate.orphans.contains(at) {
                    gate.orphans.push(at.clone());
                    self.record(&gate).await;
                }
                Ok(())
            }
            other => other,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testing::{ManualClock, MemorySecrets};

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?} {:?}", Some(&s)), "*** *** Some(***)");
        assert_eq!(s.expose(), "hunter2");
    }

    fn zeroized_on_drop<T: ZeroizeOnDrop>(_: &T) {}

    #[test]
    fn secrets_are_wiped() {
        let mut s = Secret::new("hunter2");
        // Compile-time: the value lives in a type that wipes itself when dropped.
        zeroized_on_drop(&s.0);
        zeroized_on_drop(&s);
        let copy = s.clone();
        s.zeroize();
        assert_eq!(s.expose(), "");
        assert_eq!(copy.expose(), "hunter2", "a clone is its own allocation");
    }

    fn gated(start_ms: i64) -> (Arc<MemorySecrets>, Arc<ManualClock>, GatedSecrets) {
        let inner = Arc::new(MemorySecrets::default());
        let clock = Arc::new(ManualClock::new(start_ms));
        let gated = GatedSecrets::new(inner.clone(), clock.clone());
        (inner, clock, gated)
    }

    #[tokio::test]
    async fn a_locked_keyring_is_asked_once_per_pause_and_answers_with_one_sentence() {
        let (inner, clock, gated) = gated(1_000_000);
        let at = device_secret_ref("d1");
        inner.set_locked(true);
        for _ in 0..20 {
            let err = gated.get(&at).await.unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("the OS keyring failed: {KEYRING_UNAVAILABLE}")
            );
        }
        assert_eq!(inner.calls(), 1, "one call, then the pause");

        clock.advance_secs(KEYRING_PAUSE_MS / 1000);
        assert!(gated.get(&at).await.is_err());
        assert_eq!(inner.calls(), 2);
        // The pause doubled.
        clock.advance_secs(KEYRING_PAUSE_MS / 1000);
        assert!(gated.get(&at).await.is_err());
        assert_eq!(inner.calls(), 2);

        // A write is the user's own action: it tries, and its success ends the pause.
        inner.set_locked(false);
        gated.put(&at, &Secret::new("pw")).await.unwrap();
        assert_eq!(gated.get(&at).await.unwrap(), Some(Secret::new("pw")));
    }

    #[tokio::test]
    async fn a_delete_on_a_locked_keyring_waits_for_it_and_a_new_secret_cancels_it() {
        let (inner, clock, gated) = gated(0);
        let (a, b) = (device_secret_ref("a"), device_secret_ref("b"));
        gated.put(&a, &Secret::new("1")).await.unwrap();
        gated.put(&b, &Secret::new("2")).await.unwrap();
        inner.set_locked(true);
        gated.delete(&a).await.unwrap();
        gated.delete(&b).await.unwrap();
        assert_eq!(gated.orphans().await, vec![a.clone(), b.clone()]);
        assert_eq!(inner.entries().len(), 2);

        inner.set_locked(false);
        clock.advance_secs(KEYRING_PAUSE_MAX_MS / 1000);
        gated.put(&b, &Secret::new("3")).await.unwrap();
        assert!(gated.orphans().await.is_empty());
        assert_eq!(inner.entries(), vec![("device/b/ssh".into(), "3".into())]);
    }

    #[tokio::test]
    async fn a_connection_test_reads_the_typed_secret_from_memory_and_writes_nothing() {
        let inner = Arc::new(MemorySecrets::default());
        let stored = device_secret_ref("d");
        inner.put(&stored, &Secret::new("stored")).await.unwrap();
        let before = inner.calls();
        let view = TypedSecret::new(inner.clone(), Secret::new("typed"));
        assert_eq!(
            view.get(&typed_secret_ref()).await.unwrap(),
            Some(Secret::new("typed"))
        );
        assert_eq!(
            view.get(&stored).await.unwrap(),
            Some(Secret::new("stored"))
        );
        assert!(view.put(&stored, &Secret::new("x")).await.is_err());
        assert!(view.delete(&stored).await.is_err());
        assert_eq!(inner.calls(), before + 1, "only the stored secret was read");
        assert_eq!(
            inner.entries(),
            vec![("device/d/ssh".into(), "stored".into())]
        );
    }

    /// A ledger in memory, standing for the database across a restart.
    #[derive(Default)]
    struct Ledger(std::sync::Mutex<Vec<SecretRef>>);

    #[async_trait]
    impl OrphanLedger for Ledger {
        async fn load_orphans(&self) -> CoreResult<Vec<SecretRef>> {
            Ok(self.0.lock().unwrap().clone())
        }
        async fn save_orphans(&self, orphans: &[SecretRef]) -> CoreResult<()> {
            *self.0.lock().unwrap() = orphans.to_vec();
            Ok(())
        }
    }

    #[tokio::test]
    async fn deletes_left_pending_survive_a_restart_and_are_done_at_the_next_start() {
        let inner = Arc::new(MemorySecrets::default());
        let clock = Arc::new(ManualClock::new(0));
        let ledger = Arc::new(Ledger::default());
        let a = device_secret_ref("a");
        let first = GatedSecrets::with_ledger(inner.clone(), clock.clone(), Some(ledger.clone()));
        first.put(&a, &Secret::new("1")).await.unwrap();
        inner.set_locked(true);
        first.delete(&a).await.unwrap();
        assert_eq!(*ledger.0.lock().unwrap(), vec![a.clone()]);
        drop(first);

        // The next run, keyring unlocked: the entry goes at start, and the ledger empties.
        inner.set_locked(false);
        let second = GatedSecrets::with_ledger(inner.clone(), clock, Some(ledger.clone()));
        second.restore().await;
        assert!(inner.entries().is_empty());
        assert!(second.orphans().await.is_empty());
        assert!(ledger.0.lock().unwrap().is_empty());
    }
}
