//! Stored statistics: buckets, rollups, retention and the fleet's load, with the clock
//! under the test's control.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{container, device, open};
use squirrel_core::model::{
    ContainerSample, ContainerState, DeviceLoad, StatsRetention, StatsSample, StatsTier,
};
use squirrel_core::ports::{
    ContainerChanges, ContainerRepository, DeviceRepository, StatsRepository,
};
use squirrel_store::Store;

/// An hour boundary.
const T0: i64 = 1_800_000_000;

fn sample(ts: i64, cpu: f64, mem: f64) -> StatsSample {
    StatsSample {
        ts: ts as f64,
        cpu_percent: cpu,
        memory_used: mem,
        memory_limit: 1000.0,
        memory_percent: mem / 1000.0 * 100.0,
        net_rx_rate: cpu * 10.0,
        net_tx_rate: 1.0,
        block_read_rate: 0.0,
        block_write_rate: 2.0,
        pids: 3.0,
        net_rx_bytes: None,
        net_tx_bytes: None,
        block_read_bytes: None,
        block_write_bytes: None,
    }
}

/// Stores one round of `device` at `ts`: (container uuid, cpu %, memory bytes) each.
async fn round(store: &Store, device: &str, ts: i64, rows: &[(&str, f64, f64)]) {
    let samples: Vec<ContainerSample> = rows
        .iter()
        .map(|(uuid, cpu, mem)| ContainerSample {
            container_uuid: uuid.to_string(),
            sample: sample(ts, *cpu, *mem),
        })
        .collect();
    let load = DeviceLoad::of(device, ts as f64, &samples);
    store.insert_samples(&load, &samples).await.unwrap();
}

/// Two devices: d1 runs c1 and c2, d2 runs c3.
async fn fleet() -> (tempfile::TempDir, Store) {
    let (dir, store) = open().await;
    for d in ["d1", "d2"] {
        store.insert_device(&device(d)).await.unwrap();
    }
    let changes = |list: Vec<_>| ContainerChanges {
        upserts: list,
        removals: vec![],
    };
    store
        .apply_container_changes(&changes(vec![
            container("c1", "d1", "e1"),
            container("c2", "d1", "e2"),
        ]))
        .await
        .unwrap();
    store
        .apply_container_changes(&changes(vec![container("c3", "d2", "e3")]))
        .await
        .unwrap();
    (dir, store)
}

#[tokio::test]
async fn raw_buckets_keep_min_avg_max() {
    let (_dir, store) = fleet().await;
    for i in 0..6 {
        let cpu = (i + 1) as f64 * 10.0;
        round(
            &store,
            "d1",
            T0 + i * 10,
            &[("c1", cpu, 100.0 + i as f64), ("ghost", 1.0, 1.0)],
        )
        .await;
    }
    let s = store
        .container_series("c1", T0, T0 + 60, 60, StatsTier::Raw)
        .await
        .unwrap();
    assert_eq!(s.points.len(), 1);
    let p = &s.points[0];
    assert_eq!(p.samples, 6.0);
    assert_eq!(
        (p.cpu_percent.min, p.cpu_percent.avg, p.cpu_percent.max),
        (10.0, 35.0, 60.0)
    );
    assert_eq!((p.memory_used.min, p.memory_used.max), (100.0, 105.0));
    assert_eq!(p.net_rx_rate.max, 600.0);
    assert_eq!(p.pids, 3.0);
    let fine = store
        .container_series("c1", T0, T0 + 60, 10, StatsTier::Raw)
        .await
        .unwrap();
    assert_eq!(fine.points.len(), 6);
    assert_eq!(fine.points[2].ts, (T0 + 20) as f64);
    // The unknown container was dropped, not stored under some other series.
    let latest = store.latest_sample("c1").await.unwrap().unwrap();
    assert_eq!((latest.ts, latest.cpu_percent), ((T0 + 50) as f64, 60.0));
    assert!(store.latest_sample("c2").await.unwrap().is_none());
}

