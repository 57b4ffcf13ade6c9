//! Application services: the use cases, written against the ports.

mod containers;
mod devices;
mod inventory;

pub use containers::{ContainerAction, ContainerFilter, ContainerService};
pub use devices::{DeviceService, DeviceSummary, DEFAULT_RESYNC_SECS};
pub use inventory::InventoryService;
