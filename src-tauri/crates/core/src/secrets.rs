//! Secrets: a redacting, zeroizing wrapper; the port to the OS keyring; the gate that keeps a
//! locked keyring from being asked again and again; and the in-memory view a connection test
//! uses so that a typed secret never reaches the keyring.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::task::JoinHandle;
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

/// Where a new device's SSH password or key passphrase lives (an edit that replaces it moves
/// it to a [`fresh_device_secret_ref`]; the device's connection says where it is now).
pub fn device_secret_ref(device_uuid: &str) -> SecretRef {
    SecretRef {
        service: SECRET_SERVICE.into(),
        account: format!("device/{device_uuid}/ssh"),
    }
}

/// A new place for device `device_uuid`'s secret, for an edit that replaces it: the secret
/// the running watcher reads (for the old host) stays where it is until the device points
/// at the new one.
pub fn fresh_device_secret_ref(device_uuid: &str) -> SecretRef {
    SecretRef {
        service: SECRET_SERVICE.into(),
        account: format!("device/{device_uuid}/ssh/{}", uuid::Uuid::new_v4().simple()),
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

/// How long one keyring call may take before the keyring counts as unusable (a locked Secret
/// Service shows an unlock prompt and waits for it without a limit).
pub const KEYRING_CALL_LIMIT: Duration = Duration::from_secs(15);

/// The keyring every part of the app shares (the device service and the drivers' watchers):
///
/// - one call at a time, so that devices connecting together meet one unlock prompt, not one
///   each;
/// - each call gets [`KEYRING_CALL_LIMIT`]; a call that takes longer counts as a failure and is
///   left to finish on its own (a D-Bus call waiting on a prompt cannot be cancelled). Until it
///   has, every call fails at once without asking the keyring: at most one prompt and one
///   blocked thread at a time;
/// - after a call finds the keyring locked, absent or silent, reads fail at once for a pause
///   (10 s, doubling to 2 min) instead of asking D-Bus again on every reconnection attempt;
///   all fail with the same sentence ([`KEYRING_UNAVAILABLE`]). Writes (the user saving a
///   secret they just typed) still try, and a success ends the pause;
/// - a delete that cannot reach the keyring is remembered (in the [`OrphanLedger`], so an
///   app restart does not forget it) and retried after the next call that reaches it, and at
///   the next start ([`GatedSecrets::restore`]), so removing a device never fails or waits on
///   a locked keyring. A write that ran out of time is remembered the same way, since it may
///   still land once the prompt is answered.
pub struct GatedSecrets {
    inner: Arc<dyn SecretStore>,
    clock: Arc<dyn Clock>,
    ledger: Option<Arc<dyn OrphanLedger>>,
    limit: Duration,
    /// Held across each call to `inner` (never longer than `limit` per call): calls are
    /// serialised.
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
    /// Whether `orphans` includes the ledger's list (always so without a ledger). Until then
    /// the ledger is not written: a list not read yet is never overwritten.
    loaded: bool,
    /// A call that outlived its limit and has not ended yet.
    in_flight: Option<JoinHandle<()>>,
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

    /// A gate whose pending deletes are kept in `ledger` (read by [`restore`](Self::restore)).
    pub fn with_ledger(
        inner: Arc<dyn SecretStore>,
        clock: Arc<dyn Clock>,
        ledger: Option<Arc<dyn OrphanLedger>>,
    ) -> Self {
        Self {
            state: tokio::sync::Mutex::new(Gate {
                next_pause_ms: KEYRING_PAUSE_MS,
                loaded: ledger.is_none(),
                ..Gate::default()
            }),
            inner,
            clock,
            ledger,
            limit: KEYRING_CALL_LIMIT,
        }
    }

    /// The same gate with another time limit per keyring call.
    pub fn with_call_limit(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    /// The deletes still waiting for the keyring.
    pub async fn orphans(&self) -> Vec<SecretRef> {
        self.state.lock().await.orphans.clone()
    }

    /// At start: takes up the deletes a previous run left pending, except those at `live`
    /// (the entries the devices point at now: a write there superseded the delete), and tries
    /// them now (each call within the limit; they wait again if the keyring cannot be used).
    pub async fn restore(&self, live: &[SecretRef]) {
        let Some(ledger) = &self.ledger else {
            return;
        };
        let saved = match ledger.load_orphans().await {
            Ok(saved) => saved,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the keyring entries left to delete; they wait for the next start");
                return;
            }
        };
        let mut gate = self.state.lock().await;
        // Deletes asked during this run stay; a put during this run has already cancelled
        // its own.
        let before = gate.orphans.len();
        for at in saved.iter().filter(|at| !live.contains(at)) {
            if !gate.orphans.contains(at) {
                gate.orphans.push(at.clone());
            }
        }
        gate.loaded = true;
        if saved != gate.orphans {
            self.record(&gate).await;
        }
        if gate.orphans.is_empty() {
            return;
        }
        if gate.orphans.len() > before {
            tracing::info!(
                count = gate.orphans.len() - before,
                "deleting keyring entries left behind by a previous run"
            );
        }
        if !self.paused(&gate) && !Self::in_flight(&mut gate) {
            self.delete_orphans(&mut gate).await;
        }
    }

    /// Writes the pending deletes to the ledger, once it has been read; a failure is logged:
    /// the deletes are still retried during this run, and the next start skips any entry a
    /// device points at.
    async fn record(&self, gate: &Gate) {
        if let Some(ledger) = self.ledger.as_ref().filter(|_| gate.loaded) {
            if let Err(e) = ledger.save_orphans(&gate.orphans).await {
                tracing::warn!(error = %e, "cannot record the keyring entries left to delete");
            }
        }
    }

    fn paused(&self, gate: &Gate) -> bool {
        gate.paused_until
            .is_some_and(|until| self.clock.now_ms() < until)
    }

    /// Whether a call that ran out of time is still waiting on the keyring.
    fn in_flight(gate: &mut Gate) -> bool {
        match &gate.in_flight {
            Some(call) if !call.is_finished() => true,
            _ => {
                gate.in_flight = None;
                false
            }
        }
    }

    /// Runs one call to the keyring for at most the time limit. A call that takes longer is
    /// left running and reported as an unusable keyring. It is kept in `gate.in_flight` from
    /// the start, so that a caller dropped while it waits (a watcher's connect deadline) does
    /// not let the next caller ask the keyring again.
    async fn call<T: Send + 'static>(
        &self,
        gate: &mut Gate,
        call: impl Future<Output = CoreResult<T>> + Send + 'static,
    ) -> CoreResult<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        gate.in_flight = Some(tokio::spawn(async move {
            let _ = tx.send(call.await);
        }));
        let answer = tokio::time::timeout(self.limit, rx).await;
        if answer.is_ok() {
            gate.in_flight = None;
        }
        match answer {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(CoreError::Secrets(
                "the keyring call ended without an answer".into(),
            )),
            Err(_) => Err(CoreError::Secrets(format!(
                "the keyring did not answer within {} s (an unlock prompt may be waiting)",
                self.limit.as_secs()
            ))),
        }
    }

    /// Starts (or lengthens) the pause after the keyring could not be used.
    fn fail(&self, gate: &mut Gate, detail: &str) {
        let pause = gate.next_pause_ms;
        tracing::warn!(
            error = %detail,
            pause_secs = pause / 1000,
            "the keyring cannot be used; Squirrel asks it again after a pause"
        );
        gate.paused_until = Some(self.clock.now_ms() + pause);
        gate.next_pause_ms = (pause * 2).min(KEYRING_PAUSE_MAX_MS);
    }

    /// Records how a call to the keyring went: a failure to reach it starts a pause, a
    /// success ends any pause and deletes the orphans. Returns the call's result, with the
    /// one sentence for an unusable keyring.
    async fn settle<T>(&self, gate: &mut Gate, result: CoreResult<T>) -> CoreResult<T> {
        match result {
            Err(CoreError::Secrets(detail)) => {
                self.fail(gate, &detail);
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
            let inner = self.inner.clone();
            let target = at.clone();
            match self
                .call(gate, async move { inner.delete(&target).await })
                .await
            {
                Ok(()) => {
                    tracing::info!(account = %at.account, "deleted a keyring entry left behind while the keyring was locked");
                    gate.orphans.remove(0);
                }
                Err(e) => {
                    tracing::warn!(account = %at.account, error = %e, "a keyring entry left behind is still not deleted");
                    if let CoreError::Secrets(detail) = &e {
                        self.fail(gate, detail);
                    }
                    break;
                }
            }
        }
        if gate.orphans.len() != before {
            self.record(gate).await;
        }
    }

    /// Remembers that `at` is to be deleted once the keyring answers.
    async fn leave_orphan(&self, gate: &mut Gate, at: &SecretRef) {
        if !gate.orphans.contains(at) {
            gate.orphans.push(at.clone());
            self.record(gate).await;
        }
    }
}

#[async_trait]
impl SecretStore for GatedSecrets {
    async fn put(&self, at: &SecretRef, secret: &Secret) -> CoreResult<()> {
        let mut gate = self.state.lock().await;
        if Self::in_flight(&mut gate) {
            return Err(unavailable());
        }
        let (inner, target, value) = (self.inner.clone(), at.clone(), secret.clone());
        let result = self
            .call(&mut gate, async move { inner.put(&target, &value).await })
            .await;
        if result.is_ok() && gate.orphans.contains(at) {
            // The new secret supersedes a delete still pending there.
            gate.orphans.retain(|o| o != at);
            self.record(&gate).await;
        } else if gate.in_flight.is_some() {
            // The caller is told the write failed, but it may still land once the prompt is
            // answered: delete it then.
            self.leave_orphan(&mut gate, at).await;
        }
        self.settle(&mut gate, result).await
    }

    async fn get(&self, at: &SecretRef) -> CoreResult<Option<Secret>> {
        let mut gate = self.state.lock().await;
        if self.paused(&gate) || Self::in_flight(&mut gate) {
            return Err(unavailable());
        }
        let (inner, target) = (self.inner.clone(), at.clone());
        let result = self
            .call(&mut gate, async move { inner.get(&target).await })
            .await;
        self.settle(&mut gate, result).await
    }

    /// Never fails or waits longer than the time limit because the keyring is locked: the
    /// delete then waits for the keyring to answer again (and is logged).
    async fn delete(&self, at: &SecretRef) -> CoreResult<()> {
        let mut gate = self.state.lock().await;
        let result = if self.paused(&gate) || Self::in_flight(&mut gate) {
            Err(unavailable())
        } else {
            let (inner, target) = (self.inner.clone(), at.clone());
            let result = self
                .call(&mut gate, async move { inner.delete(&target).await })
                .await;
            self.settle(&mut gate, result).await
        };
        match result {
            Err(CoreError::Secrets(_)) => {
                tracing::warn!(
                    account = %at.account,
                    "the keyring cannot be used: this entry is deleted once it answers again"
                );
                self.leave_orphan(&mut gate, at).await;
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

    #[tokio::test(start_paused = true)]
    async fn a_keyring_that_does_not_answer_is_asked_nothing_more_until_its_call_ends() {
        let (inner, clock, gated) = gated(0);
        let (at, other) = (device_secret_ref("d1"), device_secret_ref("d2"));
        gated.put(&at, &Secret::new("pw")).await.unwrap();
        gated.put(&other, &Secret::new("pw2")).await.unwrap();
        let before = inner.calls();
        inner.set_hanging(true);

        let started = tokio::time::Instant::now();
        let err = gated.get(&at).await.unwrap_err();
        assert_eq!(started.elapsed(), KEYRING_CALL_LIMIT);
        assert_eq!(
            err.to_string(),
            format!("the OS keyring failed: {KEYRING_UNAVAILABLE}")
        );
        assert_eq!(inner.calls(), before + 1);

        // Past the pause, the call still waits on its prompt: nothing else reaches the
        // keyring, and nothing waits for it.
        clock.advance_secs(KEYRING_PAUSE_MAX_MS / 1000);
        let started = tokio::time::Instant::now();
        for _ in 0..10 {
            assert!(matches!(gated.get(&at).await, Err(CoreError::Secrets(_))));
            assert!(gated.put(&at, &Secret::new("x")).await.is_err());
        }
        gated.delete(&other).await.unwrap();
        assert_eq!(started.elapsed(), Duration::ZERO);
        assert_eq!(inner.calls(), before + 1, "no call but the first one");
        assert_eq!(gated.orphans().await, vec![other.clone()]);

        // The prompt is answered: after the pause, the next call works, and the delete left
        // pending is done.
        inner.set_hanging(false);
        tokio::time::timeout(Duration::from_secs(1), inner.released())
            .await
            .unwrap();
        clock.advance_secs(KEYRING_PAUSE_MAX_MS / 1000);
        assert_eq!(gated.get(&at).await.unwrap(), Some(Secret::new("pw")));
        assert_eq!(inner.calls(), before + 3);
        assert!(gated.orphans().await.is_empty());
        assert_eq!(inner.entries(), vec![("device/d1/ssh".into(), "pw".into())]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_caller_that_gives_up_leaves_its_call_in_flight() {
        let (inner, _clock, gated) = gated(0);
        let at = device_secret_ref("d1");
        inner.set_hanging(true);
        // A watcher's connect deadline drops its read before the keyring's limit.
        assert!(tokio::time::timeout(Duration::from_secs(1), gated.get(&at))
            .await
            .is_err());
        let started = tokio::time::Instant::now();
        assert!(gated.get(&at).await.is_err());
        assert_eq!(started.elapsed(), Duration::ZERO);
        assert_eq!(inner.calls(), 1, "no second prompt");

        inner.set_hanging(false);
        tokio::time::timeout(Duration::from_secs(1), inner.released())
            .await
            .unwrap();
        assert_eq!(gated.get(&at).await.unwrap(), None);
        assert_eq!(inner.calls(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_that_ran_out_of_time_is_undone_once_the_keyring_answers() {
        let (inner, clock, gated) = gated(0);
        let gated = gated.with_call_limit(Duration::from_secs(2));
        let at = device_secret_ref("late");
        inner.set_hanging(true);
        let started = tokio::time::Instant::now();
        assert!(gated.put(&at, &Secret::new("pw")).await.is_err());
        assert_eq!(started.elapsed(), Duration::from_secs(2));
        assert_eq!(gated.orphans().await, vec![at.clone()]);

        // The write lands when the prompt is answered; the caller was told it failed, so it
        // goes with the next call that reaches the keyring.
        inner.set_hanging(false);
        tokio::time::timeout(Duration::from_secs(1), inner.released())
            .await
            .unwrap();
        assert_eq!(inner.entries().len(), 1);
        clock.advance_secs(KEYRING_PAUSE_MAX_MS / 1000);
        assert_eq!(gated.get(&device_secret_ref("x")).await.unwrap(), None);
        assert!(inner.entries().is_empty());
    }

    /// A ledger in memory, standing for the database across a restart; it can be made to
    /// fail.
    #[derive(Default)]
    struct Ledger {
        list: std::sync::Mutex<Vec<SecretRef>>,
        failing: std::sync::atomic::AtomicBool,
    }

    impl Ledger {
        fn holding(list: Vec<SecretRef>) -> Self {
            Self {
                list: std::sync::Mutex::new(list),
                ..Self::default()
            }
        }

        fn list(&self) -> Vec<SecretRef> {
            self.list.lock().unwrap().clone()
        }

        fn set_failing(&self, failing: bool) {
            self.failing
                .store(failing, std::sync::atomic::Ordering::SeqCst);
        }

        fn check(&self) -> CoreResult<()> {
            match self.failing.load(std::sync::atomic::Ordering::SeqCst) {
                true => Err(CoreError::Storage("the disk is full".into())),
                false => Ok(()),
            }
        }
    }

    #[async_trait]
    impl OrphanLedger for Ledger {
        async fn load_orphans(&self) -> CoreResult<Vec<SecretRef>> {
            self.check()?;
            Ok(self.list())
        }
        async fn save_orphans(&self, orphans: &[SecretRef]) -> CoreResult<()> {
            self.check()?;
            *self.list.lock().unwrap() = orphans.to_vec();
            Ok(())
        }
    }

    fn with_ledger(
        inner: &Arc<MemorySecrets>,
        ledger: &Arc<Ledger>,
    ) -> (Arc<ManualClock>, GatedSecrets) {
        let clock = Arc::new(ManualClock::new(0));
        let gated = GatedSecrets::with_ledger(inner.clone(), clock.clone(), Some(ledger.clone()));
        (clock, gated)
    }

    #[tokio::test]
    async fn the_ledger_is_not_written_before_it_is_read_and_then_takes_both_lists() {
        let inner = Arc::new(MemorySecrets::default());
        let (old, new) = (device_secret_ref("old"), device_secret_ref("new"));
        inner.put(&old, &Secret::new("1")).await.unwrap();
        inner.put(&new, &Secret::new("2")).await.unwrap();
        // The previous run left `old` to delete.
        let ledger = Arc::new(Ledger::holding(vec![old.clone()]));
        let (_, gated) = with_ledger(&inner, &ledger);

        // Before restore: a delete on a locked keyring is kept in memory only.
        inner.set_locked(true);
        gated.delete(&new).await.unwrap();
        assert_eq!(ledger.list(), vec![old.clone()], "not overwritten");

        // A ledger that cannot be read is never written during this run.
        ledger.set_failing(true);
        gated.restore(&[]).await;
        ledger.set_failing(false);
        gated.delete(&device_secret_ref("third")).await.unwrap();
        assert_eq!(ledger.list(), vec![old.clone()]);

        // Read at last: both lists, recorded; unlocked, both entries go.
        let (clock, gated) = with_ledger(&inner, &ledger);
        gated.delete(&new).await.unwrap();
        gated.restore(&[]).await;
        assert_eq!(ledger.list(), vec![new.clone(), old.clone()]);
        inner.set_locked(false);
        clock.advance_secs(KEYRING_PAUSE_MAX_MS / 1000);
        gated.get(&device_secret_ref("x")).await.unwrap();
        assert!(inner.entries().is_empty());
        assert!(ledger.list().is_empty());
    }

    #[tokio::test]
    async fn a_pending_delete_a_write_cancelled_never_deletes_the_new_secret() {
        let inner = Arc::new(MemorySecrets::default());
        let ledger = Arc::new(Ledger::default());
        let at = device_secret_ref("a");
        let (clock, first) = with_ledger(&inner, &ledger);
        first.restore(&[]).await;
        first.put(&at, &Secret::new("old")).await.unwrap();
        inner.set_locked(true);
        first.delete(&at).await.unwrap();
        assert_eq!(ledger.list(), vec![at.clone()]);

        // A new secret at the same place cancels the delete, but the ledger cannot be
        // written: this run forgets the delete, the ledger still holds it.
        inner.set_locked(false);
        clock.advance_secs(KEYRING_PAUSE_MAX_MS / 1000);
        ledger.set_failing(true);
        first.put(&at, &Secret::new("new")).await.unwrap();
        assert!(first.orphans().await.is_empty());
        first.get(&device_secret_ref("x")).await.unwrap();
        assert_eq!(inner.entries(), vec![("device/a/ssh".into(), "new".into())]);
        ledger.set_failing(false);
        assert_eq!(ledger.list(), vec![at.clone()]);
        drop(first);

        // The next start: a device points at it, so it stays, and leaves the ledger.
        let (_, second) = with_ledger(&inner, &ledger);
        second.restore(std::slice::from_ref(&at)).await;
        assert_eq!(inner.entries(), vec![("device/a/ssh".into(), "new".into())]);
        assert!(second.orphans().await.is_empty());
        assert!(ledger.list().is_empty());
    }

    #[tokio::test]
    async fn deletes_left_pending_survive_a_restart_and_are_done_at_the_next_start() {
        let inner = Arc::new(MemorySecrets::default());
        let ledger = Arc::new(Ledger::default());
        let a = device_secret_ref("a");
        let (_, first) = with_ledger(&inner, &ledger);
        first.restore(&[]).await;
        first.put(&a, &Secret::new("1")).await.unwrap();
        inner.set_locked(true);
        first.delete(&a).await.unwrap();
        assert_eq!(ledger.list(), vec![a.clone()]);
        drop(first);

        // The next run, keyring unlocked: the entry goes at start, and the ledger empties.
        inner.set_locked(false);
        let (_, second) = with_ledger(&inner, &ledger);
        second.restore(&[]).await;
        assert!(inner.entries().is_empty());
        assert!(second.orphans().await.is_empty());
        assert!(ledger.list().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn restoring_on_a_keyring_that_does_not_answer_ends_within_the_limit() {
        let inner = Arc::new(MemorySecrets::default());
        let at = device_secret_ref("a");
        inner.put(&at, &Secret::new("1")).await.unwrap();
        let ledger = Arc::new(Ledger::holding(vec![at.clone()]));
        let (_, gated) = with_ledger(&inner, &ledger);
        inner.set_hanging(true);
        let started = tokio::time::Instant::now();
        gated.restore(&[]).await;
        assert_eq!(started.elapsed(), KEYRING_CALL_LIMIT);
        // The gate is free: a read fails at once instead of waiting behind the prompt.
        assert!(gated.get(&at).await.is_err());
        assert_eq!(started.elapsed(), KEYRING_CALL_LIMIT);
        assert_eq!(ledger.list(), vec![at]);
    }
}
