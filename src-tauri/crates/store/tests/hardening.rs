//! Storage hardening, against real SQLite files: concurrent writers wait their turn, the
//! retention cut deletes every row in chunks, one unreadable device row hides nothing else, the
//! database is copied before a migration, the store's files are private, and keyring entries
//! left to delete outlive a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{container, device, open};
use squirrel_core::model::{
    ContainerSample, DeviceLoad, StatsRetention, StatsSample, ROLLUP_GRACE_SECS,
};
use squirrel_core::ports::{
    ContainerChanges, ContainerRepository, DeviceRepository, StatsRepository,
};
use squirrel_store::{backup_path, Store, DB_FILE};

/// An hour boundary.
const T0: i64 = 1_800_000_000;

/// Devices d1 (containers c1, c2) and d2 (c3), each container with a stats series.
async fn fleet(store: &Store) {
    for d in ["d1", "d2"] {
        store.insert_device(&device(d)).await.unwrap();
    }
    store
        .apply_container_changes(&ContainerChanges {
            upserts: vec![
                container("c1", "d1", "e1"),
                container("c2", "d1", "e2"),
                container("c3", "d2", "e3"),
            ],
            removals: vec![],
        })
        .await
        .unwrap();
    sqlx::query("INSERT INTO stats_series (container_uuid) SELECT uuid FROM containers")
        .execute(store.pool())
        .await
        .unwrap();
}

/// `count` rounds at 10 s from `T0` for every series and device, written in SQL (the
/// repository's round-per-transaction path is exercised elsewhere): within each minute CPU
/// goes 0, 10, ..., 50 %.
async fn seed(store: &Store, count: i64) {
    let rounds = "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ?2 - 1)";
    sqlx::query(&format!(
        "{rounds} INSERT INTO stats_raw
             (series_id, ts, cpu, mem, mem_limit, net_rx, net_tx, blk_read, blk_write, pids)
         SELECT s.id, ?1 + i * 10, (i % 6) * 1000, 500, 1000, 0, 0, 0, 0, 1
         FROM k, stats_series s"
    ))
    .bind(T0)
    .bind(count)
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query(&format!(
        "{rounds} INSERT INTO device_stats
             (device_uuid, tier, ts, rounds, containers, cpu, mem, mem_pct)
         SELECT d.uuid, 0, ?1 + i * 10, 1, 1, (i % 6) * 1000, 500, 5000
         FROM k, devices d"
    ))
    .bind(T0)
    .bind(count)
    .execute(store.pool())
    .await
    .unwrap();
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

fn sample(ts: i64) -> StatsSample {
    StatsSample {
        ts: ts as f64,
        cpu_percent: 5.0,
        memory_used: 100.0,
        memory_limit: 1000.0,
        memory_percent: 10.0,
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_read_then_write_transactions_wait_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    // Two stores on one file: as two processes would, with separate connection pools.
    let a = Store::open(dir.path()).await.unwrap();
    let b = Store::open(dir.path()).await.unwrap();
    fleet(&a).await;
    seed(&a, 720).await;
    let retention = StatsRetention::default();
    // Each pass reads the watermarks, then writes buckets: both passes of a pair find the
    // same work, and a deferred transaction would fail with "database is locked".
    for k in 1..=24 {
        let now = T0 + k * 300 + ROLLUP_GRACE_SECS;
        let samples = vec![ContainerSample {
            container_uuid: "c1".into(),
            sample: sample(T0 + 7200 + k * 10),
        }];
        let load = DeviceLoad::of("d1", (T0 + 7200 + k * 10) as f64, &samples);
        let (ra, rb, rw) = tokio::join!(
            a.rollup(now, &retention),
            b.rollup(now, &retention),
            b.insert_samples(&load, &samples),
        );
        ra.unwrap_or_else(|e| panic!("pass {k} on the first store: {e}"));
        rb.unwrap_or_else(|e| panic!("pass {k} on the second store: {e}"));
        rw.unwrap_or_else(|e| panic!("round {k}: {e}"));
    }
    // Every minute of the two hours rolled exactly once per series, six samples each.
    assert_eq!(
        count(&a, "SELECT COUNT(*) FROM stats_rollup WHERE tier = 60").await,
        3 * 120
    );
    assert_eq!(
        count(
            &a,
            "SELECT COUNT(*) FROM stats_rollup WHERE tier = 60 AND n <> 6"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &a,
            &format!("SELECT COUNT(*) FROM stats_raw WHERE ts >= {}", T0 + 7200)
        )
        .await,
        24
    );
}

#[tokio::test]
async fn a_retention_cut_over_many_chunks_deletes_every_row_and_keeps_the_rollups() {
    let (_dir, store) = open().await;
    fleet(&store).await;
    // 1333 whole minutes at 10 s: 3 × 7998 raw samples and 2 × 7998 device rounds, several
    // chunks each.
    const ROUNDS: i64 = 7998;
    seed(&store, ROUNDS).await;
    let retention = StatsRetention::default();
    let end = T0 + 1333 * 60;
    let report = store
        .rollup(end + ROLLUP_GRACE_SECS, &retention)
        .await
        .unwrap();
    assert_eq!(report.minute_buckets, 3 * 1333);
    assert_eq!(report.deleted, 0);
    let minutes = "SELECT COUNT(*) * 1000000000 + SUM(n) * 1000 + SUM(cpu_avg)
                   FROM stats_rollup WHERE tier = 60";
    let device_minutes = "SELECT COUNT(*) * 1000000000 + SUM(rounds) * 1000 + SUM(cpu)
                          FROM device_stats WHERE tier = 60";
    let before = (
        count(&store, minutes).await,
        count(&store, device_minutes).await,
    );
    assert_eq!(
        before.0,
        3 * 1333 * 1_000_000_000 + 3 * ROUNDS * 1000 + 3 * 1333 * 2500
    );

    // A day later the raw tier goes, all of it, and the minutes stay as they were.
    let report = store.rollup(end + 25 * 3600, &retention).await.unwrap();
    assert_eq!(report.deleted as i64, 3 * ROUNDS + 2 * ROUNDS);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM stats_raw").await, 0);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM device_stats WHERE tier = 0").await,
        0
    );
    assert_eq!(
        (
            count(&store, minutes).await,
            count(&store, device_minutes).await
        ),
        before
    );

    // Past a year every tier is gone.
    store.rollup(end + 400 * 86_400, &retention).await.unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) FROM stats_rollup").await, 0);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM device_stats").await, 0);
}

