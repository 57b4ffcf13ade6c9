//! Images, volumes and networks as the watchers keep them.

use squirrel_core::model::{Image, Network, Volume};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn images_list(
    state: State<'_, AppState>,
    device_uuid: Option<String>,
) -> CmdResult<Vec<Image>> {
    Ok(state
        .app()?
        .repos()
        .list_images(device_uuid.as_deref())
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn volumes_list(
    state: State<'_, AppState>,
    device_uuid: Option<String>,
) -> CmdResult<Vec<Volume>> {
    Ok(state
        .app()?
        .repos()
        .list_volumes(device_uuid.as_deref())
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn networks_list(
    state: State<'_, AppState>,
    device_uuid: Option<String>,
) -> CmdResult<Vec<Network>> {
    Ok(state
        .app()?
        .repos()
        .list_networks(device_uuid.as_deref())
        .await?)
}
