//! The log history's database: its own SQLite file (`logs.db`) beside the main one, so
//! that its many writes and its size never weigh on the inventory, and the copy made
//! before a migration of the main database does not carry gigabytes of logs.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use squirrel_core::model::{
    fts_query, HistoryLine, HistoryPage, HistoryQuery, HistoryTrim, KeepSetting, LogLine,
    LogSource, LogTimeline, MAX_HISTORY_PAGE,
};
use squirrel_core::ports::LogHistoryRepository;
use squirrel_core::{CoreError, CoreResult};

use crate::{files, storage, StoreError};

pub const LOG_DB_FILE: &str = "logs.db";

static LOG_MIGRATOR: Migrator = sqlx::migrate!("./log_migrations");

/// Lines per multi-row INSERT (4 parameters each).
const CHUNK: usize = 2_000;
/// A trim starts when the history uses this share of its budget...
const TRIM_ABOVE: f64 = 0.85;
/// ...and deletes the oldest lines until about this share is left.
const TRIM_TO: f64 = 0.75;
/// Lines deleted in one transaction at most (the writer waits meanwhile, and the commit
/// checkpoints the pages it changed: a few tenths of a second each).
const TRIM_CHUNK: u64 = 20_000;
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

    /// One trim step: deletes the `count` oldest lines. Returns how many went.
    async fn delete_oldest(&self, count: u64) -> CoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let cut: Option<i64> =
            sqlx::query_scalar("SELECT id FROM log_lines ORDER BY id LIMIT 1 OFFSET ?")
                .bind(count.saturating_sub(1) as i64)
                .fetch_optional(&mut *tx)
                .await
                .map_err(storage)?;
        let cut = match cut {
            Some(cut) => cut,
            None => {
                // Fewer lines than that: all of them.
                let max: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM log_lines")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(storage)?;
                match max {
                    Some(max) => max,
                    None => return Ok(0),
                }
            }
        };
        let per_timeline =
            sqlx::query("SELECT timeline, count(*) FROM log_lines WHERE id <= ? GROUP BY timeline")
                .bind(cut)
                .fetch_all(&mut *tx)
                .await
                .map_err(storage)?;
        let mut deleted = 0u64;
        sqlx::query("DELETE FROM log_lines WHERE id <= ?")
            .bind(cut)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        sqlx::query("DELETE FROM log_fts WHERE rowid <= ?")
            .bind(cut)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        for row in per_timeline {
            let timeline: i64 = row.get(0);
            let n: i64 = row.get(1);
            deleted += n as u64;
            sqlx::query(
                "UPDATE log_timelines SET lines = max(lines - ?1, 0),
                     first_ts = (SELECT ts FROM log_lines WHERE timeline = ?2 ORDER BY id LIMIT 1)
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
        let mut tx = self.begin_write().await?;
        for chunk in lines.chunks(CHUNK) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("INSERT INTO log_lines (timeline, ts, flags, text) ");
            q.push_values(chunk, |mut row, (timeline, line)| {
                row.push_bind(*timeline)
                    .push_bind(line.ts)
                    .push_bind(flags(line))
                    .push_bind(line.text.as_str());
            });
            q.build().execute(&mut *tx).await.map_err(storage)?;
        }
        // Per timeline: how many, the oldest and newest time.
        let mut sums: Vec<(i64, i64, f64, f64)> = Vec::new();
        for (timeline, line) in lines {
            match sums.iter_mut().find(|s| s.0 == *timeline) {
                Some(s) => {
                    s.1 += 1;
                    s.2 = s.2.min(line.ts);
                    s.3 = s.3.max(line.ts);
                }
                None => sums.push((*timeline, 1, line.ts, line.ts)),
            }
        }
        for (timeline, n, first, last) in sums {
            sqlx::query(
                "UPDATE log_timelines SET lines = lines + ?1,
                     first_ts = coalesce(first_ts, ?2), last_ts = max(coalesce(last_ts, ?3), ?3)
                 WHERE id = ?4",
            )
            .bind(n)
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
        let limit = query.limit.clamp(1, MAX_HISTORY_PAGE);
        let mut words = fts_query(&query.text).map(|w| format!("text : ({w})"));
        let mut device_in_sql = query.device_uuid.is_some();
        if let Some(words) = &mut words {
            // Within the index: one timeline's word, or those of a device's timelines.
            let timelines = match (query.timeline, &query.device_uuid) {
                (Some(t), _) => Some(vec![t]),
                (None, Some(device)) => {
                    let ids: Vec<i64> =
                        sqlx::query_scalar("SELECT id FROM log_timelines WHERE device_uuid = ?")
                            .bind(device)
                            .fetch_all(&self.pool)
                            .await
                            .map_err(storage)?;
                    (ids.len() <= MAX_TIMELINES_IN_INDEX_QUERY).then_some(ids)
                }
                (None, None) => None,
            };
            if let Some(ids) = timelines {
                if ids.is_empty() {
                    return Ok(HistoryPage {
                        lines: Vec::new(),
                        more: false,
                    });
                }
                let any: Vec<String> = ids.iter().map(|t| format!("\"t{t}\"")).collect();
                *words = format!("tl : ({}) AND {words}", any.join(" OR "));
                device_in_sql = false;
            }
        }
        let mut q: QueryBuilder<Sqlite> = match &words {
            Some(_) => QueryBuilder::new(
                "SELECT l.id, l.timeline, l.ts, l.flags, l.text
                 FROM log_fts f JOIN log_lines l ON l.id = f.rowid
                 WHERE log_fts MATCH ",
            ),
            None => QueryBuilder::new(
                "SELECT l.id, l.timeline, l.ts, l.flags, l.text FROM log_lines l WHERE 1 ",
            ),
        };
        if let Some(words) = &words {
            q.push_bind(words.as_str());
        }
        let id = if words.is_some() { "f.rowid" } else { "l.id" };
        if let Some(before) = query.before {
            q.push(format_args!(" AND {id} < ")).push_bind(before);
        }
        if let Some(timeline) = query.timeline {
            q.push(" AND l.timeline = ").push_bind(timeline);
        }
        if let (true, Some(device)) = (device_in_sql, &query.device_uuid) {
            q.push(" AND l.timeline IN (SELECT id FROM log_timelines WHERE device_uuid = ")
                .push_bind(device.as_str())
                .push(")");
        }
        q.push(format_args!(" ORDER BY {id} DESC LIMIT "))
            .push_bind(i64::from(limit) + 1);
        let rows = q.build().fetch_all(&self.pool).await.map_err(|e| {
            // What the person typed is always quoted; a failure here is the database's.
            CoreError::Storage(format!("cannot search the log history: {e}"))
        })?;
        let more = rows.len() > limit as usize;
        let mut lines: Vec<HistoryLine> = rows
            .into_iter()
            .take(limit as usize)
            .map(|row| HistoryLine {
                id: row.get(0),
                timeline: row.get(1),
                line: line_of(row.get(2), row.get(3), row.get(4)),
            })
            .collect();
        lines.reverse();
        Ok(HistoryPage { lines, more })
    }

    async fn delete_timeline(&self, id: i64) -> CoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM log_fts WHERE rowid IN (SELECT id FROM log_lines WHERE timeline = ?)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        sqlx::query("DELETE FROM log_lines WHERE timeline = ?")
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
        sqlx::query("INSERT INTO log_fts (log_fts, rank) VALUES ('merge', ?)")
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
