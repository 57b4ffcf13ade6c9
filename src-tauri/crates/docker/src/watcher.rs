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
use squirrel_core::factory::{stopped, Watcher, WatcherContext};
use squirrel_core::model::{
    ContainerState, DeviceConnection, DeviceStatus, HostKeyPrompt, InventorySnapshot,
};
use squirrel_core::ports::InventorySink;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::Instrument;

use crate::client::{
    connect, describe_error, not_responding, ConnectDeps, ConnectError, Engine, SharedClient,
};
use crate::stats::StatsCollector;
use crate::{mapping, rfc3339};
use squirrel_core::backoff::Backoff;

/// Events already queued together from which a full sync is cheaper than applying each (an
/// event costs an inspect; a sync is one listing of everything).
const BURST_SYNC: usize = 16;

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

    /// `call` within `limit`; an engine that answers later counts as not responding.
    async fn bounded<T>(
        &self,
        limit: Duration,
        call: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
    ) -> Result<T, String> {
        match tokio::time::timeout(limit, call).await {
            Ok(result) => result.map_err(|e| self.describe(&e)),
            Err(_) => Err(not_responding(&self.connection, limit)),
        }
    }

    fn stream_closed(&self) -> String {
        format!(
            "Docker at {} closed the connection (stopped or restarting?)",
            self.connection.describe()
        )
    }

    /// A full sync within the request deadline.
    async fn sync(&self, docker: &Docker, ctx: &WatcherContext) -> Result<(), String> {
        let limit = self.deps.timeouts.request;
        tokio::time::timeout(
            limit,
            full_sync(docker, &ctx.device.uuid, ctx.sink.as_ref()),
        )
        .await
        .unwrap_or_else(|_| Err(not_responding(&self.connection, limit)))
    }

    /// One connected session, from connecting to losing the engine. Sets `online_since`
    /// when the device goes online. Every step has a deadline; the caller stops it at once
    /// on shutdown by dropping it.
    async fn session(
        &self,
        ctx: &WatcherContext,
        online_since: &mut Option<Instant>,
    ) -> SessionEnd {
        let device = ctx.device.uuid.as_str();
        let timeouts = self.deps.timeouts;
        let (docker, dial, slots) = match connect(&self.connection, &self.deps).await {
            Ok(c) => (c.docker, c.dial, c.slots),
            Err(ConnectError::Unreachable(reason)) => return SessionEnd::Lost(reason),
            Err(ConnectError::HostKeyUnknown(prompt)) => return SessionEnd::HostKey(prompt),
        };
        let version = match self.bounded(timeouts.request, docker.version()).await {
            Ok(v) => v.version.unwrap_or_else(|| "unknown".into()),
            Err(reason) => return SessionEnd::Lost(reason),
        };
        // Subscribe from the engine's own clock (not ours: remote clocks drift), a second
        // early, so nothing between the subscription and the full sync is missed. Replayed
        // events are harmless: applying one re-reads the object's current state.
        let since = match self.bounded(timeouts.request, docker.info()).await {
            Ok(info) => info
                .system_time
                .and_then(|t| rfc3339::parse_unix_secs(&t))
                .and_then(|t| t.checked_sub(1))
                .map(|t| t.to_string()),
            Err(reason) => return SessionEnd::Lost(reason),
        };
        let filters = HashMap::from([(
            "type".to_string(),
            vec![
                "container".to_string(),
                "image".to_string(),
                "volume".to_string(),
                "network".to_string(),
            ],
        )]);
        let stream = docker.events(Some(EventsOptions {
            since,
            until: None,
            filters: Some(filters),
        }));
        // The engine drops events for a subscriber that reads slowly (its queue holds about a
        // thousand): a reader of our own takes them as they come, whatever applying them
        // costs, and the loop below sees every event already queued.
        let (queue_tx, mut queue) = tokio::sync::mpsc::unbounded_channel();
        let _reader = AbortOnDrop(tokio::spawn(async move {
            let mut stream = stream;
            while let Some(item) = stream.next().await {
                if queue_tx.send(item).is_err() {
                    break;
                }
            }
        }));

        if let Err(e) = self.sync(&docker, ctx).await {
            return SessionEnd::Lost(e);
        }
        let engine = Engine {
            docker: docker.clone(),
            dial,
            slots,
        };
        self.client.set(Some(engine.clone()));
        ctx.sink
            .set_status(
                device,
                DeviceStatus::Online {
                    engine_version: version,
                },
            )
            .await;
        *online_since = Some(Instant::now());
        let _collector = (ctx.device.stats_interval_secs > 0).then(|| {
            let interval = Duration::from_secs(u64::from(ctx.device.stats_interval_secs));
            let collector =
                StatsCollector::new(&engine, device.to_string(), ctx.stats.clone(), interval);
            AbortOnDrop(tokio::spawn(collector.run().in_current_span()))
        });

        let period = Duration::from_secs(u64::from(ctx.device.resync_interval_secs.max(10)));
        let mut resync = tokio::time::interval_at(Instant::now() + period, period);
        resync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // An idle engine sends no events; a hung one neither. Past this, ask.
        let mut quiet_until = Instant::now() + timeouts.silence;
        loop {
            tokio::select! {
                _ = resync.tick() => {
                    tracing::debug!(device, "periodic resync");
                    if let Err(e) = self.sync(&docker, ctx).await {
                        return SessionEnd::Lost(e);
                    }
                    quiet_until = Instant::now() + timeouts.silence;
                }
                () = tokio::time::sleep_until(quiet_until) => {
                    if let Err(reason) = self.bounded(timeouts.ping, docker.ping()).await {
                        return SessionEnd::Lost(reason);
                    }
                    quiet_until = Instant::now() + timeouts.silence;
                }
                event = queue.recv() => {
                    quiet_until = Instant::now() + timeouts.silence;
                    let first = match event {
                        Some(Ok(msg)) => msg,
                        Some(Err(e)) => {
                            return SessionEnd::Lost(format!(
                                "lost the connection to Docker ({})",
                                self.describe(&e)
                            ));
                        }
                        None => return SessionEnd::Lost(self.stream_closed()),
                    };
                    // Whatever else the engine has already sent: a burst (thousands of
                    // containers created or started at once) is one full sync, not one
                    // inspect per event.
                    let mut batch = vec![first];
                    while let Ok(next) = queue.try_recv() {
                        match next {
                            Ok(msg) => batch.push(msg),
                            Err(e) => {
                                return SessionEnd::Lost(format!(
                                    "lost the connection to Docker ({})",
                                    self.describe(&e)
                                ));
                            }
                        }
                    }
                    if batch.len() >= BURST_SYNC {
                        tracing::debug!(device, events = batch.len(), "a burst of events: one full sync");
                        if let Err(e) = self.sync(&docker, ctx).await {
                            return SessionEnd::Lost(e);
                        }
                        continue;
                    }
                    for msg in batch {
                        let applied = apply_event(&docker, device, ctx.sink.as_ref(), msg);
                        if let Err(reason) = self.bounded(timeouts.request, applied).await {
                            return SessionEnd::Lost(reason);
                        }
                    }
                }
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
            // Whatever the session is doing (a hung connect, a sync), a shutdown drops it.
            let mut online_since = None;
            let end = tokio::select! {
                end = self.session(&ctx, &mut online_since) => end,
                () = stopped(&mut shutdown) => SessionEnd::Shutdown,
            };
            self.client.set(None);
            // Only a session that stayed up earns a quick reconnect: an engine that drops
            // every stream right after the sync is retried ever more slowly.
            if online_since.is_some_and(|t| t.elapsed() >= self.deps.timeouts.stable) {
                backoff.reset();
            }
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
                () = tokio::time::sleep(delay) => {}
                () = stopped(&mut shutdown) => break,
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
