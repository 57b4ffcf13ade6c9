//! The container repository: one row per container, keyed by device and engine id.

use async_trait::async_trait;
use squirrel_core::model::{Container, ContainerKind, ContainerState, DeviceStateCount};
use squirrel_core::ports::{ContainerChanges, ContainerRepository};
use squirrel_core::CoreResult;

use crate::{from_json, storage, to_json, Store};

#[derive(sqlx::FromRow)]
struct ContainerRow {
    uuid: String,
    device_uuid: String,
    engine_id: String,
    name: String,
    display_name: Option<String>,
    image: String,
    image_id: String,
    command: String,
    state: String,
    exit_code: Option<i32>,
    health: Option<String>,
    created: i64,
    ports: String,
    labels: String,
    networks: String,
    mounts: String,
    kind: String,
    guest: Option<String>,
    updated_at: i64,
}

impl From<ContainerRow> for Container {
    fn from(r: ContainerRow) -> Self {
        Container {
            uuid: r.uuid,
            device_uuid: r.device_uuid,
            engine_id: r.engine_id,
            name: r.name,
            display_name: r.display_name,
            image: r.image,
            image_id: r.image_id,
            command: r.command,
            state: ContainerState::parse(&r.state),
            exit_code: r.exit_code,
            health: r.health,
            created: r.created,
            ports: from_json(&r.ports),
            labels: from_json(&r.labels),
            networks: from_json(&r.networks),
            mounts: from_json(&r.mounts),
            kind: ContainerKind::parse(&r.kind),
            // A guest's facts that do not read leave it a plain container of its kind.
            guest: r
                .guest
                .as_deref()
                .and_then(|g| serde_json::from_str(g).ok()),
            updated_at: r.updated_at,
        }
    }
}

const SELECT: &str = "SELECT uuid, device_uuid, engine_id, name, display_name, image, image_id, \
     command, state, exit_code, health, created, ports, labels, networks, mounts, kind, guest, \
     updated_at FROM containers";

#[async_trait]
impl ContainerRepository for Store {
    async fn list_containers(&self) -> CoreResult<Vec<Container>> {
        let rows: Vec<ContainerRow> = sqlx::query_as(&format!("{SELECT} ORDER BY name"))
            .fetch_all(self.pool())
            .await
            .map_err(storage)?;
        Ok(rows.into_iter().map(Container::from).collect())
    }

    async fn list_device_containers(&self, device_uuid: &str) -> CoreResult<Vec<Container>> {
        let rows: Vec<ContainerRow> =
            sqlx::query_as(&format!("{SELECT} WHERE device_uuid = ? ORDER BY name"))
                .bind(device_uuid)
                .fetch_all(self.pool())
                .await
                .map_err(storage)?;
        Ok(rows.into_iter().map(Container::from).collect())
    }

    async fn device_container_ids(&self, device_uuid: &str) -> CoreResult<Vec<(String, String)>> {
        sqlx::query_as("SELECT engine_id, uuid FROM containers WHERE device_uuid = ?")
            .bind(device_uuid)
            .fetch_all(self.pool())
            .await
            .map_err(storage)
    }

    async fn get_container(&self, uuid: &str) -> CoreResult<Option<Container>> {
        let row: Option<ContainerRow> = sqlx::query_as(&format!("{SELECT} WHERE uuid = ?"))
            .bind(uuid)
            .fetch_optional(self.pool())
            .await
            .map_err(storage)?;
        Ok(row.map(Container::from))
    }

    async fn find_container(
        &self,
        device_uuid: &str,
        engine_id: &str,
    ) -> CoreResult<Option<Container>> {
        let row: Option<ContainerRow> =
            sqlx::query_as(&format!("{SELECT} WHERE device_uuid = ? AND engine_id = ?"))
                .bind(device_uuid)
                .bind(engine_id)
                .fetch_optional(self.pool())
                .await
                .map_err(storage)?;
        Ok(row.map(Container::from))
    }

    async fn apply_container_changes(&self, changes: &ContainerChanges) -> CoreResult<()> {
        let mut tx = self.begin_write().await?;
        for uuid in &changes.removals {
            sqlx::query("DELETE FROM containers WHERE uuid = ?")
                .bind(uuid)
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        }
        for c in &changes.upserts {
            sqlx::query(
                "INSERT INTO containers (uuid, device_uuid, engine_id, name, display_name, image,
                    image_id, command, state, exit_code, health, created, ports, labels, networks,
                    mounts, kind, guest, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (device_uuid, engine_id) DO UPDATE SET
                    name = excluded.name, image = excluded.image, image_id = excluded.image_id,
                    command = excluded.command, state = excluded.state,
                    exit_code = excluded.exit_code, health = excluded.health,
                    created = excluded.created, ports = excluded.ports, labels = excluded.labels,
                    networks = excluded.networks, mounts = excluded.mounts,
                    kind = excluded.kind, guest = excluded.guest,
                    updated_at = excluded.updated_at",
            )
            .bind(&c.uuid)
            .bind(&c.device_uuid)
            .bind(&c.engine_id)
            .bind(&c.name)
            .bind(&c.display_name)
            .bind(&c.image)
            .bind(&c.image_id)
            .bind(&c.command)
            .bind(c.state.as_str())
            .bind(c.exit_code)
            .bind(&c.health)
            .bind(c.created)
            .bind(to_json(&c.ports))
            .bind(to_json(&c.labels))
            .bind(to_json(&c.networks))
            .bind(to_json(&c.mounts))
            .bind(c.kind.as_str())
            .bind(c.guest.as_ref().map(to_json))
            .bind(c.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        }
        tx.commit().await.map_err(storage)
    }

    async fn set_display_name(&self, uuid: &str, display_name: Option<&str>) -> CoreResult<()> {
        let done = sqlx::query("UPDATE containers SET display_name = ? WHERE uuid = ?")
            .bind(display_name)
            .bind(uuid)
            .execute(self.pool())
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(squirrel_core::CoreError::not_found("container"));
        }
        Ok(())
    }

    async fn count_by_device_and_state(
        &self,
        device_uuid: Option<&str>,
    ) -> CoreResult<Vec<DeviceStateCount>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT device_uuid, state, COUNT(*) FROM containers
             WHERE ?1 IS NULL OR device_uuid = ?1
             GROUP BY device_uuid, state ORDER BY device_uuid, state",
        )
        .bind(device_uuid)
        .fetch_all(self.pool())
        .await
        .map_err(storage)?;
        Ok(rows
            .into_iter()
            .map(|(device_uuid, state, count)| DeviceStateCount {
                device_uuid,
                state: ContainerState::parse(&state),
                count: u32::try_from(count).unwrap_or(u32::MAX),
            })
            .collect())
    }
}
