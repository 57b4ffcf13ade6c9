//! Docker Engine adapter for Squirrel: connects with bollard, maps the Engine API to the
//! domain, follows `/events` and acts on containers.

mod backoff;
mod client;
pub mod contexts;
mod mapping;
mod rfc3339;
mod runtime;
pub mod ssh;
pub mod stats;
mod watcher;

use std::sync::Arc;

use squirrel_core::factory::WatcherComponent;
use squirrel_core::model::Device;

pub use backoff::Backoff;
pub use client::{describe_error, probe, ConnectDeps, ConnectError, SharedClient};
pub use mapping::parse_status_line;
pub use runtime::DockerRuntime;
pub use watcher::{fetch_snapshot, full_sync, DockerWatcher};

/// The watcher and runtime for a Docker device, sharing one client.
pub fn docker_component(device: &Device, deps: &ConnectDeps) -> WatcherComponent {
    let client = SharedClient::default();
    WatcherComponent {
        watcher: Box::new(DockerWatcher::new(
            device.connection.clone(),
            client.clone(),
            deps.clone(),
        )),
        runtime: Arc::new(DockerRuntime::new(client)),
    }
}
