//! Containers: what an engine reports about one, and what Squirrel stores of it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use specta::Type;

/// Lifecycle state as Docker reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum ContainerState {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
    Unknown,
}

impl ContainerState {
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "created" => Self::Created,
            "running" => Self::Running,
            "paused" => Self::Paused,
            "restarting" => Self::Restarting,
            "removing" => Self::Removing,
            "exited" => Self::Exited,
            "dead" => Self::Dead,
            _ => Self::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Restarting => "restarting",
            Self::Removing => "removing",
            Self::Exited => "exited",
            Self::Dead => "dead",
            Self::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PortMapping {
    pub ip: Option<String>,
    pub private_port: u16,
    pub public_port: Option<u16>,
    pub protocol: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MountPoint {
    /// `bind`, `volume`, `tmpfs`, ...
    pub kind: String,
    /// Volume name or host path.
    pub source: String,
    pub destination: String,
    pub read_only: bool,
}

/// What an engine reports about one container: everything but Squirrel's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerObservation {
    pub engine_id: String,
    pub name: String,
    pub image: String,
    pub image_id: String,
    pub command: String,
    pub state: ContainerState,
    /// Exit code parsed from the engine's status line, for exited containers.
    pub exit_code: Option<i32>,
    /// `healthy`, `unhealthy` or `starting` when the container has a health check.
    pub health: Option<String>,
    /// Unix seconds.
    pub created: i64,
    pub ports: Vec<PortMapping>,
    pub labels: BTreeMap<String, String>,
    pub networks: Vec<String>,
    pub mounts: Vec<MountPoint>,
}

/// A container as Squirrel knows it: the engine's view plus a stable id and a display name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    /// Squirrel's stable id; survives renames, unlike nothing else.
    pub uuid: String,
    pub device_uuid: String,
    /// The engine's id (Docker's 64-hex id).
    pub engine_id: String,
    pub name: String,
    /// A local name shown instead of `name`; never sent to the engine.
    pub display_name: Option<String>,
    pub image: String,
    pub image_id: String,
    pub command: String,
    pub state: ContainerState,
    pub exit_code: Option<i32>,
    pub health: Option<String>,
    #[specta(type = f64)]
    pub created: i64,
    pub ports: Vec<PortMapping>,
    pub labels: BTreeMap<String, String>,
    pub networks: Vec<String>,
    pub mounts: Vec<MountPoint>,
    /// Unix milliseconds of the last change Squirrel recorded.
    #[specta(type = f64)]
    pub updated_at: i64,
}

impl Container {
    /// The engine-reported part, as an observation.
    pub fn observation(&self) -> ContainerObservation {
        ContainerObservation {
            engine_id: self.engine_id.clone(),
            name: self.name.clone(),
            image: self.image.clone(),
            image_id: self.image_id.clone(),
            command: self.command.clone(),
            state: self.state,
            exit_code: self.exit_code,
            health: self.health.clone(),
            created: self.created,
            ports: self.ports.clone(),
            labels: self.labels.clone(),
            networks: self.networks.clone(),
            mounts: self.mounts.clone(),
        }
    }

    /// True when the engine-reported part equals `obs` (Squirrel's own fields are ignored).
    pub fn matches(&self, obs: &ContainerObservation) -> bool {
        self.engine_id == obs.engine_id
            && self.name == obs.name
            && self.image == obs.image
            && self.image_id == obs.image_id
            && self.command == obs.command
            && self.state == obs.state
            && self.exit_code == obs.exit_code
            && self.health == obs.health
            && self.created == obs.created
            && self.ports == obs.ports
            && self.labels == obs.labels
            && self.networks == obs.networks
            && self.mounts == obs.mounts
    }
}

/// Changes a user may make to Squirrel's own fields of a container.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPatch {
    /// New display name; an empty string clears it.
    pub display_name: Option<String>,
}
