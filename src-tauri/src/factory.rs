use squirrel_core::factory::{kind_of, ComponentFactory, Kind, WatcherComponent, WatcherKind};
use squirrel_core::model::{Device, DeviceConnection, EngineProbe, HostKeyPrompt};
use squirrel_core::{CoreError, CoreResult};
use squirrel_docker::ConnectDeps;

/// Maps a device's kind to the adapter that serves it.
pub struct AppComponentFactory {
    pub docker: ConnectDeps,
}

#[async_trait::async_trait]
impl ComponentFactory for AppComponentFactory {
    async fn probe(&self, connection: &DeviceConnection) -> CoreResult<EngineProbe> {
        match connection.watcher_kind() {
            WatcherKind::Docker => Ok(squirrel_docker::probe(connection, &self.docker).await?),
            WatcherKind::Proxmox => Err(CoreError::Unsupported(
                "Proxmox devices are not supported yet".into(),
            )),
        }
    }

    async fn trust_host_key(&self, prompt: &HostKeyPrompt) -> CoreResult<()> {
        self.docker.host_keys.trust(prompt)
    }

    fn watcher(&self, device: &Device) -> CoreResult<WatcherComponent> {
        match kind_of(device) {
            Kind::Watcher(WatcherKind::Docker) => {
                Ok(squirrel_docker::docker_component(device, &self.docker))
            }
            Kind::Watcher(WatcherKind::Proxmox) => Err(CoreError::Unsupported(
                "Proxmox devices are not supported yet".into(),
            )),
            Kind::Registry(_) => Err(CoreError::Unsupported("a registry is not a watcher".into())),
        }
    }
}
