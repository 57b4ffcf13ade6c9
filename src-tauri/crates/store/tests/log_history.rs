//! The log history database: timelines that outlive containers, word search, the size
//! budget, settings, and crash safety (SIGKILL mid-ingestion).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use proptest::prelude::*;
use squirrel_core::model::{HistoryQuery, HistorySearch, LogLine, LogSource};
use squirrel_core::ports::LogHistoryRepository;
use squirrel_store::LogArchive;

fn line(ts: f64, text: &str) -> LogLine {
    LogLine {
        ts,
        source: LogSource::Stdout,
        text: text.into(),
        cut: false,
    }
}

/// Words lines are made of: cases, digits, punctuation inside and around, letters with
/// diacritics, words that start others, a timeline's own index word, and characters the
/// index's tokenizer may read otherwise than Rust (a combining mark, a new emoji, a
/// superscript digit, a private-use character).
const WORDS: &str = "(error|Error|ERROR|err|errors|disk|full|disk-full|/api/v1|v1|GET|200|500|café|Café|cafe|ÉTÉ|été|naïve|x_y|a\\.b|\\[warn\\]|warn|\"q\"|--|\\.\\.\\.|sqtl1|a\u{a980}b|\u{1fae0}x|x\u{1fae0}|\u{b9}|\u{e000}q)";

fn texts(page: &squirrel_core::model::HistoryPage) -> Vec<String> {
    page.lines.iter().map(|l| l.line.text.clone()).collect()
}

fn query(text: &str) -> HistoryQuery {
    HistoryQuery {
        text: text.into(),
        limit: 100,
        ..HistoryQuery::default()
    }
}

#[tokio::test]
async fn a_recreated_container_continues_its_timeline_and_a_removed_one_stays_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let archive = LogArchive::open(dir.path()).await.unwrap();
    let (t1, last) = archive
        .open_timeline("dev", "web", "old-uuid", "nginx:1")
        .await
        .unwrap();
    assert_eq!(last, None);
    archive
        .append_lines(&[
            (t1, line(1000.0, "old container started")),
            (t1, line(2000.5, "old container GET /index")),
        ])
        .await
        .unwrap();
    archive.container_removed("old-uuid", 50).await.unwrap();
    let removed = archive.timelines().await.unwrap();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].removed_at, Some(50));
    assert_eq!(removed[0].container_uuid, None);
    // The removed container's lines stay searchable.
    let found = archive.query_history(&query("GET index")).await.unwrap();
    assert_eq!(texts(&found), ["old container GET /index"]);

    // Same name on the same device: the same timeline, resumed after its newest line.
    let (t2, last) = archive
        .open_timeline("dev", "web", "new-uuid", "nginx:2")
        .await
        .unwrap();
    assert_eq!(t2, t1);
    assert_eq!(last, Some(2000.5));
    archive
        .append_lines(&[(t2, line(3000.0, "new container started"))])
        .await
        .unwrap();
    // Another device's container of that name is another timeline.
    let (other, _) = archive
        .open_timeline("dev2", "web", "x", "nginx:2")
        .await
        .unwrap();
    assert_ne!(other, t1);
    archive
        .append_lines(&[(other, line(4000.0, "elsewhere started"))])
        .await
        .unwrap();

    let timelines = archive.timelines().await.unwrap();
    let web = timelines.iter().find(|t| t.id == t1).unwrap();
    assert_eq!(
        (web.lines, web.first_ts, web.last_ts),
        (3, Some(1000.0), Some(3000.0))
    );
    assert_eq!(web.removed_at, None);
    assert_eq!(web.container_uuid.as_deref(), Some("new-uuid"));
    assert_eq!(web.image, "nginx:2");

    let timeline = archive
        .query_history(&HistoryQuery {
            timeline: Some(t1),
            ..query("")
        })
        .await
        .unwrap();
    assert_eq!(
        texts(&timeline),
        [
            "old container started",
            "old container GET /index",
            "new container started"
        ]
    );
    let started = archive.query_history(&query("started")).await.unwrap();
    assert_eq!(started.lines.len(), 3);
    let on_dev = archive
        .query_history(&HistoryQuery {
            device_uuid: Some("dev".into()),
            ..query("started")
        })
        .await
        .unwrap();
    assert_eq!(
        texts(&on_dev),
        ["old container started", "new container started"]
    );
}

