//! The inventory service: stores what watchers observe (reconciled against the store) and
//! publishes each change on the bus; keeps every device's connection status.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;

use crate::clock::Clock;
use crate::error::CoreResult;
use crate::events::{DomainEvent, EventBus};
use crate::model::{
    ClusterNode, ContainerObservation, ContainerState, DeviceStatus, Image, InventoryKind,
    InventorySnapshot, Network, Volume,
};
use crate::ports::{ContainerChanges, InventorySink, Repositories};
use crate::reconcile::{diff_snapshot, merge};

/// A device's connection status, and since when it is not online.
struct Presence {
    status: DeviceStatus,
    /// Unix milliseconds at which the device stopped being online; `None` while it is online,
    /// or when it has not been online since the app started.
    offline_since: Option<i64>,
}

/// Stores what watchers observe, then publishes it on the bus.
///
/// Device statuses are runtime state, kept in memory (a std `RwLock`: never held across an
/// await).
pub struct InventoryService {
    repos: Arc<dyn Repositories>,
    bus: EventBus,
    clock: Arc<dyn Clock>,
    statuses: RwLock<HashMap<String, Presence>>,
    /// The nodes of each cluster device, as its watcher read them last.
    nodes: RwLock<HashMap<String, Vec<ClusterNode>>>,
}

impl InventoryService {
    pub fn new(repos: Arc<dyn Repositories>, bus: EventBus, clock: Arc<dyn Clock>) -> Self {
        Self {
            repos,
            bus,
            clock,
            statuses: RwLock::new(HashMap::new()),
            nodes: RwLock::new(HashMap::new()),
        }
    }

    pub fn bus(&self) -> &EventBus {
        &self.bus
    }

    pub fn status(&self, device_uuid: &str) -> DeviceStatus {
        self.statuses
            .read()
            .ok()
            .and_then(|s| s.get(device_uuid).map(|p| p.status.clone()))
            .unwrap_or(DeviceStatus::Connecting)
    }

    /// Unix milliseconds at which the device stopped being online: its last known inventory
    /// is as of then. `None` while it is online, or if it has not been online since the app
    /// started.
    pub fn offline_since(&self, device_uuid: &str) -> Option<i64> {
        self.statuses
            .read()
            .ok()
            .and_then(|s| s.get(device_uuid).and_then(|p| p.offline_since))
    }

    /// Marks a device unreachable with `reason` (e.g. its watcher could not be built).
    pub async fn set_status_reason(&self, device_uuid: &str, reason: String) {
        self.set_status(device_uuid, DeviceStatus::Unreachable { reason })
            .await;
    }

    pub fn forget(&self, device_uuid: &str) {
        if let Ok(mut s) = self.statuses.write() {
            s.remove(device_uuid);
        }
        if let Ok(mut n) = self.nodes.write() {
            n.remove(device_uuid);
        }
    }

    /// A cluster device's nodes as last read (none for a Docker engine).
    pub fn nodes(&self, device_uuid: &str) -> Vec<ClusterNode> {
        self.nodes
            .read()
            .ok()
            .and_then(|n| n.get(device_uuid).cloned())
            .unwrap_or_default()
    }

    async fn apply(&self, device_uuid: &str, changes: ContainerChanges) -> CoreResult<()> {
        if changes.upserts.is_empty() && changes.removals.is_empty() {
            return Ok(());
        }
        self.repos.apply_container_changes(&changes).await?;
        for uuid in changes.removals {
            self.bus.publish(DomainEvent::ContainerRemoved {
                uuid,
                device_uuid: device_uuid.to_string(),
            });
        }
        for container in changes.upserts {
            self.bus.publish(DomainEvent::ContainerUpserted {
                container: Box::new(container),
            });
        }
        Ok(())
    }

    fn touched(&self, device_uuid: &str, kind: InventoryKind) {
        self.bus.publish(DomainEvent::InventoryChanged {
            device_uuid: device_uuid.to_string(),
            kind,
        });
    }
}

#[async_trait]
impl InventorySink for InventoryService {
    async fn set_nodes(&self, device_uuid: &str, nodes: Vec<ClusterNode>) {
        let changed = match self.nodes.write() {
            Ok(mut all) => {
                let changed = all.get(device_uuid) != Some(&nodes);
                if changed {
                    all.insert(device_uuid.to_string(), nodes.clone());
                }
                changed
            }
            Err(_) => false,
        };
        if changed {
            self.bus.publish(DomainEvent::DeviceNodesChanged {
                device_uuid: device_uuid.to_string(),
                nodes,
            });
        }
    }