#[tokio::test]
async fn one_unreadable_device_row_does_not_hide_the_others() {
    let (_dir, store) = open().await;
    for d in ["d1", "d2", "d3", "d4"] {
        store.insert_device(&device(d)).await.unwrap();
    }
    sqlx::query("UPDATE devices SET connection = '{\"type\":\"floppyDisk\"}' WHERE uuid = 'd2'")
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE devices SET resync_interval_secs = 'soon' WHERE uuid = 'd4'")
        .execute(store.pool())
        .await
        .unwrap();
    let listed: Vec<String> = store
        .list_devices()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.uuid)
        .collect();
    assert_eq!(listed, vec!["d1", "d3"]);
    let err = store.get_device("d2").await.unwrap_err().to_string();
    assert!(err.contains("d2") && err.contains("add it again"), "{err}");
    assert_eq!(store.get_device("d3").await.unwrap(), Some(device("d3")));
}

/// A database at the schema of the first migration only, with one device in it.
async fn old_database(dir: &Path) {
    let migrations = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/0001_inventory.sql"),
        migrations.path().join("0001_inventory.sql"),
    )
    .unwrap();
    let migrator = sqlx::migrate::Migrator::new(migrations.path())
        .await
        .unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join(DB_FILE).display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    migrator.run(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO devices (uuid, name, connection, enabled, resync_interval_secs, created_at)
         VALUES ('old', 'old device', '{\"type\":\"localSocket\",\"path\":\"/run/docker.sock\"}',
                 1, 60, 7)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

fn backups(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".bak"))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_database_is_copied_before_a_migration_and_not_when_new() {
    let fresh = tempfile::tempdir().unwrap();
    Store::open(fresh.path()).await.unwrap().close().await;
    assert!(backups(fresh.path()).is_empty());

    let dir = tempfile::tempdir().unwrap();
    old_database(dir.path()).await;
    let store = Store::open(dir.path()).await.unwrap();
    let db = dir.path().join(DB_FILE);
    let copy = backup_path(&db, 2);
    assert_eq!(backups(dir.path()), vec![format!("{DB_FILE}.before-2.bak")]);
    assert_mode(&copy, 0o600);
    // The migrated database kept the device.
    let devices = store.list_devices().await.unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(
        (devices[0].uuid.as_str(), devices[0].stats_interval_secs),
        ("old", 10)
    );
    store.close().await;

    // The copy is the database as it was: the first migration only, and the device.
    let url = format!("sqlite://{}?mode=ro", copy.display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(versions, vec![1]);
    let name: String = sqlx::query_scalar("SELECT name FROM devices WHERE uuid = 'old'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(name, "old device");
    pool.close().await;

    // Up to date: reopening makes no other copy.
    Store::open(dir.path()).await.unwrap().close().await;
    assert_eq!(backups(dir.path()).len(), 1);
}

#[tokio::test]
async fn a_failed_migration_leaves_the_database_and_its_copy_intact() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    store.insert_device(&device("d1")).await.unwrap();
    let latest: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(store.pool())
        .await
        .unwrap();
    // Forget the last migration: running it again fails (what it creates already exists).
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    store.close().await;
    // Each attempt fails the same way and leaves one copy, no partial one.
    for _ in 0..2 {
        let err = Store::open(dir.path()).await.unwrap_err().to_string();
        assert!(err.contains("migrate"), "{err}");
    }
    assert_eq!(
        backups(dir.path()),
        vec![format!("{DB_FILE}.before-{latest}.bak")]
    );
    let partial = std::fs::read_dir(dir.path()).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".partial")
    });
    assert!(!partial);
    for file in [
        dir.path().join(DB_FILE),
        backup_path(&dir.path().join(DB_FILE), latest),
    ] {
        let url = format!("sqlite://{}?mode=ro", file.display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE uuid = 'd1'")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n, 1, "{}", file.display());
        pool.close().await;
    }
}

