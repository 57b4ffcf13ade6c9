//! History benchmark: 30 days of stats for hundreds of containers in a real SQLite file,
//! then the chart queries the app runs, timed over repeated runs.
//!
//! `cargo bench -p squirrel-store --bench history`.
//! Env: SQUIRREL_BENCH_CONTAINERS (default 500), SQUIRREL_BENCH_RAW_HOURS (hours of raw
//! samples ingested through the app's own insert path, default 24), SQUIRREL_BENCH_QUERIES
//! (default 200).
//!
//! Layout as the default retention keeps it: raw samples every 10 s for the last day
//! (ingested round by round, as the collector does), one-minute rollups for 7 days,
//! fifteen-minute and one-hour rollups for 30 days (generated in SQL: rolling 30 days of raw samples up would
//! take hours and measure nothing the rollup tests do not cover).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use squirrel_core::model::{
    plan_resolution, Container, ContainerSample, ContainerState, Device, DeviceConnection,
    DeviceLoad, StatsRetention, StatsSample,
};
use squirrel_core::ports::{
    ContainerChanges, ContainerRepository, DeviceRepository, StatsRepository,
};
use squirrel_store::Store;

mod common;
use common::{env_usize, percentile};

/// A cheap deterministic scramble, so that values vary like real ones.
fn mix(a: i64, b: i64) -> i64 {
    (a.wrapping_mul(2_654_435_761)
        .wrapping_add(b.wrapping_mul(40_503)))
    .rem_euclid(1000)
}

fn container(i: usize) -> Container {
    Container {
        uuid: format!("bench-{i:04}"),
        device_uuid: "bench-device".into(),
        engine_id: format!("{i:064x}"),
        name: format!("bench-{i:04}"),
        display_name: None,
        image: "busybox:local".into(),
        image_id: "sha256:0".into(),
        command: "sleep".into(),
        state: ContainerState::Running,
        exit_code: None,
        health: None,
        created: 0,
        ports: vec![],
        labels: Default::default(),
        networks: vec![],
        mounts: vec![],
        kind: Default::default(),
        guest: None,
        updated_at: 0,
    }
}

fn sample(ts: i64, i: usize) -> StatsSample {
    let x = mix(ts, i as i64) as f64;
    StatsSample {
        ts: ts as f64,
        cpu_percent: x / 10.0,
        memory_used: x * 1_048_576.0,
        memory_limit: 8_589_934_592.0,
        memory_percent: x / 81.92,
        net_rx_rate: x * 100.0,
        net_tx_rate: x * 40.0,
        block_read_rate: 0.0,
        block_write_rate: x * 8.0,
        pids: (x as i64 % 40) as f64,
        net_rx_bytes: None,
        net_tx_bytes: None,
        block_read_bytes: None,
        block_write_bytes: None,
    }
}

async fn round(store: &Store, n: usize, ts: i64) {
    let samples: Vec<ContainerSample> = (0..n)
        .map(|i| ContainerSample {
            container_uuid: format!("bench-{i:04}"),
            sample: sample(ts, i),
        })
        .collect();
    let load = DeviceLoad::of("bench-device", ts as f64, &samples);
    store.insert_samples(&load, &samples).await.unwrap();
}

/// Bytes the database holds (WAL folded in, free pages left out).
async fn db_bytes(store: &Store) -> f64 {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.pool())
        .await
        .unwrap();
    let (pages, free, size): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT page_count FROM pragma_page_count()),
                (SELECT freelist_count FROM pragma_freelist_count()),
                (SELECT page_size FROM pragma_page_size())",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    ((pages - free) * size) as f64
}

