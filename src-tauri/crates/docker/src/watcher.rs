//! The Docker watcher: connect, follow `/events`, full syncs, resyncs and reconnects.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use bollard::models::{EventMessage, EventMessageTypeEnum};
use bollard::query_parameters::{
    EventsOptions, InspectContainerOptions, ListContainersOptions, ListImagesOptions,
    ListNetworksOptions, ListVolumesOptions,
};
use bollard::Docker;
use futures_util::StreamExt;
use squirrel_core::factory::{Watcher, WatcherContext};
use squirrel_core::model::{
    ContainerState, DeviceConnection, DeviceStatus, HostKeyPrompt, InventorySnapshot,
};
use squirrel_core::ports::InventorySink;
use tokio::sync::watch;
use tracing::Instrument;

use crate::backoff::Backoff;
use crate::client::{connect, describe_error, ConnectDeps, ConnectError, SharedClient};
use crate::stats::StatsCollector;
use crate::{mapping, rfc3339};

/// Aborts a session's helper task when the session ends, however it ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Keeps one Docker device's inventory current: a full sync on connect, then `/events`,
/// a periodic resync, and reconnects with backoff.
pub struct DockerWatcher {
    connection: DeviceConnection,
    client: SharedClient,
    deps: ConnectDeps,
}

/// Why a connected session ended.
enum SessionEnd {
    Shutdown,
    Lost(String),
    HostKey(HostKeyPrompt),
}

impl DockerWatcher {
    pub fn new(connection: DeviceConnection, client: SharedClient, deps: ConnectDeps) -> Self {
        Self {
            connection,
            client,
            deps,
        }
    }

    fn describe(&self, e: &bollard::errors::Error) -> String {
        describe_error(&self.connection, e)
    }

    async fn session(
        &self,
        ctx: &WatcherContext,
        shutdown: &mut watch::Receiver<bool>,
        backoff: &mut Backoff,
    ) -> SessionEnd {
        let device = ctx.device.uuid.as_str();
        let docker = match connect(&self.connection, &self.deps).await {
            Ok(c) => c.docker,
            Err(ConnectError::Unreachable(reason)) => return SessionEnd::Lost(reason),
            Err(ConnectError::HostKeyUnknown(prompt)) => return SessionEnd::HostKey(prompt),
        };
        let version = match docker.version().await {
            Ok(v) => v.version.unwrap_or_else(|| "unknown".into()),
            Err(e) => return SessionEnd::Lost(self.describe(&e)),
        };
        // Subscribe from the engine's own clock (not ours: remote clocks drift), a second
        // early, so nothing between the subscription and the full sync is missed. Replayed
        // events are harmless: applying one re-reads the object's current state.
        let since = docker
            .info()
            .await
            .ok()
            .and_then(|i| i.system_time)
            .and_then(|t| rfc3339::parse_unix_secs(&t))
            .map(|t| (t - 1).to_string());
        let filters = HashMap::from([(
            "type".to_string(),
            vec![
                "container".to_string(),
                "image".to_string(),
                "volume".to_string(),
                "network".to_string(),
            ],
        )]);
        let mut events = docker.events(Some(EventsOptions {
            since,
            until: None,
            filters: Some(filters),
        }));

        if let Err(e) = full_sync(&docker, device, ctx.sink.as_ref()).await {
            return SessionEnd::Lost(e);
        }
        self.client.set(Some(docker.clone()));
        ctx.sink
            .set_status(
                device,
                DeviceStatus::Online {
                    engine_version: version,
                },
            )
            .await;
        backoff.reset();
        let _collector = (ctx.device.stats_interval_secs > 0).then(|| {
            let interval = Duration::from_secs(u64::from(ctx.device.stats_interval_secs));
            let collector = StatsCollector::new(
                docker.clone(),
                device.to_string(),
                ctx.stats.clone(),
                interval,
            );
            AbortOnDrop(tokio::spawn(collector.run().in_current_span()))
        });

        let period = Duration::from_secs(u64::from(ctx.device.resync_interval_secs.max(10)));
        let mut resync = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        resync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        return SessionEnd::Shutdown;
                    }
                }
                _ = resync.tick() => {
                    tracing::debug!(device, "periodic resync");
                    if let Err(e) = full_sync(&docker, device, ctx.sink.as_ref()).await {
                        return SessionEnd::Lost(e);
                    }
                }
                event = events.next() => match event {
                    Some(Ok(msg)) => {
                        if let Err(e) = apply_event(&docker, device, ctx.sink.as_ref(), msg).await {
                            return SessionEnd::Lost(self.describe(&e));
                        }
                    }
                    Some(Err(e)) => {
                        return SessionEnd::Lost(format!(
                            "lost the connection to Docker ({})",
                            self.describe(&e)
                        ));
                    }
                    None => {
                        return SessionEnd::Lost(format!(
                            "Docker at {} closed the connection (stopped or restarting?)",
                            self.connection.describe()
                        ));
                    }
                },
            }
        }
    }
}

