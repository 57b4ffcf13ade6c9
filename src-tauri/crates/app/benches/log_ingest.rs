//! History ingestion: 20 containers each writing about 1,000 lines a second, kept by the
//! history with no viewer open (streams from the engine, one writer, SQLite with the word
//! index); the app's CPU and the bytes stored per line over a steady window, side by side
//! in the same run with 20 `docker logs -f > /dev/null` reading the same containers.
//!
//! `cargo bench -p squirrel-app --bench log_ingest` (root, dockerd). Env:
//! SQUIRREL_BENCH_CONTAINERS (default 20), SQUIRREL_BENCH_SECS (measured window, default 30).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::env_usize;
use squirrel_core::ports::LogHistoryRepository;
use support::{App, TestEngine};

/// CPU seconds used so far by process `pid` (user + system).
fn cpu_secs(pid: u32) -> f64 {
    common::cpu_times(&pid.to_string()).map_or(0.0, |t| t.0)
}

/// 1,000 lines a second, like a busy web server's access log: 100 lines every 0.1 s, and
/// when the clock says the writer fell behind (awk tells time in whole seconds, by
/// `srand`), the lines due since it started, so that the rate offered is the rate asked
/// for. Each writer's random numbers are its own (`salt`, seeded again each time the
/// clock is read).
const WRITER: &str = r#"awk -v salt=SALT 'BEGIN { srand(); start = srand(salt); n = 0; for (;;) { srand(); now = srand(salt * 1000003 + n); goal = n + 100; if (goal < (now - start - 1) * 1000) goal = (now - start - 1) * 1000; while (n < goal) { n++; printf "level=%s req=%08x GET /api/v1/items/%d status=%d took=%dms user=u%d msg=\"cache %s\"\n", (n % 4 ? "info" : "error"), int(rand() * 2147483647), int(rand() * 100000), (n % 10 ? 200 : 500), int(rand() * 900), n % 50, (n % 3 ? "hit" : "miss") } fflush(); system("sleep 0.1") } }'"#;

async fn stored(app: &App) -> (u64, u64) {
    let lines = app
        .archive()
        .timelines()
        .await
        .unwrap()
        .iter()
        .map(|t| t.lines)
        .sum();
    (lines, app.archive().history_used_bytes().await.unwrap())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let containers = env_usize("SQUIRREL_BENCH_CONTAINERS", 20);
    let secs = env_usize("SQUIRREL_BENCH_SECS", 30) as u64;
    let engine = TestEngine::start();
    for i in 0..containers {
        engine.cli(&[
            "run",
            "-d",
            "--name",
            &format!("chatty-{i}"),
            "busybox:local",
            "sh",
            "-c",
            &WRITER.replace("SALT", &i.to_string()),
        ]);
    }
    println!(
        "# History ingestion: {containers} containers at about 1,000 lines/s each, {secs} s window"
    );
    let app = App::new().await;
    tokio::spawn(app.history().clone().run());
    // A local-socket device (kept by default), stats collection off: ingestion alone.
    app.add_engine_sampled(&engine, "local", Some(0)).await;
    support::wait_until(|| async { (app.history().ingesting().len() == containers).then_some(()) })
        .await;
    // Past the first read of each log (its last lines on first sight).
    tokio::time::sleep(Duration::from_secs(5)).await;

    // The CLI beside it: one `docker logs -f` per container, from now on, into /dev/null.
    let mut cli: Vec<Child> = (0..containers)
        .map(|i| {
            Command::new("docker")
                .env("DOCKER_HOST", engine.host())
                .args(["logs", "-f", "--since", "0s", &format!("chatty-{i}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;

    let me = std::process::id();
    let (lines0, bytes0) = stored(&app).await;
    let cpu0 = cpu_secs(me);
    let cli0: f64 = cli.iter().map(|c| cpu_secs(c.id())).sum();
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_secs(me) - cpu0;
    let cli_cpu: f64 = cli.iter().map(|c| cpu_secs(c.id())).sum::<f64>() - cli0;
    let (lines1, bytes1) = stored(&app).await;
    for c in &mut cli {
        let _ = c.kill();
        let _ = c.wait();
    }
    let lines = lines1.saturating_sub(lines0);
    println!(
        "lines stored: {lines} ({:.0}/s, {:.0}/s per container)",
        lines as f64 / wall,
        lines as f64 / wall / containers as f64
    );
    println!(
        "bytes on disk per line: {:.0} (the database grew {:.1} MiB)",
        bytes1.saturating_sub(bytes0) as f64 / lines.max(1) as f64,
        bytes1.saturating_sub(bytes0) as f64 / 1048576.0
    );
    println!("{:<44} {:>12}", "", "CPU, % of one core");
    println!(
        "{:<44} {:>12.1}",
        "Squirrel (streams, writer, SQLite + FTS5)",
        cpu / wall * 100.0
    );
    println!(
        "{:<44} {:>12.1}",
        format!("{containers} × docker logs -f > /dev/null"),
        cli_cpu / wall * 100.0
    );
    println!(
        "ratio Squirrel ÷ docker logs: {:.2}",
        cpu / cli_cpu.max(1e-9)
    );
    println!(
        "CPU per line: Squirrel {:.1} µs, docker logs {:.1} µs",
        cpu / lines.max(1) as f64 * 1e6,
        cli_cpu / lines.max(1) as f64 * 1e6
    );
    app.shutdown().await;
}
