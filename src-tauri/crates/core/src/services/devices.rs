use std::sync::Arc;

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::engine::WatcherEngine;
use crate::error::{CoreError, CoreResult};
use crate::events::DomainEvent;
use crate::model::{
    Device, DeviceConnection, DevicePatch, DeviceStatus, DiscoveredEngine, EngineProbe,
    ImportOutcome, ImportResult, NewDevice,
};
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
        let name = validate_name(&new.name)?;
        validate_connection(&new.connection)?;
        let device = Device {
            uuid: uuid::Uuid::new_v4().to_string(),
            name,
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
        self.update(
            uuid,
            DevicePatch {
                enabled: Some(enabled),
                ..Default::default()
            },
        )
        .await
    }

    /// Connects once to `connection` and reports the engine, or why it cannot be reached.
    pub async fn test_connection(&self, connection: &DeviceConnection) -> CoreResult<EngineProbe> {
        validate_connection(connection)?;
        self.engine
            .probe(connection)
            .await
            .map_err(|reason| CoreError::Engine(crate::EngineError::Unreachable(reason)))
    }

    /// Edits a device; the change takes effect at once (its watcher is reconfigured).
    pub async fn update(&self, uuid: &str, patch: DevicePatch) -> CoreResult<Device> {
        let mut device = self
            .repos
            .get_device(uuid)
            .await?
            .ok_or_else(|| CoreError::not_found("device"))?;
        if let Some(name) = patch.name {
            device.name = validate_name(&name)?;
        }
        if let Some(connection) = patch.connection {
            validate_connection(&connection)?;
            device.connection = connection;
        }
        if let Some(secs) = patch.resync_interval_secs {
            device.resync_interval_secs = secs.clamp(10, 86_400);
        }
        if let Some(enabled) = patch.enabled {
            device.enabled = enabled;
        }
        self.repos.update_device(&device).await?;
        self.engine.reconfigure(&device).await?;
        self.inventory.bus().publish(DomainEvent::DevicesChanged);
        Ok(device)
    }

    /// Devices whose connection is `connection`, to avoid adding one twice.
    pub async fn find_by_connection(
        &self,
        connection: &DeviceConnection,
    ) -> CoreResult<Option<Device>> {
        Ok(self
            .repos
            .list_devices()
            .await?
            .into_iter()
            .find(|d| d.connection == *connection))
    }

    /// Adds every usable discovered engine not already a device, in one step.
    pub async fn import(&self, found: Vec<DiscoveredEngine>) -> CoreResult<Vec<ImportResult>> {
        let mut results = Vec::with_capacity(found.len());
        for engine in found {
            let outcome = match engine.connection {
                Err(reason) => ImportOutcome::Skipped { reason },
                Ok(connection) => match self.find_by_connection(&connection).await? {
                    Some(existing) => ImportOutcome::AlreadyPresent {
                        device_uuid: existing.uuid,
                    },
                    None => match self
                        .add(NewDevice {
                            name: engine.name.clone(),
                            connection,
                            resync_interval_secs: None,
                        })
                        .await
                    {
                        Ok(device) => ImportOutcome::Added {
                            device_uuid: device.uuid,
                        },
                        Err(e) => ImportOutcome::Skipped {
                            reason: e.to_string(),
                        },
                    },
                },
            };
            results.push(ImportResult {
                name: engine.name,
                source: engine.source,
                outcome,
            });
        }
        Ok(results)
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

fn validate_name(name: &str) -> CoreResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(CoreError::InvalidInput(
            "a device name needs 1 to 64 characters".into(),
        ));
    }
    Ok(name.to_string())
}

fn validate_connection(c: &DeviceConnection) -> CoreResult<()> {
    match c {
        DeviceConnection::Tcp { host, .. } if host.trim().is_empty() => Err(
            CoreError::InvalidInput("the host name or address is empty".into()),
        ),
        DeviceConnection::Tcp { port: 0, .. } => {
            Err(CoreError::InvalidInput("the port must be between 1 and 65535".into()))
        }
        DeviceConnection::Tcp {
            tls: None,
            insecure_acknowledged: false,
            ..
        } => Err(CoreError::InvalidInput(
            "plain TCP is unauthenticated and unencrypted: anyone on the network could \
             control this engine. Choose TLS certificate files, or confirm that you accept the risk."
                .into(),
        )),
        DeviceConnection::Tcp { tls: Some(t), .. } => {
            for (what, path) in [
                ("CA certificate", &t.ca_path),
                ("client certificate", &t.cert_path),
                ("client key", &t.key_path),
            ] {
                if !std::path::Path::new(path).is_file() {
                    return Err(CoreError::InvalidInput(format!(
                        "the {what} file \"{path}\" does not exist"
                    )));
                }
            }
            Ok(())
        }
        DeviceConnection::Tcp { .. } => Ok(()),
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
