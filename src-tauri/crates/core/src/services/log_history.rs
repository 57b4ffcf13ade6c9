//! Log history: the backend keeps the logs of chosen containers (by default, those of the
//! local engine) whether or not anyone views them, in timelines that outlive containers,
//! within a size budget.
//!
//! One follow stream per kept running container, opened when it is seen running and
//! resumed after the newest kept line when it starts again, its device comes back or
//! Squirrel restarts. Streams hand batches of lines to one writer, which stores what has
//! come in one transaction a few times a second and trims the oldest lines to the budget.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::clock::Clock;
use crate::engine::WatcherEngine;
use crate::error::{CoreError, CoreResult, EngineError};
use crate::events::{DomainEvent, EventBus};
use crate::model::{
    Container, ContainerState, DeviceConnection, DeviceStatus, HistoryOverview, HistoryPage,
    HistoryQuery, KeepSetting, LogLine, LogQuery, DEFAULT_HISTORY_BUDGET, MIN_HISTORY_BUDGET,
};
use crate::ports::{Bunched, LogHistoryRepository, Repositories};

/// Lines read on first sight of a container (its older lines stay on its engine).
pub const FIRST_TAIL: u32 = 10_000;
/// A stream hands its lines to the writer when it has this many, or at the end of a burst.
const STREAM_BATCH: usize = 1_000;
/// Bytes of lines a stream takes in at once, at most (and one line past).
const BUNCH_BYTES: usize = 1024 * 1024;
/// A burst ends when no line came for this long...
const BURST_GAP: Duration = Duration::from_millis(20);
/// ...and the stream is left alone this long after it.
const BURST_PAUSE: Duration = Duration::from_millis(1_000);
/// The writer stores at most this often (what arrives meanwhile goes in one transaction).
const WRITE_PERIOD: Duration = Duration::from_millis(250);
/// How often the writer checks the budget.
const TRIM_PERIOD: Duration = Duration::from_secs(10);
/// Containers kept at once, at most (one engine connection each); the others wait for a
/// stream to end and are counted in the overview.
pub const MAX_INGEST_STREAMS: usize = 256;
/// Batches waiting for the writer, at most; streams wait beyond (the engine keeps the log).
const WRITER_QUEUE: usize = 64;

type Batch = Vec<(i64, LogLine)>;

/// A task that stops when its handle goes (the writer's trim, when the writer stops).
struct Aborted(JoinHandle<()>);

impl Drop for Aborted {
    fn drop(&mut self) {
        self.0.abort();
    }
}

struct Ingest {
    generation: u64,
    name: String,
    device_uuid: String,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct State {
    ingesting: HashMap<String, Ingest>,
    /// Explicit choices by (device, name); name "" is the device's.
    settings: HashMap<(String, String), bool>,
    /// Devices reached through the local socket (kept by default).
    local: HashMap<String, bool>,
    /// Kept running containers left without a stream by [`MAX_INGEST_STREAMS`].
    waiting: std::collections::HashSet<String>,
    budget: u64,
    /// Shut down: no stream opens any more.
    stopped: bool,
}

/// Keeps container logs in the history and answers questions about it.
pub struct LogHistoryService {
    archive: Arc<dyn LogHistoryRepository>,
    repos: Arc<dyn Repositories>,
    engine: Arc<WatcherEngine>,
    bus: EventBus,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    generation: AtomicU64,
    writer: OnceLock<mpsc::Sender<Batch>>,
}

impl LogHistoryService {
    pub fn new(
        archive: Arc<dyn LogHistoryRepository>,
        repos: Arc<dyn Repositories>,
        engine: Arc<WatcherEngine>,
        bus: EventBus,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            archive,
            repos,
            engine,
            bus,
            clock,
            state: Mutex::new(State {
                budget: DEFAULT_HISTORY_BUDGET,
                ..State::default()
            }),
            generation: AtomicU64::new(1),
            writer: OnceLock::new(),
        }
    }