#[tokio::test]
async fn search_pages_backwards_from_the_newest_match() {
    let dir = tempfile::tempdir().unwrap();
    let archive = LogArchive::open(dir.path()).await.unwrap();
    let (t, _) = archive
        .open_timeline("dev", "app", "u", "img")
        .await
        .unwrap();
    let lines: Vec<(i64, LogLine)> = (0..250)
        .map(|i| {
            let text = if i % 2 == 0 {
                format!("even {i} level=error")
            } else {
                format!("odd {i}")
            };
            (t, line(f64::from(i), &text))
        })
        .collect();
    archive.append_lines(&lines).await.unwrap();
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = archive
            .query_history(&HistoryQuery {
                before,
                limit: 40,
                ..query("level=error")
            })
            .await
            .unwrap();
        assert!(
            page.lines.windows(2).all(|w| w[0].id < w[1].id),
            "oldest first in a page"
        );
        let mut batch = texts(&page);
        batch.extend(seen);
        seen = batch;
        if !page.more {
            break;
        }
        before = page.lines.first().map(|l| l.id);
    }
    let expected: Vec<String> = (0..250)
        .step_by(2)
        .map(|i| format!("even {i} level=error"))
        .collect();
    assert_eq!(seen, expected);
    // Prefix of the last word, as the person types.
    assert_eq!(
        archive
            .query_history(&query("lev"))
            .await
            .unwrap()
            .lines
            .len(),
        100
    );
    // A quoted run is a phrase.
    assert_eq!(
        texts(&archive.query_history(&query("\"even 248\"")).await.unwrap()),
        ["even 248 level=error"]
    );
    assert!(archive
        .query_history(&query("\"248 even\""))
        .await
        .unwrap()
        .lines
        .is_empty());
}

#[tokio::test]
async fn a_regular_expression_reads_every_kept_line_newest_first_and_a_bad_one_is_refused_in_words()
{
    let dir = tempfile::tempdir().unwrap();
    let archive = LogArchive::open(dir.path()).await.unwrap();
    let (a, _) = archive
        .open_timeline("dev", "a", "ua", "img")
        .await
        .unwrap();
    let (b, _) = archive
        .open_timeline("dev", "b", "ub", "img")
        .await
        .unwrap();
    for chunk in 0..5 {
        let lines: Vec<(i64, LogLine)> = (chunk * 100..(chunk + 1) * 100)
            .map(|i| {
                (
                    if i % 3 == 0 { b } else { a },
                    line(
                        f64::from(i),
                        &format!(
                            "GET /items/{i} status={} took={}ms",
                            if i % 10 == 7 { 503 } else { 200 },
                            i % 50
                        ),
                    ),
                )
            })
            .collect();
        archive.append_lines(&lines).await.unwrap();
    }
    let regex = |text: &str, timeline: Option<i64>, before: Option<i64>| HistoryQuery {
        text: text.into(),
        timeline,
        device_uuid: None,
        before,
        limit: 20,
        regex: true,
    };
    // Page after page, newest first, what the expression finds (case aside by default).
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = archive
            .query_history(&regex(r"STATUS=5\d\d took=4\dms", None, before))
            .await
            .unwrap();
        let mut batch = texts(&page);
        batch.extend(seen);
        seen = batch;
        if !page.more {
            break;
        }
        before = page.next_before;
        assert_eq!(before, page.lines.first().map(|l| l.id));
    }
    let expected: Vec<String> = (0..500)
        .filter(|i| i % 10 == 7 && (40..50).contains(&(i % 50)))
        .map(|i| format!("GET /items/{i} status=503 took={}ms", i % 50))
        .collect();
    assert!(!expected.is_empty());
    // (Lines of one batch are stored by timeline: the order across the two is per batch.)
    let mut sorted = seen.clone();
    sorted.sort();
    let mut expected = expected;
    expected.sort();
    assert_eq!(sorted, expected);
    // Within one container; and what words could not say (a part of a word).
    let within = archive
        .query_history(&regex(r"items/\d*99 ", Some(b), None))
        .await
        .unwrap();
    assert_eq!(
        texts(&within),
        [
            "GET /items/99 status=200 took=49ms",
            "GET /items/399 status=200 took=49ms"
        ]
    );
    assert!(archive
        .query_history(&query("tems"))
        .await
        .unwrap()
        .lines
        .is_empty());
    // A bad expression: a sentence, nothing else.
    let err = archive
        .query_history(&regex("status=(5", None, None))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not a valid regular expression"),
        "{err}"
    );
}

