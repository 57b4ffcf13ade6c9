//! Terminals: keystroke to echo over the local socket and over SSH (from the backend's write
//! to the terminal's channel receiving the echo), beside the raw API (an exec attached with
//! bollard on the same engine), and the throughput of `cat` of a 50 MiB text file in the
//! terminal (every output acknowledged as it comes, as a fast window does) beside
//! `docker exec … cat > /dev/null`, in one run, alternating. Prints p50/p99 and ratios.
//!
//! `tests/with-keyring.sh cargo bench -p squirrel-app --bench terminal` (root, dockerd, sshd).
//! Env: SQUIRREL_BENCH_KEYS (default 300), SQUIRREL_BENCH_ROUNDS (default 3).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use bollard::Docker;
use common::{env_usize, percentile};
use futures_util::StreamExt;
use squirrel_core::model::{DeviceConnection, SshAuth, TerminalEvent, TerminalRequest};
use squirrel_core::services::TerminalSink;
use support::sshd::{client_key, TestSshd};
use support::{approve_host_key, App, TestEngine};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

const NAME: &str = "bench-term";
const BIG: u64 = 50 << 20;

struct Term {
    id: u32,
    rx: mpsc::UnboundedReceiver<TerminalEvent>,
}

impl Term {
    async fn open(app: &App, uuid: &str) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let sink: TerminalSink = Arc::new(move |e| tx.send(e).is_ok());
        let request = TerminalRequest {
            shell: Some("sh".into()),
            cols: 200,
            rows: 50,
            ..Default::default()
        };
        let id = app
            .terminals
            .open(uuid, request, "main", sink)
            .await
            .unwrap()
            .id;
        let mut t = Self { id, rx };
        t.until(app, "# ").await;
        t
    }

    /// Reads (acknowledging each output) until the output holds `text`; bytes read.
    async fn until(&mut self, app: &App, text: &str) -> usize {
        let mut tail = String::new();
        let mut bytes = 0;
        loop {
            match tokio::time::timeout(Duration::from_secs(120), self.rx.recv()).await {
                Ok(Some(TerminalEvent::Output { seq, data })) => {
                    app.terminals.ack(self.id, seq);
                    bytes += data.len();
                    tail.push_str(&data);
                    if tail.contains(text) {
                        return bytes;
                    }
                    let keep = tail.len().saturating_sub(text.len() + 8);
                    let cut = (keep..=tail.len())
                        .find(|i| tail.is_char_boundary(*i))
                        .unwrap_or(tail.len());
                    tail.drain(..cut);
                }
                other => panic!("the terminal ended or stalled: {other:?}"),
            }
        }
    }

    /// Keystroke to echo, each a character typed at the prompt and read back.
    async fn echoes(&mut self, app: &App, keys: usize) -> Vec<f64> {
        let mut times = Vec::with_capacity(keys);
        for i in 0..keys {
            let c = char::from(b'a' + (i % 26) as u8);
            let t = Instant::now();
            app.terminals.write(self.id, c.to_string()).await.unwrap();
            self.until(app, &c.to_string()).await;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if i % 50 == 49 {
                // Ctrl-U: the line cleared before it wraps.
                app.terminals.write(self.id, "\u{15}".into()).await.unwrap();
                tokio::time::sleep(Duration::from_millis(20)).await;
                while let Ok(TerminalEvent::Output { seq, .. }) = self.rx.try_recv() {
                    app.terminals.ack(self.id, seq);
                }
            }
        }
        app.terminals.write(self.id, "\u{15}".into()).await.unwrap();
        times
    }
}

