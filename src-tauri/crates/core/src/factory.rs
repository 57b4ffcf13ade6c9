//! The component factory: turns configuration into running components.
//!
//! Adding a watcher kind or a registry provider is: implement the trait, add a variant,
//! add a match arm in the factory.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use specta::Type;
use tokio::sync::watch;

use crate::error::CoreResult;
use crate::model::{Device, DeviceConnection, EngineProbe, HostKeyPrompt};
use crate::ports::{ContainerRuntime, InventorySink, StatsSink};

/// The kinds of component the engine manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(tag = "kind", content = "variant", rename_all = "camelCase")]
pub enum Kind {
    Watcher(WatcherKind),
    Registry(RegistryProvider),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum WatcherKind {
    Docker,
    Proxmox,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum RegistryProvider {
    Hub,
    Ghcr,
    Lscr,
    Gcr,
    Ecr,
    Acr,
    Quay,
    Gitlab,
    Gitea,
    Custom,
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

/// A watcher and the runtime that acts on the same engine.
pub struct WatcherComponent {
    pub watcher: Box<dyn Watcher>,
    pub runtime: Arc<dyn ContainerRuntime>,
}

/// Builds components from configuration.
#[async_trait]
pub trait ComponentFactory: Send + Sync {
    fn watcher(&self, device: &Device) -> CoreResult<WatcherComponent>;

    /// Connects once to the engine behind `connection` and reports what it is, or a sentence
    /// saying why it cannot be reached.
    async fn probe(&self, connection: &DeviceConnection) -> CoreResult<EngineProbe>;

    /// Records the user's approval of an SSH host key shown in `prompt`. Fails if the key
    /// the server showed is not the one with that fingerprint.
    async fn trust_host_key(&self, prompt: &HostKeyPrompt) -> CoreResult<()>;
}

/// The component kind a device needs.
pub fn kind_of(device: &Device) -> Kind {
    Kind::Watcher(device.connection.watcher_kind())
}