#[async_trait]
impl Watcher for DockerWatcher {
    async fn run(self: Box<Self>, ctx: WatcherContext, shutdown: watch::Receiver<bool>) {
        let span = tracing::info_span!("docker_watcher", device = %ctx.device.uuid, name = %ctx.device.name);
        self.follow(ctx, shutdown).instrument(span).await
    }
}

impl DockerWatcher {
    async fn follow(self: Box<Self>, ctx: WatcherContext, mut shutdown: watch::Receiver<bool>) {
        let device = ctx.device.uuid.clone();
        let mut backoff = Backoff::default();
        ctx.sink.set_status(&device, DeviceStatus::Connecting).await;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let end = self.session(&ctx, &mut shutdown, &mut backoff).await;
            self.client.set(None);
            match end {
                SessionEnd::Shutdown => break,
                SessionEnd::Lost(reason) => {
                    tracing::warn!(device = %device, %reason, "device unreachable");
                    ctx.sink
                        .set_status(&device, DeviceStatus::Unreachable { reason })
                        .await;
                }
                SessionEnd::HostKey(prompt) => {
                    tracing::warn!(device = %device, fingerprint = %prompt.fingerprint, "unknown SSH host key");
                    ctx.sink
                        .set_status(&device, DeviceStatus::HostKeyUnknown { prompt })
                        .await;
                }
            }
            let delay = backoff.next_delay();
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        break;
                    }
                }
            }
        }
        self.client.set(None);
    }
}

/// Lists everything on the engine (four calls in parallel, no per-container inspect) and
/// hands the snapshot to the sink.
pub async fn full_sync(
    docker: &Docker,
    device_uuid: &str,
    sink: &dyn InventorySink,
) -> Result<(), String> {
    let snapshot = fetch_snapshot(docker, device_uuid)
        .await
        .map_err(|e| format!("the full sync failed: {e}"))?;
    sink.sync_snapshot(device_uuid, snapshot)
        .await
        .map_err(|e| format!("the full sync could not be stored: {e}"))
}

pub async fn fetch_snapshot(
    docker: &Docker,
    device_uuid: &str,
) -> Result<InventorySnapshot, bollard::errors::Error> {
    let (containers, images, volumes, networks) = tokio::try_join!(
        docker.list_containers(Some(ListContainersOptions {
            all: true,
            ..Default::default()
        })),
        docker.list_images(Some(ListImagesOptions::default())),
        docker.list_volumes(None::<ListVolumesOptions>),
        docker.list_networks(None::<ListNetworksOptions>),
    )?;
    Ok(InventorySnapshot {
        containers: containers
            .into_iter()
            .filter_map(mapping::container)
            .collect(),
        images: images
            .into_iter()
            .map(|i| mapping::image(device_uuid, i))
            .collect(),
        volumes: volumes
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| mapping::volume(device_uuid, v))
            .collect(),
        networks: networks
            .into_iter()
            .map(|n| mapping::network(device_uuid, n))
            .collect(),
    })
}

/// Container actions after which the container's listed state may differ.
const CONTAINER_REFRESH_ACTIONS: &[&str] = &[
    "create",
    "start",
    "restart",
    "die",
    "stop",
    "pause",
    "unpause",
    "rename",
    "update",
    "health_status",
];

