//! Writes synthetic stats rounds into `<data dir>` until killed, the way the app stores a
//! device's collection rounds, and prints `committed <n>` after each round is durable.
//!
//! Usage: `stats-ingest <data dir> <containers>`. The crash-safety test kills it with
//! SIGKILL mid-ingestion and checks what the database kept.

use std::io::Write;
use std::path::PathBuf;

use squirrel_core::model::{
    Container, ContainerSample, ContainerState, Device, DeviceConnection, DeviceLoad, StatsSample,
};
use squirrel_core::ports::{
    ContainerChanges, ContainerRepository, DeviceRepository, StatsRepository,
};
use squirrel_store::Store;

const DEVICE: &str = "ingest-device";

fn container(i: usize) -> Container {
    Container {
        uuid: format!("ingest-{i}"),
        device_uuid: DEVICE.into(),
        engine_id: format!("engine-{i}"),
        name: format!("c{i}"),
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
    let x = (ts as usize * 31 + i * 17) % 1000;
    StatsSample {
        ts: ts as f64,
        cpu_percent: x as f64 / 10.0,
        memory_used: (x * 1_048_576) as f64,
        memory_limit: 8_589_934_592.0,
        memory_percent: x as f64 / 81.92,
        net_rx_rate: (x * 100) as f64,
        net_tx_rate: (x * 50) as f64,
        block_read_rate: 0.0,
        block_write_rate: (x * 10) as f64,
        pids: (x % 40) as f64,
        net_rx_bytes: None,
        net_tx_bytes: None,
        block_read_bytes: None,
        block_write_bytes: None,
    }
}

async fn run(dir: PathBuf, containers: usize) -> Result<(), String> {
    let store = Store::open(&dir).await.map_err(|e| e.to_string())?;
    if store
        .get_device(DEVICE)
        .await
        .map_err(|e| e.to_string())?
        .is_none()
    {
        let device = Device {
            uuid: DEVICE.into(),
            name: "ingest".into(),
            connection: DeviceConnection::LocalSocket {
                path: "/nonexistent".into(),
            },
            enabled: true,
            resync_interval_secs: 300,
            stats_interval_secs: 10,
            created_at: 0,
        };
        store
            .insert_device(&device)
            .await
            .map_err(|e| e.to_string())?;
        let changes = ContainerChanges {
            upserts: (0..containers).map(container).collect(),
            removals: vec![],
        };
        store
            .apply_container_changes(&changes)
            .await
            .map_err(|e| e.to_string())?;
    }
    let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(ts), 1800000000) FROM device_stats")
        .fetch_one(store.pool())
        .await
        .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    for n in 1.. {
        let ts = last + n * 10;
        let samples: Vec<ContainerSample> = (0..containers)
            .map(|i| ContainerSample {
                container_uuid: format!("ingest-{i}"),
                sample: sample(ts, i),
            })
            .collect();
        let load = DeviceLoad::of(DEVICE, ts as f64, &samples);
        store
            .insert_samples(&load, &samples)
            .await
            .map_err(|e| e.to_string())?;
        writeln!(out, "committed {n}").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: stats-ingest <data dir> <containers>");
        std::process::exit(2);
    };
    let Ok(containers) = n.parse::<usize>() else {
        eprintln!("stats-ingest: <containers> must be a number, not {n:?}");
        std::process::exit(2);
    };
    if let Err(e) = run(PathBuf::from(dir), containers).await {
        eprintln!("stats-ingest: {e}");
        std::process::exit(1);
    }
}