/// Fills one rollup tier for every series over `[from, to)` in SQL.
async fn fill_tier(store: &Store, tier: i64, from: i64, to: i64) -> i64 {
    let n_per = tier / 10;
    sqlx::query(
        "WITH RECURSIVE t(ts) AS (SELECT ?1 UNION ALL SELECT ts + ?3 FROM t WHERE ts + ?3 < ?2)
         INSERT OR REPLACE INTO stats_rollup
         SELECT id, ?3, ts, ?4,
                v / 2, v, v * 2, v * 524288, v * 1048576, v * 2097152, 8589934592,
                v * 100, v * 150, v * 40, v * 60, 0, 0, v * 8, v * 12, v % 40
         FROM (SELECT s.id AS id, t.ts AS ts,
                      ((s.id * 2654435761 + t.ts * 40503) % 1000 + 1000) % 1000 AS v
               FROM stats_series s CROSS JOIN t ORDER BY s.id, t.ts)",
    )
    .bind(from)
    .bind(to)
    .bind(tier)
    .bind(n_per)
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query(
        "WITH RECURSIVE t(ts) AS (SELECT ?1 UNION ALL SELECT ts + ?3 FROM t WHERE ts + ?3 < ?2)
         INSERT OR REPLACE INTO device_stats
         SELECT 'bench-device', ?3, t.ts, ?4, ?4 * ?5, ?4 * ?5 * 5000, ?4 * ?5 * 500000000,
                ?4 * ?5 * 600
         FROM t",
    )
    .bind(from)
    .bind(to)
    .bind(tier)
    .bind(n_per)
    .bind(i64::try_from(env_usize("SQUIRREL_BENCH_CONTAINERS", 500)).unwrap())
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO stats_rollup_state (tier, done_until) VALUES (?, ?)
         ON CONFLICT (tier) DO UPDATE SET done_until = excluded.done_until",
    )
    .bind(tier)
    .bind(to)
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM stats_rollup WHERE series_id = 1 AND tier = ?")
        .bind(tier)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn report(name: &str, v: Vec<f64>, target: Option<f64>) {
    let p50 = percentile(v.clone(), 0.5);
    let p99 = percentile(v.clone(), 0.99);
    let max = percentile(v.clone(), 1.0);
    let target = target.map(|t| format!("≤ {t} ms")).unwrap_or_default();
    println!(
        "| {name} | {} | {p50:.2} | {p99:.2} | {max:.2} | {target} |",
        v.len()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = env_usize("SQUIRREL_BENCH_CONTAINERS", 500);
    let raw_hours = env_usize("SQUIRREL_BENCH_RAW_HOURS", 24) as i64;
    let queries = env_usize("SQUIRREL_BENCH_QUERIES", 200);
    // SQUIRREL_BENCH_DIR keeps the database for a look afterwards.
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var_os("SQUIRREL_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().to_path_buf());
    let store = Store::open(&path).await.unwrap();
    store
        .insert_device(&Device {
            uuid: "bench-device".into(),
            name: "bench".into(),
            connection: DeviceConnection::LocalSocket {
                path: "/nonexistent".into(),
            },
            enabled: true,
            resync_interval_secs: 300,
            stats_interval_secs: 10,
            created_at: 0,
        })
        .await
        .unwrap();
    store
        .apply_container_changes(&ContainerChanges {
            upserts: (0..n).map(container).collect(),
            removals: vec![],
        })
        .await
        .unwrap();
    let empty = db_bytes(&store).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        / 60
        * 60;
    println!("# Squirrel history benchmark: {n} containers, 30 days");

    // Raw: the last `raw_hours` through the app's insert path, one round per 10 s.
    let rounds = raw_hours * 360;
    let mut per_round = Vec::with_capacity(rounds as usize);
    let t = Instant::now();
    for k in 0..rounds {
        let r = Instant::now();
        round(&store, n, now - raw_hours * 3600 + k * 10).await;
        per_round.push(ms(r));
    }
    let ingest_secs = t.elapsed().as_secs_f64();
    let after_raw = db_bytes(&store).await;
    let raw_rows = rounds as f64 * n as f64;
    println!(
        "ingest: {rounds} rounds of {n} samples in {ingest_secs:.1} s ({:.0} samples/s); per round p50 {:.1} ms, p99 {:.1} ms",
        raw_rows / ingest_secs,
        percentile(per_round.clone(), 0.5),
        percentile(per_round, 0.99)
    );

    let minutes = fill_tier(&store, 60, now - 7 * 86_400, now - 60).await;
    let after_minutes = db_bytes(&store).await;
    let quarters = fill_tier(&store, 900, now - 30 * 86_400, now / 900 * 900).await;
    let after_quarters = db_bytes(&store).await;
    let hours = fill_tier(&store, 3600, now - 30 * 86_400, now / 3600 * 3600).await;
    let after_hours = db_bytes(&store).await;

    let per_raw = (after_raw - empty) / raw_rows;
    let per_minute = (after_minutes - after_raw) / (minutes as f64 * n as f64);
    let per_quarter = (after_quarters - after_minutes) / (quarters as f64 * n as f64);
    let per_hour = (after_hours - after_quarters) / (hours as f64 * n as f64);
    let r = StatsRetention::default();
    let day = |b: f64, rows: f64| b * rows / 1024.0;
    println!();
    println!("| tier | bytes per row | KiB per container per day | kept (default) | KiB per container kept |");
    println!("|---|---:|---:|---:|---:|");
    let kept = [
        ("raw (10 s)", per_raw, 8640.0, f64::from(r.raw_hours) / 24.0),
        ("1 minute", per_minute, 1440.0, f64::from(r.minute_days)),
        (
            "15 minutes",
            per_quarter,
            96.0,
            r.keep_secs(squirrel_core::model::StatsTier::Quarter) as f64 / 86_400.0,
        ),
        ("1 hour", per_hour, 24.0, f64::from(r.hour_days)),
    ];
    let mut steady = 0.0;
    for (name, b, rows, days) in kept {
        steady += day(b, rows) * days;
        println!(
            "| {name} | {b:.1} | {:.1} | {days} d | {:.0} |",
            day(b, rows),
            day(b, rows) * days
        );
    }
    println!(
        "database now {:.0} MiB; steady state with the default retention: {:.2} MiB per container ({:.0} MiB for {n})",
        after_hours / 1_048_576.0,
        steady / 1024.0,
        steady / 1024.0 * n as f64
    );

    // Queries, planned exactly as the app plans them.
    println!();
    println!("| query | runs | p50 ms | p99 ms | max ms | target |");
    println!("|---|---:|---:|---:|---:|---|");
    let qnow = now;
    let mut trip = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let _: i64 = sqlx::query_scalar("SELECT 1")
            .fetch_one(store.pool())
            .await
            .unwrap();
        trip.push(ms(t));
    }
    report("one sqlx round trip (SELECT 1), for scale", trip, None);
    for (name, span, target) in [
        ("one container, 1 h", 3600, None),
        ("one container, 24 h", 86_400, None),
        ("one container, 7 d", 7 * 86_400, Some(20.0)),
        ("one container, 30 d", 30 * 86_400, None),
    ] {
        let (step, tier) = plan_resolution(qnow - span, qnow, qnow, &r);
        let mut v = Vec::with_capacity(queries);
        let mut points = 0;
        for q in 0..queries {
            let uuid = format!("bench-{:04}", (q * 7919) % n);
            let t = Instant::now();
            let s = store
                .container_series(&uuid, qnow - span, qnow, step, tier)
                .await
                .unwrap();
            v.push(ms(t));
            points = s.points.len();
        }
        report(
            &format!("{name} ({points} points, {step} s, {tier:?})"),
            v,
            target,
        );
    }
    for (name, span, target) in [
        ("fleet average, 24 h", 86_400, None),
        ("fleet average, 7 d", 7 * 86_400, Some(100.0)),
        ("fleet average, 30 d", 30 * 86_400, None),
    ] {
        let (step, tier) = plan_resolution(qnow - span, qnow, qnow, &r);
        let mut v = Vec::with_capacity(queries);
        let mut points = 0;
        for _ in 0..queries.min(100) {
            let t = Instant::now();
            let s = store
                .fleet_series(None, qnow - span, qnow, step, tier)
                .await
                .unwrap();
            v.push(ms(t));
            points = s.points.len();
        }
        report(
            &format!("{name} ({points} points, {step} s, {tier:?})"),
            v,
            target,
        );
    }

    // The rollup job at steady state: a minute of new rounds, then one pass.
    let mut passes = Vec::new();
    for m in 1..=5 {
        for k in 0..6 {
            round(&store, n, now + (m - 1) * 60 + k * 10).await;
        }
        let t = Instant::now();
        store.rollup(now + m * 60 + 30, &r).await.unwrap();
        passes.push(ms(t));
    }
    report("rollup + retention pass (every minute)", passes, None);
}