    async fn set_status(&self, device_uuid: &str, status: DeviceStatus) {
        let now = self.clock.now_ms();
        let changed = match self.statuses.write() {
            Ok(mut s) => {
                let old = s.get(device_uuid);
                let changed = old.map(|p| &p.status) != Some(&status);
                let offline_since = match old {
                    _ if status.is_online() => None,
                    Some(p) if p.status.is_online() => Some(now),
                    Some(p) => p.offline_since,
                    None => None,
                };
                s.insert(
                    device_uuid.to_string(),
                    Presence {
                        status: status.clone(),
                        offline_since,
                    },
                );
                changed
            }
            Err(_) => true,
        };
        if changed {
            tracing::info!(device = %device_uuid, ?status, "device status");
            self.bus.publish(DomainEvent::DeviceStatusChanged {
                device_uuid: device_uuid.to_string(),
                status,
            });
        }
    }

    async fn sync_snapshot(
        &self,
        device_uuid: &str,
        snapshot: InventorySnapshot,
    ) -> CoreResult<()> {
        let stored = self.repos.list_device_containers(device_uuid).await?;
        let changes = diff_snapshot(
            device_uuid,
            stored,
            snapshot.containers,
            self.clock.now_ms(),
        );
        self.apply(device_uuid, changes).await?;
        self.images_replaced(device_uuid, snapshot.images).await?;
        self.volumes_replaced(device_uuid, snapshot.volumes).await?;
        self.networks_replaced(device_uuid, snapshot.networks).await
    }

    async fn container_observed(
        &self,
        device_uuid: &str,
        obs: ContainerObservation,
    ) -> CoreResult<()> {
        let prev = self
            .repos
            .find_container(device_uuid, &obs.engine_id)
            .await?;
        if prev.as_ref().is_some_and(|p| p.matches(&obs)) {
            return Ok(());
        }
        let container = merge(device_uuid, prev.as_ref(), obs, self.clock.now_ms());
        self.apply(
            device_uuid,
            ContainerChanges {
                upserts: vec![container],
                removals: vec![],
            },
        )
        .await
    }

    async fn container_gone(&self, device_uuid: &str, engine_id: &str) -> CoreResult<()> {
        let Some(prev) = self.repos.find_container(device_uuid, engine_id).await? else {
            return Ok(());
        };
        self.apply(
            device_uuid,
            ContainerChanges {
                upserts: vec![],
                removals: vec![prev.uuid],
            },
        )
        .await
    }

    async fn container_transition(
        &self,
        device_uuid: &str,
        engine_id: &str,
        state: ContainerState,
        exit_code: Option<i32>,
    ) -> CoreResult<()> {
        let Some(prev) = self.repos.find_container(device_uuid, engine_id).await? else {
            return Ok(());
        };
        let mut obs = prev.observation();
        obs.state = state;
        obs.exit_code = exit_code.filter(|_| state == ContainerState::Exited);
        if prev.matches(&obs) {
            return Ok(());
        }
        let container = merge(device_uuid, Some(&prev), obs, self.clock.now_ms());
        self.apply(
            device_uuid,
            ContainerChanges {
                upserts: vec![container],
                removals: vec![],
            },
        )
        .await
    }

    async fn images_replaced(&self, device_uuid: &str, images: Vec<Image>) -> CoreResult<()> {
        let stored = self.repos.list_images(Some(device_uuid)).await?;
        if !same_set(&stored, &images, |i| i.id.clone()) {
            self.repos.replace_images(device_uuid, &images).await?;
            self.touched(device_uuid, InventoryKind::Images);
        }
        Ok(())
    }

    async fn volumes_replaced(&self, device_uuid: &str, volumes: Vec<Volume>) -> CoreResult<()> {
        let stored = self.repos.list_volumes(Some(device_uuid)).await?;
        if !same_set(&stored, &volumes, |v| v.name.clone()) {
            self.repos.replace_volumes(device_uuid, &volumes).await?;
            self.touched(device_uuid, InventoryKind::Volumes);
        }
        Ok(())
    }

    async fn networks_replaced(&self, device_uuid: &str, networks: Vec<Network>) -> CoreResult<()> {
        let stored = self.repos.list_networks(Some(device_uuid)).await?;
        if !same_set(&stored, &networks, |n| n.id.clone()) {
            self.repos.replace_networks(device_uuid, &networks).await?;
            self.touched(device_uuid, InventoryKind::Networks);
        }
        Ok(())
    }
}

/// Equal as sets keyed by `key`, with equal items.
fn same_set<T: PartialEq, K: Ord>(a: &[T], b: &[T], key: impl Fn(&T) -> K) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut a: Vec<&T> = a.iter().collect();
    let mut b: Vec<&T> = b.iter().collect();
    a.sort_by_key(|x| key(x));
    b.sort_by_key(|x| key(x));
    a == b
}