/// The same keystrokes through an exec attached with bollard, for the raw figure.
async fn raw_echoes(docker: &Docker, keys: usize) -> Vec<f64> {
    let exec = docker
        .create_exec(
            NAME,
            ExecConfig {
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                tty: Some(true),
                cmd: Some(vec!["sh".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let StartExecResults::Attached {
        mut output,
        mut input,
    } = docker
        .start_exec(
            &exec.id,
            Some(StartExecOptions {
                detach: false,
                tty: true,
                ..Default::default()
            }),
        )
        .await
        .unwrap()
    else {
        panic!("not attached")
    };
    let mut seen = String::new();
    while !seen.contains("# ") {
        let chunk = output.next().await.unwrap().unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
    }
    let mut times = Vec::with_capacity(keys);
    for i in 0..keys {
        let c = b'a' + (i % 26) as u8;
        let t = Instant::now();
        input.write_all(&[c]).await.unwrap();
        input.flush().await.unwrap();
        loop {
            let chunk = output.next().await.unwrap().unwrap().into_bytes();
            if chunk.contains(&c) {
                break;
            }
        }
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if i % 50 == 49 {
            input.write_all(&[0x15]).await.unwrap();
            input.flush().await.unwrap();
            let _ = tokio::time::timeout(Duration::from_millis(20), output.next()).await;
        }
    }
    let _ = input.write_all(b"exit\n").await;
    times
}

fn summary(name: &str, times: &[f64]) -> (f64, f64) {
    let p50 = percentile(times.to_vec(), 0.5);
    let p99 = percentile(times.to_vec(), 0.99);
    println!(
        "  {name:<44}: p50 {p50:6.2} ms, p99 {p99:6.2} ms ({} keys)",
        times.len()
    );
    (p50, p99)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let keys = env_usize("SQUIRREL_BENCH_KEYS", 300);
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
        &format!(
            "yes 'squirrel terminal throughput line 0123456789 abcdefghij' | head -c {BIG} > /big"
        ),
    ]);
    let keys_dir = tempfile::tempdir().unwrap();
    let key = client_key(keys_dir.path(), "id_bench", "");
    let sshd = TestSshd::start(&[&key], "");
    let app = App::new().await;
    app.add_engine(&engine, "local").await;
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
    approve_host_key(&app, &ssh).await;
    let ssh_device = app.add_engine_with(ssh, "ssh").await;
    let containers = app.containers.list(None).await.unwrap();
    let local_uuid = containers
        .iter()
        .find(|c| c.name == NAME && c.device_uuid != ssh_device)
        .unwrap()
        .uuid
        .clone();
    let ssh_uuid = containers
        .iter()
        .find(|c| c.name == NAME && c.device_uuid == ssh_device)
        .unwrap()
        .uuid
        .clone();
    let docker = Docker::connect_with_unix(
        &engine.socket().display().to_string(),
        120,
        bollard::API_DEFAULT_VERSION,
    )
    .unwrap();

    let (mut ours, mut over_ssh, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    let (mut cat_ours, mut cat_cli, mut cat_cli_tty) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let mut t = Term::open(&app, &local_uuid).await;
        ours.extend(t.echoes(&app, keys).await);
        // cat of the big file, then a mark only the shell's arithmetic prints.
        let start = Instant::now();
        app.terminals
            .write(t.id, "cat /big; echo END-$((40+2))\n".into())
            .await
            .unwrap();
        let bytes = t.until(&app, "END-42").await;
        cat_ours.push(BIG as f64 / start.elapsed().as_secs_f64());
        assert!(bytes as u64 >= BIG, "the whole file came: {bytes}");
        app.terminals.close(t.id).await;

        let mut s = Term::open(&app, &ssh_uuid).await;
        over_ssh.extend(s.echoes(&app, keys).await);
        app.terminals.close(s.id).await;

        raw.extend(raw_echoes(&docker, keys).await);

        // The CLI without a terminal (the figure), and with one (`-t`: the same
        // pseudo-terminal in the engine that a terminal's output goes through).
        for (tty, into) in [(false, &mut cat_cli), (true, &mut cat_cli_tty)] {
            let mut args = vec!["exec"];
            if tty {
                args.push("-t");
            }
            args.extend([NAME, "cat", "/big"]);
            let start = Instant::now();
            let out = std::process::Command::new("docker")
                .env(
                    "DOCKER_HOST",
                    format!("unix://{}", engine.socket().display()),
                )
                .args(&args)
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(out.success());
            into.push(BIG as f64 / start.elapsed().as_secs_f64());
        }
    }
    println!(
        "Terminal: keystroke to echo ({rounds} rounds alternating), and cat of a {} MiB file",
        BIG >> 20
    );
    let (_, raw99) = summary("raw API (bollard exec, local socket)", &raw);
    let (_, ours99) = summary("Squirrel, local socket", &ours);
    let (_, ssh99) = summary("Squirrel, over SSH", &over_ssh);
    println!("  ratio Squirrel / raw, p99: {:.2}", ours99 / raw99);
    println!(
        "  target p99 <= 20 ms local: {}; <= 60 ms over SSH: {}",
        if ours99 <= 20.0 { "met" } else { "NOT met" },
        if ssh99 <= 60.0 { "met" } else { "NOT met" }
    );
    let mib = |v: &[f64]| percentile(v.to_vec(), 0.5) / f64::from(1 << 20);
    let (ours_mib, cli_mib, tty_mib) = (mib(&cat_ours), mib(&cat_cli), mib(&cat_cli_tty));
    println!("  cat, docker exec … > /dev/null (CLI)          : {cli_mib:7.1} MiB/s (median)");
    println!("  cat, docker exec -t … > /dev/null (CLI, TTY)  : {tty_mib:7.1} MiB/s (median)");
    println!("  cat in a Squirrel terminal (acknowledged)     : {ours_mib:7.1} MiB/s (median)");
    println!(
        "  ratio Squirrel / CLI: {:.2} (target >= 0.8: {})",
        ours_mib / cli_mib,
        if ours_mib / cli_mib >= 0.8 {
            "met"
        } else {
            "NOT met"
        }
    );
    println!(
        "  ratio Squirrel / CLI with a TTY: {:.2}",
        ours_mib / tty_mib
    );
    app.shutdown().await;
}
