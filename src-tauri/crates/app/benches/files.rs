//! Downloading a 1 GiB folder of a container (16 files of 64 MiB) through the app (the
//! archive API, written safely into a folder) beside `docker cp` of the same folder, and
//! uploading it back beside `docker cp` the other way, in one run, alternating; prints
//! throughputs, the ratios, and how much the app's RSS grew.
//!
//! Each timed step starts after `sync`: none pays for the writing back of another's files.
//!
//! `tests/with-keyring.sh cargo bench -p squirrel-app --bench files` (root, dockerd).
//! Env: SQUIRREL_BENCH_ROUNDS (default 3).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use common::{env_usize, percentile};
use support::{App, TestEngine};

const NAME: &str = "bench-files";
const FILES: u64 = 16;
const EACH: u64 = 64 << 20;

/// Writes back what earlier steps left dirty, so that no step pays for another's writes.
fn settle() {
    let synced = std::process::Command::new("sync").status();
    assert!(synced.is_ok_and(|s| s.success()));
}

fn rss_mib() -> f64 {
    common::rss_kib() / 1024.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds = env_usize("SQUIRREL_BENCH_ROUNDS", 3);
    let engine = TestEngine::start();
    engine.cli(&[
        "run",
        "-d",
        "--name",
        NAME,
        "busybox:local",
        "sleep",
        "3600",
    ]);
    engine.cli(&[
        "exec",
        NAME,
        "sh",
        "-c",
        &format!("mkdir /payload /up && for i in $(seq 1 {FILES}); do head -c {EACH} /dev/urandom > /payload/part-$i; done"),
    ]);
    let app = App::new().await;
    app.add_engine(&engine, "local").await;
    let uuid = app
        .containers
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == NAME)
        .unwrap()
        .uuid;
    let total = (FILES * EACH) as f64;
    let scratch = tempfile::tempdir().unwrap();
    let (mut ours, mut cli, mut growth) = (Vec::new(), Vec::new(), Vec::new());
    let (mut ours_up, mut cli_up) = (Vec::new(), Vec::new());
    // What is uploaded: the folder as downloaded once.
    let source = scratch.path().join("source");
    std::fs::create_dir(&source).unwrap();
    engine.cli(&[
        "cp",
        &format!("{NAME}:/payload"),
        &source.display().to_string(),
    ]);
    let source = source.join("payload");
    for round in 0..rounds {
        let into = scratch.path().join(format!("ours-{round}"));
        std::fs::create_dir(&into).unwrap();
        let before = rss_mib();
        settle();
        let start = Instant::now();
        let done = app
            .containers
            .download(&uuid, "/payload", &into)
            .await
            .unwrap();
        ours.push(total / start.elapsed().as_secs_f64());
        growth.push(rss_mib() - before);
        assert_eq!(done.bytes, FILES * EACH);
        std::fs::remove_dir_all(&into).unwrap();

        let into = scratch.path().join(format!("cli-{round}"));
        std::fs::create_dir(&into).unwrap();
        settle();
        let start = Instant::now();
        engine.cli(&[
            "cp",
            &format!("{NAME}:/payload"),
            &into.display().to_string(),
        ]);
        cli.push(total / start.elapsed().as_secs_f64());
        std::fs::remove_dir_all(&into).unwrap();

        let before = rss_mib();
        settle();
        let start = Instant::now();
        let done = app
            .containers
            .upload(&uuid, std::slice::from_ref(&source), "/up")
            .await
            .unwrap();
        ours_up.push(total / start.elapsed().as_secs_f64());
        growth.push(rss_mib() - before);
        assert_eq!(done.bytes, FILES * EACH);
        engine.cli(&["exec", NAME, "sh", "-c", "rm -rf /up/payload"]);
        settle();
        let start = Instant::now();
        engine.cli(&["cp", &source.display().to_string(), &format!("{NAME}:/up")]);
        cli_up.push(total / start.elapsed().as_secs_f64());
        engine.cli(&["exec", NAME, "sh", "-c", "rm -rf /up/payload"]);
    }
    let mib = |v: &[f64]| percentile(v.to_vec(), 0.5) / f64::from(1 << 20);
    let (o, c) = (mib(&ours), mib(&cli));
    let (ou, cu) = (mib(&ours_up), mib(&cli_up));
    let worst_growth = growth.iter().copied().fold(0.0, f64::max);
    println!(
        "Download of a {} MiB folder ({FILES} files), {rounds} rounds alternating",
        (FILES * EACH) >> 20
    );
    println!("  docker cp                       : {c:7.1} MiB/s (median)");
    println!("  Squirrel (archive API, safely)  : {o:7.1} MiB/s (median)");
    println!(
        "  ratio Squirrel / docker cp: {:.2} (target >= 0.9: {})",
        o / c,
        if o / c >= 0.9 { "met" } else { "NOT met" }
    );
    println!("Upload of the same folder into the container, {rounds} rounds alternating");
    println!("  docker cp                       : {cu:7.1} MiB/s (median)");
    println!("  Squirrel (archive API)          : {ou:7.1} MiB/s (median)");
    println!("  ratio Squirrel / docker cp: {:.2}", ou / cu);
    println!(
        "  app RSS growth during a transfer: worst {worst_growth:.1} MiB (target <= 64: {})",
        if worst_growth <= 64.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    // Listing the container's root, with 1 GiB under it: from inside the running container,
    // beside `docker exec ls -la /`; then, stopped, from its archive (all it holds streams by).
    let (mut inside, mut ls) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let start = Instant::now();
        let listing = app.containers.list_dir(&uuid, "/").await.unwrap();
        inside.push(start.elapsed().as_secs_f64() * 1000.0);
        assert!(!listing.partial && listing.entries.iter().any(|e| e.name == "payload"));
        let start = Instant::now();
        engine.cli(&["exec", NAME, "ls", "-la", "/"]);
        ls.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    engine.cli(&["stop", "-t", "0", NAME]);
    let start = Instant::now();
    let archived = app.containers.list_dir(&uuid, "/").await.unwrap();
    let from_archive = start.elapsed().as_secs_f64() * 1000.0;
    let (i, l) = (percentile(inside, 0.5), percentile(ls, 0.5));
    println!("Listing / with 1 GiB under it");
    println!("  docker exec ls -la /            : {l:7.1} ms (median)");
    println!(
        "  Squirrel, running (from inside) : {i:7.1} ms (median), ratio {:.2}",
        i / l
    );
    println!(
        "  Squirrel, stopped (its archive) : {from_archive:7.1} ms ({} entries{})",
        archived.entries.len(),
        if archived.partial {
            ", stopped short"
        } else {
            ""
        }
    );
    app.shutdown().await;
}
