//! The device repository: connections as JSON, secrets only as keyring references.

use async_trait::async_trait;
use sqlx::{FromRow, Row};
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
                "the stored connection of device {} ({}) cannot be read ({e}): remove the \
                 device and add it again",
                r.name, r.uuid
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
    /// Every readable device. A row that cannot be read (a column of the wrong type, a
    /// connection that no longer deserialises) is skipped with a warning naming it, so one
    /// bad row does not hide the others.
    async fn list_devices(&self) -> CoreResult<Vec<Device>> {
        let rows = sqlx::query(&format!("{SELECT} ORDER BY created_at, name"))
            .fetch_all(self.pool())
            .await
            .map_err(storage)?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let read = DeviceRow::from_row(row)
                    .map_err(storage)
                    .and_then(Device::try_from);
                match read {
                    Ok(device) => Some(device),
                    Err(error) => {
                        let uuid: Option<String> = row.try_get("uuid").ok();
                        tracing::warn!(
                            device = uuid.as_deref().unwrap_or("?"),
                            %error,
                            "skipping a device whose stored row cannot be read"
                        );
                        None
                    }
                }
            })
            .collect())
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;
    use squirrel_core::model::DeviceConnection;

    use super::*;

    fn row(connection: String) -> DeviceRow {
        DeviceRow {
            uuid: "d-uuid".into(),
            name: "dev".into(),
            connection,
            enabled: true,
            resync_interval_secs: 300,
            stats_interval_secs: 10,
            created_at: 1,
        }
    }

    proptest! {
        /// Whatever the column holds, reading it never panics: it is a device when the JSON
        /// is a connection, else an error naming the device.
        #[test]
        fn any_connection_column_reads_or_names_the_device(text in ".*") {
            let parsed = serde_json::from_str::<DeviceConnection>(&text);
            match Device::try_from(row(text)) {
                Ok(d) => prop_assert_eq!(Some(d.connection), parsed.ok()),
                Err(e) => {
                    prop_assert!(parsed.is_err());
                    prop_assert!(e.to_string().contains("d-uuid"), "{}", e);
                }
            }
        }

        /// A stored connection reads back as written, and any truncation of it is refused.
        #[test]
        fn connections_round_trip_and_truncations_fail(
            host in ".*",
            port in any::<u16>(),
            path in ".*",
            acknowledged in any::<bool>(),
            cut in any::<prop::sample::Index>(),
        ) {
            for connection in [
                DeviceConnection::LocalSocket { path: path.clone() },
                DeviceConnection::Tcp {
                    host: host.clone(),
                    port,
                    tls: None,
                    insecure_acknowledged: acknowledged,
                },
            ] {
                let json = to_json(&connection);
                let back = Device::try_from(row(json.clone())).unwrap();
                prop_assert_eq!(&back.connection, &connection);
                let end = cut.index(json.len());
                if let Some(prefix) = json.get(..end) {
                    prop_assert!(Device::try_from(row(prefix.to_string())).is_err());
                }
            }
        }
    }
}
