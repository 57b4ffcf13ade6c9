//! Containers: list, inspect, act on, rename and label the containers of every device.

use squirrel_core::model::{Container, ContainerPatch, GuestDetails};
use squirrel_core::ports::{ContainerDetails, RemoveOptions};
use squirrel_core::services::ContainerAction;
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// Every container of one device, or of all devices (filtering is the UI's, on this list).
#[tauri::command]
#[specta::specta]
pub async fn containers_list(
    state: State<'_, AppState>,
    device_uuid: Option<String>,
) -> CmdResult<Vec<Container>> {
    Ok(state.app()?.containers.list(device_uuid.as_deref()).await?)
}

/// One container as the store knows it.
#[tauri::command]
#[specta::specta]
pub async fn container_get(state: State<'_, AppState>, uuid: String) -> CmdResult<Container> {
    Ok(state.app()?.containers.get(&uuid).await?)
}

/// Sets Squirrel's own fields of a container (its display name).
#[tauri::command]
#[specta::specta]
pub async fn container_update(
    state: State<'_, AppState>,
    uuid: String,
    patch: ContainerPatch,
) -> CmdResult<Container> {
    Ok(state.app()?.containers.update(&uuid, patch).await?)
}

/// Removes the container from its engine (`docker rm`, with force and volumes as asked).
#[tauri::command]
#[specta::specta]
pub async fn container_remove(
    state: State<'_, AppState>,
    uuid: String,
    options: RemoveOptions,
) -> CmdResult<()> {
    Ok(state.app()?.containers.remove(&uuid, options).await?)
}

/// Starts, stops, restarts, pauses, unpauses or kills a container on its engine.
#[tauri::command]
#[specta::specta]
pub async fn container_action(
    state: State<'_, AppState>,
    uuid: String,
    action: ContainerAction,
) -> CmdResult<()> {
    Ok(state.app()?.containers.act(&uuid, action).await?)
}

/// Renames the container on its engine (`docker rename`).
#[tauri::command]
#[specta::specta]
pub async fn container_rename(
    state: State<'_, AppState>,
    uuid: String,
    name: String,
) -> CmdResult<()> {
    Ok(state.app()?.containers.rename(&uuid, &name).await?)
}

/// Live inspect data for the detail drawer.
#[tauri::command]
#[specta::specta]
pub async fn container_inspect(
    state: State<'_, AppState>,
    uuid: String,
) -> CmdResult<ContainerDetails> {
    Ok(state.app()?.containers.inspect(&uuid).await?)
}

/// A Proxmox guest's configuration, snapshots and addresses, read from its node now.
#[tauri::command]
#[specta::specta]
pub async fn container_guest_details(
    state: State<'_, AppState>,
    uuid: String,
) -> CmdResult<GuestDetails> {
    Ok(state.app()?.containers.guest_details(&uuid).await?)
}
