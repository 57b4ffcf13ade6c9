//! The in-process event bus: typed domain events on a tokio broadcast channel.

use serde::{Deserialize, Serialize};
use specta::Type;
use tokio::sync::broadcast;

use crate::model::{
    Container, ContainerLoad, DeviceLoad, DeviceStatus, InventoryKind, StatsSample,
};

/// Something changed in the inventory. Published after the change is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum DomainEvent {
    /// A container appeared or changed.
    #[serde(rename_all = "camelCase")]
    ContainerUpserted { container: Box<Container> },
    /// A container is gone from its engine.
    #[serde(rename_all = "camelCase")]
    ContainerRemoved { uuid: String, device_uuid: String },
    #[serde(rename_all = "camelCase")]
    DeviceStatusChanged {
        device_uuid: String,
        status: DeviceStatus,
    },
    /// Devices were added, edited or removed.
    DevicesChanged,
    /// A cluster's nodes or their health changed (a Proxmox VE device).
    #[serde(rename_all = "camelCase")]
    DeviceNodesChanged {
        device_uuid: String,
        nodes: Vec<crate::model::ClusterNode>,
    },
    /// A device's images, volumes or networks changed.
    #[serde(rename_all = "camelCase")]
    InventoryChanged {
        device_uuid: String,
        kind: InventoryKind,
    },
    /// A device's stats round was stored: its summed load and each running container's.
    #[serde(rename_all = "camelCase")]
    StatsRecorded {
        load: DeviceLoad,
        containers: Vec<ContainerLoad>,
    },
    /// Earlier history of a container was stored (a Proxmox guest's recorded load): its
    /// charts are read again.
    #[serde(rename_all = "camelCase")]
    HistoryBackfilled {
        container_uuid: String,
        samples: u32,
    },
    /// What the window receives in place of [`StatsRecorded`](Self::StatsRecorded): the
    /// device's load, the loads whose shown values changed since the last round the window
    /// got (all of them after a reset), and the containers that left the round. Made by the
    /// window's forwarder, never published on the bus.
    #[serde(rename_all = "camelCase")]
    StatsChanged {
        load: DeviceLoad,
        changed: Vec<ContainerLoad>,
        gone: Vec<String>,
    },
    /// One live (1 Hz) sample for an open chart.
    #[serde(rename_all = "camelCase")]
    LiveStats {
        subscription: u32,
        container_uuid: String,
        sample: Box<StatsSample>,
    },
    /// The log history's timelines changed (a container's removal was recorded).
    HistoryChanged,
    /// An update check finished: its findings are read with `last_update_check`.
    #[serde(rename_all = "camelCase")]
    UpdatesChecked {
        #[specta(type = f64)]
        checked_at: i64,
        /// Containers with something newer.
        available: u32,
    },
    /// A recreate that Squirrel stopped in the middle of was settled at its next start.
    #[serde(rename_all = "camelCase")]
    RecreateRecovered {
        recovery: crate::updates::RecreateRecovery,
    },
    /// A live stream ended (the container stopped, or the engine went away).
    #[serde(rename_all = "camelCase")]
    LiveStatsEnded {
        subscription: u32,
        container_uuid: String,
        reason: String,
    },
}

/// A cheap-to-clone handle on the bus. Slow subscribers lag and are told so by tokio;
/// they recover by reloading from the store.
#[derive(Debug, Clone)]
pub struct EventBus {
    sender: broadcast::Sender<DomainEvent>,
}

impl EventBus {
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity);
        Self { sender }
    }

    pub fn publish(&self, event: DomainEvent) {
        // No subscriber is not an error: nobody is looking.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DomainEvent> {
        self.sender.subscribe()
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new(4096)
    }
}
