//! Inventory benchmark against a real dockerd, side by side with the Docker CLI and the raw API.
//!
//! `cargo bench -p squirrel-docker --bench inventory` (needs root, dockerd, docker CLI).
//! Env: SQUIRREL_BENCH_CONTAINERS (default 1000), SQUIRREL_BENCH_RUNNING (default 50),
//! SQUIRREL_BENCH_TRANSITIONS (default 200), SQUIRREL_BENCH_ROUNDS (default 15).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, StopContainerOptions,
};
use bollard::Docker;
use common::{env_usize, percentile};
use futures_util::{stream, StreamExt};
use squirrel_core::model::ContainerState;
use squirrel_core::DomainEvent;
use support::{App, TestEngine};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would too. Nothing to parse.
    let total = env_usize("SQUIRREL_BENCH_CONTAINERS", 1000);
    let running = env_usize("SQUIRREL_BENCH_RUNNING", 50).min(total);
    let transitions = env_usize("SQUIRREL_BENCH_TRANSITIONS", 200);
    let rounds = env_usize("SQUIRREL_BENCH_ROUNDS", 15);

    let engine = TestEngine::start();
    let docker = Docker::connect_with_unix(
        &engine.socket().display().to_string(),
        120,
        bollard::API_DEFAULT_VERSION,
    )
    .unwrap()
    .negotiate_version()
    .await
    .unwrap();

    println!("# Squirrel inventory benchmark");
    println!(
        "engine: {} containers ({running} running busybox `sleep`), {rounds} rounds, medians",
        total
    );
    let t = Instant::now();
    let ids: Vec<String> = stream::iter(0..total)
        .map(|i| {
            let docker = docker.clone();
            async move {
                let body = ContainerCreateBody {
                    image: Some("busybox:local".into()),
                    cmd: Some(vec!["sleep".into(), "3600".into()]),
                    labels: Some(HashMap::from([("bench".into(), i.to_string())])),
                    ..Default::default()
                };
                let options = CreateContainerOptions {
                    name: Some(format!("bench-{i:04}")),
                    ..Default::default()
                };
                docker
                    .create_container(Some(options), body)
                    .await
                    .unwrap()
                    .id
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    stream::iter(ids.iter().take(running))
        .for_each_concurrent(4, |id| {
            let docker = docker.clone();
            async move { docker.start_container(id, None).await.unwrap() }
        })
        .await;
    println!(
        "setup: created {} containers in {:.1} s",
        ids.len(),
        t.elapsed().as_secs_f64()
    );

    // --- Full sync -------------------------------------------------------------------------
    let mut cli = Vec::new();
    let mut raw = Vec::new();
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let out = Command::new("docker")
            .env("DOCKER_HOST", engine.host())
            .args(["ps", "-a", "--no-trunc"])
            .output()
            .unwrap();
        cli.push(ms(t.elapsed()));
        assert_eq!(
            out.stdout.iter().filter(|b| **b == b'\n').count(),
            total + 1
        );

        let t = Instant::now();
        let listed = docker
            .list_containers(Some(ListContainersOptions {
                all: true,
                ..Default::default()
            }))
            .await
            .unwrap();
        raw.push(ms(t.elapsed()));
        assert_eq!(listed.len(), total);

        // Cold: a fresh database, every container inserted.
        let app = App::new().await;
        let device = app.add_device_only(&engine).await;
        let t = Instant::now();
        squirrel_docker::full_sync(&docker, &device, app.inventory.as_ref())
            .await
            .unwrap();
        cold.push(ms(t.elapsed()));
        // Warm: the periodic resync of an unchanged engine.
        let t = Instant::now();
        squirrel_docker::full_sync(&docker, &device, app.inventory.as_ref())
            .await
            .unwrap();
        warm.push(ms(t.elapsed()));
        assert_eq!(app.containers.list(None).await.unwrap().len(), total);
    }
    let (cli, raw, cold, warm) = (median(cli), median(raw), median(cold), median(warm));
    println!();
    println!(
        "## Full sync of {total} containers (all + images, volumes, networks, stored in SQLite)"
    );
    println!("| measure | median ms | ratio to `docker ps -a --no-trunc` |");
    println!("|---|---:|---:|");
    println!("| docker ps -a --no-trunc (CLI) | {cli:.1} | 1.00 |");
    println!(
        "| raw API GET /containers/json?all=1 | {raw:.1} | {:.2} |",
        raw / cli
    );
    println!(
        "| Squirrel first sync (empty database) | {cold:.1} | {:.2} |",
        cold / cli
    );
    println!(
        "| Squirrel resync (unchanged engine) | {warm:.1} | {:.2} |",
        warm / cli
    );

    // --- Event latency -----------------------------------------------------------------------
    let app = App::new().await;
    let device = app.add_engine(&engine, "bench").await;
    let _ = device;
    let target = ids[running].clone();
    let mut bus = app.bus().subscribe();
    // The engine's own timestamps of each transition, from a second raw event stream.
    let mut engine_times = common::transition_times(&docker, &target);
    let mut latencies = Vec::new();
    for i in 0..transitions {
        let (call, want) = if i % 2 == 0 {
            ("start", ContainerState::Running)
        } else {
            ("die", ContainerState::Exited)
        };
        if call == "start" {
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
        let seen_at = loop {
            match tokio::time::timeout(Duration::from_secs(10), bus.recv()).await {
                Ok(Ok(DomainEvent::ContainerUpserted { container }))
                    if container.engine_id == target && container.state == want =>
                {
                    break SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .unwrap()
                        .as_nanos() as i64;
                }
                Ok(Ok(_)) => {}
                other => panic!("no bus event for transition {i}: {other:?}"),
            }
        };
        let emitted = loop {
            let (action, nanos) =
                tokio::time::timeout(Duration::from_secs(10), engine_times.recv())
                    .await
                    .unwrap()
                    .unwrap();
            if action == call {
                break nanos;
            }
        };
        latencies.push((seen_at - emitted) as f64 / 1e6);
    }
    println!();
    println!("## Event latency: {transitions} start/stop transitions through the raw API");
    println!(
        "from the engine's event timestamp to the change stored in SQLite and published on the bus"
    );
    println!("| p50 ms | p90 ms | p99 ms | max ms |");
    println!("|---:|---:|---:|---:|");
    println!(
        "| {:.1} | {:.1} | {:.1} | {:.1} |",
        percentile(latencies.clone(), 0.5),
        percentile(latencies.clone(), 0.9),
        percentile(latencies.clone(), 0.99),
        percentile(latencies, 1.0)
    );
    app.engine.shutdown().await;
    // Removing 1,000 containers takes the engine a while; the support's Drop does it.
}
