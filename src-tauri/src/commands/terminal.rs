//! Terminals into containers, each over its own channel, and one-off commands.

use std::sync::Arc;

use squirrel_core::model::{CommandRequest, CommandRun, TerminalEvent, TerminalRequest};
use tauri::ipc::Channel;
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// Opens a terminal in a running container; its output and its end go to `on_event`,
/// never to the global event bus. Returns the terminal's id.
#[tauri::command]
#[specta::specta]
pub async fn terminal_open(
    state: State<'_, AppState>,
    container_uuid: String,
    request: TerminalRequest,
    on_event: Channel<TerminalEvent>,
) -> CmdResult<u32> {
    let sink = Arc::new(move |event: TerminalEvent| on_event.send(event).is_ok());
    Ok(state
        .app()?
        .terminals
        .open(&container_uuid, request, sink)
        .await?)
}

/// Types into a terminal (keys, a paste).
#[tauri::command]
#[specta::specta]
pub async fn terminal_write(
    state: State<'_, AppState>,
    terminal: u32,
    data: String,
) -> CmdResult<()> {
    Ok(state.app()?.terminals.write(terminal, data).await?)
}

/// The terminal's panel changed size: the shell sees its new size.
#[tauri::command]
#[specta::specta]
pub async fn terminal_resize(
    state: State<'_, AppState>,
    terminal: u32,
    cols: u16,
    rows: u16,
) -> CmdResult<()> {
    Ok(state.app()?.terminals.resize(terminal, cols, rows).await?)
}

/// The window has shown every output up to `seq`: more may come.
#[tauri::command]
#[specta::specta]
pub fn terminal_ack(state: State<'_, AppState>, terminal: u32, seq: u32) -> CmdResult<()> {
    state.app()?.terminals.ack(terminal, seq);
    Ok(())
}

/// Closes a terminal: its shell, and what it runs, end in the container.
#[tauri::command]
#[specta::specta]
pub async fn terminal_close(state: State<'_, AppState>, terminal: u32) -> CmdResult<()> {
    state.app()?.terminals.close(terminal).await;
    Ok(())
}

/// Runs a command in a running container without a terminal: its output and exit code.
#[tauri::command]
#[specta::specta]
pub async fn container_run_command(
    state: State<'_, AppState>,
    container_uuid: String,
    request: CommandRequest,
) -> CmdResult<CommandRun> {
    Ok(state.app()?.terminals.run(&container_uuid, request).await?)
}
