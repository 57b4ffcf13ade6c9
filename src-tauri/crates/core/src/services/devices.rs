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
use crate::secrets::{
    device_secret_ref, fresh_device_secret_ref, typed_secret_ref, Secret, SecretStore,
};
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
    /// Unix milliseconds at which the device stopped being online: its containers are shown
    /// as last seen then. `None` while online, or if it has not been online since the app
    /// started (each container's `updated_at` is then the best known time).
    #[specta(type = Option<f64>)]
    pub offline_since: Option<i64>,
    /// A cluster's nodes and their health (a Proxmox VE device; empty for Docker).
    pub nodes: Vec<crate::model::ClusterNode>,
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
                    offline_since: self.inventory.offline_since(&device.uuid),
                    nodes: self.inventory.nodes(&device.uuid),
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
    /// Any secret reference in `new` is ignored: the service sets its own.
    pub async fn add(&self, new: NewDevice, secret: Option<Secret>) -> CoreResult<Device> {
        let name = validate_name(&new.name)?;
        let mut connection = without_secret_refs(new.connection);
        validate_connection(&connection)?;
        let uuid = uuid::Uuid::new_v4().to_string();
        let at = device_secret_ref(&uuid);
        let stored_secret = match secret_source(&connection, secret, None)? {
            SecretSource::Typed(secret) => {
                self.secrets.put(&at, &secret).await?;
                set_secret_ref(&mut connection, at.clone());
                true
            }
            SecretSource::Stored | SecretSource::NotNeeded => false,
        };
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
        if let Err(e) = self.repos.insert_device(&device).await {
            if stored_secret {
                self.drop_secret(&device.uuid, &at).await;
            }
            return Err(e);
        }
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
    /// A password or passphrase typed in the wizard comes as `secret` and stays in memory:
    /// the test writes nothing to the keyring.
    pub async fn test_connection(
        &self,
        connection: &DeviceConnection,
        secret: Option<Secret>,
    ) -> CoreResult<EngineProbe> {
        self.probe(None, connection, secret).await
    }

    /// [`test_connection`](Self::test_connection) for an edit of device `uuid`: when no secret
    /// is typed and the host, port, user and auth method are unchanged, the test uses the
    /// device's stored one.
    pub async fn test_device_connection(
        &self,
        uuid: &str,
        connection: &DeviceConnection,
        secret: Option<Secret>,
    ) -> CoreResult<EngineProbe> {
        let device = self
            .repos
            .get_device(uuid)
            .await?
            .ok_or_else(|| CoreError::not_found("device"))?;
        self.probe(Some(&device), connection, secret).await
    }

    async fn probe(
        &self,
        stored: Option<&Device>,
        connection: &DeviceConnection,
        secret: Option<Secret>,
    ) -> CoreResult<EngineProbe> {
        let mut connection = without_secret_refs(connection.clone());
        validate_connection(&connection)?;
        let typed = match secret_source(&connection, secret, stored.map(|d| &d.connection))? {
            SecretSource::Typed(secret) => {
                set_secret_ref(&mut connection, typed_secret_ref());
                Some(secret)
            }
            SecretSource::Stored => {
                if let Some(at) = stored.and_then(|d| secret_ref(&d.connection)) {
                    set_secret_ref(&mut connection, at.clone());
                }
                None
            }
            SecretSource::NotNeeded => None,
        };
        self.engine.probe(&connection, typed).await
    }

    /// Deletes the keyring entry `at` of device `uuid`. Never fails: a keyring that cannot be
    /// reached keeps the entry until it can (see [`GatedSecrets`](crate::secrets::GatedSecrets)),
    /// and any other failure is logged.
    async fn drop_secret(&self, uuid: &str, at: &SecretRef) {
        if let Err(e) = self.secrets.delete(at).await {
            tracing::warn!(device = uuid, error = %e, "the device's secret could not be deleted from the keyring");
        }
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
    /// A new password or passphrase replaces the stored one; a new host, port, user or auth
    /// method drops it. Secret references in `patch` are ignored: the service sets its own.
    ///
    /// A new secret goes to a fresh keyring entry, and the old entry is deleted only once the
    /// database points at the new one: until then the running watcher (for the old host)
    /// reads the old secret, never the new one.
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
        let old_connection = device.connection.clone();
        let old_secret = secret_ref(&old_connection).cloned();
        let mut new_secret = None;
        if let Some(connection) = patch.connection {
            let mut connection = without_secret_refs(connection);
            validate_connection(&connection)?;
            match secret_source(&connection, secret, Some(&old_connection))? {
                SecretSource::Typed(secret) => {
                    let at = fresh_device_secret_ref(&device.uuid);
                    self.secrets.put(&at, &secret).await?;
                    set_secret_ref(&mut connection, at.clone());
                    new_secret = Some(at);
                }
                SecretSource::Stored => {
                    if let Some(at) = &old_secret {
                        set_secret_ref(&mut connection, at.clone());
                    }
                }
                SecretSource::NotNeeded => {}
            }
            device.connection = connection;
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
        if let Err(e) = self.repos.update_device(&device).await {
            if let Some(at) = &new_secret {
                self.drop_secret(&device.uuid, at).await;
            }
            return Err(e);
        }
        let reconfigured = self.engine.reconfigure(&device).await;
        // A new secret, or a new host, port, user or auth method, leaves the old secret bound
        // to nothing.
        if let Some(old) = old_secret.filter(|old| secret_ref(&device.connection) != Some(old)) {
            self.drop_secret(&device.uuid, &old).await;
        }
        reconfigured?;
        self.inventory.bus().publish(DomainEvent::DevicesChanged);
        Ok(device)
    }

    /// The keyring entries the devices point at: at start, none of them is deleted as an
    /// entry a previous run left behind.
    pub async fn secret_refs(&self) -> CoreResult<Vec<SecretRef>> {
        Ok(self
            .repos
            .list_devices()
            .await?
            .iter()
            .filter_map(|d| secret_ref(&d.connection).cloned())
            .collect())
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
    /// Its keyring entry goes too, or, while the keyring is locked, as soon as it answers.
    pub async fn remove(&self, uuid: &str) -> CoreResult<()> {
        self.engine.deregister(uuid).await;
        let device = self.repos.get_device(uuid).await?;
        self.repos.delete_device(uuid).await?;
        if let Some(at) = device.as_ref().and_then(|d| secret_ref(&d.connection)) {
            self.drop_secret(uuid, at).await;
        }
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

/// The keyring entry the connection's auth points at.
fn secret_ref(c: &DeviceConnection) -> Option<&SecretRef> {
    match c {
        DeviceConnection::Ssh {
            auth: SshAuth::Password { secret: at },
            ..
        }
        | DeviceConnection::Ssh {
            auth: SshAuth::KeyFile { passphrase: at, .. },
            ..
        }
        | DeviceConnection::Proxmox { secret: at, .. } => at.as_ref(),
        _ => None,
    }
}

/// Whether the connection's auth points at a keyring entry.
fn uses_secret(c: &DeviceConnection) -> bool {
    secret_ref(c).is_some()
}

/// The place of a connection's secret reference, if its auth method takes a secret.
fn secret_slot(c: &mut DeviceConnection) -> Option<&mut Option<SecretRef>> {
    match c {
        DeviceConnection::Ssh {
            auth: SshAuth::Password { secret: slot },
            ..
        }
        | DeviceConnection::Ssh {
            auth: SshAuth::KeyFile {
                passphrase: slot, ..
            },
            ..
        }
        | DeviceConnection::Proxmox { secret: slot, .. } => Some(slot),
        _ => None,
    }
}

fn set_secret_ref(c: &mut DeviceConnection, at: SecretRef) {
    if let Some(slot) = secret_slot(c) {
        *slot = Some(at);
    }
}

/// A connection as it came from the UI, with any secret reference removed: references are
/// set by this service only, from the device they belong to.
fn without_secret_refs(mut c: DeviceConnection) -> DeviceConnection {
    if let Some(slot) = secret_slot(&mut c) {
        *slot = None;
    }
    c
}

/// The SSH host, port, user and key file (none for a password) a secret belongs to.
type SecretBinding<'a> = (&'a str, Option<u16>, Option<&'a str>, Option<&'a str>);

/// What a stored secret is bound to: the SSH host and port, the user and the auth method
/// (with its key file). Changing any of them leaves the secret behind.
fn secret_binding(c: &DeviceConnection) -> Option<SecretBinding<'_>> {
    match c {
        DeviceConnection::Ssh {
            host,
            port,
            user,
            auth,
            ..
        } => {
            let key = match auth {
                SshAuth::Password { .. } => None,
                SshAuth::KeyFile { path, .. } => Some(path.as_str()),
                SshAuth::Agent => return None,
            };
            Some((host.as_str(), *port, user.as_deref(), key))
        }
        // A token's secret belongs to its id on that cluster.
        DeviceConnection::Proxmox { url, token_id, .. } => {
            Some((url.as_str(), None, Some(token_id.as_str()), None))
        }
        _ => None,
    }
}

/// Where the secret of a connection the user submitted comes from.
enum SecretSource {
    /// Agent, TCP, a socket, or a key file without a passphrase.
    NotNeeded,
    /// The user typed it now.
    Typed(Secret),
    /// The device's stored secret still applies.
    Stored,
}

fn secret_source(
    connection: &DeviceConnection,
    typed: Option<Secret>,
    stored: Option<&DeviceConnection>,
) -> CoreResult<SecretSource> {
    let (is_password, what) = match connection {
        DeviceConnection::Ssh {
            auth: SshAuth::Agent,
            ..
        } => return Ok(SecretSource::NotNeeded),
        DeviceConnection::Ssh { auth, .. } => {
            (matches!(auth, SshAuth::Password { .. }), "password")
        }
        // A token is nothing without its secret.
        DeviceConnection::Proxmox { .. } => (true, "token secret"),
        _ => return Ok(SecretSource::NotNeeded),
    };
    if let Some(typed) = typed.filter(|s| !s.is_empty()) {
        return Ok(SecretSource::Typed(typed));
    }
    match stored {
        Some(old) if uses_secret(old) && secret_binding(old) == secret_binding(connection) => {
            Ok(SecretSource::Stored)
        }
        Some(old) if is_password && uses_secret(old) => Err(CoreError::InvalidInput(format!(
            "the saved {what} was for another host, port, user or authentication method: \
             enter the {what}"
        ))),
        _ if is_password => Err(CoreError::InvalidInput(format!(
            "this authentication needs the {what}"
        ))),
        _ => Ok(SecretSource::NotNeeded),
    }
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
        DeviceConnection::Proxmox {
            url,
            token_id,
            trust,
            ..
        } => {
            crate::model::check_pve_url(url).map_err(CoreError::InvalidInput)?;
            if token_id.contains('!') {
                crate::model::check_pve_token_id(token_id)
            } else {
                crate::model::check_pve_user(token_id)
            }
            .map_err(CoreError::InvalidInput)?;
            match trust {
                crate::model::PveTrust::Ca { ca_path } if !std::path::Path::new(ca_path).is_file() => {
                    Err(CoreError::InvalidInput(format!(
                        "the CA certificate file \"{ca_path}\" does not exist"
                    )))
                }
                crate::model::PveTrust::Fingerprint {
                    fingerprint: Some(f),
                } if crate::model::parse_sha256_fingerprint(f).is_none() => {
                    Err(CoreError::InvalidInput(format!(
                        "\"{f}\" is not a SHA-256 fingerprint: 32 pairs of hexadecimal digits, as Proxmox shows it (AB:CD:…)"
                    )))
                }
                _ => Ok(()),
            }
        }
    }
}
