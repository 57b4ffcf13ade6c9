//! Log history: what is kept, questions about it, and the choices of what to keep.

use squirrel_core::model::{HistoryOverview, HistoryPage, HistoryQuery};
use squirrel_core::CoreError;
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// The timelines kept, the space they take, and what is being kept now.
#[tauri::command]
#[specta::specta]
pub async fn log_history_overview(state: State<'_, AppState>) -> CmdResult<HistoryOverview> {
    Ok(state.app()?.history().overview().await?)
}

/// Lines of the history, newest page first (oldest first within it), by words, timeline
/// or device.
#[tauri::command]
#[specta::specta]
pub async fn log_history_query(
    state: State<'_, AppState>,
    query: HistoryQuery,
) -> CmdResult<HistoryPage> {
    Ok(state.app()?.history().query(&query).await?)
}

/// Whether a device's containers (`name` null) or one container of it are kept; `keep`
/// null returns to the default.
#[tauri::command]
#[specta::specta]
pub async fn log_history_set_keep(
    state: State<'_, AppState>,
    device_uuid: String,
    name: Option<String>,
    keep: Option<bool>,
) -> CmdResult<()> {
    Ok(state
        .app()?
        .history()
        .set_keep(&device_uuid, name.as_deref(), keep)
        .await?)
}

/// The space the history may take, in bytes.
#[tauri::command]
#[specta::specta]
pub async fn log_history_set_budget(state: State<'_, AppState>, bytes: f64) -> CmdResult<()> {
    if !(0.0..=1e15).contains(&bytes) {
        return Err(CoreError::InvalidInput("the budget must be a size in bytes".into()).into());
    }
    Ok(state.app()?.history().set_budget(bytes as u64).await?)
}

/// Forgets a timeline and its lines.
#[tauri::command]
#[specta::specta]
pub async fn log_history_forget(state: State<'_, AppState>, timeline: f64) -> CmdResult<()> {
    Ok(state.app()?.history().forget(timeline as i64).await?)
}
