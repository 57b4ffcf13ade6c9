//! Application services: the use cases, written against the ports.

mod containers;
mod devices;
mod inventory;
mod log_history;
mod logs;
mod pull;
mod recreate;
mod registries;
mod stats;
mod templates;
mod terminal;
mod updates;
mod wiring;

#[cfg(test)]
mod tests;

pub use containers::{ContainerAction, ContainerService};
pub use devices::{DeviceService, DeviceSummary};
pub use inventory::InventoryService;
pub use log_history::{LogHistoryService, FIRST_TAIL};
pub use logs::{
    LogSink, LogsService, MAX_BATCH_LINES, MAX_BUFFERED_BYTES, MAX_BUFFERED_LINES, MAX_IN_FLIGHT,
};
pub use pull::pull_with_progress;
pub use recreate::{RecreateRequest, RecreateService};
pub use registries::RegistriesService;
pub use stats::{StatsRecorder, StatsService, ROLLUP_PERIOD};
pub use templates::{DeploySink, TemplateService};
pub use terminal::{TerminalService, TerminalSink, WINDOW as TERMINAL_WINDOW};
pub use updates::UpdateService;
pub use wiring::{CoreServices, Ports};
