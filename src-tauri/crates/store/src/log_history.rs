//! The log history's database: its own SQLite file (`logs.db`) beside the main one, so
//! that its many writes and its size never weigh on the inventory, and the copy made
//! before a migration of the main database does not carry gigabytes of logs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use rustc_hash::FxBuildHasher;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use squirrel_core::model::{
    index_words, HistoryLine, HistoryPage, HistoryQuery, HistorySearch, HistoryTrim, KeepSetting,
    LogLine, LogSource, LogTimeline, MAX_HISTORY_PAGE, REGEX_SCAN_MS,
};
use squirrel_core::ports::LogHistoryRepository;
use squirrel_core::{CoreError, CoreResult};

use crate::{files, storage, StoreError};

pub const LOG_DB_FILE: &str = "logs.db";

static LOG_MIGRATOR: Migrator = sqlx::migrate!("./log_migrations");

/// Lines in one block at most (a line's id keeps its place in 16 bits).
const BLOCK_LINES: usize = 65_535;
/// Bytes of text in one block at most (a batch of long lines is cut in several blocks).
const BLOCK_BYTES: usize = 4 * 1024 * 1024;
/// A line's id is its block's id times this, plus its place in the block.
const PER_BLOCK: i64 = 1 << 16;
/// A trim starts when the history uses this share of its budget...
const TRIM_ABOVE: f64 = 0.85;
/// ...and deletes the oldest lines until about this share is left.
const TRIM_TO: f64 = 0.75;
/// Lines deleted in one transaction at most, about (whole blocks go: the writer waits
/// meanwhile).
const TRIM_CHUNK: u64 = 100_000;
/// Pages of the word index merged after a trim, so that the space of deleted lines is
/// reused soon (FTS5 reclaims it when it merges the segments holding them).
const MERGE_PAGES: i64 = 400;
const BUDGET_KEY: &str = "budget_bytes";
/// A device's timelines are looked up in the word index up to this many (beyond, lines
/// are filtered after it).
const MAX_TIMELINES_IN_INDEX_QUERY: usize = 200;

/// The log history database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct LogArchive {
    pool: SqlitePool,
}

impl LogArchive {
    /// Opens (creating if needed) `logs.db` in `dir` and runs its migrations. The file is
    /// private (0600) like the main database.
    pub async fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(LOG_DB_FILE);
        Self::open_file(&path).await
    }

    async fn open_file(path: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: PathBuf::from(path),
            source,
        };
        if let Some(dir) = path.parent() {
            files::create_private_dir(dir).map_err(|e| open_err(sqlx::Error::Io(e)))?;
        }
        files::private_database(path).map_err(|e| open_err(sqlx::Error::Io(e)))?;
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(open_err)?
            .filename(path)
            .create_if_missing(true)
            // Pages freed by a trim are reused by new lines; the file does not grow past
            // the budget. Set before the first table: a no-op on an existing file.
            .auto_vacuum(SqliteAutoVacuum::Incremental)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(3)
            .connect_with(options)
            .await
            .map_err(open_err)?;
        LOG_MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn begin_write(&self) -> CoreResult<sqlx::Transaction<'static, Sqlite>> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(storage)
    }

    /// One trim step: deletes the oldest blocks, about `count` lines. Returns how many
    /// lines went.
    async fn delete_oldest(&self, count: u64) -> CoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let oldest = sqlx::query("SELECT id, timeline, lines FROM log_blocks ORDER BY id LIMIT ?")
            .bind(count.clamp(1, 1_000_000) as i64)
            .fetch_all(&mut *tx)
            .await
            .map_err(storage)?;
        // Whole blocks, oldest first, until `count` lines (at least one block).
        let mut cut = None;
        let mut per_timeline: Vec<(i64, i64)> = Vec::new();
        let mut deleted = 0u64;
        for row in &oldest {
            if deleted >= count {
                break;
            }
            let (id, timeline, n): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
            cut = Some(id);
            deleted += n.max(0) as u64;
            match per_timeline.iter_mut().find(|t| t.0 == timeline) {
                Some(t) => t.1 += n,
                None => per_timeline.push((timeline, n)),
            }
        }
        let Some(cut) = cut else {
            return Ok(0);
        };
        sqlx::query("DELETE FROM log_blocks WHERE id <= ?")
            .bind(cut)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        sqlx::query("DELETE FROM log_words WHERE rowid <= ?")
            .bind(cut)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        for (timeline, n) in per_timeline {
            sqlx::query(
                "UPDATE log_timelines SET lines = max(lines - ?1, 0),
                     first_ts = (SELECT first_ts FROM log_blocks WHERE timeline = ?2
                                 ORDER BY id LIMIT 1)
                 WHERE id = ?2",
            )
            .bind(n)
            .bind(timeline)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        }
        // A removed container whose every line is gone leaves nothing to show.
        sqlx::query("DELETE FROM log_timelines WHERE lines = 0 AND removed_at IS NOT NULL")
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        tx.commit().await.map_err(storage)?;
        Ok(deleted)
    }

    async fn line_count(&self) -> CoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT coalesce(sum(lines), 0) FROM log_timelines")
            .fetch_one(&self.pool)
            .await
            .map_err(storage)?;
        Ok(n.max(0) as u64)
    }
}

