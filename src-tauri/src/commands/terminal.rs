//! Terminals into containers, each over its own channel, and one-off commands.

use std::sync::Arc;

use squirrel_core::model::{
    CommandRequest, CommandRun, TerminalEvent, TerminalOpened, TerminalRequest,
};
use squirrel_core::services::TerminalSink;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State, Webview, WebviewUrl, WebviewWindowBuilder};

use crate::error::{AppError, CmdResult};

/// The label of a terminal's own window is this and the terminal's id.
pub const TERMINAL_WINDOW: &str = "terminal-";
use crate::state::AppState;

/// Opens a terminal in a running container for the calling window; its output and its end
/// go to `on_event`, never to the global event bus.
#[tauri::command]
#[specta::specta]
pub async fn terminal_open(
    state: State<'_, AppState>,
    webview: Webview,
    container_uuid: String,
    request: TerminalRequest,
    on_event: Channel<TerminalEvent>,
) -> CmdResult<TerminalOpened> {
    Ok(state
        .app()?
        .terminals
        .open(&container_uuid, request, webview.label(), sink(on_event))
        .await?)
}

fn sink(channel: Channel<TerminalEvent>) -> TerminalSink {
    Arc::new(move |event: TerminalEvent| channel.send(event).is_ok())
}

/// Pops a terminal out into a window of its own: the shell goes on there, shown from what
/// it showed last; closing that window ends it.
#[tauri::command]
#[specta::specta]
pub async fn terminal_pop_out(
    state: State<'_, AppState>,
    app: AppHandle,
    webview: Webview,
    terminal: u32,
) -> CmdResult<()> {
    let terminals = state.app()?.terminals.clone();
    let label = format!("{TERMINAL_WINDOW}{terminal}");
    if app.get_webview_window(&label).is_some() {
        return Err(AppError::new(
            "window",
            "This terminal already has a window of its own.",
        ));
    }
    let given = terminals.move_to(terminal, webview.label(), &label)?;
    let url = WebviewUrl::App(format!("index.html#/terminal/{terminal}").into());
    let built = WebviewWindowBuilder::new(&app, &label, url)
        .title(format!(
            "{} · {} — Squirrel",
            given.container_name, given.shell
        ))
        .inner_size(900.0, 560.0)
        .min_inner_size(360.0, 200.0)
        .build();
    match built {
        Ok(window) => {
            // Its page loads again if its web process ends, and attaches the same shell.
            crate::webview_guard::reload_when_its_process_ends(
                &window,
                crate::webview_guard::TERMINAL_GAVE_UP,
            );
            Ok(())
        }
        Err(e) => {
            // It stays where it was.
            terminals.move_back(terminal);
            Err(AppError::new(
                "window",
                format!("The terminal's window could not open ({e}); it stays here."),
            ))
        }
    }
}

/// A window a terminal was popped out into shows it: what it showed last comes first on
/// `on_event`, then everything after.
#[tauri::command]
#[specta::specta]
pub fn terminal_attach(
    state: State<'_, AppState>,
    webview: Webview,
    terminal: u32,
    on_event: Channel<TerminalEvent>,
) -> CmdResult<TerminalOpened> {
    let opened = state
        .app()?
        .terminals
        .attach(terminal, webview.label(), sink(on_event))?;
    tracing::info!(window = %webview.label(), terminal, "a window attached its terminal");
    Ok(opened)
}

/// Closes the calling terminal window (Ctrl+Shift+W, or its button once the shell ended):
/// its terminal ends with it. Any other window is left alone.
#[tauri::command]
#[specta::specta]
pub fn terminal_window_close(window: tauri::Window) -> CmdResult<()> {
    if window.label().starts_with(TERMINAL_WINDOW) {
        window
            .close()
            .map_err(|e| AppError::new("window", format!("The window could not close: {e}")))?;
    }
    Ok(())
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
pub async fn terminal_close(
    state: State<'_, AppState>,
    webview: Webview,
    terminal: u32,
) -> CmdResult<()> {
    state
        .app()?
        .terminals
        .close_from(terminal, webview.label())
        .await;
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
