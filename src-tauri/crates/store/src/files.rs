//! The store's files on disk: a private folder (0700) and private files (0600) for the
//! database, its WAL and shared-memory files and its backups, and the copy of the database
//! kept before each migration.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use sqlx::migrate::Migrator;
use sqlx::SqlitePool;

use crate::StoreError;

/// How many copies made before migrations are kept (the newest ones).
pub const KEPT_BACKUPS: usize = 3;

/// Creates `dir` and its missing parents, each readable by the user only. An existing folder
/// keeps its mode: the app decides about its data folder.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates `path` empty and private if it does not exist, so that SQLite opens it rather
/// than creating it with its default mode (0644), and makes it private if it does.
fn create_private_file(path: &Path) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => restrict(path),
        Err(e) => Err(e),
    }
}

/// Makes an existing file readable by the user only (files from before Squirrel set modes).
fn restrict(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match fs::set_permissions(path, fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Prepares the database file: created private if missing, and the database, its WAL and
/// shared-memory files made private if they exist. SQLite gives the WAL and shared-memory
/// files it creates later the database file's mode.
pub(crate) fn private_database(db: &Path) -> io::Result<()> {
    create_private_file(db)?;
    for suffix in ["-wal", "-shm"] {
        restrict(&sibling(db, suffix))?;
    }
    Ok(())
}

/// `<db><suffix>` beside the database.
fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    db.with_file_name(name)
}

/// The copy of `db` made before migrating it to `version`.
pub fn backup_path(db: &Path, version: i64) -> PathBuf {
    sibling(db, &format!(".before-{version}.bak"))
}

/// When `migrator` has migrations that the database at `db` lacks and the database already
/// has some (not a new one), writes a consistent copy of it to [`backup_path`] for the
/// first pending version, private, and keeps the newest [`KEPT_BACKUPS`] copies. Returns the
/// copy's path when it made one.
///
/// The copy is written beside its final name and renamed, so a crash mid-copy never leaves
/// a truncated file under that name. A copy already there (an earlier attempt whose
/// migration failed and rolled back) is replaced by this one, which holds the same data.
pub(crate) async fn backup_before_migrating(
    pool: &SqlitePool,
    db: &Path,
    migrator: &Migrator,
) -> Result<Option<PathBuf>, StoreError> {
    let Some(version) = first_pending(pool, migrator)
        .await
        .map_err(|source| StoreError::Open {
            path: db.to_path_buf(),
            source,
        })?
    else {
        return Ok(None);
    };
    let copy = backup_path(db, version);
    let partial = sibling(&copy, ".partial");
    let failed = |source| StoreError::Backup {
        path: copy.clone(),
        source,
    };
    let io_failed = |e| failed(sqlx::Error::Io(e));
    match fs::remove_file(&partial) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_failed(e)),
        _ => {}
    }
    create_private_file(&partial).map_err(io_failed)?;
    let target = partial.to_str().ok_or_else(|| {
        io_failed(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path is not valid UTF-8",
        ))
    })?;
    // VACUUM INTO reads one snapshot (WAL included) and accepts an empty target file.
    let copied = sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(pool)
        .await
        .map_err(failed)
        .and_then(|_| fs::rename(&partial, &copy).map_err(io_failed));
    if let Err(e) = copied {
        let _ = fs::remove_file(&partial);
        return Err(e);
    }
    tracing::info!(path = %copy.display(), version, "copied the database before migrating it");
    prune_backups(db);
    Ok(Some(copy))
}

/// The lowest embedded migration version the database lacks, `None` when there is none or
/// when the database has no migrations yet (a new database has nothing worth copying).
async fn first_pending(pool: &SqlitePool, migrator: &Migrator) -> Result<Option<i64>, sqlx::Error> {
    let tracked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await?;
    if tracked == 0 {
        return Ok(None);
    }
    let applied: HashSet<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect();
    if applied.is_empty() {
        return Ok(None);
    }
    Ok(migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
        .map(|m| m.version)
        .min())
}

/// Deletes all but the newest [`KEPT_BACKUPS`] copies of `db` made before migrations. A copy
/// that cannot be deleted is logged and left.
fn prune_backups(db: &Path) {
    let (Some(dir), Some(name)) = (db.parent(), db.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    let prefix = format!("{name}.before-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut copies: Vec<(i64, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let file = e.file_name();
            let version = file
                .to_str()?
                .strip_prefix(&prefix)?
                .strip_suffix(".bak")?
                .parse()
                .ok()?;
            Some((version, e.path()))
        })
        .collect();
    copies.sort_by_key(|(version, _)| std::cmp::Reverse(*version));
    for (_, old) in copies.into_iter().skip(KEPT_BACKUPS) {
        match fs::remove_file(&old) {
            Ok(()) => tracing::info!(path = %old.display(), "deleted an old copy of the database"),
            Err(e) => {
                tracing::warn!(path = %old.display(), error = %e, "cannot delete an old copy of the database")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn only_the_newest_copies_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("squirrel.db");
        let others = [
            "squirrel.db",
            "squirrel.db-wal",
            "other.db.before-1.bak",
            "squirrel.db.before-x.bak",
        ];
        for name in others {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        for version in [3, 12, 1, 20260101, 7] {
            fs::write(backup_path(&db, version), "x").unwrap();
        }
        prune_backups(&db);
        for version in [20260101, 12, 7] {
            assert!(backup_path(&db, version).exists(), "{version}");
        }
        for version in [3, 1] {
            assert!(!backup_path(&db, version).exists(), "{version}");
        }
        for name in others {
            assert!(dir.path().join(name).exists(), "{name}");
        }
    }
}