fn flags(line: &LogLine) -> i64 {
    let source = match line.source {
        LogSource::Stdout => 0,
        LogSource::Stderr => 1,
        LogSource::Tty => 2,
    };
    source | if line.cut { 4 } else { 0 }
}

fn line_of(ts: f64, flags: i64, text: String) -> LogLine {
    LogLine {
        ts,
        source: match flags & 3 {
            1 => LogSource::Stderr,
            2 => LogSource::Tty,
            _ => LogSource::Stdout,
        },
        text,
        cut: flags & 4 != 0,
    }
}

/// A block's lines packed: for each, its time (f64), flags (a byte), the length of its
/// text (u32) and the text, little-endian.
fn pack(lines: &[&LogLine]) -> Vec<u8> {
    let size = lines.iter().map(|l| 13 + l.text.len()).sum();
    let mut out = Vec::with_capacity(size);
    for l in lines {
        out.extend_from_slice(&l.ts.to_le_bytes());
        out.push(flags(l) as u8);
        out.extend_from_slice(&(l.text.len() as u32).to_le_bytes());
        out.extend_from_slice(l.text.as_bytes());
    }
    out
}

/// A packed line: its time, flags, and where its text is in its block.
struct Packed {
    ts: f64,
    flags: u8,
    start: usize,
    len: usize,
}

/// The lines of a block, in order. A block that does not read whole is an error (never a
/// panic): the database was changed by something else.
fn unpack(data: &[u8]) -> CoreResult<Vec<Packed>> {
    let bad = || CoreError::Storage("a block of the log history is damaged".into());
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (ts, after) = rest.split_first_chunk::<8>().ok_or_else(bad)?;
        let (flags, after) = after.split_first().ok_or_else(bad)?;
        let (len, after) = after.split_first_chunk::<4>().ok_or_else(bad)?;
        let len = u32::from_le_bytes(*len) as usize;
        if after.len() < len {
            return Err(bad());
        }
        out.push(Packed {
            ts: f64::from_le_bytes(*ts),
            flags: *flags,
            start: data.len() - after.len(),
            len,
        });
        rest = &after[len..];
    }
    Ok(out)
}

/// Which lines of a block may hold `word` (ASCII, lower-case): those where it is written,
/// case aside, found in the whole block at once. A line that is not ASCII always may (its
/// characters could lower-case to ASCII).
fn may_hold(data: &[u8], lines: &[Packed], word: &str) -> Vec<bool> {
    let mut marks: Vec<bool> = lines
        .iter()
        .map(|l| !data[l.start..l.start + l.len].is_ascii())
        .collect();
    let lower = data.to_ascii_lowercase();
    for at in memchr::memmem::find_iter(&lower, word.as_bytes()) {
        let k = lines.partition_point(|l| l.start <= at);
        if let Some(l) = k.checked_sub(1).and_then(|k| lines.get(k).map(|l| (k, l))) {
            if at + word.len() <= l.1.start + l.1.len {
                marks[l.0] = true;
            }
        }
    }
    marks
}

/// A block's document in the word index, made line by line: the timeline's word, then
/// each distinct word of its lines (as `index_words` gives them) once, in the order first
/// said. The index keeps no positions (see migration 0002), so a word said twice in a
/// block would add nothing to it but the work of reading it again: a busy container's
/// lines repeat most of their words, and the index reads about a sixth of what it would.
///
/// An ASCII line (most lines) is read once, its words lower-cased and looked up as they
/// are found, with no copy of the line's words; other lines go through `index_words`.
#[derive(Default)]
struct BlockWords {
    doc: String,
    /// A hash of each word in `doc` → where it is there.
    seen: HashMap<u64, (u32, u32), FxBuildHasher>,
    held: String,
    scratch: String,
}

