//! Application services: the use cases, written against the ports.

mod containers;
mod devices;
mod inventory;
mod stats;

pub use containers::{ContainerAction, ContainerFilter, ContainerService};
pub use devices::{DeviceService, DeviceSummary, DEFAULT_RESYNC_SECS, DEFAULT_STATS_SECS};
pub use inventory::InventoryService;
pub use stats::{StatsRecorder, StatsService, ROLLUP_PERIOD};
