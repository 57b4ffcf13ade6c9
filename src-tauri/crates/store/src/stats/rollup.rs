//! The rollup job's SQL: executes core's [`RollupPlan`] (which buckets, from which tier,
//! where retention cuts): the rollups in one transaction, then the retention cuts in chunks.

use std::time::Duration;

use squirrel_core::model::{RollupPlan, RollupReport, StatsRetention, StatsTier, ROLLED_TIERS};
use squirrel_core::CoreResult;

use crate::{storage, Store};

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

/// The same rollups for one series alone (`?5`), for history written after the fact.
fn for_one_series(sql: &str) -> String {
    sql.replace(
        "WHERE series_id IN (SELECT id FROM stats_series)",
        "WHERE series_id = ?5",
    )
}

const ROLLUP_DEVICES: &str = "
    INSERT OR REPLACE INTO device_stats
        (device_uuid, tier, ts, rounds, containers, cpu, mem, mem_pct)
    SELECT device_uuid, ?3, (ts / ?3) * ?3, SUM(rounds), SUM(containers), SUM(cpu),
           SUM(mem), SUM(mem_pct)
    FROM device_stats
    WHERE device_uuid IN (SELECT uuid FROM devices) AND tier = ?4 AND ts >= ?1 AND ts < ?2
    GROUP BY device_uuid, (ts / ?3) * ?3";

/// Rows one retention statement deletes at most. A cut after weeks without a pass can
/// reach millions of rows; deleted in one statement they would hold the write lock (and
/// stall every collection round) for seconds.
pub(crate) const DELETE_CHUNK: i64 = 5000;

/// The pause between two chunks, so that writers waiting for the lock get it.
const BETWEEN_CHUNKS: Duration = Duration::from_millis(5);

/// The retention statements: `?1` tier, `?2` cut (rows with `ts < ?2` go), `?3` chunk size.
/// The tables are WITHOUT ROWID, so a chunk is picked by primary key. Raw samples have no
/// tier column: for them `?1` is the raw tier's code, 0.
const DELETE_RAW: &str = "
    DELETE FROM stats_raw WHERE (series_id, ts) IN (
        SELECT series_id, ts FROM stats_raw
        WHERE series_id IN (SELECT id FROM stats_series) AND ts < ?2 AND ?1 = 0
        LIMIT ?3)";

const DELETE_ROLLUPS: &str = "
    DELETE FROM stats_rollup WHERE (series_id, tier, ts) IN (
        SELECT series_id, tier, ts FROM stats_rollup
        WHERE series_id IN (SELECT id FROM stats_series) AND tier = ?1 AND ts < ?2
        LIMIT ?3)";

const DELETE_DEVICE_STATS: &str = "
    DELETE FROM device_stats WHERE (device_uuid, tier, ts) IN (
        SELECT device_uuid, tier, ts FROM device_stats
        WHERE device_uuid IN (SELECT uuid FROM devices) AND tier = ?1 AND ts < ?2
        LIMIT ?3)";

impl Store {
    /// Rolls one series' buckets in `[from, to)` up again in every tier the rollups have
    /// passed (a bucket past a tier's watermark is left to the next pass), inside `tx`.
    pub(super) async fn reroll_series(
        tx: &mut sqlx::SqliteConnection,
        series_id: i64,
        from: i64,
        to: i64,
    ) -> CoreResult<()> {
        for tier in ROLLED_TIERS {
            let width = tier.width();
            let done: Option<i64> =
                sqlx::query_scalar("SELECT done_until FROM stats_rollup_state WHERE tier = ?")
                    .bind(width)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(storage)?;
            let Some(done) = done else { continue };
            let start = from.div_euclid(width) * width;
            let end = (to.div_euclid(width) + 1).saturating_mul(width).min(done);
            if end <= start {
                continue;
            }
            let source = tier.finer().unwrap_or(StatsTier::Raw);
            let sql = if tier == StatsTier::Minute {
                for_one_series(ROLLUP_MINUTES)
            } else {
                for_one_series(ROLLUP_ROLLUPS)
            };
            sqlx::query(&sql)
                .bind(start)
                .bind(end)
                .bind(width)
                .bind(source.width())
                .bind(series_id)
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        }
        Ok(())
    }

    /// One pass of the rollup job as core's [`RollupPlan`] lays it out: the steps and their
    /// watermarks in one transaction (taking the write lock before reading the watermarks,
    /// so two passes never roll the same buckets), then the retention cuts, a chunk per
    /// transaction. A pass stopped between chunks leaves rows the next pass deletes.
    pub(super) async fn run_rollup(
        &self,
        now: i64,
        retention: &StatsRetention,
    ) -> CoreResult<RollupReport> {
        let mut report = RollupReport::default();
        let mut tx = self.begin_write().await?;
        let mut done = Vec::new();
        for tier in ROLLED_TIERS {
            let until: Option<i64> =
                sqlx::query_scalar("SELECT done_until FROM stats_rollup_state WHERE tier = ?")
                    .bind(tier.width())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(storage)?;
            done.push((tier, until));
        }
        let plan = RollupPlan::at(now, retention, |tier| {
            done.iter().find(|(t, _)| *t == tier).and_then(|(_, u)| *u)
        });

        for step in &plan.steps {
            let width = step.tier.width();
            let rolled = if step.tier == StatsTier::Minute {
                sqlx::query(ROLLUP_MINUTES).bind(step.from).bind(step.until)
            } else {
                sqlx::query(ROLLUP_ROLLUPS)
                    .bind(step.from)
                    .bind(step.until)
                    .bind(width)
                    .bind(step.source.width())
            }
            .execute(&mut *tx)
            .await
            .map_err(storage)?
            .rows_affected();
            match step.tier {
                StatsTier::Minute => report.minute_buckets = rolled,
                StatsTier::Quarter => report.quarter_buckets = rolled,
                _ => report.hour_buckets = rolled,
            }
            sqlx::query(ROLLUP_DEVICES)
                .bind(step.from)
                .bind(step.until)
                .bind(width)
                .bind(step.source.width())
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
            sqlx::query(
                "INSERT INTO stats_rollup_state (tier, done_until) VALUES (?, ?)
                 ON CONFLICT (tier) DO UPDATE SET done_until = excluded.done_until",
            )
            .bind(width)
            .bind(step.until)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        }

        tx.commit().await.map_err(storage)?;

        for cut in &plan.cuts {
            let tier = cut.tier.width();
            let containers = if cut.tier == StatsTier::Raw {
                DELETE_RAW
            } else {
                DELETE_ROLLUPS
            };
            report.deleted += self.delete_in_chunks(containers, tier, cut.before).await?;
            report.deleted += self
                .delete_in_chunks(DELETE_DEVICE_STATS, tier, cut.before)
                .await?;
        }
        Ok(report)
    }

    /// Runs one of the retention statements until it deletes less than a full chunk. Each
    /// statement is its own transaction.
    async fn delete_in_chunks(&self, sql: &str, tier: i64, before: i64) -> CoreResult<u64> {
        let mut deleted = 0;
        loop {
            let n = sqlx::query(sql)
                .bind(tier)
                .bind(before)
                .bind(DELETE_CHUNK)
                .execute(self.pool())
                .await
                .map_err(storage)?
                .rows_affected();
            deleted += n;
            if n < DELETE_CHUNK as u64 {
                return Ok(deleted);
            }
            tokio::time::sleep(BETWEEN_CHUNKS).await;
        }
    }
}
