//! Log throughput: a container's whole log read through Squirrel's pipeline (engine → line
//! assembly → batches bounded by the viewer's answers → each batch serialized as the Tauri
//! channel does) side by side, in the same run, with `docker logs > /dev/null` and with the
//! raw API (bollard's demultiplexed stream, bytes counted, nothing else).
//!
//! `cargo bench -p squirrel-app --bench logs` (root, dockerd). Env: SQUIRREL_BENCH_LINES
//! (default 1,000,000), SQUIRREL_BENCH_ROUNDS (default 3).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bollard::query_parameters::LogsOptions;
use bollard::Docker;
use common::{env_usize, percentile};
use futures_util::StreamExt;
use squirrel_core::model::{LogEvent, LogQuery};
use squirrel_core::services::LogSink;
use support::{App, TestEngine};

fn median(v: Vec<f64>) -> f64 {
    percentile(v, 0.5)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let lines = env_usize("SQUIRREL_BENCH_LINES", 1_000_000);
    let rounds = env_usize("SQUIRREL_BENCH_ROUNDS", 3);
    let engine = TestEngine::start();
    let script = format!(
        "awk 'BEGIN {{ for (i = 0; i < {lines}; i++) printf \"%d GET /api/v1/items/%d 200 %dms user=alice agent=curl/8.5\\n\", i, i * 7, i % 97 }}'"
    );
    let t = Instant::now();
    engine.cli(&[
        "run",
        "--name",
        "chatty",
        "busybox:local",
        "sh",
        "-c",
        &script,
    ]);
    println!(
        "# Log throughput: {lines} lines ({:.1} s to write them)",
        t.elapsed().as_secs_f64()
    );
    let docker = Docker::connect_with_unix(
        &engine.socket().display().to_string(),
        120,
        bollard::API_DEFAULT_VERSION,
    )
    .unwrap()
    .negotiate_version()
    .await
    .unwrap();

    let app = App::new().await;
    app.add_engine(&engine, "local").await;
    let uuid = app.containers.list(None).await.unwrap().pop().unwrap().uuid;

    let (mut cli, mut cli_t, mut raw, mut ours) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut our_cpu = Vec::new();
    let mut bytes_sent = 0u64;
    for _ in 0..rounds {
        // docker logs > /dev/null
        let t = Instant::now();
        let status = std::process::Command::new("docker")
            .env("DOCKER_HOST", engine.host())
            .args(["logs", "chatty"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        cli.push(t.elapsed().as_secs_f64());

        // docker logs -t > /dev/null: with the times Squirrel always asks for.
        let t = Instant::now();
        let status = std::process::Command::new("docker")
            .env("DOCKER_HOST", engine.host())
            .args(["logs", "-t", "chatty"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        cli_t.push(t.elapsed().as_secs_f64());

        // The raw API: demultiplexed frames, bytes counted.
        let t = Instant::now();
        let mut stream = docker.logs(
            "chatty",
            Some(LogsOptions {
                stdout: true,
                stderr: true,
                tail: "all".into(),
                ..Default::default()
            }),
        );
        let mut n = 0usize;
        while let Some(frame) = stream.next().await {
            n += frame.unwrap().as_ref().len();
        }
        assert!(n > 0);
        raw.push(t.elapsed().as_secs_f64());

        // Squirrel: the service, a viewer that serializes each batch and answers it at once.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u32, usize, bool)>();
        let sent = Arc::new(AtomicU64::new(0));
        let counted = sent.clone();
        let sink: LogSink = Arc::new(move |event: LogEvent| {
            let json = serde_json::to_string(&event).unwrap();
            counted.fetch_add(json.len() as u64, Ordering::Relaxed);
            let message = match event {
                LogEvent::Lines { seq, lines } => (seq, lines.len(), false),
                LogEvent::Skipped { count, .. } => {
                    panic!("{count} lines skipped with every batch answered")
                }
                LogEvent::Ended { .. } => (0, 0, true),
            };
            tx.send(message).is_ok()
        });
        let t = Instant::now();
        let cpu_before = cpu_secs();
        let id = app
            .logs
            .open(
                &uuid,
                LogQuery {
                    tail: None,
                    follow: false,
                    ..LogQuery::default()
                },
                sink,
            )
            .await
            .unwrap();
        let mut got = 0usize;
        while let Some((seq, count, ended)) = rx.recv().await {
            if ended {
                break;
            }
            got += count;
            app.logs.ack(id, seq);
        }
        ours.push(t.elapsed().as_secs_f64());
        our_cpu.push(cpu_secs() - cpu_before);
        assert_eq!(got, lines, "every line came through");
        bytes_sent = sent.load(Ordering::Relaxed);
    }
    let (cli, cli_t, raw, ours) = (median(cli), median(cli_t), median(raw), median(ours));
    let rate = |secs: f64| lines as f64 / secs / 1e6;
    println!("| reader | median of {rounds} s | M lines/s |");
    println!("|---|---:|---:|");
    println!("| docker logs > /dev/null | {cli:.2} | {:.2} |", rate(cli));
    println!(
        "| docker logs -t > /dev/null | {cli_t:.2} | {:.2} |",
        rate(cli_t)
    );
    println!(
        "| raw API (bollard's own Unix client, bytes counted) | {raw:.2} | {:.2} |",
        rate(raw)
    );
    println!(
        "| Squirrel (lines, batches, JSON for the channel) | {ours:.2} | {:.2} |",
        rate(ours)
    );
    println!(
        "\nSquirrel ÷ docker logs throughput: {:.2} (target ≥ 0.9); ÷ docker logs -t: {:.2}; ÷ raw API: {:.2}; {:.0} bytes of JSON per line",
        cli / ours,
        cli_t / ours,
        raw / ours,
        bytes_sent as f64 / lines as f64
    );
    println!(
        "Squirrel's own CPU for the {lines} lines (this process: line assembly, batches, JSON): {:.2} s, {:.2} µs a line",
        median(our_cpu.clone()),
        median(our_cpu) / lines as f64 * 1e6
    );
}

/// User and system CPU time of this process so far, in seconds.
fn cpu_secs() -> f64 {
    common::cpu_times("self").unwrap().0
}
