//! Container stats from the Docker Engine: mapping `/containers/{id}/stats` to readings
//! with the docker CLI's formulas, and the per-device collector.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::{ListContainersOptions, StatsOptions};
use bollard::Docker;
use futures_util::{stream, StreamExt};
use serde::Deserialize;
use squirrel_core::model::{CpuCounters, EngineSample, StatsReading};
use squirrel_core::ports::StatsSink;
use tracing::Instrument;

use crate::client::Engine;
use crate::http1::encode;
use crate::keepalive::{Requester, IDLE_KEEP};
use crate::rfc3339;
use crate::turns::{AbortOnDrop, Turns};

/// Stats calls in flight at once per device, at least and at most. Engines before 25.0
/// answer a one-shot call at their collector's next 1 s tick, so a call mostly waits: the
/// collector keeps enough calls in flight to finish a round within half its interval, and
/// the engine does the same work whatever the concurrency (one pass per tick over the
/// containers asked for).
pub const MIN_CONCURRENCY: usize = 4;
pub const MAX_CONCURRENCY: usize = 128;

/// How many stats calls a round of `containers` keeps in flight at `interval`.
pub fn concurrency(containers: usize, interval: Duration) -> usize {
    let half = (interval.as_secs() / 2).max(1) as usize;
    containers
        .div_ceil(half)
        .clamp(MIN_CONCURRENCY, MAX_CONCURRENCY)
}

/// A stats call that takes longer is given up for this round.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest stats answer read (one is a few KiB; a container on very many networks
/// makes it longer).
const MAX_STATS_BODY: usize = 1024 * 1024;
/// The longest list of running containers read (about 2 KiB each).
const MAX_LIST_BODY: usize = 64 * 1024 * 1024;