/// Applies one engine event. Storage failures are logged (the next resync repairs them);
/// engine failures end the session so that it reconnects.
async fn apply_event(
    docker: &Docker,
    device: &str,
    sink: &dyn InventorySink,
    msg: EventMessage,
) -> Result<(), bollard::errors::Error> {
    // Suffixed actions ("health_status: healthy", "exec_start: sh") match on the prefix.
    let action = msg.action.as_deref().unwrap_or_default();
    let action = action.split(':').next().unwrap_or_default().trim();
    let actor = msg.actor.unwrap_or_default();
    let id = actor.id.unwrap_or_default();
    let stored = match msg.typ {
        Some(EventMessageTypeEnum::CONTAINER) if action == "destroy" => {
            sink.container_gone(device, &id).await
        }
        Some(EventMessageTypeEnum::CONTAINER) if CONTAINER_REFRESH_ACTIONS.contains(&action) => {
            // The event says the new state: store and publish it now, then re-read the
            // container for everything else (inspect can wait on the engine's cleanup).
            let announced = match action {
                "start" | "unpause" => Some(ContainerState::Running),
                "pause" => Some(ContainerState::Paused),
                "die" => Some(ContainerState::Exited),
                _ => None,
            };
            if let Some(state) = announced {
                let exit_code = actor
                    .attributes
                    .as_ref()
                    .and_then(|a| a.get("exitCode"))
                    .and_then(|c| c.parse().ok());
                if let Err(e) = sink
                    .container_transition(device, &id, state, exit_code)
                    .await
                {
                    tracing::warn!(device, error = %e, "storing a transition failed");
                }
            }
            refresh_container(docker, device, sink, &id).await?
        }
        Some(EventMessageTypeEnum::IMAGE) => {
            let images = docker
                .list_images(Some(ListImagesOptions::default()))
                .await?;
            let images = images
                .into_iter()
                .map(|i| mapping::image(device, i))
                .collect();
            sink.images_replaced(device, images).await
        }
        Some(EventMessageTypeEnum::VOLUME) if matches!(action, "create" | "destroy" | "prune") => {
            let volumes = docker.list_volumes(None::<ListVolumesOptions>).await?;
            let volumes = volumes
                .volumes
                .unwrap_or_default()
                .into_iter()
                .map(|v| mapping::volume(device, v))
                .collect();
            sink.volumes_replaced(device, volumes).await
        }
        Some(EventMessageTypeEnum::NETWORK) => {
            if matches!(action, "connect" | "disconnect") {
                // The attached container's network list changed.
                let attrs = actor.attributes.unwrap_or_default();
                if let Some(container) = attrs.get("container") {
                    if let Err(e) = refresh_container(docker, device, sink, container).await? {
                        tracing::warn!(device, error = %e, "storing a network change failed");
                    }
                }
                Ok(())
            } else {
                let networks = docker.list_networks(None::<ListNetworksOptions>).await?;
                let networks = networks
                    .into_iter()
                    .map(|n| mapping::network(device, n))
                    .collect();
                sink.networks_replaced(device, networks).await
            }
        }
        _ => Ok(()),
    };
    if let Err(e) = stored {
        tracing::warn!(device, error = %e, "storing an event's change failed");
    }
    Ok(())
}

/// Re-reads one container after an event. Inspect, not list: the engine's list can lag
/// behind the event (e.g. still "running" just after "pause").
async fn refresh_container(
    docker: &Docker,
    device: &str,
    sink: &dyn InventorySink,
    id: &str,
) -> Result<squirrel_core::CoreResult<()>, bollard::errors::Error> {
    if id.is_empty() {
        return Ok(Ok(()));
    }
    match docker
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
    {
        Ok(inspect) => Ok(match mapping::container_from_inspect(inspect) {
            Some(obs) => sink.container_observed(device, obs).await,
            None => Ok(()),
        }),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(sink.container_gone(device, id).await),
        Err(e) => Err(e),
    }
}
