//! Container logs: a stream per viewer over the viewer's own channel.

use std::sync::Arc;

use squirrel_core::model::{LogEvent, LogQuery};
use tauri::ipc::Channel;
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// Opens a stream of a container's log; its lines, gaps and end go to `on_event`, never to
/// the global event bus. Returns the stream's id, for `logs_ack` and `logs_close`.
#[tauri::command]
#[specta::specta]
pub async fn logs_open(
    state: State<'_, AppState>,
    container_uuid: String,
    query: LogQuery,
    on_event: Channel<LogEvent>,
) -> CmdResult<u32> {
    let sink = Arc::new(move |event: LogEvent| on_event.send(event).is_ok());
    Ok(state.app()?.logs.open(&container_uuid, query, sink).await?)
}

/// The viewer has shown every batch up to `seq`: more may come.
#[tauri::command]
#[specta::specta]
pub fn logs_ack(state: State<'_, AppState>, stream: u32, seq: u32) -> CmdResult<()> {
    state.app()?.logs.ack(stream, seq);
    Ok(())
}

/// Closes a stream and its engine connection.
#[tauri::command]
#[specta::specta]
pub fn logs_close(state: State<'_, AppState>, stream: u32) -> CmdResult<()> {
    state.app()?.logs.close(stream);
    Ok(())
}

/// What a download wrote.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LogDownload {
    pub path: String,
    pub lines: u32,
    pub bytes: f64,
}

/// The most logs one download merges.
const MAX_DOWNLOAD_MERGED: usize = 32;

/// Writes a container's log (the range and outputs `query` asks, times when `timestamps`) to
/// a file the user picks in the system's save dialog, streamed straight to disk; the lines
/// written so far go to `on_progress`. `None` when the dialog is cancelled. The file appears
/// only once whole: it is written next to it first. Several containers' logs are merged by
/// time, each line after its container's name, as `docker compose logs` prints them.
#[tauri::command]
#[specta::specta]
pub async fn logs_download(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    container_uuids: Vec<String>,
    query: LogQuery,
    timestamps: bool,
    file_name: String,
    on_progress: Channel<u32>,
) -> CmdResult<Option<LogDownload>> {
    use tauri_plugin_dialog::DialogExt;

    if container_uuids.is_empty() || container_uuids.len() > MAX_DOWNLOAD_MERGED {
        return Err(crate::error::AppError::new(
            "invalid_input",
            format!("pick between 1 and {MAX_DOWNLOAD_MERGED} containers to save their logs"),
        ));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Save the log")
        .set_file_name(sanitized_file_name(&file_name))
        .add_filter("Log", &["log", "txt"])
        .save_file(move |path| {
            let _ = tx.send(path.and_then(|p| p.into_path().ok()));
        });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let progress = move |n: u32| {
        let _ = on_progress.send(n);
    };
    let logs = &state.app()?.logs;
    let written = match container_uuids.as_slice() {
        [one] => {
            let lines = logs.read(one, query).await?;
            squirrel_app::write_log(lines, &path, timestamps, &progress).await
        }
        many => {
            let named = logs.read_named(many, query).await?;
            squirrel_app::write_merged_log(named, &path, timestamps, &progress).await
        }
    }
    .map_err(|message| crate::error::AppError::new("io", message))?;
    Ok(Some(LogDownload {
        path: path.to_string_lossy().into_owned(),
        lines: written.lines,
        bytes: written.bytes as f64,
    }))
}

/// A file name from a container's name: no path separators or control characters.
fn sanitized_file_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .take(120)
        .collect();
    if clean.trim().is_empty() || clean == "." || clean == ".." {
        "container.log".into()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::sanitized_file_name;

    #[test]
    fn a_suggested_file_name_cannot_leave_the_folder() {
        assert_eq!(sanitized_file_name("web.log"), "web.log");
        assert_eq!(sanitized_file_name("../../etc/passwd"), ".._.._etc_passwd");
        assert_eq!(sanitized_file_name(".."), "container.log");
        assert_eq!(sanitized_file_name("a\nb"), "a_b");
    }
}
