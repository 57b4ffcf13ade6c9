//! Container statistics: raw engine counters, the samples computed from them, and the
//! series and summaries the UI charts.

use serde::{Deserialize, Serialize};
use specta::Type;

/// The counters of one stats reading of one container, as the engine reports them.
/// Cumulative counters only: rates and percentages come from two readings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsReading {
    /// When the engine took the reading, Unix milliseconds (the engine's clock).
    pub read_at_ms: i64,
    /// `cpu_stats.cpu_usage.total_usage`, nanoseconds.
    pub cpu_total_ns: u64,
    /// `cpu_stats.system_cpu_usage`, nanoseconds of host CPU time.
    pub system_cpu_ns: u64,
    /// `online_cpus`, or the number of per-CPU counters when the engine leaves it at 0.
    pub online_cpus: u32,
    /// The engine's own previous CPU counters (`precpu_stats`) when it filled them.
    pub pre_cpu: Option<CpuCounters>,
    /// Memory in use as the docker CLI computes it (cache excluded).
    pub memory_used: u64,
    pub memory_limit: u64,
    pub net_rx_bytes: u64,
    pub net_tx_bytes: u64,
    pub block_read_bytes: u64,
    pub block_write_bytes: u64,
    pub pids: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuCounters {
    pub total_ns: u64,
    pub system_ns: u64,
}

/// What a container used at one moment, as charts and tables show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StatsSample {
    /// Unix seconds.
    pub ts: f64,
    /// Percent of one core: 250 means two and a half cores (the docker CLI's convention).
    pub cpu_percent: f64,
    pub memory_used: f64,
    pub memory_limit: f64,
    pub memory_percent: f64,
    /// Bytes per second.
    pub net_rx_rate: f64,
    pub net_tx_rate: f64,
    pub block_read_rate: f64,
    pub block_write_rate: f64,
    pub pids: f64,
    /// Cumulative bytes since the container started; absent when read back from history.
    pub net_rx_bytes: Option<f64>,
    pub net_tx_bytes: Option<f64>,
    pub block_read_bytes: Option<f64>,
    pub block_write_bytes: Option<f64>,
}

/// CPU percent of one core as the docker CLI computes it: the container's share of the
/// host's CPU time between two readings, times the number of CPUs. 0 unless both grew;
/// never more than all of the container's CPUs (a counter glitch cannot show 5,000 %).
pub fn cpu_percent(prev: CpuCounters, cur: CpuCounters, online_cpus: u32) -> f64 {
    let cpu_delta = cur.total_ns.saturating_sub(prev.total_ns);
    let system_delta = cur.system_ns.saturating_sub(prev.system_ns);
    if cur.total_ns <= prev.total_ns || cur.system_ns <= prev.system_ns || system_delta == 0 {
        return 0.0;
    }
    let all = f64::from(online_cpus.max(1)) * 100.0;
    (cpu_delta as f64 / system_delta as f64 * all).min(all)
}

/// Bytes per second between two cumulative counters; a counter that went down was reset
/// (the container restarted) and counts from zero.
fn rate(prev: u64, cur: u64, secs: f64) -> f64 {
    if secs <= 0.0 {
        return 0.0;
    }
    let delta = if cur >= prev { cur - prev } else { cur };
    delta as f64 / secs
}

impl StatsReading {
    pub fn cpu(&self) -> CpuCounters {
        CpuCounters {
            total_ns: self.cpu_total_ns,
            system_ns: self.system_cpu_ns,
        }
    }

    fn memory_percent(&self) -> f64 {
        if self.memory_limit == 0 {
            0.0
        } else {
            self.memory_used as f64 / self.memory_limit as f64 * 100.0
        }
    }

