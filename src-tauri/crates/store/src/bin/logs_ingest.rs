//! Appends synthetic log lines to the log history in `<data dir>` until killed, the way
//! the app's history writer does (batches of lines over several timelines in one
//! transaction, trims to a budget between batches), and prints `committed <n>` after each
//! batch is durable.
//!
//! Usage: `logs-ingest <data dir> <budget bytes> <tag>`; every line holds `<tag>`. The crash-safety test kills it with
//! SIGKILL mid-ingestion and checks what the database kept.

use std::io::Write;
use std::path::PathBuf;

use squirrel_core::model::{LogLine, LogSource};
use squirrel_core::ports::LogHistoryRepository;
use squirrel_store::LogArchive;

const TIMELINES: usize = 20;
const BATCH: usize = 1_000;

async fn run(dir: PathBuf, budget: u64, tag: String) -> Result<(), String> {
    let archive = LogArchive::open(&dir).await.map_err(|e| e.to_string())?;
    let mut ids = Vec::new();
    for i in 0..TIMELINES {
        let (id, _) = archive
            .open_timeline(
                "ingest-device",
                &format!("c{i}"),
                &format!("uuid-{i}"),
                "busybox",
            )
            .await
            .map_err(|e| e.to_string())?;
        ids.push(id);
    }
    let first: i64 = sqlx::query_scalar("SELECT coalesce(sum(lines), 0) FROM log_blocks")
        .fetch_one(archive.pool())
        .await
        .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    for n in 1.. {
        let lines: Vec<(i64, LogLine)> = (0..BATCH)
            .map(|k| {
                let at = first as usize + n * BATCH + k;
                (
                    ids[k % TIMELINES],
                    LogLine {
                        ts: 1_800_000_000_000.0 + at as f64,
                        source: if k % 3 == 0 {
                            LogSource::Stderr
                        } else {
                            LogSource::Stdout
                        },
                        text: format!("{tag} batch{n} line {k} GET /api/items/{at} 200 took {k}ms"),
                        cut: false,
                    },
                )
            })
            .collect();
        archive
            .append_lines(&lines)
            .await
            .map_err(|e| e.to_string())?;
        writeln!(out, "committed {n}").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
        if n % 5 == 0 {
            archive
                .trim_history(budget)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(budget), Some(tag)) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: logs-ingest <data dir> <budget bytes> <tag>");
        std::process::exit(2);
    };
    let Ok(budget) = budget.parse::<u64>() else {
        eprintln!("logs-ingest: <budget bytes> must be a number, not {budget:?}");
        std::process::exit(2);
    };
    if let Err(e) = run(PathBuf::from(dir), budget, tag).await {
        eprintln!("logs-ingest: {e}");
        std::process::exit(1);
    }
}
