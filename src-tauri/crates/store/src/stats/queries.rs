//! Chart queries: a container's series and the fleet's, bucketed by the planned step,
//! each range served by the coarsest tier that reached it and the finer ones after.

use std::collections::BTreeMap;

use squirrel_core::model::{
    ContainerSeries, FleetPoint, FleetSeries, SeriesPoint, Span, StatsSample, StatsTier,
};
use squirrel_core::CoreResult;

use super::tier_code;
use crate::{storage, Store};

/// One bucket as both the raw and the rollup queries return it.
#[derive(sqlx::FromRow, Debug, Clone, Default)]
struct BucketRow {
    b: i64,
    n: i64,
    cpu_min: f64,
    cpu_avg: f64,
    cpu_max: f64,
    mem_min: f64,
    mem_avg: f64,
    mem_max: f64,
    mem_limit: f64,
    net_rx_avg: f64,
    net_rx_max: f64,
    net_tx_avg: f64,
    net_tx_max: f64,
    blk_read_avg: f64,
    blk_read_max: f64,
    blk_write_avg: f64,
    blk_write_max: f64,
    pids_max: f64,
}

impl BucketRow {
    /// Folds another part of the same bucket (from another tier) into this one.
    fn merge(&mut self, o: &BucketRow) {
        let (a, b) = (self.n as f64, o.n as f64);
        let total = (a + b).max(1.0);
        let avg = |x: f64, y: f64| (x * a + y * b) / total;
        self.cpu_min = self.cpu_min.min(o.cpu_min);
        self.cpu_avg = avg(self.cpu_avg, o.cpu_avg);
        self.cpu_max = self.cpu_max.max(o.cpu_max);
        self.mem_min = self.mem_min.min(o.mem_min);
        self.mem_avg = avg(self.mem_avg, o.mem_avg);
        self.mem_max = self.mem_max.max(o.mem_max);
        self.mem_limit = self.mem_limit.max(o.mem_limit);
        self.net_rx_avg = avg(self.net_rx_avg, o.net_rx_avg);
        self.net_rx_max = self.net_rx_max.max(o.net_rx_max);
        self.net_tx_avg = avg(self.net_tx_avg, o.net_tx_avg);
        self.net_tx_max = self.net_tx_max.max(o.net_tx_max);
        self.blk_read_avg = avg(self.blk_read_avg, o.blk_read_avg);
        self.blk_read_max = self.blk_read_max.max(o.blk_read_max);
        self.blk_write_avg = avg(self.blk_write_avg, o.blk_write_avg);
        self.blk_write_max = self.blk_write_max.max(o.blk_write_max);
        self.pids_max = self.pids_max.max(o.pids_max);
        self.n += o.n;
    }

    fn point(&self) -> SeriesPoint {
        let rate = |avg: f64, max: f64| Span { min: 0.0, avg, max };
        SeriesPoint {
            ts: self.b as f64,
            samples: self.n as f64,
            cpu_percent: Span {
                min: self.cpu_min / 100.0,
                avg: self.cpu_avg / 100.0,
                max: self.cpu_max / 100.0,
            },
            memory_used: Span {
                min: self.mem_min,
                avg: self.mem_avg,
                max: self.mem_max,
            },
            memory_limit: self.mem_limit,
            net_rx_rate: rate(self.net_rx_avg, self.net_rx_max),
            net_tx_rate: rate(self.net_tx_avg, self.net_tx_max),
            block_read_rate: rate(self.blk_read_avg, self.blk_read_max),
            block_write_rate: rate(self.blk_write_avg, self.blk_write_max),
            pids: self.pids_max,
        }
    }
}

const RAW_BUCKETS: &str = "
    SELECT (ts / ?1) * ?1 AS b, COUNT(*) AS n,
           MIN(cpu) * 1.0 AS cpu_min, AVG(cpu) AS cpu_avg, MAX(cpu) * 1.0 AS cpu_max,
           MIN(mem) * 1.0 AS mem_min, AVG(mem) AS mem_avg, MAX(mem) * 1.0 AS mem_max,
           MAX(mem_limit) * 1.0 AS mem_limit,
           AVG(net_rx) AS net_rx_avg, MAX(net_rx) * 1.0 AS net_rx_max,
           AVG(net_tx) AS net_tx_avg, MAX(net_tx) * 1.0 AS net_tx_max,
           AVG(blk_read) AS blk_read_avg, MAX(blk_read) * 1.0 AS blk_read_max,
           AVG(blk_write) AS blk_write_avg, MAX(blk_write) * 1.0 AS blk_write_max,
           MAX(pids) * 1.0 AS pids_max
    FROM stats_raw
    WHERE series_id = ?2 AND ts >= ?3 AND ts < ?4
    GROUP BY b ORDER BY b";

