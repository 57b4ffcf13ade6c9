//! Container stats from the Docker Engine: mapping `/containers/{id}/stats` to readings
//! with the docker CLI's formulas, and the per-device collector.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::{ListContainersOptions, StatsOptions};
use bollard::Docker;
use futures_util::{stream, StreamExt};
use squirrel_core::model::{CpuCounters, EngineSample, StatsReading};
use squirrel_core::ports::StatsSink;

use crate::rfc3339;

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

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Memory in use as the docker CLI computes it: cgroup v1 subtracts `total_inactive_file`,
/// cgroup v2 `inactive_file`, each only when smaller than the usage.
fn memory_used(usage: u64, stats: Option<&HashMap<String, u64>>) -> u64 {
    let stats = match stats {
        Some(s) => s,
        None => return usage,
    };
    if let Some(v) = stats.get("total_inactive_file") {
        if *v < usage {
            return usage - v;
        }
    } else if let Some(v) = stats.get("inactive_file") {
        if *v < usage {
            return usage - v;
        }
    }
    usage
}

/// The reading in one stats response, or `None` when the container is not running (the
/// engine then answers with only its id and name, or, on a stream, with zeroed counters
/// read at the zero time `0001-01-01T00:00:00Z`).
pub fn reading(s: &ContainerStatsResponse) -> Option<StatsReading> {
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

/// One reading of one container, at once (`one-shot`: the engine does not wait a second
/// to fill `precpu_stats`; the previous round supplies it).
pub async fn read_once(docker: &Docker, id: &str) -> Result<Option<StatsReading>, String> {
    let mut s = docker.stats(
        id,
        Some(StatsOptions {
            stream: false,
            one_shot: true,
        }),
    );
    match tokio::time::timeout(CALL_TIMEOUT, s.next()).await {
        Err(_) => Err("the engine took too long to answer".into()),
        Ok(None) => Ok(None),
        Ok(Some(Err(e))) => Err(e.to_string()),
        Ok(Some(Ok(r))) => Ok(reading(&r)),
    }
}

/// Samples one device's running containers every `interval` and reports each round.
pub struct StatsCollector {
    docker: Docker,
    device_uuid: String,
    sink: Arc<dyn StatsSink>,
    interval: Duration,
    previous: HashMap<String, StatsReading>,
}

impl StatsCollector {
    pub fn new(
        docker: Docker,
        device_uuid: String,
        sink: Arc<dyn StatsSink>,
        interval: Duration,
    ) -> Self {
        Self {
            docker,
            device_uuid,
            sink,
            interval,
            previous: HashMap::new(),
        }
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
        let filters = HashMap::from([("status".to_string(), vec!["running".to_string()])]);
        let running = self
            .docker
            .list_containers(Some(ListContainersOptions {
                all: false,
                filters: Some(filters),
                ..Default::default()
            }))
            .await
            .map_err(|e| e.to_string())?;
        let ids: Vec<String> = running.into_iter().filter_map(|c| c.id).collect();
        let in_flight = concurrency(ids.len(), self.interval);
        let docker = &self.docker;
        let readings: Vec<(String, Option<StatsReading>)> = stream::iter(ids)
            .map(|id| async move {
                match read_once(docker, &id).await {
                    Ok(r) => (id, r),
                    Err(e) => {
                        tracing::debug!(container = %id, error = %e, "stats call failed");
                        (id, None)
                    }
                }
            })
            .buffer_unordered(in_flight)
            .collect()
            .await;
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
mod tests {
    use super::*;

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
