//! Crash safety: SIGKILL the ingesting process mid-round, three times over. Each time the
//! database opens, passes `PRAGMA integrity_check`, keeps every round it acknowledged and
//! at most one more, and holds no partial round.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use squirrel_store::Store;

const CONTAINERS: i64 = 500;

#[tokio::test]
async fn sigkill_during_ingestion_loses_at_most_the_last_round() {
    let dir = tempfile::tempdir().unwrap();
    let mut acknowledged_total = 0i64;
    for (cycle, kill_after) in [12, 19, 7].into_iter().enumerate() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stats-ingest"))
            .arg(dir.path())
            .arg(CONTAINERS.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut acknowledged = 0i64;
        while acknowledged < kill_after {
            let line = lines.next().expect("stats-ingest stopped early").unwrap();
            acknowledged = line.strip_prefix("committed ").unwrap().parse().unwrap();
        }
        child.kill().unwrap(); // SIGKILL: no destructor, no flush, no checkpoint.
        child.wait().unwrap();
        // Rounds acknowledged between our last read and the kill.
        for line in lines {
            if let Some(n) = line.unwrap().strip_prefix("committed ") {
                acknowledged = n.parse().unwrap();
            }
        }
        acknowledged_total += acknowledged;

        let store = Store::open(dir.path()).await.unwrap();
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(check, "ok", "cycle {cycle}");
        let (rows, rounds): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM stats_raw), (SELECT COUNT(*) FROM device_stats)",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(
            rows % CONTAINERS,
            0,
            "a partial round survived (cycle {cycle})"
        );
        assert_eq!(
            rows / CONTAINERS,
            rounds,
            "samples and device rows disagree"
        );
        assert!(
            rounds >= acknowledged_total && rounds <= acknowledged_total + 1,
            "cycle {cycle}: {rounds} rounds stored, {acknowledged_total} acknowledged"
        );
        // The unacknowledged round, if it landed, counts from now on.
        acknowledged_total = rounds;
        store.close().await;
    }
}
