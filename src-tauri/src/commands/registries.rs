//! Registries: added, tested, imported, removed. A password or token comes in once and goes
//! to the OS keyring; no command sends one back.

use squirrel_core::secrets::Secret;
use squirrel_core::updates::{NewRegistry, RegistryEntry, RegistryImport};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn registries_list(state: State<'_, AppState>) -> CmdResult<Vec<RegistryEntry>> {
    Ok(state.app()?.registries().list().await?)
}

/// Adds a registry; `secret` (password or token) goes to the OS keyring only.
#[tauri::command]
#[specta::specta]
pub async fn registry_add(
    state: State<'_, AppState>,
    registry: NewRegistry,
    secret: Option<String>,
) -> CmdResult<RegistryEntry> {
    Ok(state
        .app()?
        .registries()
        .add(registry, secret.map(Secret::new))
        .await?)
}

/// Logs in with what was typed (kept in memory), or with a stored registry's credentials
/// when `uuid` is given.
#[tauri::command]
#[specta::specta]
pub async fn registry_test(
    state: State<'_, AppState>,
    registry: NewRegistry,
    secret: Option<String>,
    uuid: Option<String>,
) -> CmdResult<()> {
    Ok(state
        .app()?
        .registries()
        .test(registry, secret.map(Secret::new), uuid.as_deref())
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn registry_remove(state: State<'_, AppState>, uuid: String) -> CmdResult<()> {
    Ok(state.app()?.registries().remove(&uuid).await?)
}

/// Adds the registries of the Docker CLI's config.json.
#[tauri::command]
#[specta::specta]
pub async fn registries_import_docker(state: State<'_, AppState>) -> CmdResult<RegistryImport> {
    Ok(state.app()?.import_docker_registries().await?)
}
