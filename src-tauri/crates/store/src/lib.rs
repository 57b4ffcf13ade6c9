//! SQLite storage for Squirrel: one file, WAL mode, embedded migrations, and the
//! repositories that `squirrel-core` defines as ports.

mod containers;
mod devices;
mod files;
mod inventory;
mod log_history;
mod orphans;
mod stats;
mod templates;
mod updates;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use squirrel_core::{CoreError, CoreResult};

pub use files::{backup_path, KEPT_BACKUPS};
pub use log_history::{LogArchive, LOG_DB_FILE};

/// The environment variable that overrides where Squirrel keeps its data (tests use it).
pub const DATA_DIR_ENV: &str = "SQUIRREL_DATA_DIR";
pub const DB_FILE: &str = "squirrel.db";

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database at {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(
        "cannot copy the database to {path} before migrating it ({source}); it was left \
         unchanged: free some disk space or make the folder writable, then restart Squirrel"
    )]
    Backup { path: PathBuf, source: sqlx::Error },
}

/// The database: a pool of connections to one SQLite file. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database file in `dir` and runs pending migrations,
    /// after copying the database when it has older ones (see [`backup_path`]). The folder,
    /// if created here, is private (0700), and so are the database's files (0600).
    pub async fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(DB_FILE);
        let open_err = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        files::create_private_dir(dir).map_err(|e| open_err(sqlx::Error::Io(e)))?;
        files::private_database(&path).map_err(|e| open_err(sqlx::Error::Io(e)))?;
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(open_err)?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(open_err)?;
        files::backup_before_migrating(&pool, &path, &MIGRATOR).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Starts a write transaction holding the write lock from its first statement
    /// (`BEGIN IMMEDIATE`, waiting up to the busy timeout for it). A deferred transaction
    /// that reads first cannot take the lock once another connection has written, and
    /// fails with "database is locked" instead of waiting its turn.
    pub(crate) async fn begin_write(&self) -> CoreResult<Transaction<'static, Sqlite>> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(storage)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

pub(crate) fn storage(e: sqlx::Error) -> CoreError {
    CoreError::Storage(e.to_string())
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    // Serialising plain domain data (strings, maps, vectors) cannot fail.
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_str(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use squirrel_core::model::PortMapping;

    use super::*;

    proptest! {
        /// The JSON columns of containers and inventory read back as written.
        #[test]
        fn json_columns_round_trip(
            labels in prop::collection::btree_map(".*", ".*", 0..8),
            tags in prop::collection::vec(".*", 0..8),
        ) {
            prop_assert_eq!(from_json::<BTreeMap<String, String>>(&to_json(&labels)), labels);
            prop_assert_eq!(from_json::<Vec<String>>(&to_json(&tags)), tags);
        }

        /// Anything else in a JSON column reads as empty, never as a panic.
        #[test]
        fn unreadable_json_columns_read_as_empty(text in ".*") {
            if serde_json::from_str::<Vec<PortMapping>>(&text).is_err() {
                prop_assert!(from_json::<Vec<PortMapping>>(&text).is_empty());
            }
            let _ = from_json::<BTreeMap<String, String>>(&text);
        }
    }
}