#[tokio::test]
async fn the_size_budget_keeps_the_newest_lines_and_the_file_stops_growing() {
    let dir = tempfile::tempdir().unwrap();
    let archive = LogArchive::open(dir.path()).await.unwrap();
    let budget: u64 = 4 * 1024 * 1024;
    let (a, _) = archive
        .open_timeline("dev", "a", "ua", "img")
        .await
        .unwrap();
    let (gone, _) = archive
        .open_timeline("dev", "gone", "ug", "img")
        .await
        .unwrap();
    archive
        .append_lines(&[(gone, line(0.0, "a removed container's only line"))])
        .await
        .unwrap();
    archive.container_removed("ug", 1).await.unwrap();
    let mut n = 0u32;
    let mut file_sizes = Vec::new();
    for _round in 0..40 {
        let lines: Vec<(i64, LogLine)> = (0..2_000)
            .map(|_| {
                n += 1;
                (
                    a,
                    line(
                        f64::from(n),
                        &format!(
                            "line {n} worker=7 GET /api/items/{n} status=200 bytes={}",
                            n * 7
                        ),
                    ),
                )
            })
            .collect();
        archive.append_lines(&lines).await.unwrap();
        archive.trim_history(budget).await.unwrap();
        file_sizes.push(std::fs::metadata(dir.path().join("logs.db")).unwrap().len());
    }
    let used = archive.history_used_bytes().await.unwrap();
    assert!(
        used <= budget,
        "{used} bytes used, over the {budget} budget"
    );
    eprintln!("SIZES {file_sizes:?}");
    let biggest = *file_sizes.iter().max().unwrap();
    assert!(
        biggest <= budget + budget / 5,
        "the file grew to {biggest} bytes"
    );
    let timelines = archive.timelines().await.unwrap();
    // The removed container's timeline went with its last line.
    assert!(timelines.iter().all(|t| t.id != gone), "{timelines:?}");
    let kept = timelines.iter().find(|t| t.id == a).unwrap();
    assert!(
        kept.lines > 10_000 && kept.lines < u64::from(n),
        "{} of {n} kept",
        kept.lines
    );
    assert_eq!(kept.last_ts, Some(f64::from(n)));
    // The counters match the rows, and the oldest kept line is the first after the cut.
    let rows: i64 = sqlx::query_scalar("SELECT coalesce(sum(lines), 0) FROM log_blocks")
        .fetch_one(archive.pool())
        .await
        .unwrap();
    assert_eq!(rows as u64, kept.lines);
    let first = u64::from(n) - kept.lines + 1;
    assert_eq!(kept.first_ts, Some(first as f64));
    // Trimmed lines are gone from the word index too; kept ones are found.
    let old = archive
        .query_history(&query("\"line 1 worker\""))
        .await
        .unwrap();
    assert!(old.lines.is_empty());
    let newest = archive
        .query_history(&query(&format!("\"line {n} worker\"")))
        .await
        .unwrap();
    assert_eq!(newest.lines.len(), 1);
    // Every block kept is in the word index, and no block trimmed.
    let blocks: i64 = sqlx::query_scalar("SELECT count(*) FROM log_blocks")
        .fetch_one(archive.pool())
        .await
        .unwrap();
    let indexed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM log_words WHERE log_words MATCH 'worker'")
            .fetch_one(archive.pool())
            .await
            .unwrap();
    assert_eq!(indexed, blocks);
}

#[tokio::test]
async fn keep_settings_and_the_budget_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    let archive = LogArchive::open(dir.path()).await.unwrap();
    assert_eq!(archive.history_budget().await.unwrap(), None);
    archive.set_history_budget(123_456_789).await.unwrap();
    archive.set_keep("dev", None, Some(false)).await.unwrap();
    archive
        .set_keep("dev", Some("web"), Some(true))
        .await
        .unwrap();
    archive
        .set_keep("dev", Some("db"), Some(true))
        .await
        .unwrap();
    archive.set_keep("dev", Some("db"), None).await.unwrap();
    archive.close().await;
    let archive = LogArchive::open(dir.path()).await.unwrap();
    assert_eq!(archive.history_budget().await.unwrap(), Some(123_456_789));
    let settings = archive.keep_settings().await.unwrap();
    assert_eq!(settings.len(), 2);
    assert_eq!(
        (settings[0].name.as_deref(), settings[0].keep),
        (None, false)
    );
    assert_eq!(
        (settings[1].name.as_deref(), settings[1].keep),
        (Some("web"), true)
    );
}

