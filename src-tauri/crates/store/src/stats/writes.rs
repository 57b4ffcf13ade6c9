//! Writing statistics: one collection round per transaction (multi-row inserts), and the
//! retention settings.

use sqlx::{QueryBuilder, Sqlite};
use squirrel_core::model::{ContainerSample, DeviceLoad, StatsRetention, StatsSample};
use squirrel_core::CoreResult;

use super::{centi, whole};
use crate::{storage, Store};

const RETENTION_KEY: &str = "stats.retention";

/// Rows per multi-row INSERT (10 parameters each, well under SQLite's limit).
const CHUNK: usize = 500;

impl Store {
    /// One collection round of one device in one transaction: every sample and the
    /// device's summed load.
    pub(super) async fn write_round(
        &self,
        load: &DeviceLoad,
        samples: &[ContainerSample],
    ) -> CoreResult<()> {
        let mut tx = self.begin_write().await?;
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

    /// History written after the fact: a sample goes in only where its minute has no raw
    /// sample and no minute rollup of this container, then the passed tiers are rolled
    /// again over the span written.
    pub(super) async fn write_backfill(
        &self,
        container_uuid: &str,
        samples: &[StatsSample],
    ) -> CoreResult<usize> {
        if samples.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT OR IGNORE INTO stats_series (container_uuid)
             SELECT uuid FROM containers WHERE uuid = ?",
        )
        .bind(container_uuid)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        let Some(series_id): Option<i64> =
            sqlx::query_scalar("SELECT id FROM stats_series WHERE container_uuid = ?")
                .bind(container_uuid)
                .fetch_optional(&mut *tx)
                .await
                .map_err(storage)?
        else {
            // The container is not stored (any more): nothing to write to.
            return Ok(0);
        };
        let mut stored = 0usize;
        for chunk in samples.chunks(CHUNK) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT OR IGNORE INTO stats_raw
                     (series_id, ts, cpu, mem, mem_limit, net_rx, net_tx, blk_read, blk_write, pids)
                 SELECT ",
            );
            q.push_bind(series_id);
            q.push(
                ", v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7,
                   v.column8, v.column9 FROM (",
            );
            q.push_values(chunk, |mut row, x| {
                row.push_bind(x.ts.floor() as i64)
                    .push_bind(centi(x.cpu_percent))
                    .push_bind(whole(x.memory_used))
                    .push_bind(whole(x.memory_limit))
                    .push_bind(whole(x.net_rx_rate))
                    .push_bind(whole(x.net_tx_rate))
                    .push_bind(whole(x.block_read_rate))
                    .push_bind(whole(x.block_write_rate))
                    .push_bind(whole(x.pids));
            });
            q.push(") AS v WHERE NOT EXISTS (SELECT 1 FROM stats_raw r WHERE r.series_id = ");
            q.push_bind(series_id);
            q.push(
                " AND r.ts >= (v.column1 / 60) * 60 AND r.ts < (v.column1 / 60) * 60 + 60)
                 AND NOT EXISTS (SELECT 1 FROM stats_rollup u WHERE u.series_id = ",
            );
            q.push_bind(series_id);
            q.push(" AND u.tier = 60 AND u.ts = (v.column1 / 60) * 60)");
            stored += q
                .build()
                .execute(&mut *tx)
                .await
                .map_err(storage)?
                .rows_affected() as usize;
        }
        if stored > 0 {
            let first = samples
                .iter()
                .map(|s| s.ts.floor() as i64)
                .min()
                .unwrap_or(0);
            let last = samples
                .iter()
                .map(|s| s.ts.floor() as i64)
                .max()
                .unwrap_or(0);
            Self::reroll_series(&mut tx, series_id, first, last).await?;
        }
        tx.commit().await.map_err(storage)?;
        Ok(stored)
    }

    pub(super) async fn read_retention(&self) -> CoreResult<StatsRetention> {
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

    pub(super) async fn write_retention(&self, retention: &StatsRetention) -> CoreResult<()> {
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
