//! Log throughput: a container's whole log read through Squirrel's pipeline (engine → line
//! assembly → batches bounded by the viewer's answers → each batch serialized as the Tauri
//! channel does) side by side, in the same run, with `docker logs > /dev/null` and with the
//! raw API (bollard's demultiplexed stream, bytes counted, nothing else).
//!
//! `cargo bench -p squirrel-app --bench logs` (root, dockerd). Env: SQUIRREL_BENCH_LINES
//! (default 1,000,000), SQUIRREL_BENCH_ROUNDS (default 6: each
//! of the three readers compared goes first, second and third equally often).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bollard::query_parameters::LogsOptions;
use bollard::Docker;
use common::env_usize;
use futures_util::StreamExt;
use squirrel_core::model::{LogEvent, LogQuery};
use squirrel_core::services::LogSink;
use support::{App, TestEngine};

/// The middle value; with an even count, the mean of the two middle ones.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let lines = env_usize("SQUIRREL_BENCH_LINES", 1_000_000);
    let rounds = env_usize("SQUIRREL_BENCH_ROUNDS", 6);
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

    let mut times: [Vec<f64>; 4] = Default::default();
    let (mut vs_cli, mut vs_cli_t) = (Vec::new(), Vec::new());
    let mut our_cpu = Vec::new();
    let mut bytes_sent = 0u64;
    // Once untimed: the log's file is in the page cache for every timed read.
    docker_logs(&engine, false);
    for round in 0..rounds {
        // The three readers compared take turns at going first: a reader is not favoured by
        // its place (the engine's caches, the machine's other load). Each round's ratios are
        // taken within the round, seconds apart.
        let mut took = [0.0f64; 4];
        for k in 0..3 {
            let reader = (round + k) % 3;
            let t = Instant::now();
            match reader {
                0 => docker_logs(&engine, false),
                1 => docker_logs(&engine, true),
                _ => {
                    let (cpu, sent) = squirrel_reads(&app, &uuid, lines).await;
                    our_cpu.push(cpu);
                    bytes_sent = sent;
                }
            }
            took[reader] = t.elapsed().as_secs_f64();
        }

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
        took[3] = t.elapsed().as_secs_f64();

        vs_cli.push(took[0] / took[2]);
        vs_cli_t.push(took[1] / took[2]);
        println!(
            "round {}: docker logs {:.2} s, docker logs -t {:.2} s, Squirrel {:.2} s, raw API {:.2} s: Squirrel ÷ docker logs {:.2}",
            round + 1,
            took[0],
            took[1],
            took[2],
            took[3],
            took[0] / took[2]
        );
        for (all, t) in times.iter_mut().zip(took) {
            all.push(t);
        }
    }
    let [cli, cli_t, ours, raw] = times.map(median);
    let rate = |secs: f64| lines as f64 / secs / 1e6;
    println!("\n| reader | median of {rounds} s | M lines/s |");
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
    let spread = |v: &[f64]| {
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(0.0, f64::max);
        format!("{min:.2}–{max:.2}")
    };
    println!(
        "\nSquirrel ÷ docker logs throughput, within each round: median {:.2} (target ≥ 0.9), rounds {}; ÷ docker logs -t: median {:.2}, rounds {}; ÷ raw API (medians): {:.2}; {:.0} bytes of JSON per line",
        median(vs_cli.clone()),
        spread(&vs_cli),
        median(vs_cli_t.clone()),
        spread(&vs_cli_t),
        raw / ours,
        bytes_sent as f64 / lines as f64
    );
    println!(
        "Squirrel's own CPU for the {lines} lines (this process: line assembly, batches, JSON): {:.2} s, {:.2} µs a line",
        median(our_cpu.clone()),
        median(our_cpu) / lines as f64 * 1e6
    );
}

/// `docker logs [-t] chatty > /dev/null`, to its end.
fn docker_logs(engine: &TestEngine, times: bool) {
    let mut args = vec!["logs"];
    if times {
        args.push("-t");
    }
    args.push("chatty");
    let status = std::process::Command::new("docker")
        .env("DOCKER_HOST", engine.host())
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

/// Squirrel's pipeline to a viewer that serializes each batch as the Tauri channel does and
/// answers it at once: this process's CPU seconds meanwhile, and the bytes of JSON sent.
async fn squirrel_reads(app: &App, uuid: &str, lines: usize) -> (f64, u64) {
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
    let cpu_before = cpu_secs();
    let id = app
        .logs
        .open(
            uuid,
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
    assert_eq!(got, lines, "every line came through");
    (cpu_secs() - cpu_before, sent.load(Ordering::Relaxed))
}

/// User and system CPU time of this process so far, in seconds.
fn cpu_secs() -> f64 {
    common::cpu_times("self").unwrap().0
}
