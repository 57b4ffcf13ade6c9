//! Stored statistics: raw samples, one-minute, fifteen-minute and one-hour rollups, the
//! devices' summed load, and retention. See `migrations/0002_stats.sql` for the layout.
//! Writes, chart queries and the rollup job live in their own files; the port is
//! implemented here by delegating to them.

mod queries;
mod rollup;
mod writes;

use async_trait::async_trait;
use squirrel_core::model::{
    ContainerSample, ContainerSeries, DeviceLoad, FleetSeries, RollupReport, StatsRetention,
    StatsSample, StatsTier,
};
use squirrel_core::ports::StatsRepository;
use squirrel_core::CoreResult;

use crate::Store;

/// Hundredths of a percent, as stored.
pub(super) fn centi(pct: f64) -> i64 {
    if pct.is_finite() {
        (pct * 100.0).round() as i64
    } else {
        0
    }
}

/// A count or rate as stored (whole units, never negative).
pub(super) fn whole(v: f64) -> i64 {
    if v.is_finite() && v > 0.0 {
        v.round() as i64
    } else {
        0
    }
}

pub(super) fn tier_code(tier: StatsTier) -> i64 {
    tier.width()
}

#[async_trait]
impl StatsRepository for Store {
    async fn insert_samples(
        &self,
        load: &DeviceLoad,
        samples: &[ContainerSample],
    ) -> CoreResult<()> {
        self.write_round(load, samples).await
    }

    async fn latest_sample(&self, container_uuid: &str) -> CoreResult<Option<StatsSample>> {
        self.newest_sample(container_uuid).await
    }

    async fn container_series(
        &self,
        container_uuid: &str,
        from: i64,
        to: i64,
        step: i64,
        tier: StatsTier,
    ) -> CoreResult<ContainerSeries> {
        self.read_container_series(container_uuid, from, to, step, tier)
            .await
    }

    async fn fleet_series(
        &self,
        device_uuid: Option<&str>,
        from: i64,
        to: i64,
        step: i64,
        tier: StatsTier,
    ) -> CoreResult<FleetSeries> {
        self.read_fleet_series(device_uuid, from, to, step, tier)
            .await
    }

    async fn rollup(&self, now: i64, retention: &StatsRetention) -> CoreResult<RollupReport> {
        self.run_rollup(now, retention).await
    }

    async fn backfill_samples(
        &self,
        container_uuid: &str,
        samples: &[StatsSample],
    ) -> CoreResult<usize> {
        self.write_backfill(container_uuid, samples).await
    }

    async fn retention(&self) -> CoreResult<StatsRetention> {
        self.read_retention().await
    }

    async fn set_retention(&self, retention: &StatsRetention) -> CoreResult<()> {
        self.write_retention(retention).await
    }
}
