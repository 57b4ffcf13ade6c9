//! Devices: list with live status, add, enable/disable, remove.

use squirrel_core::model::{Device, NewDevice};
use squirrel_core::services::DeviceSummary;
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn devices_list(state: State<'_, AppState>) -> CmdResult<Vec<DeviceSummary>> {
    Ok(state.services()?.devices.list().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn device_add(state: State<'_, AppState>, device: NewDevice) -> CmdResult<Device> {
    Ok(state.services()?.devices.add(device).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn device_set_enabled(
    state: State<'_, AppState>,
    uuid: String,
    enabled: bool,
) -> CmdResult<Device> {
    Ok(state
        .services()?
        .devices
        .set_enabled(&uuid, enabled)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn device_remove(state: State<'_, AppState>, uuid: String) -> CmdResult<()> {
    Ok(state.services()?.devices.remove(&uuid).await?)
}