const ROLLUP_BUCKETS: &str = "
    SELECT (ts / ?1) * ?1 AS b, SUM(n) AS n,
           MIN(cpu_min) * 1.0 AS cpu_min, SUM(cpu_avg * n) * 1.0 / SUM(n) AS cpu_avg,
           MAX(cpu_max) * 1.0 AS cpu_max,
           MIN(mem_min) * 1.0 AS mem_min, SUM(mem_avg * n) * 1.0 / SUM(n) AS mem_avg,
           MAX(mem_max) * 1.0 AS mem_max,
           MAX(mem_limit) * 1.0 AS mem_limit,
           SUM(net_rx_avg * n) * 1.0 / SUM(n) AS net_rx_avg, MAX(net_rx_max) * 1.0 AS net_rx_max,
           SUM(net_tx_avg * n) * 1.0 / SUM(n) AS net_tx_avg, MAX(net_tx_max) * 1.0 AS net_tx_max,
           SUM(blk_read_avg * n) * 1.0 / SUM(n) AS blk_read_avg,
           MAX(blk_read_max) * 1.0 AS blk_read_max,
           SUM(blk_write_avg * n) * 1.0 / SUM(n) AS blk_write_avg,
           MAX(blk_write_max) * 1.0 AS blk_write_max,
           MAX(pids_max) * 1.0 AS pids_max
    FROM stats_rollup
    WHERE series_id = ?2 AND tier = ?5 AND ts >= ?3 AND ts < ?4
    GROUP BY b ORDER BY b";

/// One device's sums over one bucket.
#[derive(sqlx::FromRow, Debug, Clone, Default)]
struct DeviceBucketRow {
    b: i64,
    device_uuid: String,
    rounds: i64,
    containers: i64,
    cpu: i64,
    mem: i64,
    mem_pct: i64,
}

const DEVICE_BUCKETS: &str = "
    SELECT (ts / ?1) * ?1 AS b, device_uuid, SUM(rounds) AS rounds,
           SUM(containers) AS containers, SUM(cpu) AS cpu, SUM(mem) AS mem,
           SUM(mem_pct) AS mem_pct
    FROM device_stats
    WHERE device_uuid IN (SELECT uuid FROM devices WHERE ?2 IS NULL OR uuid = ?2)
      AND tier = ?5 AND ts >= ?3 AND ts < ?4
    GROUP BY b, device_uuid";

impl Store {
    pub(super) async fn rollup_watermark(&self, tier: StatsTier) -> CoreResult<Option<i64>> {
        sqlx::query_scalar("SELECT done_until FROM stats_rollup_state WHERE tier = ?")
            .bind(tier_code(tier))
            .fetch_optional(self.pool())
            .await
            .map_err(storage)
    }

    /// The buckets of one series from one tier in `[from, to)`.
    async fn series_buckets(
        &self,
        series_id: i64,
        tier: StatsTier,
        from: i64,
        to: i64,
        step: i64,
    ) -> CoreResult<Vec<BucketRow>> {
        let sql = if tier == StatsTier::Raw {
            RAW_BUCKETS
        } else {
            ROLLUP_BUCKETS
        };
        sqlx::query_as(sql)
            .bind(step)
            .bind(series_id)
            .bind(from)
            .bind(to)
            .bind(tier_code(tier))
            .fetch_all(self.pool())
            .await
            .map_err(storage)
    }

    /// Splits `[from, to)` between `tier` and the finer tiers: each tier serves the part
    /// its rollups have reached, the next finer one the rest.
    async fn segments(
        &self,
        tier: StatsTier,
        from: i64,
        to: i64,
    ) -> CoreResult<Vec<(StatsTier, i64, i64)>> {
        let mut out = Vec::new();
        let mut cursor = from;
        let mut next = Some(tier);
        while let Some(t) = next {
            if cursor >= to {
                break;
            }
            let end = match t {
                StatsTier::Raw => to,
                _ => self.rollup_watermark(t).await?.unwrap_or(i64::MIN).min(to),
            };
            if end > cursor {
                out.push((t, cursor, end));
                cursor = end;
            }
            next = t.finer();
        }
        Ok(out)
    }

