//! The component factory: turns a device's configuration into the driver of its kind.
//!
//! Adding a watcher kind is: implement [`DeviceDriver`] in an adapter crate, add a
//! [`WatcherKind`] variant, add a match arm in the app's factory.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use specta::Type;
use tokio::sync::watch;

use crate::error::CoreResult;
use crate::model::{Device, DeviceConnection, EngineProbe, HostKeyPrompt};
use crate::ports::{ContainerRuntime, InventorySink, StatsSink};
use crate::secrets::Secret;

/// The kinds of device a watcher can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum WatcherKind {
    /// A Docker engine, on a local socket, over TCP/TLS or over SSH.
    Docker,
    /// A Proxmox VE cluster's API: its LXC containers and virtual machines.
    Proxmox,
}

/// What a watcher gets to work with.
#[derive(Clone)]
pub struct WatcherContext {
    pub device: Device,
    pub sink: Arc<dyn InventorySink>,
    pub stats: Arc<dyn StatsSink>,
}

/// A long-running task that keeps one device's inventory current.
#[async_trait]
pub trait Watcher: Send {
    /// Runs until `shutdown` turns true. Connection errors are handled inside
    /// (status + reconnect with backoff), never returned.
    async fn run(self: Box<Self>, ctx: WatcherContext, shutdown: watch::Receiver<bool>);
}

/// Returns once `shutdown` says stop (or its sender is gone): what a watcher's loop selects
/// on beside its work.
pub async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow_and_update() {
            return;
        }
        if shutdown.changed().await.is_err() {
            return;
        }
    }
}

/// A watcher and the runtime that acts on the same engine.
pub struct WatcherComponent {
    pub watcher: Box<dyn Watcher>,
    pub runtime: Arc<dyn ContainerRuntime>,
}

/// The approval of a server's identity the user compared (an SSH host key today; a
/// Proxmox certificate later): a capability some device kinds have.
#[async_trait]
pub trait IdentityApproval: Send + Sync {
    /// Records the approval of the identity shown in `prompt`. Fails if the server did not
    /// show exactly that identity.
    async fn approve(&self, prompt: &HostKeyPrompt) -> CoreResult<()>;
}

/// Everything one kind of device needs from its adapter.
#[async_trait]
pub trait DeviceDriver: Send + Sync {
    /// A new watcher and runtime for `device`.
    fn watcher(&self, device: &Device) -> CoreResult<WatcherComponent>;

    /// Connects once to the engine behind `connection` and reports what it is, or a sentence
    /// saying why it cannot be reached.
    ///
    /// `typed` is a password or passphrase the user typed for this test: the connection's auth
    /// then points at [`typed_secret_ref`](crate::secrets::typed_secret_ref), and the driver
    /// reads it through [`TypedSecret`](crate::secrets::TypedSecret), from memory. A probe
    /// writes nothing to the keyring.
    async fn probe(
        &self,
        connection: &DeviceConnection,
        typed: Option<Secret>,
    ) -> CoreResult<EngineProbe>;

    /// How this kind approves a server's identity, if it has such a step.
    fn identity_approval(&self) -> Option<&dyn IdentityApproval> {
        None
    }
}

/// Maps a kind of device to its driver.
pub trait ComponentFactory: Send + Sync {
    fn driver(&self, kind: WatcherKind) -> CoreResult<Arc<dyn DeviceDriver>>;
}