#[tokio::test]
async fn deleting_a_timeline_removes_its_lines_and_words() {
    let dir = tempfile::tempdir().unwrap();
    let archive = LogArchive::open(dir.path()).await.unwrap();
    let (a, _) = archive
        .open_timeline("dev", "a", "ua", "img")
        .await
        .unwrap();
    let (b, _) = archive
        .open_timeline("dev", "b", "ub", "img")
        .await
        .unwrap();
    archive
        .append_lines(&[
            (a, line(1.0, "secret-ish words")),
            (b, line(2.0, "other words")),
        ])
        .await
        .unwrap();
    archive.delete_timeline(a).await.unwrap();
    assert_eq!(
        texts(&archive.query_history(&query("words")).await.unwrap()),
        ["other words"]
    );
    assert_eq!(archive.timelines().await.unwrap().len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    /// Whatever a person types, the search answers (never an FTS5 syntax error), and a
    /// typed word that is in a line finds that line.
    #[test]
    fn any_typed_text_is_a_valid_search(text in ".{0,40}", word in "[a-z]{3,10}") {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let archive = LogArchive::open(dir.path()).await.unwrap();
            let (t, _) = archive.open_timeline("dev", "a", "u", "img").await.unwrap();
            archive.append_lines(&[(t, line(1.0, &format!("x {word} {text}")))]).await.unwrap();
            let typed = archive.query_history(&query(&text)).await;
            prop_assert!(typed.is_ok(), "{text:?}: {typed:?}");
            let found = archive.query_history(&query(&word)).await.unwrap();
            prop_assert_eq!(found.lines.len(), 1);
            Ok(())
        })?;
    }

    /// A search of the history finds, page after page, exactly the lines a check of every
    /// line finds (newest first), whatever the lines, the batches and the words typed: the
    /// word index never leaves out a block that holds a matching line.
    #[test]
    fn a_search_finds_what_checking_every_line_finds(
        lines in proptest::collection::vec((0..3i64, proptest::collection::vec(WORDS, 0..6)), 1..120),
        cuts in proptest::collection::vec(1..40usize, 1..8),
        typed in proptest::collection::vec(WORDS, 1..3),
        quoted in any::<bool>(),
        within in proptest::option::of(0..3i64),
        page in 1..30u32,
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let archive = LogArchive::open(dir.path()).await.unwrap();
            let mut ids = Vec::new();
            for k in 0..3 {
                ids.push(archive.open_timeline("dev", &format!("c{k}"), &format!("u{k}"), "img").await.unwrap().0);
            }
            let all: Vec<(i64, LogLine)> = lines
                .iter()
                .enumerate()
                .map(|(i, (t, words))| (ids[*t as usize], line(i as f64, &words.join(" "))))
                .collect();
            // Stored in batches of the sizes drawn.
            let mut at = 0;
            for cut in cuts.iter().cycle() {
                if at >= all.len() {
                    break;
                }
                let end = (at + cut).min(all.len());
                archive.append_lines(&all[at..end]).await.unwrap();
                at = end;
            }
            let text = if quoted { format!("\"{}\"", typed.join(" ")) } else { typed.join(" ") };
            let search = HistorySearch::parse(&text);
            let mut scratch = String::new();
            let timeline = within.map(|k| ids[k as usize]);
            // What checking every line finds, newest first. Lines of one batch are stored by
            // timeline, so "newest" is the order the history gives its ids.
            let mut expected: Vec<(i64, String)> = Vec::new();
            let mut pages = Vec::new();
            let mut before = None;
            loop {
                let got = archive
                    .query_history(&HistoryQuery { text: text.clone(), timeline, device_uuid: None, before, limit: page, regex: false })
                    .await
                    .unwrap();
                prop_assert!(got.lines.len() <= page as usize);
                prop_assert!(got.lines.windows(2).all(|w| w[0].id < w[1].id), "oldest first in a page");
                let more = got.more;
                before = got.lines.first().map(|l| l.id);
                pages.extend(got.lines.into_iter().rev());
                if !more {
                    break;
                }
            }
            for (t, l) in &all {
                if timeline.is_none_or(|x| x == *t) && search.as_ref().is_none_or(|s| s.matches(&l.text, &mut scratch)) {
                    expected.push((*t, l.text.clone()));
                }
            }
            let mut found: Vec<(i64, String)> = pages.iter().map(|l| (l.timeline, l.line.text.clone())).collect();
            prop_assert!(pages.windows(2).all(|w| w[0].id > w[1].id), "newest first across pages");
            found.sort();
            expected.sort();
            prop_assert_eq!(found, expected);
            Ok(())
        })?;
    }
}