    /// The sample this reading makes against the previous one of the same container.
    /// Without a previous reading the engine's `precpu_stats` gives CPU, and rates are 0.
    pub fn sample(&self, prev: Option<&StatsReading>) -> StatsSample {
        let (cpu, secs) = match prev {
            Some(p) => (
                cpu_percent(p.cpu(), self.cpu(), self.online_cpus),
                self.read_at_ms.saturating_sub(p.read_at_ms) as f64 / 1000.0,
            ),
            None => (
                self.pre_cpu
                    .map(|pre| cpu_percent(pre, self.cpu(), self.online_cpus))
                    .unwrap_or(0.0),
                0.0,
            ),
        };
        let p = prev.cloned().unwrap_or_default();
        StatsSample {
            ts: self.read_at_ms as f64 / 1000.0,
            cpu_percent: cpu,
            memory_used: self.memory_used as f64,
            memory_limit: self.memory_limit as f64,
            memory_percent: self.memory_percent(),
            net_rx_rate: rate(p.net_rx_bytes, self.net_rx_bytes, secs),
            net_tx_rate: rate(p.net_tx_bytes, self.net_tx_bytes, secs),
            block_read_rate: rate(p.block_read_bytes, self.block_read_bytes, secs),
            block_write_rate: rate(p.block_write_bytes, self.block_write_bytes, secs),
            pids: self.pids as f64,
            net_rx_bytes: Some(self.net_rx_bytes as f64),
            net_tx_bytes: Some(self.net_tx_bytes as f64),
            block_read_bytes: Some(self.block_read_bytes as f64),
            block_write_bytes: Some(self.block_write_bytes as f64),
        }
    }
}

/// One sampled container of a collection round, named by its engine id.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineSample {
    pub engine_id: String,
    pub sample: StatsSample,
}

/// One stored sample of a container, named by Squirrel's uuid.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerSample {
    pub container_uuid: String,
    pub sample: StatsSample,
}

/// The min, average and max of one metric over a chart bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    pub min: f64,
    pub avg: f64,
    pub max: f64,
}

/// One bucket of a container's history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SeriesPoint {
    /// Start of the bucket, Unix seconds.
    pub ts: f64,
    /// How many raw samples the bucket summarises.
    pub samples: f64,
    pub cpu_percent: Span,
    pub memory_used: Span,
    pub memory_limit: f64,
    /// Bytes per second; `min` is not kept for rates (it is almost always 0).
    pub net_rx_rate: Span,
    pub net_tx_rate: Span,
    pub block_read_rate: Span,
    pub block_write_rate: Span,
    pub pids: f64,
}

/// Where a series' points come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum StatsTier {
    /// Every sample as collected.
    Raw,
    /// One-minute rollups.
    Minute,
    /// Fifteen-minute rollups: a week's chart reads 672 rows of them, not 10,080 minutes.
    Quarter,
    /// One-hour rollups.
    Hour,
}

impl StatsTier {
    /// Bucket width in seconds (0 for raw).
    pub fn width(self) -> i64 {
        match self {
            StatsTier::Raw => 0,
            StatsTier::Minute => 60,
            StatsTier::Quarter => 900,
            StatsTier::Hour => 3600,
        }
    }

    /// The next finer tier.
    pub fn finer(self) -> Option<StatsTier> {
        match self {
            StatsTier::Raw => None,
            StatsTier::Minute => Some(StatsTier::Raw),
            StatsTier::Quarter => Some(StatsTier::Minute),
            StatsTier::Hour => Some(StatsTier::Quarter),
        }
    }
}

/// A container's history over a range, at the resolution the range calls for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ContainerSeries {
    pub container_uuid: String,
    pub from: f64,
    pub to: f64,
    /// Bucket width in seconds.
    pub step: f64,
    pub tier: StatsTier,
    /// Only buckets with samples: a stretch with none (the app was closed) is a gap.
    pub points: Vec<SeriesPoint>,
}

/// One bucket of the fleet's (or one device's) load.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FleetPoint {
    pub ts: f64,
    /// Average over running containers, percent of one core.
    pub cpu_avg_percent: f64,
    /// Average over running containers of memory used / limit.
    pub memory_avg_percent: f64,
    /// Sum over containers, percent of one core.
    pub cpu_total_percent: f64,
    pub memory_total: f64,
    /// Containers sampled (average over the bucket).
    pub containers: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FleetSeries {
    pub device_uuid: Option<String>,
    pub from: f64,
    pub to: f64,
    pub step: f64,
    pub tier: StatsTier,
    pub points: Vec<FleetPoint>,
}

/// The summed load of one device's containers in one collection round.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceLoad {
    pub device_uuid: String,
    pub ts: f64,
    pub containers: f64,
    pub cpu_total_percent: f64,
    pub memory_total: f64,
    pub memory_avg_percent: f64,
}

impl DeviceLoad {
    pub fn of(device_uuid: &str, ts: f64, samples: &[ContainerSample]) -> Self {
        let n = samples.len() as f64;
        let mem_pct: f64 = samples.iter().map(|s| s.sample.memory_percent).sum();
        DeviceLoad {
            device_uuid: device_uuid.to_string(),
            ts,
            containers: n,
            cpu_total_percent: samples.iter().map(|s| s.sample.cpu_percent).sum(),
            memory_total: samples.iter().map(|s| s.sample.memory_used).sum(),
            memory_avg_percent: if n > 0.0 { mem_pct / n } else { 0.0 },
        }
    }
}

