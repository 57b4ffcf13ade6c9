//! Images, volumes and networks as the watchers keep them.

use squirrel_core::model::{Image, ImagePrune, Network, Volume};
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

/// Removes an image of a device; `force` also untags it and removes it from under stopped
/// containers.
#[tauri::command]
#[specta::specta]
pub async fn image_remove(
    state: State<'_, AppState>,
    device_uuid: String,
    image: String,
    force: bool,
) -> CmdResult<()> {
    Ok(state
        .app()?
        .containers
        .remove_image(&device_uuid, &image, force)
        .await?)
}

/// Prunes a device's images: dangling ones, or every image no container uses (`all`).
#[tauri::command]
#[specta::specta]
pub async fn images_prune(
    state: State<'_, AppState>,
    device_uuid: String,
    all: bool,
) -> CmdResult<ImagePrune> {
    Ok(state
        .app()?
        .containers
        .prune_images(&device_uuid, all)
        .await?)
}
