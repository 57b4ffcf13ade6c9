//! The watcher engine: registers, reconfigures and deregisters watchers at runtime.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{watch, Mutex};
use tokio::task::JoinHandle;

use crate::error::{CoreError, CoreResult};
use crate::factory::{ComponentFactory, WatcherContext};
use crate::model::{
    Device, DeviceConnection, DeviceStatus, EngineProbe, EngineSample, HostKeyPrompt,
};
use crate::ports::{ContainerRuntime, InventorySink, StatsSink};
use crate::secrets::Secret;

struct Running {
    device: Device,
    runtime: Arc<dyn ContainerRuntime>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// Owns one running watcher per enabled device.
///
/// A tokio mutex guards the registry because register/deregister await the old task's end
/// while holding it, which keeps two edits of one device from interleaving.
pub struct WatcherEngine {
    factory: Arc<dyn ComponentFactory>,
    sink: Arc<dyn InventorySink>,
    stats: Arc<dyn StatsSink>,
    running: Mutex<HashMap<String, Running>>,
}

/// Where stats go when nothing records them (an engine built without a recorder).
struct DiscardStats;

#[async_trait::async_trait]
impl StatsSink for DiscardStats {
    async fn record(&self, _device_uuid: &str, _samples: Vec<EngineSample>) {}
}

impl WatcherEngine {
    pub fn new(factory: Arc<dyn ComponentFactory>, sink: Arc<dyn InventorySink>) -> Self {
        Self {
            factory,
            sink,
            stats: Arc::new(DiscardStats),
            running: Mutex::new(HashMap::new()),
        }
    }

    /// Sends the watchers' stats rounds to `stats` (without it they are discarded).
    pub fn with_stats_sink(mut self, stats: Arc<dyn StatsSink>) -> Self {
        self.stats = stats;
        self
    }

    /// Starts (or restarts with the new configuration) the watcher of `device`.
    /// A disabled device is deregistered and marked disabled.
    pub async fn register(&self, device: &Device) -> CoreResult<()> {
        let mut running = self.running.lock().await;
        if let Some(old) = running.remove(&device.uuid) {
            if old.device == *device && !old.task.is_finished() {
                running.insert(device.uuid.clone(), old);
                return Ok(());
            }
            stop(old).await;
        }
        if !device.enabled {
            self.sink
                .set_status(&device.uuid, DeviceStatus::Disabled)
                .await;
            return Ok(());
        }
        let component = self
            .factory
            .driver(device.connection.watcher_kind())?
            .watcher(device)?;
        let (tx, rx) = watch::channel(false);
        let ctx = WatcherContext {
            device: device.clone(),
            sink: self.sink.clone(),
            stats: self.stats.clone(),
        };
        let task = tokio::spawn(component.watcher.run(ctx, rx));
        running.insert(
            device.uuid.clone(),
            Running {
                device: device.clone(),
                runtime: component.runtime,
                shutdown: tx,
                task,
            },
        );
        tracing::info!(device = %device.uuid, name = %device.name, "watcher registered");
        Ok(())
    }

    /// Same as [`register`](Self::register): the new configuration replaces the old one.
    pub async fn reconfigure(&self, device: &Device) -> CoreResult<()> {
        self.register(device).await
    }

    /// Stops the device's watcher, if any, and waits for it to end.
    pub async fn deregister(&self, device_uuid: &str) {
        let old = self.running.lock().await.remove(device_uuid);
        if let Some(old) = old {
            stop(old).await;
            tracing::info!(device = %device_uuid, "watcher deregistered");
        }
    }

    /// Tests a connection without registering anything; `typed` is a secret held in memory
    /// for this test only (see [`DeviceDriver::probe`](crate::factory::DeviceDriver::probe)).
    pub async fn probe(
        &self,
        connection: &DeviceConnection,
        typed: Option<Secret>,
    ) -> CoreResult<EngineProbe> {
        self.factory
            .driver(connection.watcher_kind())?
            .probe(connection, typed)
            .await
    }

    /// Records the user's approval of a server identity, through the capability of the
    /// device kind that showed it.
    pub async fn approve_identity(&self, prompt: &HostKeyPrompt) -> CoreResult<()> {
        let driver = self.factory.driver(prompt.kind)?;
        match driver.identity_approval() {
            Some(approval) => approval.approve(prompt).await,
            None => Err(CoreError::Unsupported(
                "this kind of device has no identity to approve".into(),
            )),
        }
    }

    /// Stops and starts the device's watcher again (e.g. after a host key was approved).
    pub async fn restart(&self, device: &Device) -> CoreResult<()> {
        self.deregister(&device.uuid).await;
        self.register(device).await
    }

    /// The runtime for acting on a device's containers, if its watcher is registered.
    pub async fn runtime(&self, device_uuid: &str) -> Option<Arc<dyn ContainerRuntime>> {
        self.running
            .lock()
            .await
            .get(device_uuid)
            .map(|r| r.runtime.clone())
    }

    pub async fn registered(&self) -> Vec<String> {
        self.running.lock().await.keys().cloned().collect()
    }

    /// Stops every watcher (app exit).
    pub async fn shutdown(&self) {
        let all: Vec<Running> = self.running.lock().await.drain().map(|(_, r)| r).collect();
        for r in all {
            stop(r).await;
        }
    }
}

async fn stop(running: Running) {
    let _ = running.shutdown.send(true);
    let mut task = running.task;
    // A watcher checks its shutdown signal at every await point; give it a moment, then abort.
    if tokio::time::timeout(std::time::Duration::from_secs(5), &mut task)
        .await
        .is_err()
    {
        task.abort();
    }
}