#[tokio::test]
async fn rollups_and_retention_follow_the_clock() {
    let (_dir, store) = fleet().await;
    // Two hours at 10 s: within each minute CPU goes 0, 10, ..., 50.
    for i in 0..720 {
        let cpu = (i % 6) as f64 * 10.0;
        round(&store, "d1", T0 + i * 10, &[("c1", cpu, 500.0)]).await;
    }
    let retention = StatsRetention::default();
    let now = T0 + 7200 + squirrel_core::model::ROLLUP_GRACE_SECS;
    let report = store.rollup(now, &retention).await.unwrap();
    assert_eq!(report.minute_buckets, 120);
    assert_eq!(report.quarter_buckets, 8);
    assert_eq!(report.hour_buckets, 2);
    assert_eq!(report.deleted, 0);
    // Running again at the same time does nothing more.
    let again = store.rollup(now, &retention).await.unwrap();
    assert_eq!(
        (
            again.minute_buckets,
            again.quarter_buckets,
            again.hour_buckets
        ),
        (0, 0, 0)
    );

    let minutes = store
        .container_series("c1", T0, T0 + 7200, 60, StatsTier::Minute)
        .await
        .unwrap();
    assert_eq!(minutes.points.len(), 120);
    for p in &minutes.points {
        assert_eq!(p.samples, 6.0);
        assert_eq!(
            (p.cpu_percent.min, p.cpu_percent.avg, p.cpu_percent.max),
            (0.0, 25.0, 50.0)
        );
    }
    let quarters = store
        .container_series("c1", T0, T0 + 7200, 900, StatsTier::Quarter)
        .await
        .unwrap();
    assert_eq!(quarters.points.len(), 8);
    assert!(quarters
        .points
        .iter()
        .all(|p| p.samples == 90.0 && p.cpu_percent.avg == 25.0));
    let hours = store
        .container_series("c1", T0, T0 + 7200, 3600, StatsTier::Hour)
        .await
        .unwrap();
    assert_eq!(hours.points.len(), 2);
    assert_eq!(hours.points[1].ts, (T0 + 3600) as f64);
    assert_eq!(hours.points[0].samples, 360.0);
    assert_eq!(
        (
            hours.points[0].cpu_percent.avg,
            hours.points[0].cpu_percent.max
        ),
        (25.0, 50.0)
    );
    assert_eq!(hours.points[0].memory_used.avg, 500.0);

    // A day later the raw samples are gone; minutes and hours remain.
    let day_later = T0 + 7200 + 25 * 3600;
    let report = store.rollup(day_later, &retention).await.unwrap();
    assert!(report.deleted >= 720, "{report:?}");
    assert!(store.latest_sample("c1").await.unwrap().is_none());
    let raw = store
        .container_series("c1", T0, T0 + 7200, 60, StatsTier::Raw)
        .await
        .unwrap();
    assert!(raw.points.is_empty());
    let minutes = store
        .container_series("c1", T0, T0 + 7200, 60, StatsTier::Minute)
        .await
        .unwrap();
    assert_eq!(minutes.points.len(), 120);

    // Past a week the minutes go, past a month the quarter-hours, past a year the hours.
    store.rollup(T0 + 8 * 86_400, &retention).await.unwrap();
    let minutes = store
        .container_series("c1", T0, T0 + 7200, 60, StatsTier::Minute)
        .await
        .unwrap();
    assert!(minutes.points.is_empty());
    let quarter = |store: Store| async move {
        store
            .container_series("c1", T0, T0 + 7200, 900, StatsTier::Quarter)
            .await
            .unwrap()
            .points
            .len()
    };
    assert_eq!(quarter(store.clone()).await, 8);
    store.rollup(T0 + 32 * 86_400, &retention).await.unwrap();
    assert_eq!(quarter(store.clone()).await, 0);
    let hours = store
        .container_series("c1", T0, T0 + 7200, 3600, StatsTier::Hour)
        .await
        .unwrap();
    assert_eq!(hours.points.len(), 2);
    store.rollup(T0 + 366 * 86_400, &retention).await.unwrap();
    let hours = store
        .container_series("c1", T0, T0 + 7200, 3600, StatsTier::Hour)
        .await
        .unwrap();
    assert!(hours.points.is_empty());
    let fleet = store
        .fleet_series(None, T0, T0 + 7200, 3600, StatsTier::Hour)
        .await
        .unwrap();
    assert!(fleet.points.is_empty());
}

