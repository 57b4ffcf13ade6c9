//! The device repository: connections as JSON, secrets only as keyring references.

use async_trait::async_trait;
use squirrel_core::model::Device;
use squirrel_core::ports::DeviceRepository;
use squirrel_core::{CoreError, CoreResult};

use crate::{storage, to_json, Store};

#[derive(sqlx::FromRow)]
struct DeviceRow {
    uuid: String,
    name: String,
    connection: String,
    enabled: bool,
    resync_interval_secs: i64,
    stats_interval_secs: i64,
    created_at: i64,
}

impl TryFrom<DeviceRow> for Device {
    type Error = CoreError;
    fn try_from(r: DeviceRow) -> CoreResult<Device> {
        let connection = serde_json::from_str(&r.connection).map_err(|e| {
            CoreError::Storage(format!(
                "device {} has an unreadable connection: {e}",
                r.name
            ))
        })?;
        Ok(Device {
            uuid: r.uuid,
            name: r.name,
            connection,
            enabled: r.enabled,
            resync_interval_secs: u32::try_from(r.resync_interval_secs).unwrap_or(300),
            stats_interval_secs: u32::try_from(r.stats_interval_secs).unwrap_or(10),
            created_at: r.created_at,
        })
    }
}

const SELECT: &str =
    "SELECT uuid, name, connection, enabled, resync_interval_secs, stats_interval_secs, created_at FROM devices";

#[async_trait]
impl DeviceRepository for Store {
    async fn list_devices(&self) -> CoreResult<Vec<Device>> {
        let rows: Vec<DeviceRow> = sqlx::query_as(&format!("{SELECT} ORDER BY created_at, name"))
            .fetch_all(self.pool())
            .await
            .map_err(storage)?;
        rows.into_iter().map(Device::try_from).collect()
    }

    async fn get_device(&self, uuid: &str) -> CoreResult<Option<Device>> {
        let row: Option<DeviceRow> = sqlx::query_as(&format!("{SELECT} WHERE uuid = ?"))
            .bind(uuid)
            .fetch_optional(self.pool())
            .await
            .map_err(storage)?;
        row.map(Device::try_from).transpose()
    }

    async fn insert_device(&self, d: &Device) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO devices (uuid, name, connection, enabled, resync_interval_secs,
                                  stats_interval_secs, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&d.uuid)
        .bind(&d.name)
        .bind(to_json(&d.connection))
        .bind(d.enabled)
        .bind(i64::from(d.resync_interval_secs))
        .bind(i64::from(d.stats_interval_secs))
        .bind(d.created_at)
        .execute(self.pool())
        .await
        .map_err(storage)?;
        Ok(())
    }

    async fn update_device(&self, d: &Device) -> CoreResult<()> {
        let done = sqlx::query(
            "UPDATE devices SET name = ?, connection = ?, enabled = ?, resync_interval_secs = ?,
                                stats_interval_secs = ?
             WHERE uuid = ?",
        )
        .bind(&d.name)
        .bind(to_json(&d.connection))
        .bind(d.enabled)
        .bind(i64::from(d.resync_interval_secs))
        .bind(i64::from(d.stats_interval_secs))
        .bind(&d.uuid)
        .execute(self.pool())
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(CoreError::not_found("device"));
        }
        Ok(())
    }

    async fn delete_device(&self, uuid: &str) -> CoreResult<()> {
        // Inventory rows go with it (ON DELETE CASCADE).
        sqlx::query("DELETE FROM devices WHERE uuid = ?")
            .bind(uuid)
            .execute(self.pool())
            .await
            .map_err(storage)?;
        Ok(())
    }
}
