//! Squirrel's domain layer: entities, ports, services, the watcher engine and the event bus.
//!
//! No Tauri, sqlx, bollard or reqwest here: adapters implement [`ports`], the app wires them.

pub mod backoff;
pub mod clock;
pub mod engine;
pub mod error;
pub mod events;
pub mod factory;
pub mod model;
pub mod ports;
pub mod reconcile;
pub mod rules;
pub mod secrets;
pub mod services;
pub mod templates;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod updates;

pub use engine::WatcherEngine;
pub use error::{CoreError, CoreResult, EngineError};
pub use events::{DomainEvent, EventBus};
pub use services::{
    ContainerService, CoreServices, DeviceService, InventoryService, Ports, StatsRecorder,
    StatsService,
};
