//! StatsService and StatsRecorder: rounds stamped by the clock, chart planning, retention,
//! and the rollup job on tokio's paused clock.

use super::*;
use crate::clock::Clock;
use crate::model::{EngineSample, StatsRetention, StatsSample, StatsTier};
use crate::ports::StatsSink;
use crate::services::ROLLUP_PERIOD;
use crate::CoreError;

fn sample(ts: f64, cpu: f64, mem: f64) -> StatsSample {
    StatsSample {
        ts,
        cpu_percent: cpu,
        memory_used: mem,
        memory_limit: 1000.0,
        memory_percent: mem / 10.0,
        net_rx_rate: 0.0,
        net_tx_rate: 0.0,
        block_read_rate: 0.0,
        block_write_rate: 0.0,
        pids: 1.0,
        net_rx_bytes: None,
        net_tx_bytes: None,
        block_read_bytes: None,
        block_write_bytes: None,
    }
}

/// One round as a collector reports it: samples stamped with the app's clock.
fn round(core: &TestCore, cpu: f64) -> Vec<EngineSample> {
    let ts = core.clock.now_secs() as f64;
    vec![
        EngineSample {
            engine_id: "e1".into(),
            sample: sample(ts, cpu, 100.0),
        },
        EngineSample {
            engine_id: "gone".into(),
            sample: sample(ts, 99.0, 1.0),
        },
    ]
}

#[tokio::test]
async fn a_round_is_stamped_by_the_clock_stored_and_published() {
    let core = TestCore::new(T0_MS);
    let (dev, web) = with_web(&core).await;
    let mut rx = core.bus().subscribe();
    core.recorder.record(&dev, round(&core, 50.0)).await;

    let DomainEvent::StatsRecorded { load, containers } =
        next_event(&mut rx, |e| matches!(e, DomainEvent::StatsRecorded { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(load.ts, (T0_MS / 1000) as f64);
    assert_eq!((load.containers, load.cpu_total_percent), (1.0, 50.0));
    assert_eq!(containers.len(), 1, "the unknown engine id is dropped");
    assert_eq!(core.repos.sample_count(&web), 1);
    let latest = core.stats.latest(&web).await.unwrap().unwrap();
    assert_eq!(latest.cpu_percent, 50.0);
    let (loads, devices) = core.stats.loads();
    assert_eq!((loads.len(), devices.len()), (1, 1));

    // Removing the device forgets its load.
    core.devices.remove(&dev).await.unwrap();
    let (loads, devices) = core.stats.loads();
    assert!(loads.is_empty() && devices.is_empty());
}

#[tokio::test]
async fn charts_are_planned_from_the_clock_and_reject_bad_ranges() {
    let core = TestCore::new(T0_MS);
    let (dev, web) = with_web(&core).await;
    for cpu in [10.0, 20.0, 30.0] {
        core.recorder.record(&dev, round(&core, cpu)).await;
        core.clock.advance_secs(10);
    }
    let now = core.clock.now_secs();
    let series = core
        .stats
        .container_series(&web, now - 3600, now)
        .await
        .unwrap();
    assert_eq!((series.step, series.tier), (10.0, StatsTier::Raw));
    let cpu: Vec<f64> = series.points.iter().map(|p| p.cpu_percent.avg).collect();
    assert_eq!(cpu, vec![10.0, 20.0, 30.0]);

    let week = core
        .stats
        .fleet_series(None, now - 7 * 86_400, now)
        .await
        .unwrap();
    assert_eq!(week.tier, StatsTier::Quarter);
    assert_eq!(week.points.len(), 1, "three rounds in one quarter-hour");

    assert!(matches!(
        core.stats.container_series(&web, now, now - 1).await,
        Err(CoreError::InvalidInput(_))
    ));
    assert!(matches!(
        core.stats.container_series("nope", now - 60, now).await,
        Err(CoreError::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_retention_change_is_normalized_and_applied_at_once() {
    let core = TestCore::new(T0_MS);
    let (dev, web) = with_web(&core).await;
    core.recorder.record(&dev, round(&core, 10.0)).await;
    core.clock.advance_secs(3 * 3600);
    core.recorder.record(&dev, round(&core, 20.0)).await;

    let saved = core
        .stats
        .set_retention(StatsRetention {
            raw_hours: 0,
            minute_days: 0,
            hour_days: 0,
        })
        .await
        .unwrap();
    assert_eq!(saved.raw_hours, 1, "at least one hour of raw samples");
    assert!(saved.minute_days >= 1 && saved.hour_days >= saved.minute_days);
    assert_eq!(core.stats.retention().await.unwrap(), saved);
    assert_eq!(
        core.repos.sample_count(&web),
        1,
        "the 3-hour-old sample went"
    );
}

#[tokio::test(start_paused = true)]
async fn the_rollup_job_runs_every_period_on_the_clock_it_is_given() {
    let core = TestCore::new(T0_MS);
    let (dev, web) = with_web(&core).await;
    core.recorder.record(&dev, round(&core, 10.0)).await;
    let job = core.stats.spawn_rollups();
    // The first tick is immediate; nothing is old enough yet.
    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    assert_eq!(core.repos.sample_count(&web), 1);

    core.clock.advance_secs(25 * 3600);
    tokio::time::sleep(ROLLUP_PERIOD).await;
    assert_eq!(
        core.repos.sample_count(&web),
        0,
        "a day-old raw sample goes"
    );
    job.abort();
}

#[tokio::test]
async fn containers_of_devices_not_online_are_counted_apart_as_last_seen() {
    use crate::model::{ContainerState::*, DeviceStatus, InventorySnapshot, StateCount};
    use crate::ports::InventorySink;
    let count = |state, count, stale| StateCount {
        state,
        count,
        stale,
    };
    let core = TestCore::new(T0_MS);
    let (live, _web) = with_web(&core).await;
    let nas = add_online(&core, "nas").await;
    core.inventory
        .sync_snapshot(
            &nas,
            InventorySnapshot {
                containers: vec![
                    obs("n1", "db", Running),
                    obs("n2", "cache", Running),
                    obs("n3", "old", Exited),
                ],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        core.stats.count_by_state(None).await.unwrap(),
        vec![count(Exited, 1, false), count(Running, 3, false)]
    );

    // The engine stops: what it ran is last seen, not running.
    let unreachable = DeviceStatus::Unreachable {
        reason: "connection refused".into(),
    };
    core.inventory.set_status(&nas, unreachable).await;
    assert_eq!(
        core.stats.count_by_state(None).await.unwrap(),
        vec![
            count(Running, 1, false),
            count(Exited, 1, true),
            count(Running, 2, true)
        ]
    );
    assert_eq!(
        core.stats.count_by_state(Some(&nas)).await.unwrap(),
        vec![count(Exited, 1, true), count(Running, 2, true)]
    );
    assert_eq!(
        core.stats.count_by_state(Some(&live)).await.unwrap(),
        vec![count(Running, 1, false)]
    );

    // A disabled device's containers are last seen too.
    core.devices.set_enabled(&live, false).await.unwrap();
    assert_eq!(
        core.stats.count_by_state(Some(&live)).await.unwrap(),
        vec![count(Running, 1, true)]
    );

    // Back online, its containers count as live again.
    let online = DeviceStatus::Online {
        engine_version: "27.3.1".into(),
    };
    core.inventory.set_status(&nas, online).await;
    assert_eq!(
        core.stats.count_by_state(Some(&nas)).await.unwrap(),
        vec![count(Exited, 1, false), count(Running, 2, false)]
    );
}