    fn state(&self) -> CoreResult<std::sync::MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| CoreError::Storage("log history state poisoned".into()))
    }

    /// Reads the settings, then runs the writer and the watch over the inventory (opening
    /// a stream for every kept running container) until aborted.
    pub async fn run(self: Arc<Self>) {
        if let Err(e) = self.load().await {
            tracing::error!(error = %e, "log history: cannot read its settings; nothing is kept");
            return;
        }
        let (tx, rx) = mpsc::channel(WRITER_QUEUE);
        if self.writer.set(tx).is_err() {
            tracing::error!("log history: started twice");
            return;
        }
        // Subscribed before the first scan: nothing seen in between is missed.
        let events = self.bus.subscribe();
        self.scan(None).await;
        tokio::join!(self.clone().write(rx), self.clone().watch(events));
    }

    async fn load(&self) -> CoreResult<()> {
        let settings = self.archive.keep_settings().await?;
        let budget = self.archive.history_budget().await?;
        self.reload_devices().await?;
        let mut state = self.state()?;
        state.settings = settings
            .into_iter()
            .map(|s| ((s.device_uuid, s.name.unwrap_or_default()), s.keep))
            .collect();
        if let Some(budget) = budget {
            state.budget = budget;
        }
        Ok(())
    }

    async fn reload_devices(&self) -> CoreResult<()> {
        let devices = self.repos.list_devices().await?;
        let local = devices
            .into_iter()
            .map(|d| {
                let local = matches!(d.connection, DeviceConnection::LocalSocket { .. });
                (d.uuid, local)
            })
            .collect();
        self.state()?.local = local;
        Ok(())
    }

    /// Whether the container's logs are kept: its own choice, else its device's, else
    /// yes for the local engine.
    fn keeps(state: &State, device_uuid: &str, name: &str) -> bool {
        state
            .settings
            .get(&(device_uuid.to_owned(), name.to_owned()))
            .or_else(|| state.settings.get(&(device_uuid.to_owned(), String::new())))
            .copied()
            .unwrap_or_else(|| state.local.get(device_uuid).copied().unwrap_or(false))
    }

    /// Opens streams for the kept running containers (of one device, or all).
    async fn scan(self: &Arc<Self>, device_uuid: Option<&str>) {
        let containers = match device_uuid {
            Some(device) => self.repos.list_device_containers(device).await,
            None => self.repos.list_containers().await,
        };
        match containers {
            Ok(containers) => {
                for c in containers {
                    self.ensure(&c);
                }
            }
            Err(e) => tracing::warn!(error = %e, "log history: cannot read the containers"),
        }
    }

    /// Starts keeping a running container's log if it should be and is not yet; stops a
    /// renamed container's stream so it continues in the timeline of its new name.
    fn ensure(self: &Arc<Self>, c: &Container) {
        // A kind without a log (a Proxmox guest) has nothing to keep.
        if c.state != ContainerState::Running || !c.kind.capabilities().logs {
            return;
        }
        let Ok(mut state) = self.state() else {
            return;
        };
        if state.stopped {
            return;
        }
        if let Some(ingest) = state.ingesting.get(&c.uuid) {
            if ingest.name == c.name {
                return;
            }
            ingest.task.abort();
            state.ingesting.remove(&c.uuid);
        }
        if !Self::keeps(&state, &c.device_uuid, &c.name) {
            state.waiting.remove(&c.uuid);
            return;
        }
        if state.ingesting.len() >= MAX_INGEST_STREAMS {
            if state.waiting.insert(c.uuid.clone()) && state.waiting.len() == 1 {
                tracing::warn!(
                    "log history: more than {MAX_INGEST_STREAMS} containers to keep; the others wait"
                );
            }
            return;
        }
        state.waiting.remove(&c.uuid);
        let generation = self.generation.fetch_add(1, Ordering::Relaxed);
        let this = self.clone();
        let container = c.clone();
        // Inserted under the lock: the task cannot end and remove itself before.
        let task = tokio::spawn(async move {
            let result = this.ingest(&container).await;
            // The device carries all the streams it may: wait for one to end.
            let busy = matches!(result, Err(CoreError::Engine(EngineError::Busy(_))));
            if let Err(e) = &result {
                tracing::info!(container = %container.name, error = %e, "log history: stream ended");
            }
            let waiting = match this.state() {
                Ok(mut state) => {
                    if state
                        .ingesting
                        .get(&container.uuid)
                        .is_some_and(|i| i.generation == generation)
                    {
                        state.ingesting.remove(&container.uuid);
                    }
                    if busy {
                        state.waiting.insert(container.uuid.clone());
                        Default::default()
                    } else {
                        std::mem::take(&mut state.waiting)
                    }
                }
                Err(_) => Default::default(),
            };
            // A stream ended: room for one that waits.
            if !waiting.is_empty() {
                this.scan(None).await;
            }
            // The engine ended the log (the container stopped). If it runs again by now (a
            // restart while this stream still read its last burst), it is kept again.
            if result.is_ok() {
                tokio::time::sleep(BURST_PAUSE).await;
                if let Ok(Some(c)) = this.repos.get_container(&container.uuid).await {
                    this.ensure(&c);
                }
            }
        });
        state.ingesting.insert(
            c.uuid.clone(),
            Ingest {
                generation,
                name: c.name.clone(),
                device_uuid: c.device_uuid.clone(),
                task,
            },
        );
    }

    /// One container's stream, until its log ends (it stopped) or fails.
    async fn ingest(&self, c: &Container) -> CoreResult<()> {
        let writer = self
            .writer
            .get()
            .cloned()
            .ok_or_else(|| CoreError::InvalidInput("the log history is not started".into()))?;
        let runtime = self.engine.runtime(&c.device_uuid).await.ok_or_else(|| {
            CoreError::DeviceUnavailable {
                device: c.device_uuid.clone(),
                reason: "its watcher is not running".into(),
            }
        })?;
        let (timeline, last) = self
            .archive
            .open_timeline(&c.device_uuid, &c.name, &c.uuid, &c.image)
            .await?;
        let query = LogQuery {
            // On first sight, the newest lines; after, everything since the newest kept
            // one (the engine counts in whole seconds: the second is read again, and the
            // lines already kept are left out below).
            tail: last.is_none().then_some(FIRST_TAIL),
            since: last.map(|ms| (ms / 1000.0).floor() as i64),
            until: None,
            follow: true,
            stdout: true,
            stderr: true,
        };
        let lines = runtime.logs_for_history(&c.engine_id, &query).await?;
        let mut lines = Bunched::new(lines, STREAM_BATCH, BUNCH_BYTES);
        let send = |batch: Batch| {
            let writer = writer.clone();
            async move {
                if !batch.is_empty() {
                    // The writer is gone only at shutdown.
                    let _ = writer.send(batch).await;
                }
            }
        };
        // Read in bursts: wait for a line (a quiet container costs nothing), take the lines
        // that follow at once, hand them over, then leave the stream alone for a while. Meanwhile
        // the engine's lines wait in the connection, and the next burst reads them in a few
        // large reads instead of a wake-up per line. Kept lines keep the engine's times.
        loop {
            let mut item = lines.next().await;
            let mut batch: Batch = Vec::new();
            loop {
                match item {
                    Some(Ok(bunch)) => {
                        batch.extend(
                            bunch
                                .into_iter()
                                .filter(|line| !last.is_some_and(|last| line.ts <= last))
                                .map(|line| (timeline, line)),
                        );
                        if batch.len() >= STREAM_BATCH {
                            send(std::mem::take(&mut batch)).await;
                        }
                    }
                    Some(Err(e)) => {
                        send(batch).await;
                        return Err(e.into());
                    }
                    None => {
                        send(batch).await;
                        return Ok(());
                    }
                }
                // The burst ends when the engine has nothing more at hand.
                match tokio::time::timeout(BURST_GAP, lines.next()).await {
                    Ok(next) => item = next,
                    Err(_) => break,
                }
            }
            send(batch).await;
            tokio::time::sleep(BURST_PAUSE).await;
        }
    }

    /// Stores what the streams hand over, a few times a second, and keeps to the budget.
    async fn write(self: Arc<Self>, mut rx: mpsc::Receiver<Batch>) {
        let mut trimmed_at = Instant::now();
        // A trim runs beside the writer (it deletes in transactions of its own, between
        // which the writer stores), at most one at a time.
        let mut trim: Option<Aborted> = None;
        while let Some(first) = rx.recv().await {
            let started = Instant::now();
            let mut lines = first;
            while let Ok(more) = rx.try_recv() {
                lines.extend(more);
            }
            if let Err(e) = self.archive.append_lines(&lines).await {
                tracing::warn!(error = %e, lines = lines.len(), "log history: lines not stored");
            }
            if trimmed_at.elapsed() >= TRIM_PERIOD
                && trim.as_ref().is_none_or(|t| t.0.is_finished())
            {
                trimmed_at = Instant::now();
                let budget = self
                    .state()
                    .map(|s| s.budget)
                    .unwrap_or(DEFAULT_HISTORY_BUDGET);
                let archive = self.archive.clone();
                trim = Some(Aborted(tokio::spawn(async move {
                    match archive.trim_history(budget).await {
                        Ok(t) if t.deleted_lines > 0 => tracing::info!(
                            deleted = t.deleted_lines,
                            used = t.used_bytes,
                            "log history: oldest lines trimmed to the budget"
                        ),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "log history: cannot trim"),
                    }
                })));
            }
            tokio::time::sleep_until(started + WRITE_PERIOD).await;
        }
    }

    /// Follows the inventory: containers that start, are renamed or removed, devices that
    /// come back or change.
    async fn watch(self: Arc<Self>, mut events: broadcast::Receiver<DomainEvent>) {
        loop {
            match events.recv().await {
                Ok(DomainEvent::ContainerUpserted { container }) => self.ensure(&container),
                Ok(DomainEvent::ContainerRemoved { uuid, .. }) => {
                    match self
                        .archive
                        .container_removed(&uuid, self.clock.now_secs())
                        .await
                    {
                        // Said after it is stored: a window that read the timelines when
                        // the container went may have read them before this.
                        Ok(()) => self.bus.publish(DomainEvent::HistoryChanged),
                        Err(e) => tracing::warn!(error = %e, "log history: removal not recorded"),
                    }
                }
                Ok(DomainEvent::DeviceStatusChanged {
                    device_uuid,
                    status: DeviceStatus::Online { .. },
                }) => self.scan(Some(&device_uuid)).await,
                Ok(DomainEvent::DevicesChanged) => {
                    if let Err(e) = self.reload_devices().await {
                        tracing::warn!(error = %e, "log history: cannot read the devices");
                    }
                    self.drop_gone_devices();
                    self.scan(None).await;
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => self.scan(None).await,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    /// Stops the streams of devices that were removed.
    fn drop_gone_devices(&self) {
        if let Ok(mut state) = self.state() {
            let local = state.local.clone();
            state.ingesting.retain(|_, i| {
                let keep = local.contains_key(&i.device_uuid);
                if !keep {
                    i.task.abort();
                }
                keep
            });
        }
    }

    /// Chooses whether a device's containers (`name: None`) or one container are kept;
    /// `keep: None` returns to the default. Streams start or stop at once.
    pub async fn set_keep(
        self: &Arc<Self>,
        device_uuid: &str,
        name: Option<&str>,
        keep: Option<bool>,
    ) -> CoreResult<()> {
        if self.repos.get_device(device_uuid).await?.is_none() {
            return Err(CoreError::not_found(format!("device {device_uuid}")));
        }
        self.archive.set_keep(device_uuid, name, keep).await?;
        {
            let mut state = self.state()?;
            let key = (device_uuid.to_owned(), name.unwrap_or("").to_owned());
            match keep {
                Some(keep) => state.settings.insert(key, keep),
                None => state.settings.remove(&key),
            };
            let stop: Vec<String> = state
                .ingesting
                .iter()
                .filter(|(_, i)| {
                    i.device_uuid == device_uuid && !Self::keeps(&state, &i.device_uuid, &i.name)
                })
                .map(|(uuid, _)| uuid.clone())
                .collect();
            for uuid in stop {
                if let Some(i) = state.ingesting.remove(&uuid) {
                    i.task.abort();
                }
            }
        }
        self.scan(Some(device_uuid)).await;
        Ok(())
    }

    /// Sets the space the history may take; the next trim keeps to it.
    pub async fn set_budget(&self, bytes: u64) -> CoreResult<()> {
        if bytes < MIN_HISTORY_BUDGET {
            return Err(CoreError::InvalidInput(format!(
                "the log history needs at least {} MiB",
                MIN_HISTORY_BUDGET / 1024 / 1024
            )));
        }
        self.archive.set_history_budget(bytes).await?;
        self.state()?.budget = bytes;
        let trim = self.archive.trim_history(bytes).await?;
        tracing::info!(
            budget = bytes,
            deleted = trim.deleted_lines,
            "log history budget set"
        );
        Ok(())
    }

    pub async fn overview(&self) -> CoreResult<HistoryOverview> {
        let timelines = self.archive.timelines().await?;
        let used_bytes = self.archive.history_used_bytes().await?;
        let state = self.state()?;
        let settings = state
            .settings
            .iter()
            .map(|((device_uuid, name), keep)| KeepSetting {
                device_uuid: device_uuid.clone(),
                name: (!name.is_empty()).then(|| name.clone()),
                keep: *keep,
            })
            .collect();
        let mut kept_devices: Vec<String> = state
            .local
            .keys()
            .filter(|d| Self::keeps(&state, d, ""))
            .cloned()
            .collect();
        kept_devices.sort();
        let mut ingesting: Vec<String> = state.ingesting.keys().cloned().collect();
        ingesting.sort();
        Ok(HistoryOverview {
            timelines,
            used_bytes,
            budget_bytes: state.budget,
            settings,
            kept_devices,
            ingesting,
            waiting: state.waiting.len() as u32,
        })
    }

    pub async fn query(&self, query: &HistoryQuery) -> CoreResult<HistoryPage> {
        self.archive.query_history(query).await
    }

    /// Forgets a timeline and its lines.
    pub async fn forget(&self, timeline: i64) -> CoreResult<()> {
        self.archive.delete_timeline(timeline).await
    }

    /// The containers whose logs are being kept now.
    pub fn ingesting(&self) -> Vec<String> {
        self.state()
            .map(|s| s.ingesting.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Stops every stream (shutdown).
    pub fn stop_all(&self) {
        if let Ok(mut state) = self.state() {
            state.stopped = true;
            for (_, i) in state.ingesting.drain() {
                i.task.abort();
            }
        }
    }
}
