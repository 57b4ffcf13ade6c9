//! Stored statistics: raw samples, one-minute and one-hour rollups, the devices' summed
//! load, the rollup job and retention. See `migrations/0002_stats.sql` for the layout.

use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::{QueryBuilder, Sqlite};
use squirrel_core::model::{
    ContainerSample, ContainerSeries, DeviceLoad, FleetPoint, FleetSeries, RollupReport,
    SeriesPoint, Span, StatsRetention, StatsSample, StatsTier,
};
use squirrel_core::ports::StatsRepository;
use squirrel_core::CoreResult;

use crate::{storage, Store};

/// Minutes are rolled up once they ended this many seconds ago, so that a round stored a
/// little late still lands in its minute.
pub const ROLLUP_GRACE_SECS: i64 = 30;

const RETENTION_KEY: &str = "stats.retention";

/// Rows per multi-row INSERT (10 parameters each, well under SQLite's limit).
const CHUNK: usize = 500;

/// Hundredths of a percent, as stored.
fn centi(pct: f64) -> i64 {
    if pct.is_finite() {
        (pct * 100.0).round() as i64
    } else {
        0
    }
}

/// A count or rate as stored (whole units, never negative).
fn whole(v: f64) -> i64 {
    if v.is_finite() && v > 0.0 {
        v.round() as i64
    } else {
        0
    }
}

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

const ROLLUP_MINUTES: &str = "
    INSERT OR REPLACE INTO stats_rollup
        (series_id, tier, ts, n, cpu_min, cpu_avg, cpu_max, mem_min, mem_avg, mem_max,
         mem_limit, net_rx_avg, net_rx_max, net_tx_avg, net_tx_max, blk_read_avg,
         blk_read_max, blk_write_avg, blk_write_max, pids_max)
    SELECT series_id, 60, (ts / 60) * 60, COUNT(*),
           MIN(cpu), CAST(ROUND(AVG(cpu)) AS INTEGER), MAX(cpu),
           MIN(mem), CAST(ROUND(AVG(mem)) AS INTEGER), MAX(mem), MAX(mem_limit),
           CAST(ROUND(AVG(net_rx)) AS INTEGER), MAX(net_rx),
           CAST(ROUND(AVG(net_tx)) AS INTEGER), MAX(net_tx),
           CAST(ROUND(AVG(blk_read)) AS INTEGER), MAX(blk_read),
           CAST(ROUND(AVG(blk_write)) AS INTEGER), MAX(blk_write), MAX(pids)
    FROM stats_raw
    WHERE series_id IN (SELECT id FROM stats_series) AND ts >= ?1 AND ts < ?2
    GROUP BY series_id, (ts / 60) * 60";

/// Buckets of width ?3 from the rollups of width ?4 in `[?1, ?2)`.
const ROLLUP_ROLLUPS: &str = "
    INSERT OR REPLACE INTO stats_rollup
        (series_id, tier, ts, n, cpu_min, cpu_avg, cpu_max, mem_min, mem_avg, mem_max,
         mem_limit, net_rx_avg, net_rx_max, net_tx_avg, net_tx_max, blk_read_avg,
         blk_read_max, blk_write_avg, blk_write_max, pids_max)
    SELECT series_id, ?3, (ts / ?3) * ?3, SUM(n),
           MIN(cpu_min), CAST(ROUND(SUM(cpu_avg * n) * 1.0 / SUM(n)) AS INTEGER), MAX(cpu_max),
           MIN(mem_min), CAST(ROUND(SUM(mem_avg * n) * 1.0 / SUM(n)) AS INTEGER), MAX(mem_max),
           MAX(mem_limit),
           CAST(ROUND(SUM(net_rx_avg * n) * 1.0 / SUM(n)) AS INTEGER), MAX(net_rx_max),
           CAST(ROUND(SUM(net_tx_avg * n) * 1.0 / SUM(n)) AS INTEGER), MAX(net_tx_max),
           CAST(ROUND(SUM(blk_read_avg * n) * 1.0 / SUM(n)) AS INTEGER), MAX(blk_read_max),
           CAST(ROUND(SUM(blk_write_avg * n) * 1.0 / SUM(n)) AS INTEGER), MAX(blk_write_max),
           MAX(pids_max)
    FROM stats_rollup
    WHERE series_id IN (SELECT id FROM stats_series) AND tier = ?4 AND ts >= ?1 AND ts < ?2
    GROUP BY series_id, (ts / ?3) * ?3";

