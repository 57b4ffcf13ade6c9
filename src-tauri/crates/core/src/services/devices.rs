use std::sync::Arc;

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::engine::WatcherEngine;
use crate::error::{CoreError, CoreResult};
use crate::events::DomainEvent;
use crate::model::{Device, DeviceConnection, DeviceStatus, NewDevice};
use crate::ports::Repositories;
use crate::services::inventory::{now_ms, InventoryService};

pub const DEFAULT_RESYNC_SECS: u32 = 300;

/// A device with what the app knows about it right now.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceSummary {
    pub device: Device,
    pub status: DeviceStatus,
    pub container_count: u32,
    pub running_count: u32,
}

pub struct DeviceService {
    repos: Arc<dyn Repositories>,
    engine: Arc<WatcherEngine>,
    inventory: Arc<InventoryService>,
}

impl DeviceService {
    pub fn new(
        repos: Arc<dyn Repositories>,
        engine: Arc<WatcherEngine>,
        inventory: Arc<InventoryService>,
    ) -> Self {
        Self {
            repos,
            engine,
            inventory,
        }
    }

    pub async fn list(&self) -> CoreResult<Vec<DeviceSummary>> {
        let devices = self.repos.list_devices().await?;
        let containers = self.repos.list_containers().await?;
        Ok(devices
            .into_iter()
            .map(|device| {
                let mine = containers.iter().filter(|c| c.device_uuid == device.uuid);
                let (mut total, mut running) = (0, 0);
                for c in mine {
                    total += 1;
                    if c.state == crate::model::ContainerState::Running {
                        running += 1;
                    }
                }
                DeviceSummary {
                    status: if device.enabled {
                        self.inventory.status(&device.uuid)
                    } else {
                        DeviceStatus::Disabled
                    },
                    device,
                    container_count: total,
                    running_count: running,
                }
            })
            .collect())
    }

    /// Registers a watcher for every stored device (app start).
    pub async fn start_all(&self) -> CoreResult<()> {
        for device in self.repos.list_devices().await? {
            if let Err(e) = self.engine.register(&device).await {
                self.inventory
                    .set_status_reason(&device.uuid, e.to_string())
                    .await;
            }
        }
        Ok(())
    }

    pub async fn add(&self, new: NewDevice) -> CoreResult<Device> {
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(CoreError::InvalidInput(
                "a device name needs 1 to 64 characters".into(),
            ));
        }
        validate_connection(&new.connection)?;
        let device = Device {
            uuid: uuid::Uuid::new_v4().to_string(),
            name: name.to_string(),
            connection: new.connection,
            enabled: true,
            resync_interval_secs: new
                .resync_interval_secs
                .unwrap_or(DEFAULT_RESYNC_SECS)
                .clamp(10, 86_400),
            created_at: now_ms() / 1000,
        };
        self.repos.insert_device(&device).await?;
        self.engine.register(&device).await?;
        self.inventory.bus().publish(DomainEvent::DevicesChanged);
        Ok(device)
    }

    pub async fn set_enabled(&self, uuid: &str, enabled: bool) -> CoreResult<Device> {
        let mut device = self
            .repos
            .get_device(uuid)
            .await?
            .ok_or_else(|| CoreError::not_found("device"))?;
        device.enabled = enabled;
        self.repos.update_device(&device).await?;
        self.engine.reconfigure(&device).await?;
        self.inventory.bus().publish(DomainEvent::DevicesChanged);
        Ok(device)
    }

    /// Removes the device, its watcher and its inventory.
    pub async fn remove(&self, uuid: &str) -> CoreResult<()> {
        self.engine.deregister(uuid).await;
        self.repos.delete_device(uuid).await?;
        self.inventory.forget(uuid);
        self.inventory.bus().publish(DomainEvent::DevicesChanged);
        Ok(())
    }

    /// On first run, adds the local engine when its socket exists. Returns the new device.
    pub async fn ensure_local_default(&self, socket_path: &str) -> CoreResult<Option<Device>> {
        if !self.repos.list_devices().await?.is_empty() {
            return Ok(None);
        }
        if !std::path::Path::new(socket_path).exists() {
            tracing::info!(
                socket = socket_path,
                "no local Docker socket; no default device"
            );
            return Ok(None);
        }
        let device = self
            .add(NewDevice {
                name: "This computer".into(),
                connection: DeviceConnection::LocalSocket {
                    path: socket_path.to_string(),
                },
                resync_interval_secs: None,
            })
            .await?;
        Ok(Some(device))
    }
}

fn validate_connection(c: &DeviceConnection) -> CoreResult<()> {
    match c {
        DeviceConnection::LocalSocket { path } if path.trim().is_empty() => {
            Err(CoreError::InvalidInput("the socket path is empty".into()))
        }
        DeviceConnection::LocalSocket { path } if !path.starts_with('/') => {
            Err(CoreError::InvalidInput(format!(
                "\"{path}\" is not an absolute socket path (e.g. /var/run/docker.sock)"
            )))
        }
        DeviceConnection::LocalSocket { .. } => Ok(()),
    }
}
