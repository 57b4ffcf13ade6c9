//! The device service: adds, edits, tests, imports and removes devices, keeps their
//! secrets in the keyring and their watchers registered.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::clock::Clock;
use crate::engine::WatcherEngine;
use crate::error::{CoreError, CoreResult};
use crate::events::DomainEvent;
use crate::model::{
    Device, DeviceConnection, DevicePatch, DeviceStatus, DiscoveredEngine, EngineProbe,
    HostKeyPrompt, ImportOutcome, ImportResult, NewDevice, SecretRef, SshAuth,
};
use crate::ports::Repositories;
use crate::rules::{
    resync_interval, stats_interval, DEVICE_NAME_MAX, LOCAL_DEVICE_NAME, RESYNC_SECS_DEFAULT,
    STATS_SECS_DEFAULT,
};
use crate::secrets::{device_secret_ref, Secret, SecretStore};
use crate::services::inventory::InventoryService;
use crate::services::stats::StatsRecorder;

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
    secrets: Arc<dyn SecretStore>,
    recorder: Arc<StatsRecorder>,
    clock: Arc<dyn Clock>,
}

impl DeviceService {
    pub fn new(
        repos: Arc<dyn Repositories>,
        engine: Arc<WatcherEngine>,
        inventory: Arc<InventoryService>,
        secrets: Arc<dyn SecretStore>,
        recorder: Arc<StatsRecorder>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            repos,
            engine,
            inventory,
            secrets,
            recorder,
            clock,
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

    /// Adds a device; a password or key passphrase goes to the keyring, never the database.
    pub async fn add(&self, new: NewDevice, secret: Option<Secret>) -> CoreResult<Device> {
        let name = validate_name(&new.name)?;
        validate_connection(&new.connection)?;
        let uuid = uuid::Uuid::new_v4().to_string();
        let connection = self
            .attach_secret(new.connection, secret, &device_secret_ref(&uuid))
            .await?;
        let device = Device {
            uuid,
            name,
            connection,
            enabled: true,
            resync_interval_secs: resync_interval(
                new.resync_interval_secs.unwrap_or(RESYNC_SECS_DEFAULT),
            ),
            stats_interval_secs: stats_interval(
                new.stats_interval_secs.unwrap_or(STATS_SECS_DEFAULT),
            ),
            created_at: self.clock.now_secs(),
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
            None,
        )
        .await
    }

    /// Connects once to `connection` and reports the engine, or why it cannot be reached.
    ///
    /// A password or passphrase typed in the wizard comes as `secret` and is kept in the
    /// keyring under a temporary reference only for the test.
    pub async fn test_connection(
        &self,
        connection: &DeviceConnection,
        secret: Option<Secret>,
    ) -> CoreResult<EngineProbe> {
        validate_connection(connection)?;
        let probe_ref = device_secret_ref(&format!("probe-{}", uuid::Uuid::new_v4()));
        let connection = self
            .attach_secret(connection.clone(), secret, &probe_ref)
            .await?;
        let result = self.engine.probe(&connection).await;
        if uses_secret(&connection) {
            self.secrets.delete(&probe_ref).await?;
        }
        result
    }

    /// Stores `secret` (if any) at `at` and points the connection's auth at it.
    async fn attach_secret(
        &self,
        mut connection: DeviceConnection,
        secret: Option<Secret>,
        at: &SecretRef,
    ) -> CoreResult<DeviceConnection> {
        let secret = secret.filter(|s| !s.expose().is_empty());
        if let DeviceConnection::Ssh { auth, .. } = &mut connection {
            match (auth, secret) {
                (SshAuth::Password { secret: r }, Some(s)) => {
                    self.secrets.put(at, &s).await?;
                    *r = Some(at.clone());
                }
                (SshAuth::Password { secret: None }, None) => {
                    return Err(CoreError::InvalidInput(
                        "password authentication needs the password".into(),
                    ))
                }
                (SshAuth::KeyFile { passphrase, .. }, Some(s)) => {
                    self.secrets.put(at, &s).await?;
                    *passphrase = Some(at.clone());
                }
                _ => {}
            }
        }
        Ok(connection)
    }

    /// Records the user's approval of an SSH host key and reconnects the devices waiting
    /// for it.
    pub async fn trust_host_key(&self, prompt: &HostKeyPrompt) -> CoreResult<()> {
        self.engine.approve_identity(prompt).await?;
        for device in self.repos.list_devices().await? {
            if let DeviceStatus::HostKeyUnknown { prompt: waiting } =
                self.inventory.status(&device.uuid)
            {
                if waiting.host == prompt.host && waiting.port == prompt.port {
                    self.engine.restart(&device).await?;
                }
            }
        }
        Ok(())
    }

    /// Edits a device; the change takes effect at once (its watcher is reconfigured).
    /// A new password or passphrase replaces the stored one.
    pub async fn update(
        &self,
        uuid: &str,
        patch: DevicePatch,
        secret: Option<Secret>,
    ) -> CoreResult<Device> {
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
            let connection = keep_secret_refs(connection, &device.connection);
            device.connection = self
                .attach_secret(connection, secret, &device_secret_ref(&device.uuid))
                .await?;
        }
        if let Some(secs) = patch.stats_interval_secs {
            device.stats_interval_secs = stats_interval(secs);
        }
        if let Some(secs) = patch.resync_interval_secs {
            device.resync_interval_secs = resync_interval(secs);
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
                        .add(
                            NewDevice {
                                name: engine.name.clone(),
                                connection,
                                resync_interval_secs: None,
                                stats_interval_secs: None,
                            },
                            None,
                        )
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

    /// Removes the device, its watcher, its inventory and what is remembered of its load.
    pub async fn remove(&self, uuid: &str) -> CoreResult<()> {
        self.engine.deregister(uuid).await;
        if let Some(device) = self.repos.get_device(uuid).await? {
            if uses_secret(&device.connection) {
                self.secrets.delete(&device_secret_ref(uuid)).await?;
            }
        }
        self.repos.delete_device(uuid).await?;
        self.inventory.forget(uuid);
        self.recorder.forget_device(uuid);
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
            .add(
                NewDevice {
                    name: LOCAL_DEVICE_NAME.into(),
                    connection: DeviceConnection::LocalSocket {
                        path: socket_path.to_string(),
                    },
                    resync_interval_secs: None,
                    stats_interval_secs: None,
                },
                None,
            )
            .await?;
        Ok(Some(device))
    }
}

/// Whether the connection's auth points at a keyring entry.
fn uses_secret(c: &DeviceConnection) -> bool {
    matches!(
        c,
        DeviceConnection::Ssh {
            auth: SshAuth::Password { secret: Some(_) }
                | SshAuth::KeyFile {
                    passphrase: Some(_),
                    ..
                },
            ..
        }
    )
}

/// An edited connection arrives from the UI without secret references: keep the stored ones
/// when the auth method is the same.
fn keep_secret_refs(mut new: DeviceConnection, old: &DeviceConnection) -> DeviceConnection {
    if let (
        DeviceConnection::Ssh { auth: new_auth, .. },
        DeviceConnection::Ssh { auth: old_auth, .. },
    ) = (&mut new, old)
    {
        match (new_auth, old_auth) {
            (SshAuth::Password { secret: n }, SshAuth::Password { secret: o }) if n.is_none() => {
                n.clone_from(o)
            }
            (SshAuth::KeyFile { passphrase: n, .. }, SshAuth::KeyFile { passphrase: o, .. })
                if n.is_none() =>
            {
                n.clone_from(o)
            }
            _ => {}
        }
    }
    new
}

fn validate_name(name: &str) -> CoreResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > DEVICE_NAME_MAX as usize {
        return Err(CoreError::InvalidInput(format!(
            "a device name needs 1 to {DEVICE_NAME_MAX} characters"
        )));
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
        DeviceConnection::Ssh { host, .. } if host.trim().is_empty() => Err(
            CoreError::InvalidInput("the SSH host (or ~/.ssh/config alias) is empty".into()),
        ),
        DeviceConnection::Ssh { socket_path, .. } if !socket_path.starts_with('/') => {
            Err(CoreError::InvalidInput(format!(
                "\"{socket_path}\" is not an absolute socket path on the remote host"
            )))
        }
        DeviceConnection::Ssh { port: Some(0), .. } => {
            Err(CoreError::InvalidInput("the port must be between 1 and 65535".into()))
        }
        DeviceConnection::Ssh { .. } => Ok(()),
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
