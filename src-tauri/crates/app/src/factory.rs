//! The component factory: each kind of device to the driver of its adapter crate.

use std::sync::Arc;

use squirrel_core::factory::{ComponentFactory, DeviceDriver, WatcherKind};
use squirrel_core::CoreResult;
use squirrel_docker::DockerDriver;
use squirrel_proxmox::ProxmoxDriver;

/// One driver per kind, built once.
pub struct AppComponentFactory {
    pub docker: Arc<DockerDriver>,
    pub proxmox: Arc<ProxmoxDriver>,
}

impl ComponentFactory for AppComponentFactory {
    fn driver(&self, kind: WatcherKind) -> CoreResult<Arc<dyn DeviceDriver>> {
        match kind {
            WatcherKind::Docker => Ok(self.docker.clone()),
            WatcherKind::Proxmox => Ok(self.proxmox.clone()),
        }
    }
}