#[cfg(unix)]
fn assert_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let got = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(got, mode, "{} is {got:o}", path.display());
}

#[cfg(not(unix))]
fn assert_mode(_: &Path, _: u32) {}

#[cfg(unix)]
#[tokio::test]
async fn the_store_files_and_the_folder_it_creates_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("new").join("data");
    let store = Store::open(&dir).await.unwrap();
    store.insert_device(&device("d1")).await.unwrap();
    assert_mode(&root.path().join("new"), 0o700);
    assert_mode(&dir, 0o700);
    let db = dir.join(DB_FILE);
    for file in ["", "-wal", "-shm"] {
        let mut name = db.clone().into_os_string();
        name.push(file);
        assert_mode(Path::new(&name), 0o600);
    }
    store.close().await;

    // A database from before Squirrel set modes is made private on open.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    Store::open(&dir).await.unwrap().close().await;
    assert_mode(&db, 0o600);
}

#[tokio::test]
async fn keyring_entries_left_to_delete_survive_a_reopen() {
    use squirrel_core::secrets::{device_secret_ref, OrphanLedger};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    assert!(store.load_orphans().await.unwrap().is_empty());
    let left = vec![device_secret_ref("a"), device_secret_ref("b")];
    store.save_orphans(&left).await.unwrap();
    store.close().await;

    let store = Store::open(dir.path()).await.unwrap();
    assert_eq!(store.load_orphans().await.unwrap(), left);
    store.save_orphans(&[]).await.unwrap();
    assert!(store.load_orphans().await.unwrap().is_empty());
    store.close().await;
}
