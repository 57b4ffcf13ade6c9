use squirrel_core::factory::{kind_of, ComponentFactory, Kind, WatcherComponent, WatcherKind};
use squirrel_core::model::{Device, DeviceConnection, EngineProbe};
use squirrel_core::{CoreError, CoreResult};

/// Maps a device's kind to the adapter that serves it.
pub struct AppComponentFactory;

#[async_trait::async_trait]
impl ComponentFactory for AppComponentFactory {
    async fn probe(&self, connection: &DeviceConnection) -> Result<EngineProbe, String> {
        match connection.watcher_kind() {
            WatcherKind::Docker => squirrel_docker::probe(connection).await,
            WatcherKind::Proxmox => Err("Proxmox devices are not supported yet".into()),
        }
    }

    fn watcher(&self, device: &Device) -> CoreResult<WatcherComponent> {
        match kind_of(device) {
            Kind::Watcher(WatcherKind::Docker) => Ok(squirrel_docker::docker_component(device)),
            Kind::Watcher(WatcherKind::Proxmox) => Err(CoreError::Unsupported(
                "Proxmox devices are not supported yet".into(),
            )),
            Kind::Registry(_) => Err(CoreError::Unsupported("a registry is not a watcher".into())),
        }
    }
}
