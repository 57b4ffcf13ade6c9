//! Application services: the use cases, written against the ports.

mod containers;
mod devices;
mod inventory;
mod stats;
mod templates;
mod wiring;

#[cfg(test)]
mod tests;

pub use containers::{ContainerAction, ContainerService};
pub use devices::{DeviceService, DeviceSummary};
pub use inventory::InventoryService;
pub use stats::{StatsRecorder, StatsService, ROLLUP_PERIOD};
pub use templates::{DeploySink, TemplateService};
pub use wiring::{CoreServices, Ports};
