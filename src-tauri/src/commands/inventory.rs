//! Images, volumes and networks as the watchers keep them.

use squirrel_core::model::{Image, ImagePrune, Network, Volume};
use squirrel_core::templates::PullProgress;
use tauri::ipc::Channel;
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

/// Tags an image of a device as `reference` (`repo[:tag]`, `latest` when none); returns the
/// reference as written.
#[tauri::command]
#[specta::specta]
pub async fn image_tag(
    state: State<'_, AppState>,
    device_uuid: String,
    image: String,
    reference: String,
) -> CmdResult<String> {
    Ok(state
        .app()?
        .containers
        .tag_image(&device_uuid, &image, &reference)
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

/// Pulls an image on a device (with the added registry's credentials); its progress goes to
/// this caller's channel only.
#[tauri::command]
#[specta::specta]
pub async fn image_pull(
    state: State<'_, AppState>,
    device_uuid: String,
    image: String,
    on_progress: Channel<PullProgress>,
) -> CmdResult<()> {
    let report = move |progress: PullProgress| {
        // A closed window drops the channel; the pull itself goes on.
        let _ = on_progress.send(progress);
    };
    Ok(state
        .app()?
        .pull_image(&device_uuid, &image, &report)
        .await?)
}
