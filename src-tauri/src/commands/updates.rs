//! Image update checks, and safe updates and recreates of containers.

use squirrel_core::services::RecreateRequest;
use squirrel_core::updates::{
    BatchEvent, BatchSummary, GateSettings, KeptImage, RecreateOutcome, RecreateStep, UpdateCheck,
};
use tauri::ipc::Channel;
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

/// Updates or recreates a container safely (see `RecreateService`): each step goes to this
/// caller's channel; the outcome says how it ended.
#[tauri::command]
#[specta::specta]
pub async fn container_recreate(
    state: State<'_, AppState>,
    request: RecreateRequest,
    on_step: Channel<RecreateStep>,
) -> CmdResult<RecreateOutcome> {
    let report = move |step: RecreateStep| {
        // A closed window drops the channel; the recreate itself goes on to its end.
        let _ = on_step.send(step);
    };
    Ok(state.app()?.recreates().recreate(&request, &report).await?)
}

/// Updates or recreates many containers safely, across devices (one at a time per device,
/// the devices side by side); every event names its container and goes to this caller's
/// channel only; the summary counts how they ended.
#[tauri::command]
#[specta::specta]
pub async fn containers_recreate_many(
    state: State<'_, AppState>,
    requests: Vec<RecreateRequest>,
    on_event: Channel<BatchEvent>,
) -> CmdResult<BatchSummary> {
    let report = move |event: BatchEvent| {
        let _ = on_event.send(event);
    };
    Ok(state
        .app()?
        .recreates()
        .recreate_many(&requests, &report)
        .await?)
}

/// Rolls a container back to the image kept by its last update, through the same gate.
#[tauri::command]
#[specta::specta]
pub async fn container_roll_back(
    state: State<'_, AppState>,
    container_uuid: String,
    gate: Option<GateSettings>,
    on_step: Channel<RecreateStep>,
) -> CmdResult<RecreateOutcome> {
    let report = move |step: RecreateStep| {
        let _ = on_step.send(step);
    };
    Ok(state
        .app()?
        .recreates()
        .roll_back(&container_uuid, gate, &report)
        .await?)
}

/// The previous images kept for a roll back.
#[tauri::command]
#[specta::specta]
pub async fn kept_images_list(state: State<'_, AppState>) -> CmdResult<Vec<KeptImage>> {
    Ok(state.app()?.recreates().kept_images().await?)
}

/// Hours a previous image is kept after an update.
#[tauri::command]
#[specta::specta]
pub async fn kept_images_hours_get(state: State<'_, AppState>) -> CmdResult<u32> {
    Ok(state.app()?.recreates().keep_hours().await)
}

#[tauri::command]
#[specta::specta]
pub async fn kept_images_hours_set(state: State<'_, AppState>, hours: u32) -> CmdResult<()> {
    Ok(state.app()?.recreates().set_keep_hours(hours).await?)
}