    /// The newest stored sample of a container.
    pub(super) async fn newest_sample(
        &self,
        container_uuid: &str,
    ) -> CoreResult<Option<StatsSample>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            ts: i64,
            cpu: i64,
            mem: i64,
            mem_limit: i64,
            net_rx: i64,
            net_tx: i64,
            blk_read: i64,
            blk_write: i64,
            pids: i64,
        }
        let row: Option<Row> = sqlx::query_as(
            "SELECT r.ts, r.cpu, r.mem, r.mem_limit, r.net_rx, r.net_tx, r.blk_read, r.blk_write,
                    r.pids
             FROM stats_raw r JOIN stats_series s ON s.id = r.series_id
             WHERE s.container_uuid = ? ORDER BY r.ts DESC LIMIT 1",
        )
        .bind(container_uuid)
        .fetch_optional(self.pool())
        .await
        .map_err(storage)?;
        Ok(row.map(|r| StatsSample {
            ts: r.ts as f64,
            cpu_percent: r.cpu as f64 / 100.0,
            memory_used: r.mem as f64,
            memory_limit: r.mem_limit as f64,
            memory_percent: if r.mem_limit > 0 {
                r.mem as f64 / r.mem_limit as f64 * 100.0
            } else {
                0.0
            },
            net_rx_rate: r.net_rx as f64,
            net_tx_rate: r.net_tx as f64,
            block_read_rate: r.blk_read as f64,
            block_write_rate: r.blk_write as f64,
            pids: r.pids as f64,
            net_rx_bytes: None,
            net_tx_bytes: None,
            block_read_bytes: None,
            block_write_bytes: None,
        }))
    }

    pub(super) async fn read_container_series(
        &self,
        container_uuid: &str,
        from: i64,
        to: i64,
        step: i64,
        tier: StatsTier,
    ) -> CoreResult<ContainerSeries> {
        let step = step.max(1);
        let series_id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM stats_series WHERE container_uuid = ?")
                .bind(container_uuid)
                .fetch_optional(self.pool())
                .await
                .map_err(storage)?;
        let mut buckets: BTreeMap<i64, BucketRow> = BTreeMap::new();
        if let Some(id) = series_id {
            for (t, a, b) in self.segments(tier, from, to).await? {
                for row in self.series_buckets(id, t, a, b, step).await? {
                    match buckets.get_mut(&row.b) {
                        Some(existing) => existing.merge(&row),
                        None => {
                            buckets.insert(row.b, row);
                        }
                    }
                }
            }
        }
        Ok(ContainerSeries {
            container_uuid: container_uuid.to_string(),
            from: from as f64,
            to: to as f64,
            step: step as f64,
            tier,
            points: buckets.values().map(BucketRow::point).collect(),
        })
    }

    pub(super) async fn read_fleet_series(
        &self,
        device_uuid: Option<&str>,
        from: i64,
        to: i64,
        step: i64,
        tier: StatsTier,
    ) -> CoreResult<FleetSeries> {
        let step = step.max(1);
        // (bucket, device) → sums; folded over the tiers that serve the range.
        let mut sums: BTreeMap<(i64, String), DeviceBucketRow> = BTreeMap::new();
        for (t, a, b) in self.segments(tier, from, to).await? {
            let rows: Vec<DeviceBucketRow> = sqlx::query_as(DEVICE_BUCKETS)
                .bind(step)
                .bind(device_uuid)
                .bind(a)
                .bind(b)
                .bind(tier_code(t))
                .fetch_all(self.pool())
                .await
                .map_err(storage)?;
            for r in rows {
                let e = sums.entry((r.b, r.device_uuid.clone())).or_default();
                e.b = r.b;
                e.rounds += r.rounds;
                e.containers += r.containers;
                e.cpu += r.cpu;
                e.mem += r.mem;
                e.mem_pct += r.mem_pct;
            }
        }
        let mut points: BTreeMap<i64, (FleetPoint, f64, f64, f64)> = BTreeMap::new();
        for ((b, _), r) in sums {
            let rounds = r.rounds.max(1) as f64;
            let (p, containers, cpu, mem_pct) = points.entry(b).or_default();
            p.ts = b as f64;
            // Totals: each device's average round, added up over the devices.
            p.cpu_total_percent += r.cpu as f64 / 100.0 / rounds;
            p.memory_total += r.mem as f64 / rounds;
            p.containers += r.containers as f64 / rounds;
            *containers += r.containers as f64;
            *cpu += r.cpu as f64 / 100.0;
            *mem_pct += r.mem_pct as f64 / 100.0;
        }
        let points = points
            .into_values()
            .map(|(mut p, containers, cpu, mem_pct)| {
                if containers > 0.0 {
                    p.cpu_avg_percent = cpu / containers;
                    p.memory_avg_percent = mem_pct / containers;
                }
                p
            })
            .collect();
        Ok(FleetSeries {
            device_uuid: device_uuid.map(str::to_string),
            from: from as f64,
            to: to as f64,
            step: step as f64,
            tier,
            points,
        })
    }
}
