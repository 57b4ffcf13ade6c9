//! Downloading a 1 GiB folder of a container (16 files of 64 MiB) through the app (the
//! archive API, written safely into a folder) beside `docker cp` of the same folder, and
//! uploading it back beside `docker cp` the other way, in one run, alternating; prints
//! throughputs, the ratios, and how much the app's RSS grew.
//!
//! Beside both downloads, the raw API: the same archive read off the socket by a bare
//! reader, into one file and into `/dev/null` (the engine's own pace). And for each
//! download, the CPU it cost: the client's (Squirrel's process, or the CLI), the engine's
//! (dockerd and the helper that makes the archive), and how busy the machine was.
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

/// CPU seconds of `pid` and everything it started: its own, its waited children's, and its
/// live descendants' (an archiving helper still running), so that a helper counts in the
/// step that ran it whenever it is reaped.
fn tree_cpu(pid: &str) -> f64 {
    let mut children: std::collections::HashMap<String, Vec<String>> = Default::default();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Some(parent) = common::proc_stat(&name).and_then(|f| f.get(1).cloned()) {
            children.entry(parent).or_default().push(name);
        }
    }
    let mut total = 0.0;
    let mut pending = vec![pid.to_string()];
    while let Some(p) = pending.pop() {
        if let Some((own, waited)) = common::cpu_times(&p) {
            total += own + waited;
        }
        pending.extend(children.remove(&p).unwrap_or_default());
    }
    total
}

/// The raw API beside both: the same archive asked on the engine's socket and its whole
/// answer written, undecoded, to `into` (a file, or `/dev/null` for the engine's own pace),
/// read and written in turn in 64 KiB pieces on one thread, as `curl -o` would.
fn raw_api(engine: &TestEngine, container: &str, into: &std::path::Path) -> u64 {
    use std::io::{Read, Write};
    let mut socket = std::os::unix::net::UnixStream::connect(engine.socket()).unwrap();
    write!(
        socket,
        "GET /containers/{container}/archive?path=/payload HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = std::fs::File::create(into).unwrap();
    let mut piece = vec![0u8; 64 << 10];
    let mut total = 0;
    loop {
        let n = socket.read(&mut piece).unwrap();
        if n == 0 {
            return total;
        }
        out.write_all(&piece[..n]).unwrap();
        total += n as u64;
    }
}

/// The machine's busy and idle ticks (`/proc/stat`, iowait counted as idle): only their
/// ratio is used.
fn machine() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap();
    let f: Vec<f64> = stat
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap())
        .collect();
    let idle = f[3] + f[4];
    (f.iter().take(8).sum::<f64>() - idle, idle)
}

/// Where the CPU went during one timed step: the client's own (Squirrel's process, or the
/// CLI it waited for), the engine's (dockerd and its archiving helper), and the share of
/// the machine that was busy.
struct Spent {
    client: f64,
    engine: f64,
    busy: f64,
}

struct Meter {
    engine_pid: String,
}

struct Mark {
    own: (f64, f64),
    engine: f64,
    machine: (f64, f64),
}

impl Meter {
    fn mark(&self) -> Mark {
        Mark {
            own: common::cpu_times("self").unwrap(),
            engine: tree_cpu(&self.engine_pid),
            machine: machine(),
        }
    }

    /// CPU seconds since `from`; `child` says the client was a waited child (the CLI).
    fn since(&self, from: &Mark, child: bool) -> Spent {
        let now = self.mark();
        let client = if child {
            now.own.1 - from.own.1
        } else {
            now.own.0 - from.own.0
        };
        let engine = now.engine - from.engine;
        let busy = now.machine.0 - from.machine.0;
        let idle = now.machine.1 - from.machine.1;
        Spent {
            client,
            engine,
            busy: busy / (busy + idle).max(1.0),
        }
    }
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
    let meter = Meter {
        engine_pid: std::fs::read_to_string(engine.dir.join("docker.pid"))
            .unwrap()
            .trim()
            .to_string(),
    };
    let (mut ours_cpu, mut cli_cpu) = (Vec::new(), Vec::new());
    let (mut raw_file, mut raw_null) = (Vec::new(), Vec::new());
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
        // The downloads in a turning order: none always runs first, after the uploads.
        for step in (0..4).map(|k| (k + round) % 4) {
            match step {
                0 => {
                    let into = scratch.path().join(format!("ours-{round}"));
                    std::fs::create_dir(&into).unwrap();
                    let before = rss_mib();
                    settle();
                    let mark = meter.mark();
                    let start = Instant::now();
                    let done = app
                        .containers
                        .download(&uuid, "/payload", &into)
                        .await
                        .unwrap();
                    ours.push(total / start.elapsed().as_secs_f64());
                    ours_cpu.push(meter.since(&mark, false));
                    growth.push(rss_mib() - before);
                    assert_eq!(done.bytes, FILES * EACH);
                    std::fs::remove_dir_all(&into).unwrap();
                }
                1 => {
                    let into = scratch.path().join(format!("cli-{round}"));
                    std::fs::create_dir(&into).unwrap();
                    settle();
                    let mark = meter.mark();
                    let start = Instant::now();
                    engine.cli(&[
                        "cp",
                        &format!("{NAME}:/payload"),
                        &into.display().to_string(),
                    ]);
                    cli.push(total / start.elapsed().as_secs_f64());
                    cli_cpu.push(meter.since(&mark, true));
                    std::fs::remove_dir_all(&into).unwrap();
                }
                _ => {
                    // `/dev/null` stays itself: joining an absolute path gives that path.
                    let (sink, speeds) = if step == 2 {
                        ("raw.tar", &mut raw_file)
                    } else {
                        ("/dev/null", &mut raw_null)
                    };
                    let into = scratch.path().join(sink);
                    settle();
                    let start = Instant::now();
                    let got = raw_api(&engine, NAME, &into);
                    speeds.push(total / start.elapsed().as_secs_f64());
                    assert!(got > FILES * EACH);
                    if step == 2 {
                        std::fs::remove_file(&into).unwrap();
                    }
                }
            }
        }

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
    for (i, ((c, cs), (o, os))) in cli
        .iter()
        .zip(&cli_cpu)
        .zip(ours.iter().zip(&ours_cpu))
        .enumerate()
    {
        println!(
            "    round {i}: docker cp {:6.1} MiB/s (engine {:.2} CPU-s), Squirrel {:6.1} MiB/s (engine {:.2} CPU-s)",
            c / f64::from(1 << 20),
            cs.engine,
            o / f64::from(1 << 20),
            os.engine
        );
    }
    let (rf, rn) = (mib(&raw_file), mib(&raw_null));
    println!("  raw API, to one file            : {rf:7.1} MiB/s (median), docker cp / this: {:.2}, Squirrel / this: {:.2}", c / rf, o / rf);
    println!("  raw API, to /dev/null (engine)  : {rn:7.1} MiB/s (median)");
    let cpu = |v: &[Spent], f: fn(&Spent) -> f64| percentile(v.iter().map(f).collect(), 0.5);
    for (who, v) in [("docker cp", &cli_cpu), ("Squirrel ", &ours_cpu)] {
        println!(
            "  {who}: client {:.2} CPU-s, engine {:.2} CPU-s, machine busy {:.0} % (medians)",
            cpu(v, |s| s.client),
            cpu(v, |s| s.engine),
            cpu(v, |s| s.busy) * 100.0
        );
    }
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
