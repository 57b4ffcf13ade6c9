//! The last update check, kept whole as JSON (see migration 0004).

use async_trait::async_trait;
use squirrel_core::ports::UpdateRepository;
use squirrel_core::updates::UpdateCheck;
use squirrel_core::CoreResult;

use crate::{storage, to_json, Store};

#[async_trait]
impl UpdateRepository for Store {
    async fn save_update_check(&self, check: &UpdateCheck) -> CoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO update_checks (id, checked_at, body) VALUES (1, ?, ?)
             ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at, body = excluded.body",
        )
        .bind(check.checked_at)
        .bind(to_json(check))
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)
    }

    async fn last_update_check(&self) -> CoreResult<Option<UpdateCheck>> {
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM update_checks WHERE id = 1")
                .fetch_optional(self.pool())
                .await
                .map_err(storage)?;
        // A check stored by another version that no longer reads is as good as none: the
        // next check replaces it.
        Ok(body.and_then(|b| {
            serde_json::from_str(&b)
                .map_err(|e| tracing::warn!(error = %e, "the stored update check cannot be read"))
                .ok()
        }))
    }
}
