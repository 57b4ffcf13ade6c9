//! Live logs: one stream per viewer, from the container's engine to the viewer's own sink.
//!
//! A stream has two parts. First the lines already written (the tail, the range asked): the
//! viewer asked for all of them, so they are read at the viewer's pace and none is left out.
//! Then, when following, the new lines: they are read as fast as they come, whatever the
//! viewer does. A viewer that falls behind gets at most [`MAX_IN_FLIGHT`] batches it has not
//! answered, the lines that wait for it are bounded ([`MAX_BUFFERED_LINES`],
//! [`MAX_BUFFERED_BYTES`]), and when that is full the oldest waiting lines are left out and
//! the viewer is told how many, and from when to when, so it can read them again as a range.
//! A followed log never lags behind the container.
//!
//! The two parts are two engine requests: the written lines without following, then a
//! follow from the second of the last line read, skipping what was already sent.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{broadcast, mpsc, Notify};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::engine::WatcherEngine;
use crate::error::{CoreError, CoreResult, EngineError};
use crate::events::{DomainEvent, EventBus};
use crate::model::{
    Container, ContainerState, DeviceStatus, LogEndKind, LogEvent, LogLine, LogQuery,
};
use crate::ports::{Bunched, ContainerRuntime, LogLines, Repositories};

/// Batches sent and not yet answered, at most.
pub const MAX_IN_FLIGHT: u32 = 4;
/// Lines in one batch, at most.
pub const MAX_BATCH_LINES: usize = 2_000;
/// Lines waiting for the viewer, at most (beyond, the oldest new lines are left out; lines
/// already written are not read further meanwhile, so they may pass it by one bunch).
pub const MAX_BUFFERED_LINES: usize = 50_000;
/// Bytes of text waiting for the viewer, at most (as lines: written ones may pass it by one
/// bunch, at most 1 MiB and a line).
pub const MAX_BUFFERED_BYTES: usize = 32 * 1024 * 1024;
/// The most lines, and bytes, a viewer's stream takes in at once before it looks at acks,
/// events and timers again (a whole log is read a bunch at a time, not a line at a time).
const READ_BUNCH_LINES: usize = 1_000;
const READ_BUNCH_BYTES: usize = 1024 * 1024;
/// Lines that arrive together are sent together, after at most this long.
const BATCH_DELAY: Duration = Duration::from_millis(40);
/// After the inventory saw the container stop, how long a removal has to follow.
const REMOVAL_WAIT: Duration = Duration::from_millis(500);
/// When the engine ends a followed log, how long the inventory has to say why (the
/// container stopped, or was removed: `docker rm -f` stops it first) before the engine is
/// asked.
const END_REASON_WAIT: Duration = Duration::from_secs(2);

/// Where a stream's events go. Returns `false` once nobody receives them any more.
pub type LogSink = Arc<dyn Fn(LogEvent) -> bool + Send + Sync>;

struct Subscription {
    container_uuid: String,
    acks: Arc<Acks>,
    /// The stream's loop; it ends once its sender has handed on every event. Aborting it
    /// drops the sender's queue, which ends the sender after what it holds.
    task: JoinHandle<()>,
    /// Set when the stream is closed: the sender hands on nothing more, even an event it
    /// already holds.
    closed: Arc<AtomicBool>,
}

impl Subscription {
    fn abort(&self) {
        self.closed.store(true, Ordering::Release);
        self.task.abort();
    }
}

/// The newest batch the viewer answered.
#[derive(Default)]
struct Acks {
    acked: AtomicU32,
    notify: Notify,
}

/// Opens, feeds and closes log streams.
pub struct LogsService {
    repos: Arc<dyn Repositories>,
    engine: Arc<WatcherEngine>,
    bus: EventBus,
    next: AtomicU32,
    open: Arc<Mutex<HashMap<u32, Subscription>>>,
}

