//! Container logs through `LogsService` against a real dockerd, compared with `docker logs`;
//! live follow over the local socket, SSH and TLS; the engine's connection closed with the
//! viewer; hostile lines kept as text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use squirrel_core::model::{
    DeviceConnection, LogEndKind, LogEvent, LogLine, LogQuery, LogSource, SshAuth, TlsFiles,
};
use squirrel_core::services::LogSink;
use support::sshd::{client_key, TestSshd};
use support::{approve_host_key, App, TestEngine};
use tokio::sync::mpsc;

/// A viewer: every event into a channel, each batch answered as it comes.
struct Viewer {
    rx: mpsc::UnboundedReceiver<LogEvent>,
    id: u32,
}

async fn open(app: &App, uuid: &str, query: LogQuery) -> Viewer {
    let (tx, rx) = mpsc::unbounded_channel();
    let sink: LogSink = Arc::new(move |e| tx.send(e).is_ok());
    let id = app.logs.open(uuid, query, sink).await.unwrap();
    Viewer { rx, id }
}

impl Viewer {
    /// Lines until `done` says enough (or the stream ends); each batch answered.
    async fn lines_until(
        &mut self,
        app: &App,
        mut done: impl FnMut(&[LogLine]) -> bool,
    ) -> (Vec<LogLine>, Option<(LogEndKind, String)>) {
        let mut lines = Vec::new();
        let end = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                match self.rx.recv().await {
                    Some(LogEvent::Lines { seq, lines: batch }) => {
                        lines.extend(batch);
                        app.logs.ack(self.id, seq);
                        if done(&lines) {
                            return None;
                        }
                    }
                    Some(LogEvent::Skipped { count, .. }) => {
                        panic!("{count} lines skipped with every batch answered")
                    }
                    Some(LogEvent::Ended { kind, message }) => return Some((kind, message)),
                    None => panic!("the stream's sink was dropped without an end"),
                }
            }
        })
        .await
        .expect("the log did not come within 30 s");
        (lines, end)
    }

    /// Every line to the end of a stream that ends.
    async fn all(&mut self, app: &App) -> (Vec<LogLine>, LogEndKind) {
        let (lines, end) = self.lines_until(app, |_| false).await;
        (lines, end.expect("an end").0)
    }
}

/// The uuid of a container the device's full sync stored (`add_engine` waited for it).
async fn uuid_of(app: &App, name: &str) -> String {
    app.containers
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == name)
        .map(|c| c.uuid)
        .unwrap_or_else(|| panic!("no container {name}"))
}

/// `YYYY-MM-DDTHH:MM:SS.fffffffffZ` (as `docker logs -t` prints it) in Unix ms.
fn cli_ms(stamp: &str) -> f64 {
    let n = |a: usize, b: usize| stamp[a..b].parse::<i64>().unwrap();
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19);
    let frac =
        stamp[20..stamp.len() - 1].parse::<f64>().unwrap() / 10f64.powi((stamp.len() - 21) as i32);
    secs as f64 * 1000.0 + frac * 1000.0
}

/// Lines as (time in Unix ms, text).
type Timed = Vec<(f64, String)>;

/// `docker logs -t ARGS NAME`, as (time, text) per output.
fn cli_logs(engine: &TestEngine, args: &[&str], name: &str) -> (Timed, Timed) {
    let mut cmd = std::process::Command::new("docker");
    cmd.env("DOCKER_HOST", engine.host());
    cmd.args(["logs", "-t"]).args(args).arg(name);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "docker logs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parse = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .lines()
            .map(|l| {
                let (stamp, text) = l.split_once(' ').unwrap();
                (cli_ms(stamp), text.trim_end_matches('\r').to_string())
            })
            .collect::<Vec<_>>()
    };
    (parse(&out.stdout), parse(&out.stderr))
}

fn of(lines: &[LogLine], source: LogSource) -> Timed {
    lines
        .iter()
        .filter(|l| l.source == source)
        .map(|l| (l.ts, l.text.clone()))
        .collect()
}

