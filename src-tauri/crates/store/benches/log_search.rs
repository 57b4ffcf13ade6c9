//! Log history benchmark: millions of log lines stored through the app's own write path
//! (batches over 20 containers' timelines), then the searches the History screen runs,
//! timed, side by side in the same run with `grep` over the same lines in a plain file
//! (what `docker logs … | grep` costs at best).
//!
//! `cargo bench -p squirrel-store --bench log_search`.
//! Env: SQUIRREL_BENCH_LINES (default 10,000,000), SQUIRREL_BENCH_QUERIES (runs of each
//! search, default 40).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufWriter, Write};
use std::process::Command;
use std::time::Instant;

use squirrel_core::model::{HistoryQuery, LogLine, LogSource};
use squirrel_core::ports::LogHistoryRepository;
use squirrel_store::LogArchive;

mod common;
use common::{env_usize, percentile};

const TIMELINES: usize = 20;
const BATCH: usize = 5_000;
/// The page the History screen asks for.
const PAGE: u32 = 2_000;

fn mix(a: u64) -> u64 {
    let mut x = a.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    x.wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ (x >> 32)
}

const USERS: [&str; 8] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
];
const PATHS: [&str; 5] = ["items", "users", "orders", "search", "health"];
const WORDS: [&str; 12] = [
    "request", "served", "cache", "miss", "hit", "upstream", "retry", "queue", "flushed",
    "session", "renewed", "token",
];

/// Line `i`: web-server-like, with levels (a quarter are errors), and two rare words
/// ("panic" once in 100,000 lines, "oomkilled" once in 1,000,000).
fn line(i: u64) -> String {
    let r = mix(i);
    let level = [
        "info", "info", "error", "debug", "warn", "info", "error", "info",
    ][(r % 8) as usize];
    let status = [200, 200, 200, 404, 500, 201, 304, 200][((r >> 8) % 8) as usize];
    let rare = if i % 1_000_000 == 777 {
        " oomkilled"
    } else if i % 100_000 == 4_242 {
        " panic"
    } else {
        ""
    };
    format!(
        "level={level} req={:08x} GET /api/v1/{}/{} status={status} took={}ms user={} msg=\"{} {}\"{rare}",
        r as u32,
        PATHS[((r >> 16) % 5) as usize],
        (r >> 20) % 100_000,
        (r >> 40) % 900,
        USERS[((r >> 24) % 8) as usize],
        WORDS[((r >> 28) % 12) as usize],
        WORDS[((r >> 32) % 12) as usize],
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total = env_usize("SQUIRREL_BENCH_LINES", 10_000_000) as u64;
    let runs = env_usize("SQUIRREL_BENCH_QUERIES", 40);
    let dir = tempfile::tempdir().unwrap();
    let archive = LogArchive::open(dir.path()).await.unwrap();
    let mut timelines = Vec::new();
    for t in 0..TIMELINES {
        let (id, _) = archive
            .open_timeline(
                "bench-device",
                &format!("app-{t}"),
                &format!("uuid-{t}"),
                "img",
            )
            .await
            .unwrap();
        timelines.push(id);
    }
    let flat_path = dir.path().join("lines.log");
    let mut flat = BufWriter::new(std::fs::File::create(&flat_path).unwrap());
    println!("# Log history search: {total} lines over {TIMELINES} containers");
    let started = Instant::now();
    let mut i = 0u64;
    while i < total {
        let n = (total - i).min(BATCH as u64);
        let batch: Vec<(i64, LogLine)> = (i..i + n)
            .map(|k| {
                let text = line(k);
                writeln!(flat, "{text}").unwrap();
                (
                    timelines[(mix(k ^ 0x55) % TIMELINES as u64) as usize],
                    LogLine {
                        ts: 1_800_000_000_000.0 + k as f64,
                        source: if k % 5 == 0 {
                            LogSource::Stderr
                        } else {
                            LogSource::Stdout
                        },
                        text,
                        cut: false,
                    },
                )
            })
            .collect();
        archive.append_lines(&batch).await.unwrap();
        i += n;
    }
    flat.flush().unwrap();
    let took = started.elapsed().as_secs_f64();
    let used = archive.history_used_bytes().await.unwrap();
    let flat_bytes = std::fs::metadata(&flat_path).unwrap().len();
    println!(
        "stored: {:.0} lines/s through the write path; {:.0} bytes a line on disk (the text alone: {:.0}; ×{:.2})",
        total as f64 / took,
        used as f64 / total as f64,
        flat_bytes as f64 / total as f64,
        used as f64 / flat_bytes as f64
    );

    // (what, typed, one container, a regular expression)
    let searches: [(&str, &str, Option<i64>, bool); 9] = [
        ("rare word, all containers", "oomkilled", None, false),
        ("uncommon word", "panic", None, false),
        ("common word (1 line in 4)", "error", None, false),
        ("two words", "error orders", None, false),
        ("phrase", "\"status=500 took\"", None, false),
        (
            "common word, one container",
            "error",
            Some(timelines[7]),
            false,
        ),
        (
            "rare word, one container",
            "panic",
            Some(timelines[3]),
            false,
        ),
        (
            "regex, common",
            r"status=50[0-9] took=8[0-9][0-9]ms",
            None,
            true,
        ),
        (
            "regex, one container",
            r"user=(grace|heidi) msg",
            Some(timelines[5]),
            true,
        ),
    ];
    println!(
        "{:<30} {:>8} {:>9} {:>9} {:>11} {:>8}",
        "search (newest 2,000)", "found", "p50 ms", "p99 ms", "grep ms", "grep÷us"
    );
    for (what, text, timeline, regex) in searches {
        let mut times = Vec::with_capacity(runs);
        let mut found = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let page = archive
                .query_history(&HistoryQuery {
                    text: text.into(),
                    timeline,
                    device_uuid: None,
                    before: None,
                    limit: PAGE,
                    regex,
                })
                .await
                .unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            found = page.lines.len();
        }
        // grep: every line with the first word, the last 2,000 kept (as the page).
        let word = text
            .trim_matches('"')
            .split_whitespace()
            .next()
            .unwrap_or(text);
        let grep = if regex {
            format!("grep -E -- '{text}'")
        } else {
            format!("grep -F -- '{word}'")
        };
        let t = Instant::now();
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{grep} '{}' | tail -n {PAGE} | wc -l",
                flat_path.display()
            ))
            .output()
            .unwrap();
        let grep_ms = t.elapsed().as_secs_f64() * 1000.0;
        assert!(out.status.success());
        let p50 = percentile(times.clone(), 0.5);
        let p99 = percentile(times, 0.99);
        println!(
            "{what:<30} {found:>8} {p50:>9.2} {p99:>9.2} {grep_ms:>11.1} {:>8.0}",
            grep_ms / p50
        );
    }
    // A trim of 5 % of the lines: what keeping to the budget costs when it is reached.
    let t = Instant::now();
    let trim = archive
        .trim_history((used as f64 / 0.95 * 0.9) as u64)
        .await
        .unwrap();
    println!(
        "trim to the budget: {} oldest lines deleted in {:.2} s",
        trim.deleted_lines,
        t.elapsed().as_secs_f64()
    );
}
