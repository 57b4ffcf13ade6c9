//! Statistics: records what collectors sample, answers chart queries, runs the rollups,
//! and serves live (1 Hz) streams to open charts.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::engine::WatcherEngine;
use crate::error::{CoreError, CoreResult};
use crate::events::{DomainEvent, EventBus};
use crate::model::{
    plan_resolution, ContainerLoad, ContainerSample, ContainerSeries, DeviceLoad, EngineSample,
    FleetSeries, RollupReport, StateCount, StatsRetention, StatsSample,
};
use crate::ports::{Repositories, StatsSink};
use crate::services::inventory::InventoryService;

/// How often the rollup and retention job runs.
pub const ROLLUP_PERIOD: Duration = Duration::from_secs(60);

/// The newest load of every device and running container, kept in memory for the table's
/// bars and the dashboard (std locks: never held across an await).
#[derive(Default)]
struct Latest {
    containers: HashMap<String, StatsSample>,
    /// Which containers each device reported last round.
    by_device: HashMap<String, Vec<String>>,
    devices: HashMap<String, DeviceLoad>,
}

/// Stores each collection round and publishes it. Watchers' collectors report here.
pub struct StatsRecorder {
    repos: Arc<dyn Repositories>,
    bus: EventBus,
    clock: Arc<dyn Clock>,
    latest: RwLock<Latest>,
}

impl StatsRecorder {
    pub fn new(repos: Arc<dyn Repositories>, bus: EventBus, clock: Arc<dyn Clock>) -> Self {
        Self {
            repos,
            bus,
            clock,
            latest: RwLock::new(Latest::default()),
        }
    }

    async fn store_round(&self, device_uuid: &str, samples: Vec<EngineSample>) -> CoreResult<()> {
        let ids: HashMap<String, String> = self
            .repos
            .device_container_ids(device_uuid)
            .await?
            .into_iter()
            .collect();
        let samples: Vec<ContainerSample> = samples
            .into_iter()
            .filter_map(|s| {
                ids.get(&s.engine_id).map(|uuid| ContainerSample {
                    container_uuid: uuid.clone(),
                    sample: s.sample,
                })
            })
            .collect();
        let ts = self.clock.now_ms() as f64 / 1000.0;
        let load = DeviceLoad::of(device_uuid, ts, &samples);
        self.repos.insert_samples(&load, &samples).await?;
        if let Ok(mut latest) = self.latest.write() {
            if let Some(old) = latest.by_device.remove(device_uuid) {
                for uuid in old {
                    latest.containers.remove(&uuid);
                }
            }
            for s in &samples {
                latest
                    .containers
                    .insert(s.container_uuid.clone(), s.sample.clone());
            }
            latest.by_device.insert(
                device_uuid.to_string(),
                samples.iter().map(|s| s.container_uuid.clone()).collect(),
            );
            latest.devices.insert(device_uuid.to_string(), load.clone());
        }
        self.bus.publish(DomainEvent::StatsRecorded {
            load,
            containers: samples.iter().map(ContainerLoad::from).collect(),
        });
        Ok(())
    }

    /// Drops what is remembered of a removed device's load.
    pub fn forget_device(&self, device_uuid: &str) {
        if let Ok(mut latest) = self.latest.write() {
            if let Some(old) = latest.by_device.remove(device_uuid) {
                for uuid in old {
                    latest.containers.remove(&uuid);
                }
            }
            latest.devices.remove(device_uuid);
        }
    }
}

#[async_trait]
impl StatsSink for StatsRecorder {
    async fn record(&self, device_uuid: &str, samples: Vec<EngineSample>) {
        if let Err(e) = self.store_round(device_uuid, samples).await {
            tracing::warn!(device = device_uuid, error = %e, "storing a stats round failed");
        }
    }

    async fn backfill(
        &self,
        device_uuid: &str,
        engine_id: &str,
        samples: Vec<StatsSample>,
    ) -> usize {
        let uuid = match self.repos.device_container_ids(device_uuid).await {
            Ok(ids) => ids
                .into_iter()
                .find(|(id, _)| id == engine_id)
                .map(|(_, u)| u),
            Err(e) => {
                tracing::warn!(device = device_uuid, error = %e, "reading containers for a backfill failed");
                None
            }
        };
        let Some(uuid) = uuid else { return 0 };
        match self.repos.backfill_samples(&uuid, &samples).await {
            Ok(0) => 0,
            Ok(n) => {
                self.bus.publish(DomainEvent::HistoryBackfilled {
                    container_uuid: uuid,
                    samples: u32::try_from(n).unwrap_or(u32::MAX),
                });
                n
            }
            Err(e) => {
                tracing::warn!(device = device_uuid, error = %e, "storing earlier history failed");
                0
            }
        }
    }
}