/// Same lines, same order, same times (to the microsecond: ours are f64 milliseconds).
fn assert_same(ours: &[(f64, String)], cli: &[(f64, String)], what: &str) {
    assert_eq!(
        ours.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(),
        cli.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(),
        "{what}: the texts differ from docker logs"
    );
    for ((a, text), (b, _)) in ours.iter().zip(cli) {
        assert!(
            (a - b).abs() < 0.001,
            "{what}: {text:?} at {a} ms, docker logs says {b} ms"
        );
    }
}

/// A log's lines in the order the engine sends them, over its API through bollard (each
/// frame of this test's container is one line, the last one without its newline).
async fn engine_order(engine: &TestEngine, name: &str) -> Vec<(LogSource, String)> {
    use bollard::container::LogOutput;
    use futures_util::StreamExt;
    let docker = bollard::Docker::connect_with_unix(
        &engine.socket().display().to_string(),
        30,
        bollard::API_DEFAULT_VERSION,
    )
    .unwrap();
    let mut frames = docker.logs(
        name,
        Some(bollard::query_parameters::LogsOptions {
            stdout: true,
            stderr: true,
            tail: "all".into(),
            ..Default::default()
        }),
    );
    let mut out = Vec::new();
    while let Some(frame) = frames.next().await {
        let (source, message) = match frame.unwrap() {
            LogOutput::StdOut { message } => (LogSource::Stdout, message),
            LogOutput::StdErr { message } => (LogSource::Stderr, message),
            other => panic!("not a line of this container: {other:?}"),
        };
        let text = String::from_utf8_lossy(&message);
        out.push((source, text.strip_suffix('\n').unwrap_or(&text).to_string()));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_since_until_and_the_outputs_match_docker_logs_line_for_line() {
    let engine = TestEngine::start();
    // Three seconds apart, on both outputs, ending with a line without a newline.
    engine.cli(&[
        "run",
        "--name",
        "writer",
        "busybox:local",
        "sh",
        "-c",
        "echo out 1; echo err 1 >&2; echo out 2; sleep 1.2; echo out 3; echo err 2 >&2; sleep 1.2; echo out 4; echo err 3 >&2; printf 'no newline'",
    ]);
    let app = App::new().await;
    app.add_engine(&engine, "local").await;
    let uuid = uuid_of(&app, "writer").await;

    // Everything.
    let all = LogQuery {
        tail: None,
        follow: false,
        ..LogQuery::default()
    };
    let (lines, end) = open(&app, &uuid, all.clone()).await.all(&app).await;
    assert_eq!(end, LogEndKind::Complete);
    let (out, err) = cli_logs(&engine, &[], "writer");
    assert_same(&of(&lines, LogSource::Stdout), &out, "whole log, stdout");
    assert_same(&of(&lines, LogSource::Stderr), &err, "whole log, stderr");
    assert_eq!(out.last().unwrap().1, "no newline");
    // Across the two outputs, the order the engine stored them in (which its two copiers
    // may store a moment out of time order): as its own API gives them, frame by frame.
    let ours: Vec<(LogSource, String)> = lines.iter().map(|l| (l.source, l.text.clone())).collect();
    assert_eq!(
        ours,
        engine_order(&engine, "writer").await,
        "in the engine's order"
    );

    // The last three (over both outputs).
    let (tail, _) = open(
        &app,
        &uuid,
        LogQuery {
            tail: Some(3),
            ..all.clone()
        },
    )
    .await
    .all(&app)
    .await;
    let (out, err) = cli_logs(&engine, &["--tail", "3"], "writer");
    assert_eq!(tail.len(), 3);
    assert_same(&of(&tail, LogSource::Stdout), &out, "tail 3, stdout");
    assert_same(&of(&tail, LogSource::Stderr), &err, "tail 3, stderr");

    // A range: from the second line's second to the third's.
    let second = (lines.iter().find(|l| l.text == "out 3").unwrap().ts / 1000.0).floor() as i64;
    let range = LogQuery {
        since: Some(second),
        until: Some(second + 1),
        ..all.clone()
    };
    let (part, end) = open(&app, &uuid, range).await.all(&app).await;
    assert_eq!(end, LogEndKind::Complete);
    let (s, u) = (second.to_string(), (second + 1).to_string());
    let (out, err) = cli_logs(&engine, &["--since", &s, "--until", &u], "writer");
    assert!(part.iter().any(|l| l.text == "out 3"), "{part:?}");
    assert_same(&of(&part, LogSource::Stdout), &out, "range, stdout");
    assert_same(&of(&part, LogSource::Stderr), &err, "range, stderr");

    // One output only.
    let (only_err, _) = open(
        &app,
        &uuid,
        LogQuery {
            stdout: false,
            ..all
        },
    )
    .await
    .all(&app)
    .await;
    assert!(only_err.iter().all(|l| l.source == LogSource::Stderr));
    assert_eq!(only_err.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tty_container_gives_its_lines_and_hostile_bytes_stay_text() {
    let engine = TestEngine::start();
    engine.cli(&[
        "run",
        "-t",
        "--name",
        "tty",
        "busybox:local",
        "sh",
        "-c",
        r"echo one; printf '\033[31mred\033[0m\n'; echo three",
    ]);
    // Markup, a title, an OSC 8 link, cursor moves, invalid UTF-8 and a 1 MiB line.
    engine.cli(&[
        "run",
        "--name",
        "hostile",
        "busybox:local",
        "sh",
        "-c",
        r"echo '<img src=x onerror=alert(1)>'; printf '\033]0;title\007\033]8;;https://evil.example\033\\link\033]8;;\033\\\033[2J\033[Hend\n'; printf 'bad \377\376 bytes\n'; head -c 1048576 /dev/zero | tr '\0' x; echo",
    ]);
    let app = App::new().await;
    app.add_engine(&engine, "local").await;
    let all = LogQuery {
        tail: None,
        follow: false,
        ..LogQuery::default()
    };

    let (lines, _) = open(&app, &uuid_of(&app, "tty").await, all.clone())
        .await
        .all(&app)
        .await;
    assert!(lines.iter().all(|l| l.source == LogSource::Tty));
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["one", "\u{1b}[31mred\u{1b}[0m", "three"]);
    let (out, _) = cli_logs(&engine, &[], "tty");
    assert_same(&of(&lines, LogSource::Tty), &out, "tty");

    let (lines, _) = open(&app, &uuid_of(&app, "hostile").await, all)
        .await
        .all(&app)
        .await;
    assert_eq!(
        lines.len(),
        4,
        "{:?}",
        lines.iter().map(|l| l.text.len()).collect::<Vec<_>>()
    );
    assert_eq!(lines[0].text, "<img src=x onerror=alert(1)>");
    assert_eq!(lines[1].text, "\u{1b}]0;title\u{7}\u{1b}]8;;https://evil.example\u{1b}\\link\u{1b}]8;;\u{1b}\\\u{1b}[2J\u{1b}[Hend");
    assert_eq!(lines[2].text, "bad \u{fffd}\u{fffd} bytes");
    // The engine stores a long line in 16 KiB parts: it comes back whole.
    assert_eq!(lines[3].text.len(), 1_048_576);
    assert!(lines[3].text.bytes().all(|b| b == b'x') && !lines[3].cut);
}

/// Connected sockets the daemon holds on its socket (from /proc/net/unix: the accepted end
/// of a connection carries the listening socket's path).
fn engine_connections(engine: &TestEngine) -> usize {
    let path = engine.socket().display().to_string();
    std::fs::read_to_string("/proc/net/unix")
        .unwrap()
        .lines()
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // Num RefCount Protocol Flags Type St Inode Path; St 03 is connected.
            f.len() >= 8 && f[5] == "03" && f[7] == path
        })
        .count()
}

fn ticker(engine: &TestEngine, name: &str) {
    engine.cli(&[
        "run",
        "-d",
        "--name",
        name,
        "busybox:local",
        "sh",
        "-c",
        "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done",
    ]);
}

/// Follows `name` until three new ticks came in order.
async fn follow_ticks(app: &App, name: &str) -> Viewer {
    let mut viewer = open(
        app,
        &uuid_of(app, name).await,
        LogQuery {
            tail: Some(1),
            ..LogQuery::default()
        },
    )
    .await;
    let (lines, end) = viewer.lines_until(app, |l| l.len() >= 4).await;
    assert!(end.is_none(), "the stream ended: {end:?}");
    let n: Vec<u32> = lines
        .iter()
        .map(|l| l.text.strip_prefix("tick ").unwrap().parse().unwrap())
        .collect();
    assert!(
        n.windows(2).all(|w| w[1] == w[0] + 1),
        "ticks in order, none lost: {n:?}"
    );
    viewer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_brings_new_lines_closing_closes_the_engine_connection_and_removal_ends_with_a_reason(
) {
    let engine = TestEngine::start();
    ticker(&engine, "ticker");
    let app = App::new().await;
    app.add_engine(&engine, "local").await;

    let viewer = follow_ticks(&app, "ticker").await;
    let open_now = engine_connections(&engine);
    app.logs.close(viewer.id);
    support::wait_until(|| async { (engine_connections(&engine) < open_now).then_some(()) }).await;
    assert!(app.logs.open_streams().is_empty());

    // Removed while followed: the stream ends and says why.
    let mut viewer = follow_ticks(&app, "ticker").await;
    engine.cli(&["rm", "-f", "ticker"]);
    let (_, end) = viewer.lines_until(&app, |_| false).await;
    let (kind, message) = end.unwrap();
    assert_eq!(kind, LogEndKind::Removed, "{message}");
    assert_eq!(message, "the container was removed");

    // Stopped while followed: ends as stopped.
    let mut rx = app.bus().subscribe();
    ticker(&engine, "again");
    support::wait_container(&mut rx, "again", |c| {
        c.state == squirrel_core::model::ContainerState::Running
    })
    .await;
    let mut viewer = follow_ticks(&app, "again").await;
    engine.cli(&["stop", "-t", "0", "again"]);
    let (_, end) = viewer.lines_until(&app, |_| false).await;
    assert_eq!(end.unwrap().0, LogEndKind::Stopped);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_works_over_ssh_and_over_tls() {
    // SSH.
    let engine = TestEngine::start();
    ticker(&engine, "over-ssh");
    let keys = tempfile::tempdir().unwrap();
    let key = client_key(keys.path(), "id_plain", "");
    let sshd = TestSshd::start(&[&key], "");
    let app = App::new().await;
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
    app.add_engine_with(ssh, "ssh").await;
    let viewer = follow_ticks(&app, "over-ssh").await;
    app.logs.close(viewer.id);

    // TLS.
    let (tls_engine, port, pki) = TestEngine::start_tls();
    ticker(&tls_engine, "over-tls");
    let tls = DeviceConnection::Tcp {
        host: "127.0.0.1".into(),
        port,
        tls: Some(TlsFiles {
            ca_path: pki.ca.display().to_string(),
            cert_path: pki.client_cert.display().to_string(),
            key_path: pki.client_key.display().to_string(),
        }),
        insecure_acknowledged: false,
    };
    app.add_engine_with(tls, "tls").await;
    let viewer = follow_ticks(&app, "over-tls").await;
    app.logs.close(viewer.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_is_the_log_as_docker_logs_prints_it_and_appears_only_once_whole() {
    let engine = TestEngine::start();
    engine.cli(&["run", "--name", "saved", "busybox:local", "sh", "-c", "for i in $(seq 1 2000); do echo \"line $i\"; done; head -c 100000 /dev/zero | tr '\\0' y; echo"]);
    let app = App::new().await;
    app.add_engine(&engine, "local").await;
    let uuid = uuid_of(&app, "saved").await;
    let dir = tempfile::tempdir().unwrap();
    let all = LogQuery {
        tail: None,
        follow: false,
        ..LogQuery::default()
    };

    // Without times: byte for byte what docker logs prints.
    let plain = dir.path().join("saved.log");
    let reports = std::sync::Mutex::new(Vec::new());
    let written = squirrel_app::write_log(
        app.logs.read(&uuid, all.clone()).await.unwrap(),
        &plain,
        false,
        &|n| reports.lock().unwrap().push(n),
    )
    .await
    .unwrap();
    let ours = std::fs::read(&plain).unwrap();
    let out = std::process::Command::new("docker")
        .env("DOCKER_HOST", engine.host())
        .args(["logs", "saved"])
        .output()
        .unwrap();
    assert_eq!(ours, out.stdout, "the file differs from docker logs");
    assert_eq!((written.lines, written.bytes), (2001, ours.len() as u64));
    assert_eq!(reports.lock().unwrap().last(), Some(&2001));
    assert!(!dir.path().join("saved.log.part").exists());

    // With times: docker logs -t's lines, their times to the microsecond.
    let timed = dir.path().join("timed.log");
    squirrel_app::write_log(
        app.logs.read(&uuid, all).await.unwrap(),
        &timed,
        true,
        &|_| {},
    )
    .await
    .unwrap();
    let ours = std::fs::read_to_string(&timed).unwrap();
    let out = std::process::Command::new("docker")
        .env("DOCKER_HOST", engine.host())
        .args(["logs", "-t", "saved"])
        .output()
        .unwrap();
    let theirs = String::from_utf8(out.stdout).unwrap();
    assert_eq!(ours.lines().count(), theirs.lines().count());
    // docker logs -t prints each 16 KiB part of the long line after a time of its own; the
    // download has it whole, after one time.
    let long = ours.lines().last().unwrap();
    assert_eq!(long.split_once(' ').unwrap().1, "y".repeat(100_000));
    for (a, b) in ours.lines().zip(theirs.lines()).take(2000) {
        let (ta, xa) = a.split_once(' ').unwrap();
        let (tb, xb) = b.split_once(' ').unwrap();
        assert_eq!(xa, xb);
        // Times are kept as f64 milliseconds: equal to the microsecond, within one.
        assert_eq!(ta[..20], tb[..20], "{a:?} against {b:?}");
        let micros = |t: &str| {
            format!("{:0<6}", &t[20..t.len() - 1])[..6]
                .parse::<i64>()
                .unwrap()
        };
        assert!((micros(ta) - micros(tb)).abs() <= 1, "{a:?} against {b:?}");
    }

    // A file that cannot be written: a sentence, and nothing left behind.
    let nowhere = dir.path().join("missing-folder").join("x.log");
    let err = squirrel_app::write_log(
        app.logs
            .read(
                &uuid,
                LogQuery {
                    tail: Some(1),
                    follow: false,
                    ..LogQuery::default()
                },
            )
            .await
            .unwrap(),
        &nowhere,
        false,
        &|_| {},
    )
    .await
    .unwrap_err();
    assert!(
        err.starts_with("cannot write ") && err.contains("missing-folder"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merged_download_interleaves_the_logs_by_time_each_line_after_its_name() {
    let engine = TestEngine::start();
    // Two containers writing at the same time; one line of alpha's is 100,000 bytes long
    // (the engine sends it in parts, which must stay together).
    engine.cli(&["run", "-d", "--name", "alpha", "busybox:local", "sh", "-c", "for i in $(seq 1 30); do echo \"a $i\"; [ $i = 15 ] && { head -c 100000 /dev/zero | tr '\\0' y; echo; }; sleep 0.03; done"]);
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "beta-long",
        "busybox:local",
        "sh",
        "-c",
        "for i in $(seq 1 30); do echo \"b $i\" >&2; sleep 0.03; done",
    ]);
    engine.cli(&["wait", "alpha", "beta-long"]);
    let app = App::new().await;
    app.add_engine(&engine, "local").await;
    let uuids = vec![
        uuid_of(&app, "alpha").await,
        uuid_of(&app, "beta-long").await,
    ];
    let all = LogQuery {
        tail: None,
        follow: false,
        ..LogQuery::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("merged.log");
    let written = squirrel_app::write_merged_log(
        app.logs.read_named(&uuids, all.clone()).await.unwrap(),
        &path,
        true,
        &|_| {},
    )
    .await
    .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written.lines, 61);
    let mut times = Vec::new();
    let mut of = std::collections::HashMap::<&str, Vec<&str>>::new();
    for line in text.lines() {
        let (name, rest) = line.split_once(" | ").expect("a name first");
        let (time, words) = rest.split_once(' ').expect("then a time");
        times.push(time.to_string());
        of.entry(name).or_default().push(words);
    }
    // Names padded to the longest; times in order (RFC 3339 in UTC sorts as text).
    assert_eq!(
        of.keys()
            .copied()
            .collect::<std::collections::BTreeSet<_>>(),
        ["alpha    ", "beta-long"].into()
    );
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "times in order");
    // Each log whole and in its own order: as docker logs prints it.
    for (name, key) in [("alpha", "alpha    "), ("beta-long", "beta-long")] {
        let out = std::process::Command::new("docker")
            .env("DOCKER_HOST", engine.host())
            .args(["logs", name])
            .output()
            .unwrap();
        let theirs = String::from_utf8([out.stdout, out.stderr].concat()).unwrap();
        assert_eq!(of[key], theirs.lines().collect::<Vec<_>>(), "{name}");
    }
    // The two logs do interleave (they ran at the same time).
    let names: Vec<&str> = text
        .lines()
        .map(|l| l.split(" | ").next().unwrap())
        .collect();
    assert!(
        names.windows(2).filter(|w| w[0] != w[1]).count() > 10,
        "{names:?}"
    );

    // Two containers of one name on two devices are told apart by their device's name.
    let other = TestEngine::start();
    other.cli(&[
        "run",
        "--name",
        "alpha",
        "busybox:local",
        "echo",
        "from the other",
    ]);
    app.add_engine(&other, "other").await;
    let twin = support::wait_until(|| async {
        app.containers
            .list(None)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.name == "alpha" && c.uuid != uuids[0])
    })
    .await;
    let named = app
        .logs
        .read_named(&[uuids[0].clone(), twin.uuid], all)
        .await
        .unwrap();
    assert_eq!(
        named.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["alpha@local", "alpha@other"]
    );
}

/// Over SSH, log streams have channels of their own: a screen full of logs leaves the
/// watcher and actions their channels, a log past the most one connection carries is
/// refused in words (and opens once another closes), and the history follows containers
/// on a share of its own, however many logs are open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_ssh_log_streams_have_their_own_channels_and_a_limit_said_in_words() {
    use squirrel_docker::ssh::SOCKET_STREAMS;
    let engine = TestEngine::start();
    ticker(&engine, "busy");
    ticker(&engine, "kept");
    let keys = tempfile::tempdir().unwrap();
    let key = client_key(keys.path(), "id_plain", "");
    let sshd = TestSshd::start(&[&key], "");
    let app = App::new().await;
    tokio::spawn(app.history().clone().run());
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
    let device = app.add_engine_with(ssh, "ssh").await;
    let busy = uuid_of(&app, "busy").await;

    // As many live logs as one connection carries (more than OpenSSH's ten sessions).
    let mut viewers = Vec::new();
    for _ in 0..SOCKET_STREAMS {
        let mut viewer = open(
            &app,
            &busy,
            LogQuery {
                tail: Some(1),
                ..LogQuery::default()
            },
        )
        .await;
        // The last written line, then a new one: the follow holds the viewer's slot.
        let (lines, end) = viewer.lines_until(&app, |l| l.len() >= 2).await;
        assert!(end.is_none() && lines.len() >= 2, "{end:?}");
        viewers.push(viewer);
    }
    let (tx, _rx) = mpsc::unbounded_channel();
    let sink: LogSink = Arc::new(move |e| tx.send(e).is_ok());
    let refused = app
        .logs
        .open(&busy, LogQuery::default(), sink.clone())
        .await
        .expect_err("one log past the limit");
    let message = refused.to_string();
    assert!(
        message.contains(&format!("already has {SOCKET_STREAMS} logs open over SSH"))
            && message.contains("close one"),
        "{message}"
    );
    // Requests still have their channels: an inspection and an action answer.
    let inspected = tokio::time::timeout(Duration::from_secs(20), app.containers.inspect(&busy))
        .await
        .expect("an inspection answers while the logs are open")
        .unwrap();
    assert_eq!(inspected.name, "busy");
    // The history follows a container on its own share.
    app.history()
        .set_keep(&device, Some("kept"), Some(true))
        .await
        .unwrap();
    support::wait_until(|| async {
        app.history()
            .overview()
            .await
            .unwrap()
            .timelines
            .into_iter()
            .find(|t| t.name == "kept" && t.lines >= 2)
    })
    .await;
    // One closed: one more opens.
    let first = viewers.remove(0);
    app.logs.close(first.id);
    let again = support::wait_until(|| {
        let sink = sink.clone();
        let app = &app;
        let busy = busy.clone();
        async move {
            app.logs
                .open(
                    &busy,
                    LogQuery {
                        tail: Some(1),
                        ..LogQuery::default()
                    },
                    sink,
                )
                .await
                .ok()
        }
    })
    .await;
    app.logs.close(again);
    for v in viewers {
        app.logs.close(v.id);
    }
}
