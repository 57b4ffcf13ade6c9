//! Stats collection cost against a real dockerd, side by side with `docker stats
//! --no-stream` run at the same cadence, in one run.
//!
//! `cargo bench -p squirrel-docker --bench stats` (needs root, dockerd, docker CLI).
//! Env: SQUIRREL_BENCH_CONTAINERS (default 500 running), SQUIRREL_BENCH_ROUNDS (default 6
//! rounds per phase), SQUIRREL_BENCH_INTERVAL (default 10 s).
//!
//! Three phases of equal length: the engine idle; Squirrel (the real watcher, collector,
//! recorder and SQLite store, in this process) sampling every interval; the docker CLI's
//! `docker stats --no-stream` every interval. CPU comes from /proc (utime + stime): this
//! process for Squirrel, the reaped CLI children for the CLI, and every process of the
//! test engine (dockerd, containerd, shims) for the engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::CreateContainerOptions;
use bollard::Docker;
use common::env_usize;
use futures_util::{stream, StreamExt};
use squirrel_core::DomainEvent;
use support::{App, TestEngine};

fn rss_mib() -> f64 {
    common::rss_kib() / 1024.0
}

/// CPU seconds used so far by every process of the test engine: those whose command line
/// names its directory (dockerd, its containerd, the shims of its containers).
fn engine_cpu(engine: &TestEngine) -> f64 {
    let needle = engine.dir.display().to_string();
    let mut total = 0.0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let pid = entry.file_name().to_string_lossy().to_string();
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(&needle) {
            total += common::cpu_times(&pid).map(|t| t.0).unwrap_or(0.0);
        }
    }
    total
}

/// A sink that drops every round: the collection's own cost.
struct Dropped;

#[async_trait::async_trait]
impl squirrel_core::ports::StatsSink for Dropped {
    async fn record(&self, _: &str, _: Vec<squirrel_core::model::EngineSample>) {}
}

fn pct(cpu_secs: f64, wall: Duration) -> f64 {
    cpu_secs / wall.as_secs_f64() * 100.0
}

struct Phase {
    name: &'static str,
    wall: Duration,
    own_cpu: f64,
    engine_cpu: f64,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = env_usize("SQUIRREL_BENCH_CONTAINERS", 500);
    let rounds = env_usize("SQUIRREL_BENCH_ROUNDS", 6);
    let interval = Duration::from_secs(env_usize("SQUIRREL_BENCH_INTERVAL", 10) as u64);

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
    println!("# Squirrel stats benchmark");
    let t = Instant::now();
    stream::iter(0..n)
        .for_each_concurrent(6, |i| {
            let docker = docker.clone();
            async move {
                let body = ContainerCreateBody {
                    image: Some("busybox:local".into()),
                    cmd: Some(vec!["sleep".into(), "86400".into()]),
                    ..Default::default()
                };
                let options = CreateContainerOptions {
                    name: Some(format!("stats-{i:04}")),
                    ..Default::default()
                };
                let id = docker
                    .create_container(Some(options), body)
                    .await
                    .unwrap()
                    .id;
                docker.start_container(&id, None).await.unwrap();
            }
        })
        .await;
    println!(
        "setup: {n} running busybox `sleep` containers in {:.0} s; {rounds} rounds of {} s per phase",
        t.elapsed().as_secs_f64(),
        interval.as_secs()
    );
    let phase_len = interval * rounds as u32;
    let mut phases = Vec::new();

    // --- Idle engine ----------------------------------------------------------------------
    tokio::time::sleep(Duration::from_secs(5)).await; // let the starts settle
    let e0 = engine_cpu(&engine);
    let t = Instant::now();
    tokio::time::sleep(phase_len).await;
    phases.push(Phase {
        name: "idle engine",
        wall: t.elapsed(),
        own_cpu: 0.0,
        engine_cpu: engine_cpu(&engine) - e0,
    });

    // --- Squirrel -------------------------------------------------------------------------
    let rss_before = rss_mib();
    let app = App::new().await;
    let mut rx = app.bus().subscribe();
    let device = app
        .add_engine_sampled(&engine, "bench", Some(interval.as_secs() as u32))
        .await;
    // Skip the first round (it only primes CPU counters), then measure `rounds` rounds.
    let mut sampled = 0;
    while sampled == 0 {
        if let Ok(DomainEvent::StatsRecorded { load, containers }) = rx.recv().await {
            if load.device_uuid == device.uuid {
                sampled = containers.len();
            }
        }
    }
    // The engine's CPU first: its scan of /proc is this process's work, not Squirrel's.
    let e0 = engine_cpu(&engine);
    let (c0, _) = common::cpu_times("self").unwrap();
    let t = Instant::now();
    let mut seen = 0;
    let mut per_round = Vec::new();
    while seen < rounds {
        match rx.recv().await {
            Ok(DomainEvent::StatsRecorded { load, containers })
                if load.device_uuid == device.uuid =>
            {
                per_round.push(containers.len());
                seen += 1;
            }
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(e) => panic!("bus: {e}"),
        }
    }
    let wall = t.elapsed();
    let (c1, _) = common::cpu_times("self").unwrap();
    phases.push(Phase {
        name: "Squirrel",
        wall,
        own_cpu: c1 - c0,
        engine_cpu: engine_cpu(&engine) - e0,
    });
    let rss_after = rss_mib();
    app.engine.shutdown().await;
    assert!(
        per_round.iter().all(|c| *c == n),
        "every round sampled all: {per_round:?}"
    );

