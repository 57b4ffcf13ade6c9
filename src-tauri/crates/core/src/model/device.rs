use serde::{Deserialize, Serialize};
use specta::Type;

use crate::factory::WatcherKind;

/// How Squirrel reaches a device's engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum DeviceConnection {
    /// A Docker engine on a local unix socket.
    LocalSocket { path: String },
}

impl DeviceConnection {
    pub fn watcher_kind(&self) -> WatcherKind {
        match self {
            DeviceConnection::LocalSocket { .. } => WatcherKind::Docker,
        }
    }

    /// A short human description, e.g. `unix:///var/run/docker.sock`.
    pub fn describe(&self) -> String {
        match self {
            DeviceConnection::LocalSocket { path } => format!("unix://{path}"),
        }
    }
}

/// A host whose containers Squirrel manages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub uuid: String,
    pub name: String,
    pub connection: DeviceConnection,
    pub enabled: bool,
    /// Seconds between full resyncs of the inventory (events keep it current in between).
    pub resync_interval_secs: u32,
    /// Unix seconds.
    #[specta(type = f64)]
    pub created_at: i64,
}

/// Input for creating a device.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NewDevice {
    pub name: String,
    pub connection: DeviceConnection,
    pub resync_interval_secs: Option<u32>,
}

/// Whether Squirrel currently talks to the device's engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum DeviceStatus {
    Online {
        #[serde(rename = "engineVersion")]
        engine_version: String,
    },
    Connecting,
    Unreachable {
        reason: String,
    },
    Disabled,
}

impl DeviceStatus {
    pub fn is_online(&self) -> bool {
        matches!(self, DeviceStatus::Online { .. })
    }
}
