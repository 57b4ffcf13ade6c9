//! The keyring entries still to delete (left behind while the keyring was locked), kept in
//! `settings` so that an app restart takes them up again.

use async_trait::async_trait;
use squirrel_core::model::SecretRef;
use squirrel_core::secrets::OrphanLedger;
use squirrel_core::CoreResult;

use crate::{storage, to_json, Store};

const ORPHANS_KEY: &str = "keyring.orphans";

#[async_trait]
impl OrphanLedger for Store {
    async fn load_orphans(&self) -> CoreResult<Vec<SecretRef>> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(ORPHANS_KEY)
            .fetch_optional(self.pool())
            .await
            .map_err(storage)?;
        Ok(match value {
            None => Vec::new(),
            Some(v) => serde_json::from_str(&v).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the list of keyring entries to delete is unreadable");
                Vec::new()
            }),
        })
    }

    async fn save_orphans(&self, orphans: &[SecretRef]) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(ORPHANS_KEY)
        .bind(to_json(&orphans))
        .execute(self.pool())
        .await
        .map_err(storage)?;
        Ok(())
    }
}
