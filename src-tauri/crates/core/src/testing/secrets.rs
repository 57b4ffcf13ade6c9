//! A keyring in memory, which can be locked to see how the services cope.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;

use crate::error::{CoreError, CoreResult};
use crate::model::SecretRef;
use crate::secrets::{Secret, SecretStore};

#[derive(Debug, Default)]
pub struct MemorySecrets {
    entries: Mutex<HashMap<(String, String), Secret>>,
    locked: AtomicBool,
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

    fn check(&self) -> CoreResult<()> {
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
        self.check()?;
        self.entries.lock().unwrap().insert(key(at), secret.clone());
        Ok(())
    }

    async fn get(&self, at: &SecretRef) -> CoreResult<Option<Secret>> {
        self.check()?;
        Ok(self.entries.lock().unwrap().get(&key(at)).cloned())
    }

    async fn delete(&self, at: &SecretRef) -> CoreResult<()> {
        self.check()?;
        self.entries.lock().unwrap().remove(&key(at));
        Ok(())
    }
}
