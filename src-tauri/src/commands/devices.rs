//! Devices: list with live status, add, edit, test, enable/disable, remove. Secrets come in
//! as plain values and go to the keyring; secret references are never taken from the UI.

use squirrel_core::model::{
    Device, DeviceConnection, DevicePatch, DiscoveredEngine, EngineProbe, HostKeyPrompt,
    ImportResult, NewDevice,
};
use squirrel_core::secrets::Secret;
use squirrel_core::services::DeviceSummary;
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn devices_list(state: State<'_, AppState>) -> CmdResult<Vec<DeviceSummary>> {
    Ok(state.app()?.devices.list().await?)
}

#[tauri::command]
#[specta::specta]
/// Adds a device. `secret` (an SSH password or key passphrase) goes to the OS keyring only;
/// the backend sets the connection's secret reference itself.
pub async fn device_add(
    state: State<'_, AppState>,
    device: NewDevice,
    secret: Option<String>,
) -> CmdResult<Device> {
    Ok(state
        .app()?
        .devices
        .add(device, secret.map(Secret::new))
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn device_set_enabled(
    state: State<'_, AppState>,
    uuid: String,
    enabled: bool,
) -> CmdResult<Device> {
    Ok(state.app()?.devices.set_enabled(&uuid, enabled).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn device_remove(state: State<'_, AppState>, uuid: String) -> CmdResult<()> {
    Ok(state.app()?.devices.remove(&uuid).await?)
}

/// Edits a device; its watcher is reconfigured at once. A new host, user or auth method drops
/// the stored secret unless `secret` brings a new one.
#[tauri::command]
#[specta::specta]
pub async fn device_update(
    state: State<'_, AppState>,
    uuid: String,
    patch: DevicePatch,
    secret: Option<String>,
) -> CmdResult<Device> {
    Ok(state
        .app()?
        .devices
        .update(&uuid, patch, secret.map(Secret::new))
        .await?)
}

/// Connects once and reports the engine (version, OS, counts) or a human reason. `secret`
/// is held in memory for the test only. `device` is the device being edited: without a typed
/// secret, the test uses its stored one while the host, user and auth method are unchanged.
#[tauri::command]
#[specta::specta]
pub async fn device_test_connection(
    state: State<'_, AppState>,
    connection: DeviceConnection,
    secret: Option<String>,
    device: Option<String>,
) -> CmdResult<EngineProbe> {
    let app = state.app()?;
    let devices = &app.devices;
    let secret = secret.map(Secret::new);
    Ok(match device {
        Some(uuid) => {
            devices
                .test_device_connection(&uuid, &connection, secret)
                .await?
        }
        None => devices.test_connection(&connection, secret).await?,
    })
}

/// Approves an SSH host key the user compared; devices waiting for it reconnect.
#[tauri::command]
#[specta::specta]
pub async fn device_trust_host_key(
    state: State<'_, AppState>,
    prompt: HostKeyPrompt,
) -> CmdResult<()> {
    Ok(state.app()?.devices.trust_host_key(&prompt).await?)
}

/// The Docker CLI's contexts and `DOCKER_HOST`, as candidates for import.
#[tauri::command]
#[specta::specta]
pub async fn devices_discover() -> CmdResult<Vec<DiscoveredEngine>> {
    Ok(squirrel_app::discover_engines())
}

/// Imports every usable context as a device in one step.
#[tauri::command]
#[specta::specta]
pub async fn devices_import_contexts(state: State<'_, AppState>) -> CmdResult<Vec<ImportResult>> {
    Ok(state
        .app()?
        .devices
        .import(squirrel_app::discover_engines())
        .await?)
}
