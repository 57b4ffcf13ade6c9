//! Containers: the seed's `/containers` endpoints, one command each.

use squirrel_core::model::{Container, ContainerPatch};
use squirrel_core::ports::{ContainerDetails, RemoveOptions};
use squirrel_core::services::{ContainerAction, ContainerFilter};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// `GET /containers`: every container of every device, optionally filtered.
#[tauri::command]
#[specta::specta]
pub async fn containers_list(
    state: State<'_, AppState>,
    filter: Option<ContainerFilter>,
) -> CmdResult<Vec<Container>> {
    Ok(state
        .services()?
        .containers
        .list(&filter.unwrap_or_default())
        .await?)
}

/// `GET /containers/:uuid`
#[tauri::command]
#[specta::specta]
pub async fn container_get(state: State<'_, AppState>, uuid: String) -> CmdResult<Container> {
    Ok(state.services()?.containers.get(&uuid).await?)
}

/// `GET /containers/device/:deviceUuid`
#[tauri::command]
#[specta::specta]
pub async fn containers_by_device(
    state: State<'_, AppState>,
    device_uuid: String,
) -> CmdResult<Vec<Container>> {
    let filter = ContainerFilter {
        device_uuid: Some(device_uuid),
        ..Default::default()
    };
    Ok(state.services()?.containers.list(&filter).await?)
}

/// `PATCH /containers/:uuid`: Squirrel's own fields (the display name).
#[tauri::command]
#[specta::specta]
pub async fn container_update(
    state: State<'_, AppState>,
    uuid: String,
    patch: ContainerPatch,
) -> CmdResult<Container> {
    Ok(state.services()?.containers.update(&uuid, patch).await?)
}

/// `DELETE /containers/:uuid`: removes the container from its engine.
#[tauri::command]
#[specta::specta]
pub async fn container_remove(
    state: State<'_, AppState>,
    uuid: String,
    options: RemoveOptions,
) -> CmdResult<()> {
    Ok(state.services()?.containers.remove(&uuid, options).await?)
}

/// Start, stop, restart, pause, unpause or kill: the seed's `/containers/:id/docker/actions/:action`.
#[tauri::command]
#[specta::specta]
pub async fn container_action(
    state: State<'_, AppState>,
    uuid: String,
    action: ContainerAction,
) -> CmdResult<()> {
    Ok(state.services()?.containers.act(&uuid, action).await?)
}

/// Renames the container on its engine (`docker rename`).
#[tauri::command]
#[specta::specta]
pub async fn container_rename(
    state: State<'_, AppState>,
    uuid: String,
    name: String,
) -> CmdResult<()> {
    Ok(state.services()?.containers.rename(&uuid, &name).await?)
}

/// Live inspect data for the detail drawer.
#[tauri::command]
#[specta::specta]
pub async fn container_inspect(
    state: State<'_, AppState>,
    uuid: String,
) -> CmdResult<ContainerDetails> {
    Ok(state.services()?.containers.inspect(&uuid).await?)
}