/// The headline numbers of one container for the table's bars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ContainerLoad {
    pub container_uuid: String,
    pub ts: f64,
    pub cpu_percent: f64,
    pub memory_used: f64,
    pub memory_percent: f64,
}

impl From<&ContainerSample> for ContainerLoad {
    fn from(s: &ContainerSample) -> Self {
        ContainerLoad {
            container_uuid: s.container_uuid.clone(),
            ts: s.sample.ts,
            cpu_percent: s.sample.cpu_percent,
            memory_used: s.sample.memory_used,
            memory_percent: s.sample.memory_percent,
        }
    }
}

/// How many containers are in one state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StateCount {
    pub state: crate::model::ContainerState,
    pub count: u32,
    /// Containers of devices that are not online (unreachable, disabled, connecting): `state`
    /// is the last one seen, not a live one, and is counted apart from the live states.
    pub stale: bool,
}

/// How many containers of one device are in one state, as the store counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceStateCount {
    pub device_uuid: String,
    pub state: crate::model::ContainerState,
    pub count: u32,
}

/// How long each tier is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StatsRetention {
    /// Raw samples, hours (default 24).
    pub raw_hours: u32,
    /// One-minute rollups, days (default 7).
    pub minute_days: u32,
    /// One-hour rollups, days (default 365).
    pub hour_days: u32,
}

impl Default for StatsRetention {
    fn default() -> Self {
        StatsRetention {
            raw_hours: 24,
            minute_days: 7,
            hour_days: 365,
        }
    }
}

impl StatsRetention {
    /// Keeps every tier at least one bucket long and each coarser tier at least as long
    /// as the finer one, so that a chart never falls between tiers.
    pub fn normalized(self) -> Self {
        let raw_hours = self.raw_hours.clamp(1, 24 * 31);
        let minute_days = self.minute_days.clamp(raw_hours.div_ceil(24), 366);
        let hour_days = self.hour_days.clamp(minute_days, 3660);
        StatsRetention {
            raw_hours,
            minute_days,
            hour_days,
        }
    }

    /// How many seconds `tier` is kept.
    pub fn keep_secs(&self, tier: StatsTier) -> i64 {
        match tier {
            StatsTier::Raw => i64::from(self.raw_hours) * 3600,
            StatsTier::Minute => i64::from(self.minute_days) * 86_400,
            // Not a setting of its own: a month, within the minute and hour tiers' bounds.
            StatsTier::Quarter => i64::from(self.hour_days.min(31).max(self.minute_days)) * 86_400,
            StatsTier::Hour => i64::from(self.hour_days) * 86_400,
        }
    }
}

/// What one rollup-and-retention pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollupReport {
    pub minute_buckets: u64,
    pub quarter_buckets: u64,
    pub hour_buckets: u64,
    pub deleted: u64,
}

/// The bucket widths a chart may use, in seconds.
const STEPS: &[i64] = &[
    10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
];

/// At most this many points per chart.
pub const MAX_POINTS: i64 = 1000;

