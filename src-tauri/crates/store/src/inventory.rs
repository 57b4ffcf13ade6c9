//! Images, volumes and networks: replaced per device on each sync.

use async_trait::async_trait;
use squirrel_core::model::{Image, Network, Volume};
use squirrel_core::ports::InventoryRepository;
use squirrel_core::CoreResult;

use crate::{from_json, storage, to_json, Store};

#[derive(sqlx::FromRow)]
struct ImageRow {
    device_uuid: String,
    id: String,
    repo_tags: String,
    repo_digests: String,
    size: i64,
    created: i64,
}

#[derive(sqlx::FromRow)]
struct VolumeRow {
    device_uuid: String,
    name: String,
    driver: String,
    mountpoint: String,
    labels: String,
}

#[derive(sqlx::FromRow)]
struct NetworkRow {
    device_uuid: String,
    id: String,
    name: String,
    driver: String,
    scope: String,
    internal: bool,
}

/// `WHERE device_uuid = ?` when a device is given, every row otherwise.
const DEVICE_FILTER: &str = "WHERE (?1 IS NULL OR device_uuid = ?1)";

#[async_trait]
impl InventoryRepository for Store {
    async fn list_images(&self, device_uuid: Option<&str>) -> CoreResult<Vec<Image>> {
        let rows: Vec<ImageRow> = sqlx::query_as(&format!(
            "SELECT device_uuid, id, repo_tags, repo_digests, size, created FROM images {DEVICE_FILTER} ORDER BY id"
        ))
        .bind(device_uuid)
        .fetch_all(self.pool())
        .await
        .map_err(storage)?;
        Ok(rows
            .into_iter()
            .map(|r| Image {
                device_uuid: r.device_uuid,
                id: r.id,
                repo_tags: from_json(&r.repo_tags),
                repo_digests: from_json(&r.repo_digests),
                size: r.size,
                created: r.created,
            })
            .collect())
    }

    async fn list_volumes(&self, device_uuid: Option<&str>) -> CoreResult<Vec<Volume>> {
        let rows: Vec<VolumeRow> = sqlx::query_as(&format!(
            "SELECT device_uuid, name, driver, mountpoint, labels FROM volumes {DEVICE_FILTER} ORDER BY name"
        ))
        .bind(device_uuid)
        .fetch_all(self.pool())
        .await
        .map_err(storage)?;
        Ok(rows
            .into_iter()
            .map(|r| Volume {
                device_uuid: r.device_uuid,
                name: r.name,
                driver: r.driver,
                mountpoint: r.mountpoint,
                labels: from_json(&r.labels),
            })
            .collect())
    }

    async fn list_networks(&self, device_uuid: Option<&str>) -> CoreResult<Vec<Network>> {
        let rows: Vec<NetworkRow> = sqlx::query_as(&format!(
            "SELECT device_uuid, id, name, driver, scope, internal FROM networks {DEVICE_FILTER} ORDER BY name"
        ))
        .bind(device_uuid)
        .fetch_all(self.pool())
        .await
        .map_err(storage)?;
        Ok(rows
            .into_iter()
            .map(|r| Network {
                device_uuid: r.device_uuid,
                id: r.id,
                name: r.name,
                driver: r.driver,
                scope: r.scope,
                internal: r.internal,
            })
            .collect())
    }

    async fn replace_images(&self, device_uuid: &str, images: &[Image]) -> CoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM images WHERE device_uuid = ?")
            .bind(device_uuid)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        for i in images {
            sqlx::query(
                "INSERT OR REPLACE INTO images (device_uuid, id, repo_tags, repo_digests, size, created)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(device_uuid)
            .bind(&i.id)
            .bind(to_json(&i.repo_tags))
            .bind(to_json(&i.repo_digests))
            .bind(i.size)
            .bind(i.created)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        }
        tx.commit().await.map_err(storage)
    }

    async fn replace_volumes(&self, device_uuid: &str, volumes: &[Volume]) -> CoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM volumes WHERE device_uuid = ?")
            .bind(device_uuid)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        for v in volumes {
            sqlx::query(
                "INSERT OR REPLACE INTO volumes (device_uuid, name, driver, mountpoint, labels)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(device_uuid)
            .bind(&v.name)
            .bind(&v.driver)
            .bind(&v.mountpoint)
            .bind(to_json(&v.labels))
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        }
        tx.commit().await.map_err(storage)
    }

    async fn replace_networks(&self, device_uuid: &str, networks: &[Network]) -> CoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM networks WHERE device_uuid = ?")
            .bind(device_uuid)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        for n in networks {
            sqlx::query(
                "INSERT OR REPLACE INTO networks (device_uuid, id, name, driver, scope, internal)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(device_uuid)
            .bind(&n.id)
            .bind(&n.name)
            .bind(&n.driver)
            .bind(&n.scope)
            .bind(n.internal)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        }
        tx.commit().await.map_err(storage)
    }
}
