//! Images, volumes and networks of a device, and a full sync's snapshot.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use specta::Type;

use super::ContainerObservation;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    pub device_uuid: String,
    pub id: String,
    pub repo_tags: Vec<String>,
    /// `repository@sha256:…` for each repository the image was pulled from or pushed to:
    /// the digests registries gave (empty for an image built or loaded on the device).
    pub repo_digests: Vec<String>,
    #[specta(type = f64)]
    pub size: i64,
    #[specta(type = f64)]
    pub created: i64,
}

/// What a prune of a device's images did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImagePrune {
    /// Image layers and tags removed, as the engine counts them.
    pub deleted: u32,
    #[specta(type = f64)]
    pub reclaimed_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    pub device_uuid: String,
    pub name: String,
    pub driver: String,
    pub mountpoint: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    pub device_uuid: String,
    pub id: String,
    pub name: String,
    pub driver: String,
    pub scope: String,
    pub internal: bool,
}

/// The non-container collections a device holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum InventoryKind {
    Images,
    Volumes,
    Networks,
}

/// Everything a full sync of one device returns.
#[derive(Debug, Clone, Default)]
pub struct InventorySnapshot {
    pub containers: Vec<ContainerObservation>,
    pub images: Vec<Image>,
    pub volumes: Vec<Volume>,
    pub networks: Vec<Network>,
}
