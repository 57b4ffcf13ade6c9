//! Statistics: latest samples, history series, the fleet's load, live streams, retention.

use serde::{Deserialize, Serialize};
use specta::Type;
use squirrel_core::model::{
    ContainerLoad, ContainerSeries, DeviceLoad, FleetSeries, StateCount, StatsRetention,
    StatsSample,
};
use tauri::State;

use crate::error::{AppError, CmdResult};
use crate::state::AppState;

/// The newest load of every running container and every device, for tables and the
/// dashboard before the next round's events arrive.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StatsLoads {
    pub containers: Vec<ContainerLoad>,
    pub devices: Vec<DeviceLoad>,
}

/// Unix seconds from the UI (a JS number) to whole seconds.
fn secs(v: f64, what: &str) -> CmdResult<i64> {
    if v.is_finite() && v.abs() < 1e12 {
        Ok(v.floor() as i64)
    } else {
        Err(AppError::new(
            "invalid_input",
            format!("the chart's {what} time is not a valid date"),
        ))
    }
}

/// The end of a chart's range: `to`, else now (plus a second, so the newest sample is in).
fn end(to: Option<f64>) -> CmdResult<i64> {
    match to {
        Some(v) => secs(v, "end"),
        None => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64 + 1)
            .unwrap_or(0)),
    }
}

#[tauri::command]
#[specta::specta]
/// A container's newest sample (all metrics), or none before its first round.
pub async fn stats_latest(
    state: State<'_, AppState>,
    container_uuid: String,
) -> CmdResult<Option<StatsSample>> {
    Ok(state.app()?.stats.latest(&container_uuid).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn stats_loads(state: State<'_, AppState>) -> CmdResult<StatsLoads> {
    let (containers, devices) = state.app()?.stats.loads();
    Ok(StatsLoads {
        containers,
        devices,
    })
}

#[tauri::command]
#[specta::specta]
/// A container's history in `[from, to)` (Unix seconds; no `to` means now) at an
/// automatic resolution.
pub async fn stats_container_series(
    state: State<'_, AppState>,
    container_uuid: String,
    from: f64,
    to: Option<f64>,
) -> CmdResult<ContainerSeries> {
    Ok(state
        .app()?
        .stats
        .container_series(&container_uuid, secs(from, "start")?, end(to)?)
        .await?)
}

#[tauri::command]
#[specta::specta]
/// The averaged and summed load of all devices (or one) in `[from, to)` (no `to`: now).
pub async fn stats_fleet_series(
    state: State<'_, AppState>,
    device_uuid: Option<String>,
    from: f64,
    to: Option<f64>,
) -> CmdResult<FleetSeries> {
    Ok(state
        .app()?
        .stats
        .fleet_series(device_uuid.as_deref(), secs(from, "start")?, end(to)?)
        .await?)
}

#[tauri::command]
#[specta::specta]
/// How many containers are in each state, on all devices or one.
pub async fn containers_count_by_state(
    state: State<'_, AppState>,
    device_uuid: Option<String>,
) -> CmdResult<Vec<StateCount>> {
    Ok(state
        .app()?
        .stats
        .count_by_state(device_uuid.as_deref())
        .await?)
}

#[tauri::command]
#[specta::specta]
/// Opens a 1 Hz stream of a running container's stats (`LiveStats` events) and returns
/// its subscription id. Close it with `stats_live_stop`.
pub async fn stats_live_start(
    state: State<'_, AppState>,
    container_uuid: String,
) -> CmdResult<u32> {
    Ok(state.app()?.stats.live_start(&container_uuid).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn stats_live_stop(state: State<'_, AppState>, subscription: u32) -> CmdResult<()> {
    state.app()?.stats.live_stop(subscription);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn stats_retention_get(state: State<'_, AppState>) -> CmdResult<StatsRetention> {
    Ok(state.app()?.stats.retention().await?)
}

#[tauri::command]
#[specta::specta]
/// Saves how long each tier is kept (adjusted to sane bounds) and applies it at once.
pub async fn stats_retention_set(
    state: State<'_, AppState>,
    retention: StatsRetention,
) -> CmdResult<StatsRetention> {
    Ok(state.app()?.stats.set_retention(retention).await?)
}