#[tokio::test]
async fn a_coarse_tier_falls_back_to_finer_ones_where_rollups_lag() {
    let (_dir, store) = fleet().await;
    for i in 0..60 {
        round(&store, "d1", T0 + i * 10, &[("c1", 40.0, 1.0)]).await;
    }
    // Five of the ten minutes are rolled up.
    store
        .rollup(
            T0 + 300 + squirrel_core::model::ROLLUP_GRACE_SECS,
            &StatsRetention::default(),
        )
        .await
        .unwrap();
    let s = store
        .container_series("c1", T0, T0 + 600, 60, StatsTier::Minute)
        .await
        .unwrap();
    assert_eq!(s.points.len(), 10);
    assert!(s
        .points
        .iter()
        .all(|p| p.samples == 6.0 && p.cpu_percent.avg == 40.0));
    let f = store
        .fleet_series(None, T0, T0 + 600, 60, StatsTier::Minute)
        .await
        .unwrap();
    assert_eq!(f.points.len(), 10);
    assert!(f
        .points
        .iter()
        .all(|p| p.cpu_avg_percent == 40.0 && p.containers == 1.0));
}

#[tokio::test]
async fn the_fleet_averages_over_containers_and_sums_over_devices() {
    let (_dir, store) = fleet().await;
    for k in 0..6 {
        let ts = T0 + k * 10;
        round(
            &store,
            "d1",
            ts,
            &[("c1", 100.0, 400.0), ("c2", 50.0, 200.0)],
        )
        .await;
        round(&store, "d2", ts, &[("c3", 30.0, 300.0)]).await;
    }
    let check = |p: &squirrel_core::model::FleetPoint| {
        assert!((p.cpu_avg_percent - 60.0).abs() < 1e-9, "{p:?}");
        assert!((p.cpu_total_percent - 180.0).abs() < 1e-9, "{p:?}");
        assert!((p.memory_total - 900.0).abs() < 1e-9, "{p:?}");
        assert!((p.memory_avg_percent - 30.0).abs() < 1e-9, "{p:?}");
        assert!((p.containers - 3.0).abs() < 1e-9, "{p:?}");
    };
    let raw = store
        .fleet_series(None, T0, T0 + 60, 60, StatsTier::Raw)
        .await
        .unwrap();
    assert_eq!(raw.points.len(), 1);
    check(&raw.points[0]);
    store
        .rollup(
            T0 + 60 + squirrel_core::model::ROLLUP_GRACE_SECS,
            &StatsRetention::default(),
        )
        .await
        .unwrap();
    let minute = store
        .fleet_series(None, T0, T0 + 60, 60, StatsTier::Minute)
        .await
        .unwrap();
    check(&minute.points[0]);
    let one = store
        .fleet_series(Some("d2"), T0, T0 + 60, 60, StatsTier::Raw)
        .await
        .unwrap();
    assert_eq!(one.points[0].cpu_avg_percent, 30.0);
    assert_eq!(one.points[0].containers, 1.0);
}

#[tokio::test]
async fn history_goes_with_its_container_and_device() {
    let (_dir, store) = fleet().await;
    round(&store, "d1", T0, &[("c1", 1.0, 1.0), ("c2", 2.0, 2.0)]).await;
    round(&store, "d2", T0, &[("c3", 3.0, 3.0)]).await;
    store
        .apply_container_changes(&ContainerChanges {
            upserts: vec![],
            removals: vec!["c1".into()],
        })
        .await
        .unwrap();
    let s = store
        .container_series("c1", T0, T0 + 60, 60, StatsTier::Raw)
        .await
        .unwrap();
    assert!(s.points.is_empty());
    assert!(store.latest_sample("c2").await.unwrap().is_some());
    store.delete_device("d2").await.unwrap();
    let f = store
        .fleet_series(None, T0, T0 + 60, 60, StatsTier::Raw)
        .await
        .unwrap();
    assert_eq!(f.points[0].containers, 2.0);
    let counts: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM stats_series), (SELECT COUNT(*) FROM stats_raw)",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(counts, (1, 1));
}

