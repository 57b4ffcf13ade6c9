//! Remote devices benchmark: event latency over SSH side by side with the local socket (the
//! same engine, in the same run), the time until 20 devices (SSH and local) are online, and
//! the memory each connected device costs.
//!
//! `tests/with-keyring.sh cargo bench -p squirrel-docker --bench remote` (root, dockerd, sshd).
//! Env: SQUIRREL_BENCH_TRANSITIONS (default 200), SQUIRREL_BENCH_DEVICES (default 20).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use bollard::query_parameters::StopContainerOptions;
use bollard::Docker;
use common::{env_usize, now_nanos, percentile, rss_kib};
use squirrel_core::model::{ContainerState, DeviceConnection, NewDevice, SshAuth};
use squirrel_core::DomainEvent;
use support::sshd::{client_key, TestSshd};
use support::{App, TestEngine};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let transitions = env_usize("SQUIRREL_BENCH_TRANSITIONS", 200);
    let devices = env_usize("SQUIRREL_BENCH_DEVICES", 20);
    let engine = TestEngine::start();
    let keys = tempfile::tempdir().unwrap();
    let key = client_key(keys.path(), "id_bench", "");
    let sshd = TestSshd::start(&[&key], "MaxStartups 200\nMaxSessions 200");
    let ssh = DeviceConnection::Ssh {
        host: "127.0.0.1".into(),
        port: Some(sshd.port),
        user: Some("root".into()),
        socket_path: engine.socket().display().to_string(),
        auth: SshAuth::KeyFile {
            path: key.display().to_string(),
            passphrase: None,
        },
    };
    let local = DeviceConnection::LocalSocket {
        path: engine.socket().display().to_string(),
    };
    let docker = Docker::connect_with_unix(
        &engine.socket().display().to_string(),
        120,
        bollard::API_DEFAULT_VERSION,
    )
    .unwrap()
    .negotiate_version()
    .await
    .unwrap();
    let target = engine.cli(&[
        "create",
        "--name",
        "bench-target",
        "busybox:local",
        "sleep",
        "3600",
    ]);

    println!("# Squirrel remote-devices benchmark");
    // --- Event latency: SSH and local socket, same engine, same transitions ------------------
    let app = App::new().await;
    if let Err(squirrel_core::CoreError::HostKeyUnknown(p)) =
        app.devices.test_connection(&ssh, None).await
    {
        app.devices.trust_host_key(&p).await.unwrap();
    }
    let d_local = app.add_engine_with(local.clone(), "local").await;
    let d_ssh = app.add_engine_with(ssh.clone(), "ssh").await;
    let mut bus = app.bus().subscribe();
    let mut engine_times = common::transition_times(&docker, &target);
    let (mut lat_local, mut lat_ssh) = (Vec::new(), Vec::new());
    for i in 0..transitions {
        let (action, want) = if i % 2 == 0 {
            ("start", ContainerState::Running)
        } else {
            ("die", ContainerState::Exited)
        };
        if action == "start" {
            docker.start_container(&target, None).await.unwrap();
        } else {
            docker
                .stop_container(
                    &target,
                    Some(StopContainerOptions {
                        t: Some(0),
                        signal: None,
                    }),
                )
                .await
                .unwrap();
        }
        let (mut seen_local, mut seen_ssh) = (None, None);
        while seen_local.is_none() || seen_ssh.is_none() {
            match tokio::time::timeout(Duration::from_secs(10), bus.recv()).await {
                Ok(Ok(DomainEvent::ContainerUpserted { container }))
                    if container.engine_id == target && container.state == want =>
                {
                    if container.device_uuid == d_local && seen_local.is_none() {
                        seen_local = Some(now_nanos());
                    } else if container.device_uuid == d_ssh && seen_ssh.is_none() {
                        seen_ssh = Some(now_nanos());
                    }
                }
                Ok(Ok(_)) => {}
                other => panic!("transition {i}: {other:?}"),
            }
        }
        let emitted = loop {
            let (a, t) = tokio::time::timeout(Duration::from_secs(10), engine_times.recv())
                .await
                .unwrap()
                .unwrap();
            if a == action {
                break t;
            }
        };
        lat_local.push((seen_local.unwrap() - emitted) as f64 / 1e6);
        lat_ssh.push((seen_ssh.unwrap() - emitted) as f64 / 1e6);
    }
    println!();
    println!("## Event latency, {transitions} start/stop transitions (engine event → stored + published)");
    println!("| transport | p50 ms | p90 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    for (name, v) in [
        ("local socket", lat_local.clone()),
        ("SSH (russh, direct-streamlocal)", lat_ssh.clone()),
    ] {
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {:.1} |",
            percentile(v.clone(), 0.5),
            percentile(v.clone(), 0.9),
            percentile(v.clone(), 0.99),
            percentile(v, 1.0)
        );
    }
    println!(
        "| ratio SSH / local (p99) | | | {:.2} | |",
        percentile(lat_ssh, 0.99) / percentile(lat_local, 0.99)
    );
    app.engine.shutdown().await;
    drop(app);

    // --- 20 devices online, and memory per device ------------------------------------------
    let app = App::new().await;
    if let Err(squirrel_core::CoreError::HostKeyUnknown(p)) =
        app.devices.test_connection(&ssh, None).await
    {
        app.devices.trust_host_key(&p).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = rss_kib();
    let mut rx = app.bus().subscribe();
    let start = Instant::now();
    let mut uuids = Vec::new();
    for i in 0..devices {
        let connection = if i % 2 == 0 {
            ssh.clone()
        } else {
            local.clone()
        };
        let d = app
            .devices
            .add(
                NewDevice {
                    name: format!("d{i}"),
                    connection,
                    resync_interval_secs: None,
                    stats_interval_secs: None,
                },
                None,
            )
            .await
            .unwrap();
        uuids.push(d.uuid);
    }
    let mut online = std::collections::HashSet::new();
    while online.len() < uuids.len() {
        match tokio::time::timeout(Duration::from_secs(60), rx.recv()).await {
            Ok(Ok(DomainEvent::DeviceStatusChanged {
                device_uuid,
                status,
            })) if status.is_online() => {
                online.insert(device_uuid);
            }
            Ok(Ok(_)) => {}
            other => panic!("devices did not come online: {other:?}"),
        }
    }
    let all_online = start.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = rss_kib();
    println!();
    println!(
        "## {devices} devices ({} over SSH, {} on the local socket)",
        devices.div_ceil(2),
        devices / 2
    );
    println!("| measure | value |");
    println!("|---|---:|");
    println!(
        "| time until all are online | {:.0} ms |",
        all_online.as_secs_f64() * 1000.0
    );
    println!(
        "| process RSS before → after | {:.1} → {:.1} MiB |",
        rss_before / 1024.0,
        rss_after / 1024.0
    );
    println!(
        "| memory per connected device | {:.0} KiB |",
        (rss_after - rss_before) / devices as f64
    );
    app.engine.shutdown().await;
}