impl LogsService {
    pub fn new(repos: Arc<dyn Repositories>, engine: Arc<WatcherEngine>, bus: EventBus) -> Self {
        Self {
            repos,
            engine,
            bus,
            next: AtomicU32::new(1),
            open: Arc::default(),
        }
    }

    /// Opens a stream of a container's log as `query` asks; its events go to `sink` until
    /// it ends or is closed. Returns its id.
    pub async fn open(
        &self,
        container_uuid: &str,
        query: LogQuery,
        sink: LogSink,
    ) -> CoreResult<u32> {
        let (container, runtime) = self.resolve(container_uuid, &query).await?;
        // Subscribed before the stream opens: a removal in between is not missed.
        let events = self.bus.subscribe();
        let follow = query.follow && query.until.is_none();
        // The written lines first, at the viewer's pace; the follow opens after them.
        let written = LogQuery {
            follow: false,
            ..query.clone()
        };
        let lines = runtime.logs(&container.engine_id, &written).await?;
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let acks = Arc::new(Acks::default());
        let (out, mut to_send) = mpsc::unbounded_channel();
        let closed = Arc::new(AtomicBool::new(false));
        let stop = closed.clone();
        // Events are serialized for the viewer (thousands of lines a batch) while the stream
        // goes on reading: the engine is not left waiting meanwhile. The queue holds at most
        // MAX_IN_FLIGHT batches, a skip marker before each, a last skip marker and the end.
        let sender = tokio::spawn(async move {
            while let Some(event) = to_send.recv().await {
                if stop.load(Ordering::Acquire) || !sink(event) {
                    break;
                }
            }
        });
        let feed = Feed {
            out,
            acks: acks.clone(),
            container_uuid: container.uuid.clone(),
            device_uuid: container.device_uuid.clone(),
            engine_id: container.engine_id.clone(),
            follow,
            query,
            runtime,
            engine: self.engine.clone(),
        };
        let open = self.open.clone();
        // Held while spawning: the task cannot end and remove itself before it is inserted.
        let mut map = self
            .open
            .lock()
            .map_err(|_| CoreError::Storage("log streams registry poisoned".into()))?;
        let task = tokio::spawn(async move {
            feed.run(lines, events).await;
            // The stream stays open (and can be closed) until its viewer has been handed
            // every event already sent, its end last.
            let _ = sender.await;
            if let Ok(mut map) = open.lock() {
                map.remove(&id);
            }
        });
        map.insert(
            id,
            Subscription {
                container_uuid: container.uuid,
                acks,
                task,
                closed,
            },
        );
        Ok(id)
    }

    /// The container a query names and its engine's runtime; a query without an output, an
    /// unknown container or a device without a watcher is refused in words.
    async fn resolve(
        &self,
        container_uuid: &str,
        query: &LogQuery,
    ) -> CoreResult<(Container, Arc<dyn ContainerRuntime>)> {
        if !query.stdout && !query.stderr {
            return Err(CoreError::InvalidInput(
                "choose stdout, stderr or both".into(),
            ));
        }
        let container = self
            .repos
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
        Ok((container, runtime))
    }

    /// A container's log as lines, read straight from its engine (for a download: nothing
    /// is buffered or dropped, the reader sets the pace). `query.follow` is ignored.
    pub async fn read(&self, container_uuid: &str, query: LogQuery) -> CoreResult<LogLines> {
        let (container, runtime) = self.resolve(container_uuid, &query).await?;
        let query = LogQuery {
            follow: false,
            ..query
        };
        Ok(runtime.logs(&container.engine_id, &query).await?)
    }