/// One step of a word's hash (over its lower-cased bytes).
fn word_hash_step(h: u64, b: u8) -> u64 {
    (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95)
}

impl BlockWords {
    fn start(&mut self, timeline: i64) {
        self.doc.clear();
        self.seen.clear();
        self.doc.push_str(&timeline_word(timeline));
    }

    fn add_line(&mut self, text: &str) {
        if !text.is_ascii() {
            let mut held = std::mem::take(&mut self.held);
            held.clear();
            index_words(text, &mut held, &mut self.scratch);
            for w in held.split_ascii_whitespace() {
                let h = w.bytes().fold(0, word_hash_step);
                self.add(h, w);
            }
            self.held = held;
            return;
        }
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if !bytes[at].is_ascii_alphanumeric() {
                at += 1;
                continue;
            }
            let start = at;
            let mut h = 0;
            while at < bytes.len() && bytes[at].is_ascii_alphanumeric() {
                h = word_hash_step(h, bytes[at].to_ascii_lowercase());
                at += 1;
            }
            self.add(h, &text[start..at]);
        }
    }

    /// Adds `word` (lower-cased as it goes in) unless the block has it. A word whose hash
    /// another word has goes in each time it is said: a word twice in a document changes
    /// nothing in the index (no positions), and such words are rare.
    fn add(&mut self, h: u64, word: &str) {
        if let Some(&(start, len)) = self.seen.get(&h) {
            let (start, len) = (start as usize, len as usize);
            if self
                .doc
                .get(start..start + len)
                .is_some_and(|w| w.eq_ignore_ascii_case(word))
            {
                return;
            }
        } else if let (Ok(start), Ok(len)) =
            (u32::try_from(self.doc.len() + 1), u32::try_from(word.len()))
        {
            self.seen.insert(h, (start, len));
        }
        self.doc.push(' ');
        let at = self.doc.len();
        self.doc.push_str(word);
        self.doc[at..].make_ascii_lowercase();
    }
}

/// The word that stands for a timeline in the word index.
fn timeline_word(timeline: i64) -> String {
    format!("sqtl{timeline}")
}

fn timeline_of(row: &sqlx::sqlite::SqliteRow) -> LogTimeline {
    LogTimeline {
        id: row.get("id"),
        device_uuid: row.get("device_uuid"),
        name: row.get("name"),
        container_uuid: row.get("container_uuid"),
        image: row.get("image"),
        first_ts: row.get("first_ts"),
        last_ts: row.get("last_ts"),
        lines: row.get::<i64, _>("lines").max(0) as u64,
        removed_at: row.get("removed_at"),
    }
}

#[async_trait]
impl LogHistoryRepository for LogArchive {
    async fn open_timeline(
        &self,
        device_uuid: &str,
        name: &str,
        container_uuid: &str,
        image: &str,
    ) -> CoreResult<(i64, Option<f64>)> {
        let row = sqlx::query(
            "INSERT INTO log_timelines (device_uuid, name, container_uuid, image)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (device_uuid, name) DO UPDATE
                 SET container_uuid = excluded.container_uuid, image = excluded.image,
                     removed_at = NULL
             RETURNING id, last_ts",
        )
        .bind(device_uuid)
        .bind(name)
        .bind(container_uuid)
        .bind(image)
        .fetch_one(&self.pool)
        .await
        .map_err(storage)?;
        Ok((row.get(0), row.get(1)))
    }

