//! The Docker device driver: what the component factory builds for every Docker device
//! (local socket, TCP/TLS, SSH), and the SSH host-key approval it is capable of.

use std::sync::Arc;

use async_trait::async_trait;
use squirrel_core::factory::{DeviceDriver, IdentityApproval, WatcherComponent};
use squirrel_core::model::{Device, DeviceConnection, EngineProbe, HostKeyPrompt};
use squirrel_core::secrets::{Secret, TypedSecret};
use squirrel_core::CoreResult;

use crate::client::{probe, ConnectDeps, SharedClient};
use crate::runtime::DockerRuntime;
use crate::watcher::DockerWatcher;

/// Builds Docker watchers and runtimes, probes engines, approves SSH host keys.
pub struct DockerDriver {
    deps: ConnectDeps,
}

impl DockerDriver {
    pub fn new(deps: ConnectDeps) -> Self {
        Self { deps }
    }
}

#[async_trait]
impl DeviceDriver for DockerDriver {
    /// The watcher and runtime of one device share one client: the runtime acts only while
    /// the watcher holds a live connection.
    fn watcher(&self, device: &Device) -> CoreResult<WatcherComponent> {
        let client = SharedClient::default();
        Ok(WatcherComponent {
            watcher: Box::new(DockerWatcher::new(
                device.connection.clone(),
                client.clone(),
                self.deps.clone(),
            )),
            runtime: Arc::new(DockerRuntime::new(client)),
        })
    }

    /// A secret typed for the test is read from memory ([`TypedSecret`]), never stored.
    async fn probe(
        &self,
        connection: &DeviceConnection,
        typed: Option<Secret>,
    ) -> CoreResult<EngineProbe> {
        let deps = match typed {
            Some(typed) => ConnectDeps {
                secrets: Arc::new(TypedSecret::new(self.deps.secrets.clone(), typed)),
                ..self.deps.clone()
            },
            None => self.deps.clone(),
        };
        Ok(probe(connection, &deps).await?)
    }

    fn identity_approval(&self) -> Option<&dyn IdentityApproval> {
        Some(self)
    }
}

#[async_trait]
impl IdentityApproval for DockerDriver {
    async fn approve(&self, prompt: &HostKeyPrompt) -> CoreResult<()> {
        self.deps.host_keys.trust(prompt)
    }
}