    /// Several containers' logs as [`read`](Self::read) reads one, each with its name to
    /// show (with its device's, when another container of the list has the same name).
    pub async fn read_named(
        &self,
        container_uuids: &[String],
        query: LogQuery,
    ) -> CoreResult<Vec<(String, LogLines)>> {
        let mut containers = Vec::with_capacity(container_uuids.len());
        for uuid in container_uuids {
            containers.push(self.resolve(uuid, &query).await?.0);
        }
        let mut out = Vec::with_capacity(containers.len());
        for c in &containers {
            let twins = containers.iter().filter(|o| o.name == c.name).count() > 1;
            let name = if twins {
                let device = self.repos.get_device(&c.device_uuid).await?;
                format!(
                    "{}@{}",
                    c.name,
                    device.map_or_else(|| c.device_uuid.clone(), |d| d.name)
                )
            } else {
                c.name.clone()
            };
            out.push((name, self.read(&c.uuid, query.clone()).await?));
        }
        Ok(out)
    }

    /// The viewer has taken every batch up to `seq`.
    pub fn ack(&self, id: u32, seq: u32) {
        if let Some(acks) = self
            .open
            .lock()
            .ok()
            .and_then(|m| m.get(&id).map(|s| s.acks.clone()))
        {
            acks.acked.fetch_max(seq, Ordering::AcqRel);
            acks.notify.notify_one();
        }
    }

    /// Closes one stream, and with it the engine connection. Closing one that ended is fine.
    pub fn close(&self, id: u32) {
        if let Some(s) = self.open.lock().ok().and_then(|mut m| m.remove(&id)) {
            s.abort();
        }
    }

    /// Closes every stream (the window reloaded: nobody reads them).
    pub fn close_all(&self) {
        if let Ok(mut map) = self.open.lock() {
            for (_, s) in map.drain() {
                s.abort();
            }
        }
    }

    /// The containers with a stream open, one entry per stream.
    pub fn open_streams(&self) -> Vec<String> {
        self.open
            .lock()
            .map(|m| m.values().map(|s| s.container_uuid.clone()).collect())
            .unwrap_or_default()
    }
}

/// One stream's loop: read the engine, send to the viewer as it keeps up, end with a reason.
struct Feed {
    /// To the task that hands events to the viewer's sink; closed once nobody receives them.
    out: mpsc::UnboundedSender<LogEvent>,
    acks: Arc<Acks>,
    container_uuid: String,
    device_uuid: String,
    engine_id: String,
    follow: bool,
    /// What the viewer asked (its follow opens from it).
    query: LogQuery,
    runtime: Arc<dyn ContainerRuntime>,
    engine: Arc<WatcherEngine>,
}

/// Lines waiting for the viewer, and what was left out of them.
#[derive(Default)]
struct Waiting {
    lines: VecDeque<LogLine>,
    bytes: usize,
    skipped: Option<(u32, f64, f64)>,
}

impl Waiting {
    /// Adds a line. A new line (`live`) past the bounds leaves the oldest waiting out; a
    /// written one never does (reading stops instead, see [`Self::has_room`]; the last
    /// line read may pass the bytes bound by its own length).
    fn push(&mut self, line: LogLine, live: bool) {
        self.bytes += line.text.len();
        self.lines.push_back(line);
        while live && (self.lines.len() > MAX_BUFFERED_LINES || self.bytes > MAX_BUFFERED_BYTES) {
            let Some(old) = self.lines.pop_front() else {
                break;
            };
            self.bytes -= old.text.len();
            self.skipped = Some(match self.skipped {
                Some((n, from, _)) => (n.saturating_add(1), from, old.ts),
                None => (1, old.ts, old.ts),
            });
        }
    }

    /// Whether more written lines may be read now (they wait rather than being left out).
    fn has_room(&self) -> bool {
        self.lines.len() < MAX_BUFFERED_LINES && self.bytes < MAX_BUFFERED_BYTES
    }

    fn take_batch(&mut self) -> Vec<LogLine> {
        let n = self.lines.len().min(MAX_BATCH_LINES);
        let batch: Vec<LogLine> = self.lines.drain(..n).collect();
        self.bytes -= batch.iter().map(|l| l.text.len()).sum::<usize>();
        batch
    }
}