#[tokio::test]
async fn counts_by_state_on_all_devices_or_one() {
    let (_dir, store) = fleet().await;
    let mut stopped = container("c4", "d2", "e4");
    stopped.state = ContainerState::Exited;
    store
        .apply_container_changes(&ContainerChanges {
            upserts: vec![stopped],
            removals: vec![],
        })
        .await
        .unwrap();
    let all = store.count_by_device_and_state(None).await.unwrap();
    let get = |v: &[squirrel_core::model::DeviceStateCount], d: &str, s| {
        v.iter()
            .find(|c| c.device_uuid == d && c.state == s)
            .map(|c| c.count)
    };
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(get(&all, "d1", ContainerState::Running), Some(2));
    assert_eq!(get(&all, "d2", ContainerState::Running), Some(1));
    assert_eq!(get(&all, "d2", ContainerState::Exited), Some(1));
    let d2 = store.count_by_device_and_state(Some("d2")).await.unwrap();
    assert_eq!(d2.len(), 2, "{d2:?}");
    assert_eq!(get(&d2, "d2", ContainerState::Running), Some(1));
    assert_eq!(get(&d2, "d2", ContainerState::Exited), Some(1));
    assert!(store
        .count_by_device_and_state(Some("nope"))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn retention_settings_round_trip() {
    let (_dir, store) = open().await;
    assert_eq!(store.retention().await.unwrap(), StatsRetention::default());
    let r = StatsRetention {
        raw_hours: 48,
        minute_days: 14,
        hour_days: 730,
    };
    store.set_retention(&r).await.unwrap();
    assert_eq!(store.retention().await.unwrap(), r);
}

#[tokio::test]
async fn pruning_uses_the_primary_key_not_a_table_scan() {
    // The statement of `DELETE_RAW` in `src/stats/rollup.rs`: a chunk picked and deleted by key.
    let (_dir, store) = open().await;
    let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "EXPLAIN QUERY PLAN DELETE FROM stats_raw WHERE (series_id, ts) IN (
             SELECT series_id, ts FROM stats_raw
             WHERE series_id IN (SELECT id FROM stats_series) AND ts < 5 AND 0 = 0 LIMIT 5000)",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let text: Vec<&str> = plan.iter().map(|r| r.3.as_str()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("stats_raw USING PRIMARY KEY (series_id=? AND ts<?)")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("stats_raw USING PRIMARY KEY (series_id=? AND ts=?)")),
        "{text:?}"
    );
}

#[tokio::test]
async fn earlier_history_fills_only_empty_minutes_and_reaches_every_tier_already_rolled() {
    let (_dir, store) = fleet().await;
    let retention = StatsRetention::default();
    // Followed from T0 on, rolled up to T0 + 2 h.
    for m in 0..120 {
        round(&store, "d1", T0 + m * 60, &[("c1", 10.0, 100.0)]).await;
    }
    store.rollup(T0 + 2 * 3600 + 300, &retention).await.unwrap();

    // A day of recorded load before (and overlapping the first minutes of) what was followed.
    let earlier: Vec<StatsSample> = (0..(24 * 60 + 5))
        .map(|m| sample(T0 - 24 * 3600 + m * 60, 50.0, 500.0))
        .collect();
    let stored = store.backfill_samples("c1", &earlier).await.unwrap();
    assert_eq!(
        stored,
        24 * 60,
        "the five minutes already followed are kept as they were"
    );
    // Unknown containers take nothing.
    assert_eq!(store.backfill_samples("nobody", &earlier).await.unwrap(), 0);

    // Hours, from the hour tier (rolled before the backfill): the earlier day is there.
    let day = store
        .container_series("c1", T0 - 24 * 3600, T0 + 2 * 3600, 3600, StatsTier::Hour)
        .await
        .unwrap();
    assert_eq!(day.points.len(), 26);
    assert_eq!(day.points[0].cpu_percent.avg, 50.0);
    assert_eq!(day.points[25].cpu_percent.avg, 10.0);
    // Minutes, around the seam: the followed minutes kept their own values.
    let seam = store
        .container_series("c1", T0 - 120, T0 + 120, 60, StatsTier::Minute)
        .await
        .unwrap();
    let cpu: Vec<f64> = seam.points.iter().map(|p| p.cpu_percent.avg).collect();
    assert_eq!(cpu, [50.0, 50.0, 10.0, 10.0]);
    // Written again, nothing more is stored.
    assert_eq!(store.backfill_samples("c1", &earlier).await.unwrap(), 0);
}
