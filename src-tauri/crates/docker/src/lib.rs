//! Docker Engine adapter for Squirrel: connects with bollard, maps the Engine API to the
//! domain, follows `/events` and acts on containers.

pub mod archive;
mod client;
pub mod contexts;
mod deploy;
mod driver;
#[cfg(test)]
mod engine_json_props;
mod exec;
mod files;
mod http;
mod http1;
mod keepalive;
mod log_reader;
pub mod logs;
mod mapping;
mod recreate;
mod rfc3339;
mod runtime;
pub mod ssh;
pub mod stats;
mod tcp;
mod transfer;
mod turns;
mod unix;
mod watcher;

pub use client::{
    describe_error, probe, ConnectDeps, ConnectError, SharedClient, StreamSlots, Timeouts,
};
pub use driver::DockerDriver;
pub use mapping::parse_status_line;
pub use runtime::DockerRuntime;
pub use squirrel_core::backoff::Backoff;
pub use watcher::{fetch_snapshot, full_sync, DockerWatcher};