/// The resolution for a chart of `[from, to)` at time `now`: the smallest step that keeps
/// the chart under [`MAX_POINTS`], served from the finest tier that still holds `from`.
pub fn plan_resolution(
    from: i64,
    to: i64,
    now: i64,
    retention: &StatsRetention,
) -> (i64, StatsTier) {
    let span = to.saturating_sub(from).max(1);
    let mut step = STEPS
        .iter()
        .copied()
        .find(|s| span / s <= MAX_POINTS)
        .unwrap_or(86_400);
    let mut tier = if step >= 3600 {
        StatsTier::Hour
    } else if step >= 900 {
        StatsTier::Quarter
    } else if step >= 60 {
        StatsTier::Minute
    } else {
        StatsTier::Raw
    };
    if tier == StatsTier::Raw && from < now.saturating_sub(retention.keep_secs(StatsTier::Raw)) {
        tier = StatsTier::Minute;
        step = step.max(60);
    }
    if tier == StatsTier::Minute
        && from < now.saturating_sub(retention.keep_secs(StatsTier::Minute))
    {
        tier = StatsTier::Quarter;
        step = step.max(900);
    }
    if tier == StatsTier::Quarter
        && from < now.saturating_sub(retention.keep_secs(StatsTier::Quarter))
    {
        tier = StatsTier::Hour;
        step = step.max(3600);
    }
    (step, tier)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(at: i64, cpu: u64, sys: u64) -> StatsReading {
        StatsReading {
            read_at_ms: at,
            cpu_total_ns: cpu,
            system_cpu_ns: sys,
            online_cpus: 4,
            ..Default::default()
        }
    }

    #[test]
    fn cpu_is_per_core_and_can_exceed_100() {
        // 2 of 4 cores busy: the container used half the host's CPU time → 200 %.
        let p = reading(0, 0, 0);
        let c = reading(1000, 2_000_000_000, 4_000_000_000);
        assert!((c.sample(Some(&p)).cpu_percent - 200.0).abs() < 1e-9);
    }

    #[test]
    fn cpu_is_zero_unless_both_counters_grow() {
        let p = reading(0, 10, 10);
        assert_eq!(reading(1000, 10, 20).sample(Some(&p)).cpu_percent, 0.0);
        assert_eq!(reading(1000, 20, 10).sample(Some(&p)).cpu_percent, 0.0);
        // A restarted container's counter went down: no negative or huge value.
        assert_eq!(reading(1000, 5, 20).sample(Some(&p)).cpu_percent, 0.0);
    }

    #[test]
    fn first_reading_uses_the_engines_precpu() {
        let mut c = reading(1000, 1_500, 4_000);
        c.pre_cpu = Some(CpuCounters {
            total_ns: 500,
            system_ns: 2_000,
        });
        assert!((c.sample(None).cpu_percent - 200.0).abs() < 1e-9);
        assert_eq!(c.sample(None).net_rx_rate, 0.0);
    }

    #[test]
    fn rates_are_per_second_and_survive_counter_resets() {
        let mut p = reading(0, 0, 0);
        p.net_rx_bytes = 1000;
        let mut c = reading(2000, 0, 0);
        c.net_rx_bytes = 5000;
        assert_eq!(c.sample(Some(&p)).net_rx_rate, 2000.0);
        c.net_rx_bytes = 400;
        assert_eq!(c.sample(Some(&p)).net_rx_rate, 200.0);
    }

    #[test]
    fn memory_percent_is_zero_without_a_limit() {
        let mut c = reading(0, 0, 0);
        c.memory_used = 50;
        assert_eq!(c.sample(None).memory_percent, 0.0);
        c.memory_limit = 200;
        assert_eq!(c.sample(None).memory_percent, 25.0);
    }

    #[test]
    fn resolution_follows_the_range_and_the_retention() {
        let r = StatsRetention::default();
        let now = 10_000_000;
        assert_eq!(
            plan_resolution(now - 3600, now, now, &r),
            (10, StatsTier::Raw)
        );
        assert_eq!(
            plan_resolution(now - 86_400, now, now, &r),
            (120, StatsTier::Minute)
        );
        assert_eq!(
            plan_resolution(now - 7 * 86_400, now, now, &r),
            (900, StatsTier::Quarter)
        );
        assert_eq!(
            plan_resolution(now - 30 * 86_400, now, now, &r),
            (3600, StatsTier::Hour)
        );
        // An hour two days ago is past the raw tier: minutes serve it.
        let old = now - 2 * 86_400;
        assert_eq!(
            plan_resolution(old, old + 3600, now, &r),
            (60, StatsTier::Minute)
        );
        // Eight days ago is past the minute tier; forty past the quarter-hours.
        let older = now - 8 * 86_400;
        assert_eq!(
            plan_resolution(older, older + 3600, now, &r),
            (900, StatsTier::Quarter)
        );
        let oldest = now - 40 * 86_400;
        assert_eq!(
            plan_resolution(oldest, oldest + 3600, now, &r),
            (3600, StatsTier::Hour)
        );
    }

    #[test]
    fn retention_is_normalized() {
        let r = StatsRetention {
            raw_hours: 0,
            minute_days: 0,
            hour_days: 0,
        }
        .normalized();
        assert_eq!((r.raw_hours, r.minute_days, r.hour_days), (1, 1, 1));
        let r = StatsRetention {
            raw_hours: 72,
            minute_days: 1,
            hour_days: 2,
        }
        .normalized();
        assert_eq!((r.raw_hours, r.minute_days, r.hour_days), (72, 3, 3));
    }
}
