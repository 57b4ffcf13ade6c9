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