/// A viewer's lines taken a bunch at a time: those read together from the engine.
fn bunched(lines: LogLines) -> Bunched {
    Bunched::new(lines, READ_BUNCH_LINES, READ_BUNCH_BYTES)
}

impl Feed {
    async fn run(self, lines: LogLines, mut events: broadcast::Receiver<DomainEvent>) {
        let mut lines = bunched(lines);
        let mut waiting = Waiting::default();
        let mut seq = 0u32;
        let mut flush_at: Option<Instant> = None;
        let mut end: Option<(LogEndKind, String)> = None;
        let mut reading = true;
        // The engine ended a followed log: why is decided by this time at the latest.
        let mut why_by: Option<Instant> = None;
        let mut stopped = false;
        // Reading the lines already written (the first request); then following.
        let mut written = true;
        // The newest line sent from the written part: the follow skips it and those before.
        let mut newest: Option<f64> = None;
        loop {
            tokio::select! {
                biased;
                // Nobody receives the events any more (the viewer's page went away): the
                // engine connection closes now, not at the next line.
                () = self.out.closed() => return,
                () = self.acks.notify.notified() => {}
                event = events.recv(), if end.is_none() => {
                    if let Ok(DomainEvent::ContainerUpserted { container }) = &event {
                        // After the engine ended the log, the inventory saw the container
                        // stop. A removal may follow at once (`docker rm -f` stops first).
                        if !reading && container.uuid == self.container_uuid && container.state != ContainerState::Running {
                            stopped = true;
                            let soon = Instant::now() + REMOVAL_WAIT;
                            why_by = Some(why_by.map_or(soon, |t| t.min(soon)));
                        }
                    } else if let Some(e) = self.ends_because(event).await {
                        end = Some(e);
                        reading = false;
                    }
                }
                item = lines.next(), if reading && (!written || waiting.has_room()) => match item {
                    Some(Ok(bunch)) => {
                        for line in bunch {
                            if written {
                                newest = Some(newest.map_or(line.ts, |t| t.max(line.ts)));
                            } else if newest.is_some_and(|t| line.ts <= t) {
                                continue;
                            }
                            waiting.push(line, !written);
                        }
                        if !waiting.lines.is_empty() {
                            flush_at.get_or_insert_with(|| Instant::now() + BATCH_DELAY);
                        }
                    }
                    Some(Err(e)) => {
                        reading = false;
                        end = Some(self.failed(e));
                    }
                    None if written && self.follow => {
                        written = false;
                        // The written part's stream goes first: its engine connection, and
                        // over SSH its slot, are the follow's.
                        lines = bunched(Box::pin(futures_util::stream::empty()));
                        match self.runtime.logs(&self.engine_id, &follow_after(&self.query, newest)).await {
                            Ok(follow) => lines = bunched(follow),
                            Err(e) => {
                                reading = false;
                                end = Some(self.failed(e));
                            }
                        }
                    }
                    None if self.follow => {
                        reading = false;
                        why_by = Some(Instant::now() + END_REASON_WAIT);
                    }
                    None => {
                        reading = false;
                        end = Some((LogEndKind::Complete, "end of the log".into()));
                    }
                },
                () = sleep_until(flush_at) => flush_at = None,
                () = sleep_until(why_by), if end.is_none() => {
                    why_by = None;
                    end = Some(if stopped {
                        (LogEndKind::Stopped, "the container stopped".into())
                    } else {
                        self.finished().await
                    });
                }
            }
            // Batches go when they are full, when the delay is over, or at the end.
            let due = flush_at.is_none() || waiting.lines.len() >= MAX_BATCH_LINES || end.is_some();
            while due
                && !waiting.lines.is_empty()
                && seq.wrapping_sub(self.acks.acked.load(Ordering::Acquire)) < MAX_IN_FLIGHT
            {
                if let Some((count, from, to)) = waiting.skipped.take() {
                    if !self.send(LogEvent::Skipped { count, from, to }) {
                        return;
                    }
                }
                seq = seq.wrapping_add(1);
                let batch = waiting.take_batch();
                if !self.send(LogEvent::Lines { seq, lines: batch }) {
                    return;
                }
            }
            if !waiting.lines.is_empty() && flush_at.is_none() {
                flush_at = Some(Instant::now() + BATCH_DELAY);
            }
            if let Some((kind, message)) = &end {
                if waiting.lines.is_empty() {
                    if let Some((count, from, to)) = waiting.skipped.take() {
                        self.send(LogEvent::Skipped { count, from, to });
                    }
                    self.send(LogEvent::Ended {
                        kind: *kind,
                        message: message.clone(),
                    });
                    return;
                }
            }
        }
    }

