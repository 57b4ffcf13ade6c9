//! Update checks: 300 containers on 3 engines using 40 unique references to a real registry
//! (Debian's `docker-registry`). Squirrel's check (one HEAD per unique reference, one tag
//! list per repository) side by side, in the same run, with the per-container strategy
//! update checkers commonly use (a GET of each container's manifest and of its tags):
//! requests of each kind, their ratio, and the wall time of a full check.
//!
//! `cargo bench -p squirrel-app --bench updates` (root, dockerd, docker-registry). Env:
//! SQUIRREL_BENCH_CONTAINERS (per engine, default 100), SQUIRREL_BENCH_REFERENCES (40).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use common::env_usize;
use futures_util::stream::{self, StreamExt};
use squirrel_core::clock::SystemClock;
use squirrel_core::services::UpdateService;
use squirrel_core::updates::Finding;
use squirrel_registry::{RegistryClient, MANIFEST_TYPES};
use support::registry::TestRegistry;
use support::{App, TestEngine};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let per_engine = env_usize("SQUIRREL_BENCH_CONTAINERS", 100);
    let references = env_usize("SQUIRREL_BENCH_REFERENCES", 40);
    let registry = TestRegistry::start();
    let engines = [
        TestEngine::start(),
        TestEngine::start(),
        TestEngine::start(),
    ];
    // 40 references: 20 repositories with a 1.0.0 and a newer 1.1.0 tag, run at 1.0.0, and
    // 20 run at `latest` (digest checks only).
    let mut refs = Vec::new();
    for i in 0..references {
        let tag = if i % 2 == 0 { "1.0.0" } else { "latest" };
        let reference = format!("{}/bench/app{i}:{tag}", registry.host());
        engines[0].cli(&["tag", "busybox:local", &reference]);
        engines[0].cli(&["push", "--quiet", &reference]);
        if i % 2 == 0 {
            let newer = format!("{}/bench/app{i}:1.1.0", registry.host());
            engines[0].cli(&["tag", "busybox:local", &newer]);
            engines[0].cli(&["push", "--quiet", &newer]);
        }
        for e in &engines[1..] {
            e.cli(&["pull", "--quiet", &reference]);
        }
        refs.push(reference);
    }
    for (k, e) in engines.iter().enumerate() {
        for i in 0..per_engine {
            let reference = &refs[(i + k) % refs.len()];
            e.cli(&[
                "create",
                "--network",
                "none",
                "--name",
                &format!("c{i}"),
                reference,
            ]);
        }
    }
    let total = per_engine * engines.len();
    println!(
        "# Update check: {total} containers on {} engines, {} unique references (half with a newer tag)",
        engines.len(),
        refs.len()
    );

    let app = App::new().await;
    for (k, e) in engines.iter().enumerate() {
        app.add_engine(e, &format!("engine-{k}")).await;
    }
    let client = Arc::new(RegistryClient::new());
    let updates = UpdateService::new(
        Arc::new(app.store().clone()),
        app.ports.repos.clone(),
        client.clone(),
        app.registries().clone(),
        app.bus().clone(),
        Arc::new(SystemClock),
    );
    let t0 = Instant::now();
    let check = updates.check_now().await.unwrap();
    let squirrel_wall = t0.elapsed();
    let ours = client.requests();
    let available = check
        .findings
        .iter()
        .filter(|f| matches!(f.finding, Finding::Available { .. }))
        .count();
    assert_eq!(check.findings.len(), total);

    // The common strategy: for each container, GET its manifest and its repository's tags.
    let http = reqwest::Client::new();
    let gets = AtomicU64::new(0);
    let containers: Vec<String> = (0..engines.len())
        .flat_map(|k| (0..per_engine).map(move |i| (i, k)))
        .map(|(i, k)| refs[(i + k) % refs.len()].clone())
        .collect();
    let t1 = Instant::now();
    stream::iter(&containers)
        .for_each_concurrent(4, |reference| {
            let http = &http;
            let gets = &gets;
            async move {
                let (name, tag) = reference.rsplit_once(':').unwrap();
                let (host, repo) = name.split_once('/').unwrap();
                let manifest = http
                    .get(format!("http://{host}/v2/{repo}/manifests/{tag}"))
                    .header("accept", MANIFEST_TYPES)
                    .send()
                    .await
                    .unwrap();
                assert!(manifest.status().is_success());
                let _ = manifest.bytes().await;
                let tags = http
                    .get(format!("http://{host}/v2/{repo}/tags/list"))
                    .send()
                    .await
                    .unwrap();
                let _ = tags.bytes().await;
                gets.fetch_add(2, Ordering::Relaxed);
            }
        })
        .await;
    let naive_wall = t1.elapsed();
    let naive = gets.load(Ordering::Relaxed);

    let ours_total = ours.head + ours.get + ours.token;
    println!(
        "{:<40} {:>6} {:>6} {:>6} {:>7} {:>9}",
        "", "HEAD", "GET", "token", "total", "wall, ms"
    );
    println!(
        "{:<40} {:>6} {:>6} {:>6} {:>7} {:>9.0}",
        "Squirrel (unique references)",
        ours.head,
        ours.get,
        ours.token,
        ours_total,
        squirrel_wall.as_secs_f64() * 1e3
    );
    println!(
        "{:<40} {:>6} {:>6} {:>6} {:>7} {:>9.0}",
        "per container (GET manifest + tags)",
        0,
        naive,
        0,
        naive,
        naive_wall.as_secs_f64() * 1e3
    );
    println!(
        "ratio requests Squirrel ÷ per container: {:.3} ({:.1}× fewer); manifest GETs, which Docker Hub counts as pulls: {} vs {}",
        ours_total as f64 / naive as f64,
        naive as f64 / ours_total.max(1) as f64,
        0,
        naive / 2
    );
    println!(
        "updates found: {available} containers (expected {})",
        total / 2
    );
    app.shutdown().await;
}
