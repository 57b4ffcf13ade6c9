//! The rollup job's SQL: executes core's [`RollupPlan`] (which buckets, from which tier,
//! where retention cuts) in one transaction.

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

const ROLLUP_DEVICES: &str = "
    INSERT OR REPLACE INTO device_stats
        (device_uuid, tier, ts, rounds, containers, cpu, mem, mem_pct)
    SELECT device_uuid, ?3, (ts / ?3) * ?3, SUM(rounds), SUM(containers), SUM(cpu),
           SUM(mem), SUM(mem_pct)
    FROM device_stats
    WHERE device_uuid IN (SELECT uuid FROM devices) AND tier = ?4 AND ts >= ?1 AND ts < ?2
    GROUP BY device_uuid, (ts / ?3) * ?3";

impl Store {
    /// One pass of the rollup job as core's [`RollupPlan`] lays it out, in one transaction:
    /// the steps with their watermarks, then the retention cuts.
    pub(super) async fn run_rollup(
        &self,
        now: i64,
        retention: &StatsRetention,
    ) -> CoreResult<RollupReport> {
        let mut report = RollupReport::default();
        let mut tx = self.pool().begin().await.map_err(storage)?;

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

        for cut in &plan.cuts {
            let containers = if cut.tier == StatsTier::Raw {
                sqlx::query(
                    "DELETE FROM stats_raw
                     WHERE series_id IN (SELECT id FROM stats_series) AND ts < ?",
                )
                .bind(cut.before)
            } else {
                sqlx::query(
                    "DELETE FROM stats_rollup
                     WHERE series_id IN (SELECT id FROM stats_series) AND tier = ? AND ts < ?",
                )
                .bind(cut.tier.width())
                .bind(cut.before)
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
            .bind(cut.tier.width())
            .bind(cut.before)
            .execute(&mut *tx)
            .await
            .map_err(storage)?
            .rows_affected();
        }
        tx.commit().await.map_err(storage)?;
        Ok(report)
    }
}