    /// Hands `event` on to the viewer; `false` once nobody receives it.
    fn send(&self, event: LogEvent) -> bool {
        self.out.send(event).is_ok()
    }

    /// Whether an inventory event ends this stream: its container removed, its device gone.
    async fn ends_because(
        &self,
        event: Result<DomainEvent, broadcast::error::RecvError>,
    ) -> Option<(LogEndKind, String)> {
        match event {
            Ok(DomainEvent::ContainerRemoved { uuid, .. }) if uuid == self.container_uuid => {
                Some((LogEndKind::Removed, "the container was removed".into()))
            }
            Ok(DomainEvent::DeviceStatusChanged {
                device_uuid,
                status,
            }) if device_uuid == self.device_uuid => match status {
                DeviceStatus::Online { .. } | DeviceStatus::Connecting => None,
                DeviceStatus::Unreachable { reason } => Some((
                    LogEndKind::DeviceGone,
                    format!("the device is unreachable: {reason}"),
                )),
                DeviceStatus::HostKeyUnknown { .. } => Some((
                    LogEndKind::DeviceGone,
                    "the device's SSH host key must be approved again".into(),
                )),
                DeviceStatus::Disabled => {
                    Some((LogEndKind::DeviceGone, "the device was disabled".into()))
                }
            },
            Ok(DomainEvent::DevicesChanged) | Err(broadcast::error::RecvError::Lagged(_)) => {
                // A removed device has no watcher any more.
                self.engine
                    .runtime(&self.device_uuid)
                    .await
                    .is_none()
                    .then(|| (LogEndKind::DeviceGone, "the device was removed".into()))
            }
            Err(broadcast::error::RecvError::Closed) => {
                Some((LogEndKind::DeviceGone, "Squirrel is shutting down".into()))
            }
            Ok(_) => None,
        }
    }

    fn failed(&self, e: EngineError) -> (LogEndKind, String) {
        match e {
            EngineError::NoSuchObject(_) => {
                (LogEndKind::Removed, "the container was removed".into())
            }
            other => (
                LogEndKind::Failed,
                format!("the engine stopped sending the log: {other}"),
            ),
        }
    }

    /// The engine ended a followed log and the inventory said nothing in time: ask the engine.
    async fn finished(&self) -> (LogEndKind, String) {
        // The engine ends a followed log when the container stops (or is removed).
        match self.runtime.inspect(&self.engine_id).await {
            Err(EngineError::NoSuchObject(_)) => {
                (LogEndKind::Removed, "the container was removed".into())
            }
            _ => (LogEndKind::Stopped, "the container stopped".into()),
        }
    }
}

/// The follow that continues a log after its written lines: from the second of the newest
/// line sent (the lines of that second already sent are skipped), or as asked when none was.
fn follow_after(query: &LogQuery, newest: Option<f64>) -> LogQuery {
    match newest {
        Some(ts) => LogQuery {
            tail: None,
            since: Some((ts / 1000.0).floor() as i64),
            until: None,
            follow: true,
            ..query.clone()
        },
        None => LogQuery {
            follow: true,
            ..query.clone()
        },
    }
}

/// Waits until `at`, or for ever without one.
pub(crate) async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
