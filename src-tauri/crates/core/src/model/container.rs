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

/// What a container is. The kind decides what can be done with it: see [`Capabilities`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ContainerKind {
    /// A Docker container.
    #[default]
    Docker,
    /// A Proxmox VE LXC container.
    Lxc,
    /// A Proxmox VE QEMU virtual machine.
    Qemu,
}

impl ContainerKind {
    pub const ALL: [ContainerKind; 3] = [Self::Docker, Self::Lxc, Self::Qemu];

    pub fn parse(s: &str) -> Self {
        match s {
            "lxc" => Self::Lxc,
            "qemu" => Self::Qemu,
            _ => Self::Docker,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Docker => "docker",
            Self::Lxc => "lxc",
            Self::Qemu => "qemu",
        }
    }

    /// What Squirrel can do with containers of this kind; the window offers only these.
    pub fn capabilities(self) -> Capabilities {
        let action = |action: &str, label: &str, confirm: bool| KindAction {
            action: action.to_owned(),
            label: label.to_owned(),
            confirm,
        };
        match self {
            Self::Docker => Capabilities {
                kind: self,
                label: "Docker container".into(),
                actions: vec![
                    action("start", "Start", false),
                    action("stop", "Stop", false),
                    action("restart", "Restart", false),
                    action("pause", "Pause", false),
                    action("unpause", "Unpause", false),
                    action("kill", "Kill", true),
                ],
                remove: true,
                rename: true,
                logs: true,
                stats: true,
                details: true,
                recreate: true,
                live_stats: true,
                guest_config: false,
                terminal: true,
            },
            // Proxmox's words: a shutdown asks the guest, a stop pulls the plug.
            Self::Lxc | Self::Qemu => Capabilities {
                kind: self,
                label: if self == Self::Lxc {
                    "Proxmox LXC container".into()
                } else {
                    "Proxmox virtual machine".into()
                },
                actions: [
                    Some(action("start", "Start", false)),
                    Some(action("stop", "Shut down", false)),
                    Some(action("restart", "Reboot", false)),
                    // An LXC container's suspend needs CRIU (experimental in Proxmox): VMs only.
                    (self == Self::Qemu).then(|| action("pause", "Suspend", false)),
                    (self == Self::Qemu).then(|| action("unpause", "Resume", false)),
                    Some(action("kill", "Stop now", true)),
                ]
                .into_iter()
                .flatten()
                .collect(),
                remove: false,
                rename: false,
                logs: false,
                // The history and the current numbers, from the cluster poll.
                stats: true,
                details: false,
                recreate: false,
                live_stats: false,
                guest_config: true,
                terminal: false,
            },
        }
    }
}

/// One action a kind of container takes, in its own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KindAction {
    /// `start`, `stop`, `restart`, `pause`, `unpause` or `kill` (a `ContainerAction`).
    pub action: String,
    pub label: String,
    /// Asked again before it is done (it loses work).
    pub confirm: bool,
}

/// What can be done with one kind of container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    pub kind: ContainerKind,
    pub label: String,
    pub actions: Vec<KindAction>,
    pub remove: bool,
    pub rename: bool,
    /// A log stream and the log history.
    pub logs: bool,
    /// Per-container statistics and charts.
    pub stats: bool,
    /// The engine's inspect (the Details tab).
    pub details: bool,
    /// Update, edit and recreate, roll back.
    pub recreate: bool,
    /// A live (1 Hz) stream of its load beside the recorded history.
    pub live_stats: bool,
    /// A guest's configuration and snapshots (the Proxmox details).
    pub guest_config: bool,
    /// A terminal and one-off commands inside it (an exec).
    pub terminal: bool,
}

/// What a Proxmox VE guest adds to a container: where it runs and what it was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GuestFacts {
    pub node: String,
    #[specta(type = f64)]
    pub vmid: u64,
    pub tags: Vec<String>,
    /// CPUs given, in thousandths (an LXC CPU limit may be fractional).
    pub cpus_milli: u32,
    #[specta(type = f64)]
    pub max_memory: u64,
    #[specta(type = f64)]
    pub max_disk: u64,
    pub template: bool,
    /// A lock Proxmox holds on it (`backup`, `migrate`, `snapshot`, ...).
    pub lock: Option<String>,
    /// When it started, Unix seconds (while it runs).
    #[serde(default)]
    #[specta(type = Option<f64>)]
    pub started_at: Option<i64>,
}

/// A Proxmox VE guest's configuration and snapshots, read when its details are opened.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GuestDetails {
    /// The hostname of an LXC container, the name of a VM.
    pub hostname: Option<String>,
    /// `debian`, `ubuntu`, `alpine`, `l26`, `win11`, ...
    pub os_type: Option<String>,
    pub arch: Option<String>,
    pub cores: Option<u32>,
    /// MiB.
    #[specta(type = Option<f64>)]
    pub memory_mib: Option<u64>,
    /// MiB (LXC only).
    #[specta(type = Option<f64>)]
    pub swap_mib: Option<u64>,
    /// An unprivileged LXC container (`None` for a VM).
    pub unprivileged: Option<bool>,
    /// LXC features (`nesting=1,keyctl=1`), each as `name=value`.
    pub features: Vec<String>,
    pub start_on_boot: bool,
    pub protection: bool,
    pub description: Option<String>,
    /// The root file system and mount points of a container, the disks of a VM.
    pub disks: Vec<GuestDisk>,
    pub networks: Vec<GuestNic>,
    /// Snapshots, oldest first; the current state is not one.
    pub snapshots: Vec<GuestSnapshot>,
    /// What could not be read (a missing privilege, an interface listing the node refused):
    /// the rest is shown, and this said beside it.
    pub notes: Vec<String>,
}

/// A disk of a guest: `rootfs`, `mp0`, `scsi0`, ...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GuestDisk {
    pub key: String,
    /// `local-lvm:vm-101-disk-0`.
    pub volume: String,
    /// As Proxmox writes it (`8G`).
    pub size: Option<String>,
    /// Where a mount point is mounted in the container.
    pub mount_path: Option<String>,
}

/// A network interface of a guest, as configured and (for a running container) as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GuestNic {
    /// `net0`.
    pub key: String,
    /// The interface's name in the guest (`eth0`; a VM's is its model, `virtio`).
    pub name: Option<String>,
    pub bridge: Option<String>,
    pub mac: Option<String>,
    pub vlan: Option<String>,
    pub firewall: bool,
    /// As configured: `dhcp`, `manual`, `10.0.0.5/24`.
    pub ipv4: Option<String>,
    pub ipv6: Option<String>,
    pub gateway: Option<String>,
    /// The addresses it has now (a running LXC container), with their prefix.
    pub addresses: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GuestSnapshot {
    pub name: String,
    pub description: Option<String>,
    /// Unix seconds.
    #[specta(type = Option<f64>)]
    pub taken_at: Option<i64>,
    pub parent: Option<String>,
    /// A VM snapshot that holds its memory too.
    pub with_memory: bool,
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
    pub kind: ContainerKind,
    /// For a Proxmox guest.
    pub guest: Option<GuestFacts>,
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
    #[serde(default)]
    pub kind: ContainerKind,
    #[serde(default)]
    pub guest: Option<GuestFacts>,
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
            kind: self.kind,
            guest: self.guest.clone(),
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
            && self.kind == obs.kind
            && self.guest == obs.guest
    }
}

/// Changes a user may make to Squirrel's own fields of a container.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPatch {
    /// New display name; an empty string clears it.
    pub display_name: Option<String>,
}
