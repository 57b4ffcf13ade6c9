//! A pull through the app beside `docker pull` of the same image from the same registry
//! (Debian's `docker-registry` on loopback), in the same run, alternating: the wall time of
//! each, their ratio (the floor: the app at 0.95 of the CLI's speed or better), and
//! how many progress reports the app sent the window.
//!
//! `cargo bench -p squirrel-app --bench pull` (root, dockerd, docker-registry). Env:
//! SQUIRREL_BENCH_PULL_MIB (the image's own layers, default 96), SQUIRREL_BENCH_ROUNDS (5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use common::{env_usize, percentile};
use support::registry::TestRegistry;
use support::{App, TestEngine};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mib = env_usize("SQUIRREL_BENCH_PULL_MIB", 96);
    let rounds = env_usize("SQUIRREL_BENCH_ROUNDS", 5);
    let registry = TestRegistry::start();
    let engine = TestEngine::start();
    // Three layers of their own on busybox (which the engine keeps): what each pull fetches.
    let reference = format!("{}/bench/pull:1", registry.host());
    let third = u32::try_from(mib * 1024 / 3).unwrap();
    let mut previous = "busybox:local".to_string();
    for k in 0..3 {
        let builder = format!("pull-layer-{k}");
        engine.cli(&[
            "run",
            "--name",
            &builder,
            &previous,
            "dd",
            "if=/dev/urandom",
            &format!("of=/payload{k}"),
            "bs=1024",
            &format!("count={third}"),
        ]);
        engine.cli(&["commit", &builder, &reference]);
        engine.cli(&["rm", &builder]);
        previous = reference.clone();
    }
    engine.cli(&["push", "--quiet", &reference]);
    let forget = || {
        engine.cli(&["rmi", &reference]);
        engine.cli(&["image", "prune", "-f"]);
    };
    forget();

    let app = App::new().await;
    let device = app.add_engine(&engine, "bench").await.uuid;
    let mut cli = Vec::new();
    let mut ours = Vec::new();
    let reports = AtomicU64::new(0);
    for round in 0..rounds {
        // Alternate who goes first: neither profits from a warmer cache each time.
        for first_cli in [round % 2 == 0, round % 2 != 0] {
            let started = Instant::now();
            if first_cli {
                engine.cli(&["pull", "--quiet", &reference]);
                cli.push(started.elapsed().as_secs_f64());
            } else {
                app.pull_image(&device, &reference, &|_| {
                    reports.fetch_add(1, Ordering::Relaxed);
                })
                .await
                .unwrap();
                ours.push(started.elapsed().as_secs_f64());
            }
            forget();
        }
    }
    let (cli_median, ours_median) = (percentile(cli.clone(), 0.5), percentile(ours.clone(), 0.5));
    let per_pull = reports.load(Ordering::Relaxed) as f64 / rounds as f64;
    println!("pull of {mib} MiB in 3 layers from a registry on loopback, {rounds} rounds each, alternating");
    println!(
        "{:<28} {:>10} {:>10} {:>10}",
        "", "median s", "min s", "MiB/s"
    );
    for (name, times, median) in [
        ("docker pull (CLI)", &cli, cli_median),
        ("Squirrel (app.pull_image)", &ours, ours_median),
    ] {
        println!(
            "{name:<28} {median:>10.3} {:>10.3} {:>10.1}",
            times.iter().cloned().fold(f64::INFINITY, f64::min),
            mib as f64 / median
        );
    }
    println!(
        "speed ratio (Squirrel / CLI, ≥ 0.95 wanted): {:.3}",
        cli_median / ours_median
    );
    println!("progress reports to the window per pull: {per_pull:.0}");
    app.shutdown().await;
}
