//! The services wired to each other over their ports: the one place that builds them.
//! Adapters are chosen by the caller (the app crate, or core's own tests with in-memory
//! ports); nothing here knows Tauri, SQLite or Docker.

use std::sync::Arc;

use crate::clock::Clock;
use crate::engine::WatcherEngine;
use crate::events::EventBus;
use crate::factory::ComponentFactory;
use crate::ports::Repositories;
use crate::secrets::SecretStore;
use crate::services::{
    ContainerService, DeviceService, InventoryService, LogsService, StatsRecorder, StatsService,
    TerminalService,
};

/// The adapters the services run on.
#[derive(Clone)]
pub struct Ports {
    pub repos: Arc<dyn Repositories>,
    pub secrets: Arc<dyn SecretStore>,
    pub clock: Arc<dyn Clock>,
    pub factory: Arc<dyn ComponentFactory>,
    pub bus: EventBus,
}

/// Every service, built once. Cheap handles: the services are shared `Arc`s.
pub struct CoreServices {
    pub ports: Ports,
    pub inventory: Arc<InventoryService>,
    pub engine: Arc<WatcherEngine>,
    pub recorder: Arc<StatsRecorder>,
    pub containers: Arc<ContainerService>,
    pub devices: Arc<DeviceService>,
    pub stats: Arc<StatsService>,
    pub logs: Arc<LogsService>,
    pub terminals: Arc<TerminalService>,
}

impl CoreServices {
    pub fn new(ports: Ports) -> Self {
        let Ports {
            repos,
            secrets,
            clock,
            factory,
            bus,
        } = ports.clone();
        let inventory = Arc::new(InventoryService::new(
            repos.clone(),
            bus.clone(),
            clock.clone(),
        ));
        let recorder = Arc::new(StatsRecorder::new(
            repos.clone(),
            bus.clone(),
            clock.clone(),
        ));
        let engine = Arc::new(
            WatcherEngine::new(factory, inventory.clone()).with_stats_sink(recorder.clone()),
        );
        let containers = Arc::new(ContainerService::new(
            repos.clone(),
            engine.clone(),
            inventory.clone(),
        ));
        Self {
            logs: Arc::new(LogsService::new(repos.clone(), engine.clone(), bus)),
            terminals: Arc::new(TerminalService::new(containers.clone())),
            containers,
            devices: Arc::new(DeviceService::new(
                repos,
                engine.clone(),
                inventory.clone(),
                secrets,
                recorder.clone(),
                clock.clone(),
            )),
            stats: Arc::new(StatsService::new(
                recorder.clone(),
                engine.clone(),
                inventory.clone(),
                clock,
            )),
            ports,
            inventory,
            engine,
            recorder,
        }
    }

    pub fn repos(&self) -> &Arc<dyn Repositories> {
        &self.ports.repos
    }

    pub fn bus(&self) -> &EventBus {
        &self.ports.bus
    }
}
