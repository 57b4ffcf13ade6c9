//! Domain entities. Plain data: no I/O, no framework types.

mod container;
mod device;
mod inventory;

pub use container::{
    Container, ContainerObservation, ContainerPatch, ContainerState, MountPoint, PortMapping,
};
pub use device::{
    ConnectionOrReason, Device, DeviceConnection, DevicePatch, DeviceStatus, DiscoveredEngine,
    EngineProbe, HostKeyPrompt, ImportOutcome, ImportResult, NewDevice, SecretRef, SshAuth,
    TlsFiles,
};
pub use inventory::{Image, InventoryKind, InventorySnapshot, Network, Volume};