    // One round by itself, to compare its latency with one CLI call.
    let mut collector = squirrel_docker::stats::StatsCollector::for_socket(
        &engine.socket().display().to_string(),
        docker.client_version().to_string().as_str(),
        device.uuid.clone(),
        app.stats_sink(),
        interval,
    )
    .unwrap();
    collector.round().await.unwrap();
    let (r0, _) = common::cpu_times("self").unwrap();
    let t = Instant::now();
    let sampled_once = collector.round().await.unwrap();
    let round_secs = t.elapsed().as_secs_f64();
    let (r1, _) = common::cpu_times("self").unwrap();
    assert_eq!(sampled_once, n);
    // The same round with its samples dropped: what collecting costs without recording.
    let mut bare = squirrel_docker::stats::StatsCollector::for_socket(
        &engine.socket().display().to_string(),
        docker.client_version().to_string().as_str(),
        device.uuid.clone(),
        std::sync::Arc::new(Dropped),
        interval,
    )
    .unwrap();
    bare.round().await.unwrap();
    let mut bare_cpu = Vec::new();
    for _ in 0..3 {
        let (b0, _) = common::cpu_times("self").unwrap();
        assert_eq!(bare.round().await.unwrap(), n);
        let (b1, _) = common::cpu_times("self").unwrap();
        bare_cpu.push(b1 - b0);
    }
    bare_cpu.sort_by(f64::total_cmp);

    // --- docker stats --no-stream ---------------------------------------------------------
    let e0 = engine_cpu(&engine);
    let (_, k0) = common::cpu_times("self").unwrap();
    let t = Instant::now();
    let mut cli_secs = Vec::new();
    let mut next = Instant::now();
    for _ in 0..rounds {
        let s = Instant::now();
        let out = Command::new("docker")
            .env("DOCKER_HOST", engine.host())
            .args([
                "stats",
                "--no-stream",
                "--format",
                "{{.ID}} {{.CPUPerc}} {{.MemUsage}}",
            ])
            .output()
            .unwrap();
        cli_secs.push(s.elapsed().as_secs_f64());
        assert_eq!(out.stdout.iter().filter(|b| **b == b'\n').count(), n);
        next += interval;
        tokio::time::sleep_until(next.into()).await;
    }
    let wall = t.elapsed();
    let (_, k1) = common::cpu_times("self").unwrap();
    phases.push(Phase {
        name: "docker stats --no-stream",
        wall,
        own_cpu: k1 - k0,
        engine_cpu: engine_cpu(&engine) - e0,
    });

    let idle = pct(phases[0].engine_cpu, phases[0].wall);
    println!();
    println!("| phase | client CPU (% of one core) | per 100 containers | engine CPU | engine extra over idle |");
    println!("|---|---:|---:|---:|---:|");
    for p in &phases {
        let own = pct(p.own_cpu, p.wall);
        let eng = pct(p.engine_cpu, p.wall);
        println!(
            "| {} | {own:.2} % | {:.3} % | {eng:.2} % | {:.2} % |",
            p.name,
            own / n as f64 * 100.0,
            eng - idle
        );
    }
    let sq = &phases[1];
    let cli = &phases[2];
    let extra = |p: &Phase| pct(p.engine_cpu, p.wall) - idle;
    println!();
    println!(
        "ratios Squirrel / CLI: client CPU {:.2}x, engine extra CPU {:.2}x",
        sq.own_cpu / cli.own_cpu.max(1e-9),
        extra(sq) / extra(cli).max(1e-9)
    );
    println!(
        "one round of {n}: Squirrel (one-shot, {} at a time) {:.2} s; docker stats --no-stream median {:.2} s",
        squirrel_docker::stats::concurrency(n, interval),
        round_secs,
        {
            let mut v = cli_secs.clone();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        }
    );
    println!(
        "one round's CPU: {:.1} ms recorded (collect, store, events); {:.1} ms collected only (median of 3, samples dropped)",
        (r1 - r0) * 1000.0,
        bare_cpu[1] * 1000.0
    );
    println!(
        "Squirrel RSS: {rss_before:.1} MiB before, {rss_after:.1} MiB after {} rounds of {n} (+{:.1} MiB)",
        rounds + 1,
        rss_after - rss_before
    );
}
