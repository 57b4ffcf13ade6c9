//! Logging: tracing to a daily-rotated file in the app's log folder.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

/// Keeps the log writer alive for the app's lifetime.
pub struct LogGuard(#[allow(dead_code)] Option<WorkerGuard>);

/// Logs to stderr and to a daily-rotated file in `dir`. `RUST_LOG` overrides the level.
pub fn init(dir: Option<&Path>) -> LogGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,squirrel=debug,squirrel_docker=debug"));
    let (file_layer, guard) = match dir.and_then(file_appender) {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            (
                Some(fmt::layer().with_ansi(false).with_writer(writer)),
                Some(guard),
            )
        }
        None => (None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(std::io::stderr))
        .with(file_layer)
        .try_init();
    LogGuard(guard)
}

const LOG_PREFIX: &str = "squirrel.log";

/// Daily log files kept: older ones are deleted when the app starts and at each rotation.
const KEPT_LOG_FILES: usize = 7;

/// The daily-rotated `squirrel.log.<date>` files in `dir`, keeping the last
/// [`KEPT_LOG_FILES`]. The folder is made private (0700: a file the appender creates at a
/// rotation gets the default mode, but no one else can reach it) and the existing files
/// 0600. `None` when the folder cannot be used.
fn file_appender(dir: &Path) -> Option<RollingFileAppender> {
    std::fs::create_dir_all(dir).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if entry.file_name().to_string_lossy().starts_with(LOG_PREFIX) {
                let _ =
                    std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600));
            }
        }
    }
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(LOG_PREFIX)
        .max_log_files(KEPT_LOG_FILES)
        .build(dir)
        .ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn old_log_files_are_pruned_and_the_rest_made_private() {
        let dir = tempfile::tempdir().unwrap();
        for day in 1..=10 {
            std::fs::write(
                dir.path().join(format!("{LOG_PREFIX}.2020-01-{day:02}")),
                "x",
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("other.txt"), "x").unwrap();
        let appender = file_appender(dir.path());
        assert!(appender.is_some());
        let logs: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(LOG_PREFIX))
            .collect();
        // Today's file and the most recently created older ones (the appender orders them by
        // creation time), KEPT_LOG_FILES in all.
        assert_eq!(logs.len(), KEPT_LOG_FILES, "{logs:?}");
        assert!(dir.path().join("other.txt").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(dir.path()), 0o700);
            let old = logs
                .iter()
                .find(|e| e.file_name().to_string_lossy().contains("2020-"))
                .unwrap();
            assert_eq!(mode(&old.path()), 0o600);
        }
    }
}
