//! A keyring in memory, which can be locked, or made to hang as a keyring waiting on an
//! unlock prompt does, to see how the services cope, and counts the calls made to it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;
use tokio::sync::watch;

use crate::error::{CoreError, CoreResult};
use crate::model::SecretRef;
use crate::secrets::{Secret, SecretStore};

#[derive(Debug, Default)]
pub struct MemorySecrets {
    entries: Mutex<HashMap<(String, String), Secret>>,
    locked: AtomicBool,
    /// While true, every call waits (after being counted) until it is set back to false.
    hanging: watch::Sender<bool>,
    /// How many calls are waiting on `hanging` now.
    waiting: watch::Sender<u32>,
    calls: AtomicU32,
    writes: AtomicU32,
}

impl MemorySecrets {
    /// Every stored `(account, value)`.
    pub fn entries(&self) -> Vec<(String, String)> {
        let mut v: Vec<_> = self
            .entries
            .lock()
            .unwrap()
            .iter()
            .map(|((_, account), s)| (account.clone(), s.expose().to_string()))
            .collect();
        v.sort();
        v
    }

    /// A locked keyring refuses every call, as a locked Secret Service does.
    pub fn set_locked(&self, locked: bool) {
        self.locked.store(locked, Ordering::SeqCst);
    }

    /// A hanging keyring answers no call until it is released (`false`), as a Secret Service
    /// waiting on its unlock prompt; released calls then go on (refused if locked).
    pub fn set_hanging(&self, hanging: bool) {
        self.hanging.send_replace(hanging);
    }

    /// Returns once no call is left waiting on a hanging keyring.
    pub async fn released(&self) {
        let _ = self.waiting.subscribe().wait_for(|n| *n == 0).await;
    }

    /// Every call so far, answered or refused.
    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }

    /// Every `put` and `delete` so far, answered or refused.
    pub fn writes(&self) -> u32 {
        self.writes.load(Ordering::SeqCst)
    }

    async fn check(&self, write: bool) -> CoreResult<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if write {
            self.writes.fetch_add(1, Ordering::SeqCst);
        }
        if *self.hanging.borrow() {
            self.waiting.send_modify(|n| *n += 1);
            let _ = self.hanging.subscribe().wait_for(|h| !*h).await;
            self.waiting.send_modify(|n| *n -= 1);
        }
        if self.locked.load(Ordering::SeqCst) {
            Err(CoreError::Secrets("the keyring is locked".into()))
        } else {
            Ok(())
        }
    }
}

fn key(at: &SecretRef) -> (String, String) {
    (at.service.clone(), at.account.clone())
}

#[async_trait]
impl SecretStore for MemorySecrets {
    async fn put(&self, at: &SecretRef, secret: &Secret) -> CoreResult<()> {
        self.check(true).await?;
        self.entries.lock().unwrap().insert(key(at), secret.clone());
        Ok(())
    }

    async fn get(&self, at: &SecretRef) -> CoreResult<Option<Secret>> {
        self.check(false).await?;
        Ok(self.entries.lock().unwrap().get(&key(at)).cloned())
    }

    async fn delete(&self, at: &SecretRef) -> CoreResult<()> {
        self.check(true).await?;
        self.entries.lock().unwrap().remove(&key(at));
        Ok(())
    }
}