struct LiveStream {
    container_uuid: String,
    task: JoinHandle<()>,
}

/// The statistics use cases.
pub struct StatsService {
    recorder: Arc<StatsRecorder>,
    engine: Arc<WatcherEngine>,
    inventory: Arc<InventoryService>,
    clock: Arc<dyn Clock>,
    live: Arc<Mutex<HashMap<u32, LiveStream>>>,
    next_subscription: AtomicU32,
    /// One rollup pass at a time (the minute job and a retention change may meet).
    rollup_lock: tokio::sync::Mutex<()>,
}

impl StatsService {
    pub fn new(
        recorder: Arc<StatsRecorder>,
        engine: Arc<WatcherEngine>,
        inventory: Arc<InventoryService>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            recorder,
            engine,
            inventory,
            clock,
            live: Arc::new(Mutex::new(HashMap::new())),
            next_subscription: AtomicU32::new(1),
            rollup_lock: tokio::sync::Mutex::new(()),
        }
    }

    fn repos(&self) -> &Arc<dyn Repositories> {
        &self.recorder.repos
    }

    /// The newest sample of a container: this session's, else the newest stored one.
    pub async fn latest(&self, container_uuid: &str) -> CoreResult<Option<StatsSample>> {
        let cached = self
            .recorder
            .latest
            .read()
            .ok()
            .and_then(|l| l.containers.get(container_uuid).cloned());
        match cached {
            Some(s) => Ok(Some(s)),
            None => self.repos().latest_sample(container_uuid).await,
        }
    }

    /// The newest load of every running container and device sampled this session.
    pub fn loads(&self) -> (Vec<ContainerLoad>, Vec<DeviceLoad>) {
        let Ok(latest) = self.recorder.latest.read() else {
            return (Vec::new(), Vec::new());
        };
        let containers = latest
            .containers
            .iter()
            .map(|(uuid, s)| {
                ContainerLoad::from(&ContainerSample {
                    container_uuid: uuid.clone(),
                    sample: s.clone(),
                })
            })
            .collect();
        (containers, latest.devices.values().cloned().collect())
    }

    fn check_range(from: i64, to: i64) -> CoreResult<()> {
        if to <= from {
            return Err(CoreError::InvalidInput(
                "the chart's range ends before it starts".into(),
            ));
        }
        Ok(())
    }

    pub async fn container_series(
        &self,
        container_uuid: &str,
        from: i64,
        to: i64,
    ) -> CoreResult<ContainerSeries> {
        Self::check_range(from, to)?;
        if self.repos().get_container(container_uuid).await?.is_none() {
            return Err(CoreError::not_found(format!("container {container_uuid}")));
        }
        let retention = self.repos().retention().await?;
        let (step, tier) = plan_resolution(from, to, self.clock.now_secs(), &retention);
        self.repos()
            .container_series(container_uuid, from, to, step, tier)
            .await
    }

    pub async fn fleet_series(
        &self,
        device_uuid: Option<&str>,
        from: i64,
        to: i64,
    ) -> CoreResult<FleetSeries> {
        Self::check_range(from, to)?;
        let retention = self.repos().retention().await?;
        let (step, tier) = plan_resolution(from, to, self.clock.now_secs(), &retention);
        self.repos()
            .fleet_series(device_uuid, from, to, step, tier)
            .await
    }

    /// How many containers are in each state, on all devices or one. Containers of devices
    /// that are not online are counted apart (`stale`): their state is the last one seen, and
    /// the engine may have changed it since.
    pub async fn count_by_state(&self, device_uuid: Option<&str>) -> CoreResult<Vec<StateCount>> {
        let rows = self.repos().count_by_device_and_state(device_uuid).await?;
        let mut online: HashMap<String, bool> = HashMap::new();
        let mut counts: BTreeMap<(bool, &'static str), StateCount> = BTreeMap::new();
        for row in rows {
            let live = *online
                .entry(row.device_uuid)
                .or_insert_with_key(|uuid| self.inventory.status(uuid).is_online());
            counts
                .entry((!live, row.state.as_str()))
                .or_insert(StateCount {
                    state: row.state,
                    count: 0,
                    stale: !live,
                })
                .count += row.count;
        }
        Ok(counts.into_values().collect())
    }

    pub async fn retention(&self) -> CoreResult<StatsRetention> {
        self.repos().retention().await
    }

    /// Saves new retention settings (normalized) and applies them at once.
    pub async fn set_retention(&self, retention: StatsRetention) -> CoreResult<StatsRetention> {
        let retention = retention.normalized();
        self.repos().set_retention(&retention).await?;
        self.rollup_now(self.clock.now_secs()).await?;
        Ok(retention)
    }

    /// One rollup-and-retention pass at `now` (Unix seconds).
    pub async fn rollup_now(&self, now: i64) -> CoreResult<RollupReport> {
        let _one_at_a_time = self.rollup_lock.lock().await;
        let retention = self.repos().retention().await?;
        self.repos().rollup(now, &retention).await
    }

    /// Runs the rollup job every [`ROLLUP_PERIOD`] until the returned task is aborted.
    pub fn spawn_rollups(self: &Arc<Self>) -> JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(ROLLUP_PERIOD);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match this.rollup_now(this.clock.now_secs()).await {
                    Ok(r) => tracing::debug!(?r, "stats rollup"),
                    Err(e) => tracing::warn!(error = %e, "stats rollup failed"),
                }
            }
        })
    }

    /// Starts a 1 Hz stream of one running container's stats, published on the bus as
    /// [`DomainEvent::LiveStats`] until [`live_stop`](Self::live_stop).
    pub async fn live_start(&self, container_uuid: &str) -> CoreResult<u32> {
        let container = self
            .repos()
            .get_container(container_uuid)
            .await?
            .ok_or_else(|| CoreError::not_found(format!("container {container_uuid}")))?;
        let runtime = self
            .engine
            .runtime(&container.device_uuid)
            .await
            .ok_or_else(|| CoreError::DeviceUnavailable {
                device: container.device_uuid.clone(),
                reason: "its watcher is not running".into(),
            })?;
        let mut stream = runtime.stats_stream(&container.engine_id).await?;
        let subscription = self.next_subscription.fetch_add(1, Ordering::Relaxed);
        let bus = self.recorder.bus.clone();
        let clock = self.clock.clone();
        let live = self.live.clone();
        let uuid = container.uuid.clone();
        // Hold the map while spawning so the task cannot finish and remove itself before
        // it is inserted.
        let mut map = self
            .live
            .lock()
            .map_err(|_| CoreError::Storage("live stats registry poisoned".into()))?;
        let task = tokio::spawn(async move {
            let mut prev = None;
            let reason = loop {
                match stream.next().await {
                    Some(Ok(reading)) => {
                        let mut sample = reading.sample(prev.as_ref());
                        sample.ts = clock.now_ms() as f64 / 1000.0;
                        bus.publish(DomainEvent::LiveStats {
                            subscription,
                            container_uuid: uuid.clone(),
                            sample: Box::new(sample),
                        });
                        prev = Some(reading);
                    }
                    Some(Err(e)) => break e.to_string(),
                    None => break "the container is not running".to_string(),
                }
            };
            // Out of the registry before the end is told: whoever hears of it must find
            // the stream gone (telling first let a listener see an ended stream still
            // listed).
            if let Ok(mut map) = live.lock() {
                map.remove(&subscription);
            }
            bus.publish(DomainEvent::LiveStatsEnded {
                subscription,
                container_uuid: uuid,
                reason,
            });
        });
        map.insert(
            subscription,
            LiveStream {
                container_uuid: container.uuid,
                task,
            },
        );
        Ok(subscription)
    }

    /// Stops one live stream. Stopping one that already ended is fine.
    pub fn live_stop(&self, subscription: u32) {
        if let Some(s) = self
            .live
            .lock()
            .ok()
            .and_then(|mut m| m.remove(&subscription))
        {
            s.task.abort();
        }
    }

    /// Stops every live stream (the window reloaded: nobody is watching them).
    pub fn live_stop_all(&self) {
        if let Ok(mut map) = self.live.lock() {
            for (_, s) in map.drain() {
                s.task.abort();
            }
        }
    }

    /// The containers with a live stream open, one entry per stream.
    pub fn live_streams(&self) -> Vec<String> {
        self.live
            .lock()
            .map(|m| m.values().map(|s| s.container_uuid.clone()).collect())
            .unwrap_or_default()
    }
}