/// SIGKILL the ingesting process mid-batch (trims included), three times over: each time
/// the database opens, passes SQLite's and FTS5's integrity checks, keeps every batch it
/// acknowledged, and its counters match its rows.
#[tokio::test]
async fn sigkill_during_ingestion_leaves_an_intact_history() {
    let dir = tempfile::tempdir().unwrap();
    let budget: u64 = 3 * 1024 * 1024;
    for kill_after in [9, 23, 14] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_logs-ingest"))
            .arg(dir.path())
            .arg(budget.to_string())
            .arg(format!("run{kill_after}"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut acknowledged = 0;
        while acknowledged < kill_after {
            let line = lines.next().expect("logs-ingest stopped early").unwrap();
            acknowledged = line.trim_start_matches("committed ").parse().unwrap();
        }
        child.kill().unwrap(); // SIGKILL: no destructor, no flush, no checkpoint.
        child.wait().unwrap();

        let archive = LogArchive::open(dir.path()).await.unwrap();
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(archive.pool())
            .await
            .unwrap();
        assert_eq!(check, "ok");
        sqlx::query("INSERT INTO log_words (log_words, rank) VALUES ('integrity-check', 0)")
            .execute(archive.pool())
            .await
            .unwrap();
        let rows: i64 = sqlx::query_scalar("SELECT coalesce(sum(lines), 0) FROM log_blocks")
            .fetch_one(archive.pool())
            .await
            .unwrap();
        let counted: i64 = sqlx::query_scalar("SELECT sum(lines) FROM log_timelines")
            .fetch_one(archive.pool())
            .await
            .unwrap();
        assert_eq!(rows, counted);
        // The last acknowledged batch is whole and found by its words.
        let last = archive
            .query_history(&HistoryQuery {
                limit: 5_000,
                ..query(&format!("run{kill_after} \"batch{acknowledged}\""))
            })
            .await
            .unwrap();
        assert_eq!(last.lines.len(), 1_000, "batch {acknowledged}");
        archive.close().await;
    }
}

#[tokio::test]
async fn a_search_by_a_marker_and_a_number_finds_its_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let archive = LogArchive::open(dir.path()).await.unwrap();
    let (t, _) = archive
        .open_timeline("dev", "kept", "u", "busybox")
        .await
        .unwrap();
    archive
        .append_lines(&[
            (t, line(1.0, "kept-12345 line 1")),
            (t, line(2.0, "kept-12345 line 2")),
            (t, line(3.0, "kept-12345 line 3")),
            (t, line(4.0, "level=warn other words")),
        ])
        .await
        .unwrap();
    let found = archive.query_history(&query("kept-12345 2")).await.unwrap();
    assert_eq!(texts(&found), ["kept-12345 line 2"]);
    let found = archive.query_history(&query("kept-12345")).await.unwrap();
    assert_eq!(texts(&found).len(), 3);
    // The last word is a prefix (the search follows the typing): a "2" typed last also
    // matches a number that starts with 2, so a marker of 23456 finds every line; typed
    // first, the 2 is a whole word.
    archive
        .append_lines(&[
            (t, line(5.0, "kept-23456 line 1")),
            (t, line(6.0, "kept-23456 line 2")),
        ])
        .await
        .unwrap();
    let found = archive.query_history(&query("kept-23456 2")).await.unwrap();
    assert_eq!(texts(&found).len(), 2);
    let found = archive.query_history(&query("2 kept-23456")).await.unwrap();
    assert_eq!(texts(&found), ["kept-23456 line 2"]);
}