const ROLLUP_DEVICES: &str = "
    INSERT OR REPLACE INTO device_stats
        (device_uuid, tier, ts, rounds, containers, cpu, mem, mem_pct)
    SELECT device_uuid, ?3, (ts / ?3) * ?3, SUM(rounds), SUM(containers), SUM(cpu),
           SUM(mem), SUM(mem_pct)
    FROM device_stats
    WHERE device_uuid IN (SELECT uuid FROM devices) AND tier = ?4 AND ts >= ?1 AND ts < ?2
    GROUP BY device_uuid, (ts / ?3) * ?3";

fn tier_code(tier: StatsTier) -> i64 {
    tier.width()
}

impl Store {
    async fn rollup_watermark(&self, tier: StatsTier) -> CoreResult<Option<i64>> {
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
}

#[async_trait]
impl StatsRepository for Store {
    async fn insert_samples(
        &self,
        load: &DeviceLoad,
        samples: &[ContainerSample],
    ) -> CoreResult<()> {
        let mut tx = self.pool().begin().await.map_err(storage)?;
        for chunk in samples.chunks(CHUNK) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT OR IGNORE INTO stats_series (container_uuid)
                 SELECT uuid FROM containers WHERE uuid IN (",
            );
            let mut list = q.separated(", ");
            for s in chunk {
                list.push_bind(&s.container_uuid);
            }
            q.push(")");
            q.build().execute(&mut *tx).await.map_err(storage)?;

            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT OR REPLACE INTO stats_raw
                     (series_id, ts, cpu, mem, mem_limit, net_rx, net_tx, blk_read, blk_write, pids)
                 SELECT s.id, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7,
                        v.column8, v.column9, v.column10
                 FROM (",
            );
            q.push_values(chunk, |mut row, s| {
                let x = &s.sample;
                row.push_bind(&s.container_uuid)
                    .push_bind(x.ts.floor() as i64)
                    .push_bind(centi(x.cpu_percent))
                    .push_bind(whole(x.memory_used))
                    .push_bind(whole(x.memory_limit))
                    .push_bind(whole(x.net_rx_rate))
                    .push_bind(whole(x.net_tx_rate))
                    .push_bind(whole(x.block_read_rate))
                    .push_bind(whole(x.block_write_rate))
                    .push_bind(whole(x.pids));
            });
            q.push(") AS v JOIN stats_series s ON s.container_uuid = v.column1");
            q.build().execute(&mut *tx).await.map_err(storage)?;
        }
        let mem_pct: f64 = samples.iter().map(|s| s.sample.memory_percent).sum();
        sqlx::query(
            "INSERT INTO device_stats (device_uuid, tier, ts, rounds, containers, cpu, mem, mem_pct)
             VALUES (?, 0, ?, 1, ?, ?, ?, ?)
             ON CONFLICT (device_uuid, tier, ts) DO UPDATE SET
                rounds = rounds + excluded.rounds, containers = containers + excluded.containers,
                cpu = cpu + excluded.cpu, mem = mem + excluded.mem,
                mem_pct = mem_pct + excluded.mem_pct",
        )
        .bind(&load.device_uuid)
        .bind(load.ts.floor() as i64)
        .bind(samples.len() as i64)
        .bind(centi(load.cpu_total_percent))
        .bind(whole(load.memory_total))
        .bind(centi(mem_pct))
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)
    }

    async fn latest_sample(&self, container_uuid: &str) -> CoreResult<Option<StatsSample>> {
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

    async fn container_series(
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

    async fn fleet_series(
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

    async fn rollup(&self, now: i64, retention: &StatsRetention) -> CoreResult<RollupReport> {
        let mut report = RollupReport::default();
        let mut tx = self.pool().begin().await.map_err(storage)?;

        // Each tier from the next finer one, as far as that one is complete: minutes that
        // ended a grace period ago from raw samples, quarter-hours from whole minutes,
        // hours from whole quarter-hours. Progress is kept per tier.
        let mut source_done = now - ROLLUP_GRACE_SECS;
        let mut raw_rolled = i64::MIN;
        for tier in [StatsTier::Minute, StatsTier::Quarter, StatsTier::Hour] {
            let width = tier.width();
            let source = tier.finer().unwrap_or(StatsTier::Raw);
            let until = source_done.div_euclid(width) * width;
            let done: Option<i64> =
                sqlx::query_scalar("SELECT done_until FROM stats_rollup_state WHERE tier = ?")
                    .bind(width)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(storage)?;
            // First run: start where the source tier's data can begin.
            let from = done
                .unwrap_or_else(|| (now - retention.keep_secs(source)).div_euclid(width) * width);
            if until > from {
                let rolled = if tier == StatsTier::Minute {
                    sqlx::query(ROLLUP_MINUTES).bind(from).bind(until)
                } else {
                    sqlx::query(ROLLUP_ROLLUPS)
                        .bind(from)
                        .bind(until)
                        .bind(width)
                        .bind(source.width())
                }
                .execute(&mut *tx)
                .await
                .map_err(storage)?
                .rows_affected();
                match tier {
                    StatsTier::Minute => report.minute_buckets = rolled,
                    StatsTier::Quarter => report.quarter_buckets = rolled,
                    _ => report.hour_buckets = rolled,
                }
                sqlx::query(ROLLUP_DEVICES)
                    .bind(from)
                    .bind(until)
                    .bind(width)
                    .bind(source.width())
                    .execute(&mut *tx)
                    .await
                    .map_err(storage)?;
                sqlx::query(
                    "INSERT INTO stats_rollup_state (tier, done_until) VALUES (?, ?)
                     ON CONFLICT (tier) DO UPDATE SET done_until = excluded.done_until",
                )
                .bind(width)
                .bind(until)
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
            }
            source_done = until.max(from);
            if tier == StatsTier::Minute {
                raw_rolled = source_done;
            }
        }

        // Retention, each tier by its own clock. Raw rows go only once rolled up.
        for tier in [
            StatsTier::Raw,
            StatsTier::Minute,
            StatsTier::Quarter,
            StatsTier::Hour,
        ] {
            let mut cut = now - retention.keep_secs(tier);
            if tier == StatsTier::Raw {
                cut = cut.min(raw_rolled);
            }
            let containers = if tier == StatsTier::Raw {
                sqlx::query(
                    "DELETE FROM stats_raw
                     WHERE series_id IN (SELECT id FROM stats_series) AND ts < ?",
                )
                .bind(cut)
            } else {
                sqlx::query(
                    "DELETE FROM stats_rollup
                     WHERE series_id IN (SELECT id FROM stats_series) AND tier = ? AND ts < ?",
                )
                .bind(tier.width())
                .bind(cut)
            };
            report.deleted += containers
                .execute(&mut *tx)
                .await
                .map_err(storage)?
                .rows_affected();
            report.deleted += sqlx::query(
                "DELETE FROM device_stats
                 WHERE device_uuid IN (SELECT uuid FROM devices) AND tier = ? AND ts < ?",
            )
            .bind(tier.width())
            .bind(cut)
            .execute(&mut *tx)
            .await
            .map_err(storage)?
            .rows_affected();
        }
        tx.commit().await.map_err(storage)?;
        Ok(report)
    }

    async fn retention(&self) -> CoreResult<StatsRetention> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(RETENTION_KEY)
            .fetch_optional(self.pool())
            .await
            .map_err(storage)?;
        Ok(value
            .and_then(|v| serde_json::from_str::<StatsRetention>(&v).ok())
            .unwrap_or_default()
            .normalized())
    }

    async fn set_retention(&self, retention: &StatsRetention) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(RETENTION_KEY)
        .bind(crate::to_json(retention))
        .execute(self.pool())
        .await
        .map_err(storage)?;
        Ok(())
    }
}