/// What a stats answer holds that a reading uses; every other field of the engine's answer
/// is skipped unread (the cgroup's whole `memory_stats.stats` map among them).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawStats {
    pub read: Option<String>,
    pub cpu_stats: Option<RawCpu>,
    pub precpu_stats: Option<RawCpu>,
    pub memory_stats: Option<RawMemory>,
    pub networks: Option<HashMap<String, RawNetwork>>,
    pub blkio_stats: Option<RawBlkio>,
    pub pids_stats: Option<RawPids>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawCpu {
    pub cpu_usage: Option<RawCpuUsage>,
    pub system_cpu_usage: Option<u64>,
    pub online_cpus: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawCpuUsage {
    pub total_usage: Option<u64>,
    pub percpu_usage: Option<Vec<u64>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawMemory {
    pub usage: Option<u64>,
    pub limit: Option<u64>,
    pub stats: Option<RawMemoryStats>,
}

/// The two counters of the cgroup's memory map the CLI's formula reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawMemoryStats {
    pub total_inactive_file: Option<u64>,
    pub inactive_file: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawNetwork {
    pub rx_bytes: Option<u64>,
    pub tx_bytes: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawBlkio {
    pub io_service_bytes_recursive: Option<Vec<RawBlkioEntry>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawBlkioEntry {
    pub op: Option<String>,
    pub value: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawPids {
    pub current: Option<u64>,
}

impl From<&ContainerStatsResponse> for RawStats {
    /// The same fields out of bollard's full model (the live stream of one container
    /// comes through bollard).
    fn from(s: &ContainerStatsResponse) -> Self {
        let cpu = |c: &bollard::models::ContainerCpuStats| RawCpu {
            cpu_usage: c.cpu_usage.as_ref().map(|u| RawCpuUsage {
                total_usage: u.total_usage,
                percpu_usage: u.percpu_usage.clone(),
            }),
            system_cpu_usage: c.system_cpu_usage,
            online_cpus: c.online_cpus,
        };
        RawStats {
            read: s.read.clone(),
            cpu_stats: s.cpu_stats.as_ref().map(cpu),
            precpu_stats: s.precpu_stats.as_ref().map(cpu),
            memory_stats: s.memory_stats.as_ref().map(|m| RawMemory {
                usage: m.usage,
                limit: m.limit,
                stats: m.stats.as_ref().map(|st| RawMemoryStats {
                    total_inactive_file: st.get("total_inactive_file").copied(),
                    inactive_file: st.get("inactive_file").copied(),
                }),
            }),
            networks: s.networks.as_ref().map(|nets| {
                nets.iter()
                    .map(|(name, n)| {
                        let net = RawNetwork {
                            rx_bytes: n.rx_bytes,
                            tx_bytes: n.tx_bytes,
                        };
                        (name.clone(), net)
                    })
                    .collect()
            }),
            blkio_stats: s.blkio_stats.as_ref().map(|b| RawBlkio {
                io_service_bytes_recursive: b.io_service_bytes_recursive.as_ref().map(|es| {
                    es.iter()
                        .map(|e| RawBlkioEntry {
                            op: e.op.clone(),
                            value: e.value,
                        })
                        .collect()
                }),
            }),
            pids_stats: s
                .pids_stats
                .as_ref()
                .map(|p| RawPids { current: p.current }),
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Memory in use as the docker CLI computes it: cgroup v1 subtracts `total_inactive_file`,
/// cgroup v2 `inactive_file`, each only when smaller than the usage.
fn memory_used(usage: u64, stats: Option<&RawMemoryStats>) -> u64 {
    let inactive = stats.and_then(|s| s.total_inactive_file.or(s.inactive_file));
    match inactive {
        Some(v) if v < usage => usage - v,
        _ => usage,
    }
}

/// The reading in one stats response, or `None` when the container is not running (the
/// engine then answers with only its id and name, or, on a stream, with zeroed counters
/// read at the zero time `0001-01-01T00:00:00Z`).
pub fn reading(s: &RawStats) -> Option<StatsReading> {
    let read_at_ms = match s.read.as_deref().map(rfc3339::parse_unix_millis) {
        Some(Some(ms)) if ms <= 0 => return None,
        Some(Some(ms)) => ms,
        _ => now_ms(),
    };
    let cpu = s.cpu_stats.as_ref()?;
    let usage = cpu.cpu_usage.as_ref()?;
    let total = usage.total_usage?;
    if total == 0 && cpu.system_cpu_usage.unwrap_or(0) == 0 {
        return None;
    }
    let online_cpus = match cpu.online_cpus {
        Some(n) if n > 0 => n,
        _ => usage
            .percpu_usage
            .as_ref()
            .map(|v| u32::try_from(v.len()).unwrap_or(u32::MAX))
            .unwrap_or(0),
    };
    let pre_cpu = s.precpu_stats.as_ref().and_then(|p| {
        Some(CpuCounters {
            total_ns: p.cpu_usage.as_ref()?.total_usage?,
            system_ns: p.system_cpu_usage?,
        })
    });
    let mem = s.memory_stats.as_ref();
    let (net_rx, net_tx) = s
        .networks
        .as_ref()
        .map(|nets| {
            nets.values().fold((0u64, 0u64), |(rx, tx), n| {
                (
                    rx.saturating_add(n.rx_bytes.unwrap_or(0)),
                    tx.saturating_add(n.tx_bytes.unwrap_or(0)),
                )
            })
        })
        .unwrap_or((0, 0));
    let (blk_read, blk_write) = s
        .blkio_stats
        .as_ref()
        .and_then(|b| b.io_service_bytes_recursive.as_ref())
        .map(|entries| {
            entries.iter().fold((0u64, 0u64), |(r, w), e| {
                let v = e.value.unwrap_or(0);
                match e.op.as_deref().and_then(|op| op.chars().next()) {
                    Some('r' | 'R') => (r.saturating_add(v), w),
                    Some('w' | 'W') => (r, w.saturating_add(v)),
                    _ => (r, w),
                }
            })
        })
        .unwrap_or((0, 0));
    Some(StatsReading {
        read_at_ms,
        cpu_total_ns: total,
        system_cpu_ns: cpu.system_cpu_usage.unwrap_or(0),
        online_cpus,
        pre_cpu,
        memory_used: mem
            .map(|m| memory_used(m.usage.unwrap_or(0), m.stats.as_ref()))
            .unwrap_or(0),
        memory_limit: mem.and_then(|m| m.limit).unwrap_or(0),
        net_rx_bytes: net_rx,
        net_tx_bytes: net_tx,
        block_read_bytes: blk_read,
        block_write_bytes: blk_write,
        pids: s.pids_stats.as_ref().and_then(|p| p.current).unwrap_or(0),
    })
}

/// The engine's refusal in its own words (`{"message": ...}`), or its status.
fn refusal(status: u16, body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Message {
        message: String,
    }
    match serde_json::from_slice::<Message>(body) {
        Ok(m) => format!("the engine refused ({status}): {}", m.message),
        Err(_) => format!("the engine refused ({status})"),
    }
}

/// Running containers' ids, as the engine lists them.
#[derive(Deserialize)]
struct Listed {
    #[serde(rename = "Id")]
    id: String,
}

/// `{"status":["running"]}`, the list filter of a round.
const RUNNING: &str = "%7B%22status%22%3A%5B%22running%22%5D%7D";

/// What a round asks the engine, apart from the collector's state: a handle that can go to
/// the turns thread.
#[derive(Clone)]
struct Reader {
    requests: Arc<Requester>,
    /// Where connections are scarce (SSH: a channel each, under one limit for the device),
    /// rounds go through the client's own pool instead: connections of the collector's own
    /// would wait for channels that the pool keeps idle (measured: a fault test of 30
    /// containers over `dial-stdio` lost calls to the 5 s deadline).
    shared: Option<Docker>,
    api_version: String,
}

impl Reader {
    /// Every running container's reading (`None`: none this round), on the turns thread
    /// (see [`crate::turns`]) unless rounds go through the client's pool (its connections
    /// belong to the app's runtime).
    async fn read_in_turns(
        self,
        interval: Duration,
    ) -> Result<Vec<(String, Option<StatsReading>)>, String> {
        if self.shared.is_none() {
            if let Some(turns) = Turns::get() {
                let on = turns.on();
                let task = turns.handle.spawn(
                    async move {
                        let _on = on;
                        self.read_all(interval).await
                    }
                    .in_current_span(),
                );
                let _stop_with_us = AbortOnDrop(task.abort_handle());
                return task
                    .await
                    .map_err(|e| format!("the stats round stopped: {e}"))?;
            }
        }
        self.read_all(interval).await
    }

    async fn read_all(
        self,
        interval: Duration,
    ) -> Result<Vec<(String, Option<StatsReading>)>, String> {
        let ids = self.running().await?;
        let in_flight = concurrency(ids.len(), interval);
        let this = &self;
        Ok(stream::iter(ids)
            .map(|id| async move {
                match this.read_once(&id).await {
                    Ok(r) => (id, r),
                    Err(e) => {
                        tracing::debug!(container = %id, error = %e, "stats call failed");
                        (id, None)
                    }
                }
            })
            .buffer_unordered(in_flight)
            .collect()
            .await)
    }

    /// The ids of the running containers.
    async fn running(&self) -> Result<Vec<String>, String> {
        if let Some(docker) = &self.shared {
            let filters = HashMap::from([("status".to_string(), vec!["running".to_string()])]);
            let running = docker
                .list_containers(Some(ListContainersOptions {
                    all: false,
                    filters: Some(filters),
                    ..Default::default()
                }))
                .await
                .map_err(|e| e.to_string())?;
            return Ok(running.into_iter().filter_map(|c| c.id).collect());
        }
        let path = format!("/v{}/containers/json?filters={RUNNING}", self.api_version);
        let answer =
            tokio::time::timeout(CALL_TIMEOUT * 6, self.requests.get(&path, MAX_LIST_BODY))
                .await
                .map_err(|_| "the engine took too long to list its containers".to_string())??;
        if answer.status != 200 {
            return Err(refusal(answer.status, &answer.body));
        }
        let listed: Vec<Listed> = serde_json::from_slice(&answer.body)
            .map_err(|e| format!("the engine's list of containers is not understood: {e}"))?;
        Ok(listed.into_iter().map(|c| c.id).collect())
    }

    /// One reading of one container, at once (`one-shot`: the engine does not wait a
    /// second to fill `precpu_stats`; the previous round supplies it). `None`: the
    /// container is not running (any more).
    async fn read_once(&self, id: &str) -> Result<Option<StatsReading>, String> {
        if let Some(docker) = &self.shared {
            let mut s = docker.stats(
                id,
                Some(StatsOptions {
                    stream: false,
                    one_shot: true,
                }),
            );
            return match tokio::time::timeout(CALL_TIMEOUT, s.next()).await {
                Err(_) => Err("the engine took too long to answer".into()),
                Ok(None) => Ok(None),
                Ok(Some(Err(e))) => Err(e.to_string()),
                Ok(Some(Ok(r))) => Ok(reading(&RawStats::from(&r))),
            };
        }
        let path = format!(
            "/v{}/containers/{}/stats?stream=false&one-shot=true",
            self.api_version,
            encode(id)
        );
        let answer = tokio::time::timeout(CALL_TIMEOUT, self.requests.get(&path, MAX_STATS_BODY))
            .await
            .map_err(|_| "the engine took too long to answer".to_string())??;
        match answer.status {
            200 => {}
            // Removed since the list: nothing to read.
            404 => return Ok(None),
            status => return Err(refusal(status, &answer.body)),
        }
        let raw: RawStats = serde_json::from_slice(&answer.body)
            .map_err(|e| format!("the engine's stats are not understood: {e}"))?;
        Ok(reading(&raw))
    }
}

/// Samples one device's running containers every `interval` and reports each round. Its
/// requests go on connections of its own (but over SSH), kept from one round to the next
/// when rounds come within [`IDLE_KEEP`], read without hyper and decoded into only the
/// fields a reading uses.
pub struct StatsCollector {
    reader: Reader,
    device_uuid: String,
    sink: Arc<dyn StatsSink>,
    interval: Duration,
    previous: HashMap<String, StatsReading>,
}

impl StatsCollector {
    pub(crate) fn new(
        engine: &Engine,
        device_uuid: String,
        sink: Arc<dyn StatsSink>,
        interval: Duration,
    ) -> Self {
        Self {
            reader: Reader {
                requests: Arc::new(Requester::new(engine.dial.clone())),
                api_version: engine.docker.client_version().to_string(),
                shared: engine.slots.as_ref().map(|_| engine.docker.clone()),
            },
            device_uuid,
            sink,
            interval,
            previous: HashMap::new(),
        }
    }

    /// A collector for the engine at the local socket `path`, speaking API `api_version`
    /// (benchmarks use it beside the app's own).
    pub fn for_socket(
        path: &str,
        api_version: &str,
        device_uuid: String,
        sink: Arc<dyn StatsSink>,
        interval: Duration,
    ) -> Result<Self, String> {
        let (docker, dial) = crate::unix::connect(path, 60).map_err(|e| e.to_string())?;
        let mut collector = Self::new(
            &Engine {
                docker,
                dial,
                slots: None,
            },
            device_uuid,
            sink,
            interval,
        );
        collector.reader.api_version = api_version.to_string();
        Ok(collector)
    }

    /// Runs a round every interval until the task is dropped. A round starts only after
    /// the previous one ended (no overlap, however slow the engine).
    pub async fn run(mut self) {
        let mut tick = tokio::time::interval(self.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.round().await {
                tracing::debug!(device = %self.device_uuid, error = %e, "stats round failed");
            }
        }
    }

    /// One round: read every running container (a few at a time), turn readings into
    /// samples against the previous round, report those that have a previous reading.
    pub async fn round(&mut self) -> Result<usize, String> {
        let result = self.round_unkept().await;
        // Connections idle until the next round would pass their keep: closed now (an SSH
        // channel each, given back), as after a failed round.
        if result.is_err() || self.interval >= IDLE_KEEP {
            self.reader.requests.close_idle();
        }
        result
    }

    async fn round_unkept(&mut self) -> Result<usize, String> {
        let readings = self.reader.clone().read_in_turns(self.interval).await?;
        let received_at = now_ms() as f64 / 1000.0;
        let mut next = HashMap::with_capacity(readings.len());
        let mut samples = Vec::with_capacity(readings.len());
        for (id, reading) in readings {
            let Some(reading) = reading else { continue };
            if let Some(prev) = self.previous.get(&id) {
                let mut sample = reading.sample(Some(prev));
                // Stored on the app's clock: remote engines' clocks drift.
                sample.ts = received_at;
                samples.push(EngineSample {
                    engine_id: id.clone(),
                    sample,
                });
            }
            next.insert(id, reading);
        }
        // The first reading of a container has nothing to diff against; a round with no
        // running container at all is still worth recording (the device's load is nil).
        let nothing_running = next.is_empty();
        self.previous = next;
        let count = samples.len();
        if count > 0 || nothing_running {
            self.sink.record(&self.device_uuid, samples).await;
        }
        Ok(count)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::keepalive::tests::{serve, with_length};
    use std::sync::Mutex;

    /// Keeps every round it is given.
    #[derive(Default)]
    struct Kept(Mutex<Vec<Vec<EngineSample>>>);

    #[async_trait::async_trait]
    impl StatsSink for Kept {
        async fn record(&self, _: &str, samples: Vec<EngineSample>) {
            self.0.lock().unwrap().push(samples);
        }
    }

    /// A collector of the fake engine at `path` (API 1.41, a round every 10 s).
    fn collector_at(path: &std::path::Path, sink: Arc<Kept>) -> StatsCollector {
        StatsCollector::for_socket(
            &path.display().to_string(),
            "1.41",
            "device".into(),
            sink,
            Duration::from_secs(10),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn a_round_lists_reads_each_container_and_keeps_its_connections() {
        // Two running containers: `a` answers with a recorded cgroup v2 reading; `b` was
        // removed since the list (the engine's 404).
        let stats = include_str!("../tests/fixtures/stats_cgroup_v2.json");
        let (_dir, path, accepted) = serve(Arc::new(move |_, path: &str| {
            let wire = if path.starts_with("/v1.41/containers/json?filters=") {
                with_length(br#"[{"Id":"a","Names":["/a"]},{"Id":"b"}]"#)
            } else if path == "/v1.41/containers/a/stats?stream=false&one-shot=true" {
                with_length(stats.as_bytes())
            } else {
                let mut wire = with_length(br#"{"message":"No such container: b"}"#);
                wire.splice(9..15, b"404 Not Found".iter().copied());
                wire
            };
            (vec![wire], false)
        }));
        let sink = Arc::new(Kept::default());
        let mut collector = collector_at(&path, sink.clone());
        let bounded = Duration::from_secs(20);
        // The first round has nothing to diff against: no sample, nothing recorded.
        let first = tokio::time::timeout(bounded, collector.round())
            .await
            .unwrap();
        assert_eq!(first, Ok(0));
        assert!(sink.0.lock().unwrap().is_empty());
        let second = tokio::time::timeout(bounded, collector.round())
            .await
            .unwrap();
        assert_eq!(second, Ok(1));
        let rounds = sink.0.lock().unwrap();
        assert_eq!(rounds.len(), 1);
        assert_eq!(rounds[0].len(), 1);
        assert_eq!(rounds[0][0].engine_id, "a");
        assert!(rounds[0][0].sample.memory_used > 0.0);
        // Rounds within the keep reuse their connections: one for the list (then the first
        // call), one more for the second call in flight; none new in the second round.
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_round_of_hundreds_goes_through_in_turns() {
        // An engine that answers at once (as engines from 25.0 do): 300 calls, 100 in
        // flight, read in 100 ms turns on the turns thread. Both rounds end (the second
        // with a sample of each container); a thread whose turns did not read the I/O
        // driver would never end one.
        let stats = include_str!("../tests/fixtures/stats_cgroup_v2.json");
        let list = format!(
            "[{}]",
            (0..300)
                .map(|i| format!(r#"{{"Id":"c{i}"}}"#))
                .collect::<Vec<_>>()
                .join(",")
        );
        let (_dir, path, _) = serve(Arc::new(move |_, path: &str| {
            let wire = if path.starts_with("/v1.41/containers/json?filters=") {
                with_length(list.as_bytes())
            } else {
                with_length(stats.as_bytes())
            };
            (vec![wire], false)
        }));
        let sink = Arc::new(Kept::default());
        let mut collector = collector_at(&path, sink.clone());
        let bounded = Duration::from_secs(20);
        let first = tokio::time::timeout(bounded, collector.round()).await;
        assert_eq!(first, Ok(Ok(0)));
        let second = tokio::time::timeout(bounded, collector.round()).await;
        assert_eq!(second, Ok(Ok(300)));
        assert_eq!(sink.0.lock().unwrap()[0].len(), 300);
    }

    #[tokio::test]
    async fn a_round_given_up_stops_its_calls_on_the_turns_thread() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        // An engine that lists one container and never answers its stats call; it tells
        // when the client closes the connection it holds.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docker.sock");
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let (closed_tx, mut closed) = tokio::sync::mpsc::unbounded_channel::<()>();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let closed_tx = closed_tx.clone();
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    let mut holding = false;
                    let mut more = [0u8; 4096];
                    loop {
                        match conn.read(&mut more).await {
                            Ok(0) | Err(_) => {
                                if holding {
                                    let _ = closed_tx.send(());
                                }
                                return;
                            }
                            Ok(n) => seen.extend_from_slice(&more[..n]),
                        }
                        let text = String::from_utf8_lossy(&seen).to_string();
                        if text.contains("/stats?") {
                            holding = true;
                        } else if text.ends_with("\r\n\r\n") {
                            seen.clear();
                            let wire = with_length(br#"[{"Id":"a"}]"#);
                            conn.write_all(&wire).await.unwrap();
                        }
                    }
                });
            }
        });
        let mut collector = collector_at(&path, Arc::new(Kept::default()));
        // The caller gives up well before the call's own deadline (5 s)...
        let given_up = tokio::time::timeout(Duration::from_millis(800), collector.round()).await;
        assert!(given_up.is_err(), "the engine never answers: {given_up:?}");
        // ...and the call on the turns thread stops with it: its connection is closed at
        // once, not when the call's own deadline comes.
        let closed = tokio::time::timeout(Duration::from_secs(2), closed.recv()).await;
        assert_eq!(
            closed,
            Ok(Some(())),
            "the held connection was not closed within 2 s of giving up"
        );
    }

    #[tokio::test]
    async fn a_list_the_engine_refuses_fails_the_round_in_its_words() {
        let (_dir, path, _) = serve(Arc::new(|_, _: &str| {
            let mut wire = with_length(br#"{"message":"client version 1.41 is too new"}"#);
            wire.splice(9..15, b"400 Bad Request".iter().copied());
            (vec![wire], false)
        }));
        let mut collector = collector_at(&path, Arc::new(Kept::default()));
        let err = tokio::time::timeout(Duration::from_secs(20), collector.round())
            .await
            .unwrap()
            .unwrap_err();
        assert!(
            err.contains("(400): client version 1.41 is too new"),
            "{err}"
        );
    }

    #[test]
    fn concurrency_finishes_a_round_in_half_the_interval_within_bounds() {
        let ten = Duration::from_secs(10);
        assert_eq!(concurrency(3, ten), MIN_CONCURRENCY);
        assert_eq!(concurrency(50, ten), 10);
        assert_eq!(concurrency(500, ten), 100);
        assert_eq!(concurrency(5000, ten), MAX_CONCURRENCY);
        assert_eq!(concurrency(500, Duration::from_secs(60)), 17);
        assert_eq!(concurrency(500, Duration::from_secs(1)), MAX_CONCURRENCY);
    }
}
