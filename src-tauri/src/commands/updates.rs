//! Image update checks.

use squirrel_core::updates::UpdateCheck;
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// The last check's findings (kept across runs); null when no check ran yet.
#[tauri::command]
#[specta::specta]
pub async fn updates_last(state: State<'_, AppState>) -> CmdResult<Option<UpdateCheck>> {
    Ok(state.app()?.updates().last_check().await?)
}

/// Checks every container's image now (a check already running is waited for).
#[tauri::command]
#[specta::specta]
pub async fn updates_check_now(state: State<'_, AppState>) -> CmdResult<UpdateCheck> {
    Ok(state.app()?.updates().check_now().await?)
}

/// Hours between scheduled checks (0: only when asked).
#[tauri::command]
#[specta::specta]
pub async fn updates_interval_get(state: State<'_, AppState>) -> CmdResult<u32> {
    Ok(state.app()?.updates().interval_hours().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn updates_interval_set(state: State<'_, AppState>, hours: u32) -> CmdResult<()> {
    Ok(state.app()?.updates().set_interval_hours(hours).await?)
}