    async fn append_lines(&self, lines: &[(i64, LogLine)]) -> CoreResult<()> {
        if lines.is_empty() {
            return Ok(());
        }
        // Each timeline's lines, in their order, cut into blocks.
        let mut by_timeline: Vec<(i64, Vec<&LogLine>)> = Vec::new();
        for (timeline, line) in lines {
            match by_timeline.iter_mut().find(|t| t.0 == *timeline) {
                Some(t) => t.1.push(line),
                None => by_timeline.push((*timeline, vec![line])),
            }
        }
        let mut tx = self.begin_write().await?;
        let mut words = BlockWords::default();
        for (timeline, lines) in &by_timeline {
            let mut start = 0;
            while start < lines.len() {
                let mut end = start;
                let mut bytes = 0;
                while end < lines.len()
                    && end - start < BLOCK_LINES
                    && (end == start || bytes + lines[end].text.len() <= BLOCK_BYTES)
                {
                    bytes += lines[end].text.len();
                    end += 1;
                }
                let block = &lines[start..end];
                let first = block.iter().map(|l| l.ts).fold(f64::INFINITY, f64::min);
                let last = block.iter().map(|l| l.ts).fold(f64::NEG_INFINITY, f64::max);
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO log_blocks (timeline, first_ts, last_ts, lines, data)
                     VALUES (?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(timeline)
                .bind(first)
                .bind(last)
                .bind(block.len() as i64)
                .bind(pack(block))
                .fetch_one(&mut *tx)
                .await
                .map_err(storage)?;
                words.start(*timeline);
                for l in block {
                    words.add_line(&l.text);
                }
                sqlx::query("INSERT INTO log_words (rowid, text) VALUES (?, ?)")
                    .bind(id)
                    .bind(words.doc.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(storage)?;
                start = end;
            }
            let first = lines.iter().map(|l| l.ts).fold(f64::INFINITY, f64::min);
            let last = lines.iter().map(|l| l.ts).fold(f64::NEG_INFINITY, f64::max);
            sqlx::query(
                "UPDATE log_timelines SET lines = lines + ?1,
                     first_ts = coalesce(first_ts, ?2), last_ts = max(coalesce(last_ts, ?3), ?3)
                 WHERE id = ?4",
            )
            .bind(lines.len() as i64)
            .bind(first)
            .bind(last)
            .bind(timeline)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        }
        tx.commit().await.map_err(storage)
    }

    async fn container_removed(&self, container_uuid: &str, at: i64) -> CoreResult<()> {
        sqlx::query(
            "UPDATE log_timelines SET removed_at = ?1, container_uuid = NULL
             WHERE container_uuid = ?2",
        )
        .bind(at)
        .bind(container_uuid)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }

    async fn timelines(&self) -> CoreResult<Vec<LogTimeline>> {
        let rows = sqlx::query(
            "SELECT id, device_uuid, name, container_uuid, image, first_ts, last_ts, lines,
                    removed_at
             FROM log_timelines ORDER BY coalesce(last_ts, 0) DESC, id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        Ok(rows.iter().map(timeline_of).collect())
    }

    async fn query_history(&self, query: &HistoryQuery) -> CoreResult<HistoryPage> {
        let limit = query.limit.clamp(1, MAX_HISTORY_PAGE) as usize;
        let pattern = if query.regex && !query.text.is_empty() {
            Some(
                regex::RegexBuilder::new(&query.text)
                    .case_insensitive(true)
                    .size_limit(1 << 22)
                    .build()
                    .map_err(|e| {
                        CoreError::InvalidInput(format!("not a valid regular expression: {e}"))
                    })?,
            )
        } else {
            None
        };
        let search = if query.regex {
            None
        } else {
            HistorySearch::parse(&query.text)
        };
        // The timelines asked for: one, a device's, or all (None).
        let timelines: Option<Vec<i64>> = match (query.timeline, &query.device_uuid) {
            (Some(t), _) => Some(vec![t]),
            (None, Some(device)) => Some(
                sqlx::query_scalar("SELECT id FROM log_timelines WHERE device_uuid = ?")
                    .bind(device)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage)?,
            ),
            (None, None) => None,
        };
        if timelines.as_ref().is_some_and(Vec::is_empty) {
            return Ok(HistoryPage {
                lines: Vec::new(),
                more: false,
                next_before: None,
            });
        }
        // Blocks newest first: those whose words hold the search's, within the timelines
        // (in the index when they are few).
        let mut index_query = search.as_ref().and_then(HistorySearch::index_query);
        let mut timelines_in_sql = timelines.is_some();
        if let (Some(words), Some(ids)) = (&mut index_query, &timelines) {
            if ids.len() <= MAX_TIMELINES_IN_INDEX_QUERY {
                let any: Vec<String> = ids
                    .iter()
                    .map(|t| format!("\"{}\"", timeline_word(*t)))
                    .collect();
                *words = format!("({}) AND {words}", any.join(" OR "));
                timelines_in_sql = false;
            }
        }
        let before = query.before.unwrap_or(i64::MAX);
        let below_block = before.saturating_sub(1) / PER_BLOCK + 1;
        let mut q: QueryBuilder<Sqlite> = match &index_query {
            Some(_) => QueryBuilder::new(
                "SELECT b.id, b.timeline, b.data FROM log_words w
                 JOIN log_blocks b ON b.id = w.rowid WHERE log_words MATCH ",
            ),
            None => QueryBuilder::new("SELECT b.id, b.timeline, b.data FROM log_blocks b WHERE 1 "),
        };
        if let Some(words) = &index_query {
            q.push_bind(words.clone());
        }
        let id = if index_query.is_some() {
            "w.rowid"
        } else {
            "b.id"
        };
        q.push(format_args!(" AND {id} < ")).push_bind(below_block);
        if let (true, Some(ids)) = (timelines_in_sql, &timelines) {
            q.push(" AND b.timeline IN (");
            let mut list = q.separated(", ");
            for t in ids {
                list.push_bind(*t);
            }
            q.push(")");
        }
        q.push(format_args!(" ORDER BY {id} DESC"));
        // Blocks are read as the search goes, newest first, and no further than the page
        // needs (the index is asked once).
        let mut blocks = q.build().fetch(&self.pool);
        let mut found: Vec<HistoryLine> = Vec::new();
        let mut scratch = String::new();
        let started = std::time::Instant::now();
        let scan = Duration::from_millis(REGEX_SCAN_MS);
        // The oldest line read, and whether the page stopped on time.
        let mut read_to: Option<i64> = None;
        let mut out_of_time = false;
        while found.len() <= limit {
            if pattern.is_some() && started.elapsed() >= scan {
                out_of_time = true;
                break;
            }
            let row = match blocks.try_next().await {
                Ok(Some(row)) => row,
                Ok(None) => break,
                // What the person typed is always quoted; a failure here is the database's.
                Err(e) => {
                    return Err(CoreError::Storage(format!(
                        "cannot search the log history: {e}"
                    )))
                }
            };
            let (block, timeline): (i64, i64) = (row.get(0), row.get(1));
            // A line may say a timeline's word itself: the index's answer is checked.
            if timelines
                .as_ref()
                .is_some_and(|ids| !ids.contains(&timeline))
            {
                continue;
            }
            let data: &[u8] = row.get(2);
            let lines = unpack(data)?;
            let marks = search
                .as_ref()
                .and_then(HistorySearch::longest_ascii_word)
                .map(|w| may_hold(data, &lines, w));
            for (k, packed) in lines.iter().enumerate().rev() {
                let id = block * PER_BLOCK + k as i64;
                if id >= before || marks.as_ref().is_some_and(|m| !m[k]) {
                    continue;
                }
                read_to = Some(id);
                let text = String::from_utf8_lossy(&data[packed.start..packed.start + packed.len]);
                if search
                    .as_ref()
                    .is_some_and(|s| !s.matches(&text, &mut scratch))
                    || pattern.as_ref().is_some_and(|p| !p.is_match(&text))
                {
                    continue;
                }
                let line = line_of(packed.ts, i64::from(packed.flags), text.into_owned());
                found.push(HistoryLine { id, timeline, line });
                if found.len() > limit {
                    break;
                }
            }
        }
        drop(blocks);
        let more = found.len() > limit || out_of_time;
        found.truncate(limit);
        let next_before = if out_of_time {
            read_to
        } else {
            found.last().map(|l| l.id)
        };
        found.reverse();
        Ok(HistoryPage {
            lines: found,
            more,
            next_before,
        })
    }

    async fn delete_timeline(&self, id: i64) -> CoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM log_words WHERE rowid IN (SELECT id FROM log_blocks WHERE timeline = ?)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        sqlx::query("DELETE FROM log_blocks WHERE timeline = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        sqlx::query("DELETE FROM log_timelines WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        tx.commit().await.map_err(storage)
    }

    async fn history_used_bytes(&self) -> CoreResult<u64> {
        let row = sqlx::query(
            "SELECT p.page_count, f.freelist_count, s.page_size
             FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(storage)?;
        let (pages, free, size): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
        Ok(((pages - free).max(0) * size) as u64)
    }

    async fn trim_history(&self, budget: u64) -> CoreResult<HistoryTrim> {
        let used = self.history_used_bytes().await?;
        if (used as f64) < budget as f64 * TRIM_ABOVE {
            return Ok(HistoryTrim {
                deleted_lines: 0,
                used_bytes: used,
            });
        }
        let lines = self.line_count().await?;
        if lines == 0 {
            return Ok(HistoryTrim {
                deleted_lines: 0,
                used_bytes: used,
            });
        }
        // Lines take about the same room each: delete the share that is over.
        let over = 1.0 - (budget as f64 * TRIM_TO) / used as f64;
        let mut left = ((lines as f64 * over).ceil() as u64).clamp(1, lines);
        let mut deleted = 0;
        while left > 0 {
            let n = self.delete_oldest(left.min(TRIM_CHUNK)).await?;
            if n == 0 {
                break;
            }
            deleted += n;
            left = left.saturating_sub(n);
        }
        // The word index gives back the room of deleted lines when it merges them.
        sqlx::query("INSERT INTO log_words (log_words, rank) VALUES ('merge', ?)")
            .bind(MERGE_PAGES)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(HistoryTrim {
            deleted_lines: deleted,
            used_bytes: self.history_used_bytes().await?,
        })
    }

    async fn keep_settings(&self) -> CoreResult<Vec<KeepSetting>> {
        let rows =
            sqlx::query("SELECT device_uuid, name, keep FROM log_keep ORDER BY device_uuid, name")
                .fetch_all(&self.pool)
                .await
                .map_err(storage)?;
        Ok(rows
            .iter()
            .map(|row| {
                let name: String = row.get(1);
                KeepSetting {
                    device_uuid: row.get(0),
                    name: (!name.is_empty()).then_some(name),
                    keep: row.get::<i64, _>(2) != 0,
                }
            })
            .collect())
    }

    async fn set_keep(
        &self,
        device_uuid: &str,
        name: Option<&str>,
        keep: Option<bool>,
    ) -> CoreResult<()> {
        let name = name.unwrap_or("");
        match keep {
            Some(keep) => sqlx::query(
                "INSERT INTO log_keep (device_uuid, name, keep) VALUES (?, ?, ?)
                 ON CONFLICT (device_uuid, name) DO UPDATE SET keep = excluded.keep",
            )
            .bind(device_uuid)
            .bind(name)
            .bind(i64::from(keep)),
            None => sqlx::query("DELETE FROM log_keep WHERE device_uuid = ? AND name = ?")
                .bind(device_uuid)
                .bind(name),
        }
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }

    async fn history_budget(&self) -> CoreResult<Option<u64>> {
        let value: Option<String> =
            sqlx::query_scalar("SELECT value FROM log_settings WHERE key = ?")
                .bind(BUDGET_KEY)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage)?;
        Ok(value.and_then(|v| v.parse().ok()))
    }

    async fn set_history_budget(&self, bytes: u64) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO log_settings (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(BUDGET_KEY)
        .bind(bytes.to_string())
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// What a block's document must hold: every word of its lines as `index_words` gives
    /// them, each once, in the order first said.
    fn each_word_once(timeline: i64, lines: &[&str]) -> String {
        let (mut all, mut scratch) = (String::new(), String::new());
        for text in lines {
            index_words(text, &mut all, &mut scratch);
        }
        let mut seen = std::collections::HashSet::new();
        let mut doc = timeline_word(timeline);
        for w in all.split_ascii_whitespace() {
            if seen.insert(w) {
                doc.push(' ');
                doc.push_str(w);
            }
        }
        doc
    }

    fn block_doc(timeline: i64, lines: &[&str]) -> String {
        let mut words = BlockWords::default();
        words.start(timeline);
        for text in lines {
            words.add_line(text);
        }
        words.doc
    }

    #[test]
    fn a_block_puts_each_word_in_the_index_once() {
        let lines = [
            "GET /api status=200",
            "get /API status=500",
            "Ünïcode café GET",
            "x a\u{a980}b Status",
        ];
        let doc = block_doc(7, &lines);
        assert_eq!(doc, each_word_once(7, &lines));
        assert!(
            doc.starts_with("sqtl7 get api status 200 500 ünïcode café x zq"),
            "{doc}"
        );
        // A builder used again starts afresh.
        let mut words = BlockWords::default();
        words.start(1);
        words.add_line("old words");
        words.start(2);
        words.add_line("New");
        assert_eq!(words.doc, "sqtl2 new");
    }

    proptest::proptest! {
        #[test]
        fn a_block_s_document_is_each_word_of_its_lines_once(
            lines in proptest::collection::vec(
                proptest::string::string_regex("([A-Za-z0-9]{0,3}[ =/.é\u{a980}ΣÄ-]{0,2}){0,8}")
                    .unwrap(),
                0..12,
            ),
            any in proptest::collection::vec(proptest::prelude::any::<String>(), 0..4),
        ) {
            let mut all: Vec<&str> = lines.iter().map(String::as_str).collect();
            all.extend(any.iter().map(String::as_str));
            proptest::prop_assert_eq!(block_doc(3, &all), each_word_once(3, &all));
        }
    }
}
