//! The last update check, kept whole as JSON (see migration 0004), and the registries the
//! user added (migration 0005; their secrets are in the keyring), and the previous images
//! kept for a roll back (migration 0006), and the recreates under way (migration 0007).

use async_trait::async_trait;
use sqlx::Row;
use squirrel_core::model::SecretRef;
use squirrel_core::ports::{KeptImageRepository, RegistryRepository, UpdateRepository};
use squirrel_core::updates::{
    KeptImage, RecreateJournal, RegistryEntry, RegistryProvider, UpdateCheck,
};
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

    async fn check_interval_hours(&self) -> CoreResult<Option<u32>> {
        self.hours_setting("update_check_hours").await
    }

    async fn set_check_interval_hours(&self, hours: u32) -> CoreResult<()> {
        self.set_hours_setting("update_check_hours", hours).await
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

#[async_trait]
impl RegistryRepository for Store {
    async fn list_registries(&self) -> CoreResult<Vec<RegistryEntry>> {
        let rows = sqlx::query(
            "SELECT uuid, name, provider, host, username, secret, created_at FROM registries ORDER BY name, host",
        )
        .fetch_all(self.pool())
        .await
        .map_err(storage)?;
        rows.iter()
            .map(|row| {
                let provider: String = row.try_get("provider").map_err(storage)?;
                let secret: Option<String> = row.try_get("secret").map_err(storage)?;
                Ok(RegistryEntry {
                    uuid: row.try_get("uuid").map_err(storage)?,
                    name: row.try_get("name").map_err(storage)?,
                    // A provider this version does not know is read as a custom registry.
                    provider: serde_json::from_value(serde_json::Value::String(provider))
                        .unwrap_or(RegistryProvider::Custom),
                    host: row.try_get("host").map_err(storage)?,
                    username: row.try_get("username").map_err(storage)?,
                    secret: secret.and_then(|s| serde_json::from_str::<SecretRef>(&s).ok()),
                    created_at: row.try_get("created_at").map_err(storage)?,
                })
            })
            .collect()
    }

    async fn insert_registry(&self, entry: &RegistryEntry) -> CoreResult<()> {
        let provider = match serde_json::to_value(entry.provider) {
            Ok(serde_json::Value::String(s)) => s,
            _ => "custom".into(),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO registries (uuid, name, provider, host, username, secret, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&entry.uuid)
        .bind(&entry.name)
        .bind(provider)
        .bind(&entry.host)
        .bind(&entry.username)
        .bind(entry.secret.as_ref().map(to_json))
        .bind(entry.created_at)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)
    }

    async fn delete_registry(&self, uuid: &str) -> CoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM registries WHERE uuid = ?")
            .bind(uuid)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        tx.commit().await.map_err(storage)
    }
}

#[async_trait]
impl KeptImageRepository for Store {
    async fn keep_image(&self, kept: &KeptImage) -> CoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO kept_images (device_uuid, tag, container, image_id, reference, kept_at, keep_until)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (device_uuid, tag) DO UPDATE SET container = excluded.container,
               image_id = excluded.image_id, reference = excluded.reference,
               kept_at = excluded.kept_at, keep_until = excluded.keep_until",
        )
        .bind(&kept.device_uuid)
        .bind(&kept.tag)
        .bind(&kept.container)
        .bind(&kept.image_id)
        .bind(&kept.reference)
        .bind(kept.kept_at)
        .bind(kept.keep_until)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)
    }

    async fn kept_images(&self) -> CoreResult<Vec<KeptImage>> {
        let rows = sqlx::query(
            "SELECT device_uuid, tag, container, image_id, reference, kept_at, keep_until
             FROM kept_images ORDER BY kept_at DESC",
        )
        .fetch_all(self.pool())
        .await
        .map_err(storage)?;
        rows.iter()
            .map(|row| {
                Ok(KeptImage {
                    device_uuid: row.try_get("device_uuid").map_err(storage)?,
                    tag: row.try_get("tag").map_err(storage)?,
                    container: row.try_get("container").map_err(storage)?,
                    image_id: row.try_get("image_id").map_err(storage)?,
                    reference: row.try_get("reference").map_err(storage)?,
                    kept_at: row.try_get("kept_at").map_err(storage)?,
                    keep_until: row.try_get("keep_until").map_err(storage)?,
                })
            })
            .collect()
    }

    async fn forget_kept_image(&self, device_uuid: &str, tag: &str) -> CoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM kept_images WHERE device_uuid = ? AND tag = ?")
            .bind(device_uuid)
            .bind(tag)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        tx.commit().await.map_err(storage)
    }

    async fn keep_hours(&self) -> CoreResult<Option<u32>> {
        self.hours_setting("rollback_keep_hours").await
    }

    async fn set_keep_hours(&self, hours: u32) -> CoreResult<()> {
        self.set_hours_setting("rollback_keep_hours", hours).await
    }

    async fn journal_recreate(&self, entry: &RecreateJournal) -> CoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT OR REPLACE INTO recreate_journal (device_uuid, container, engine_id, running,
               image, image_id, retag, kept_tag, earlier_kept, new_id, started_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&entry.device_uuid)
        .bind(&entry.container)
        .bind(&entry.engine_id)
        .bind(entry.running)
        .bind(&entry.image)
        .bind(&entry.image_id)
        .bind(entry.retag)
        .bind(&entry.kept_tag)
        .bind(&entry.earlier_kept)
        .bind(&entry.new_id)
        .bind(entry.started_at)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)
    }

    async fn recreate_journal(&self) -> CoreResult<Vec<RecreateJournal>> {
        let rows = sqlx::query(
            "SELECT device_uuid, container, engine_id, running, image, image_id, retag, kept_tag,
               earlier_kept, new_id, started_at
             FROM recreate_journal ORDER BY started_at",
        )
        .fetch_all(self.pool())
        .await
        .map_err(storage)?;
        rows.iter()
            .map(|row| {
                Ok(RecreateJournal {
                    device_uuid: row.try_get("device_uuid").map_err(storage)?,
                    container: row.try_get("container").map_err(storage)?,
                    engine_id: row.try_get("engine_id").map_err(storage)?,
                    running: row.try_get("running").map_err(storage)?,
                    image: row.try_get("image").map_err(storage)?,
                    image_id: row.try_get("image_id").map_err(storage)?,
                    retag: row.try_get("retag").map_err(storage)?,
                    kept_tag: row.try_get("kept_tag").map_err(storage)?,
                    earlier_kept: row.try_get("earlier_kept").map_err(storage)?,
                    new_id: row.try_get("new_id").map_err(storage)?,
                    started_at: row.try_get("started_at").map_err(storage)?,
                })
            })
            .collect()
    }

    async fn end_recreate(&self, device_uuid: &str, container: &str) -> CoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM recreate_journal WHERE device_uuid = ? AND container = ?")
            .bind(device_uuid)
            .bind(container)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        tx.commit().await.map_err(storage)
    }
}

impl Store {
    /// A number of hours kept in `settings`; `None` when never set (or unreadable).
    async fn hours_setting(&self, key: &str) -> CoreResult<Option<u32>> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(self.pool())
            .await
            .map_err(storage)?;
        Ok(value.and_then(|v| v.parse().ok()))
    }

    async fn set_hours_setting(&self, key: &str, hours: u32) -> CoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(hours.to_string())
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)
    }
}
