use async_trait::async_trait;
use bollard::query_parameters::{
    InspectContainerOptions, KillContainerOptions, RemoveContainerOptions, RenameContainerOptions,
    RestartContainerOptions, StopContainerOptions,
};
use bollard::Docker;
use squirrel_core::ports::{ContainerDetails, ContainerRuntime, RemoveOptions};
use squirrel_core::EngineError;

use crate::client::{engine_error, SharedClient};
use crate::mapping;

/// Container actions on one Docker engine.
pub struct DockerRuntime {
    client: SharedClient,
}

impl DockerRuntime {
    pub fn new(client: SharedClient) -> Self {
        Self { client }
    }

    fn docker(&self) -> Result<Docker, EngineError> {
        self.client
            .get()
            .ok_or_else(|| EngineError::Unreachable("the engine is not connected".into()))
    }
}

fn timeout(secs: Option<u32>) -> Option<i32> {
    secs.map(|s| i32::try_from(s).unwrap_or(i32::MAX))
}

#[async_trait]
impl ContainerRuntime for DockerRuntime {
    async fn start(&self, id: &str) -> Result<(), EngineError> {
        self.docker()?
            .start_container(id, None)
            .await
            .map_err(engine_error)
    }

    async fn stop(&self, id: &str, timeout_secs: Option<u32>) -> Result<(), EngineError> {
        let options = StopContainerOptions {
            t: timeout(timeout_secs),
            signal: None,
        };
        self.docker()?
            .stop_container(id, Some(options))
            .await
            .map_err(engine_error)
    }

    async fn restart(&self, id: &str, timeout_secs: Option<u32>) -> Result<(), EngineError> {
        let options = RestartContainerOptions {
            t: timeout(timeout_secs),
            signal: None,
        };
        self.docker()?
            .restart_container(id, Some(options))
            .await
            .map_err(engine_error)
    }

    async fn pause(&self, id: &str) -> Result<(), EngineError> {
        self.docker()?
            .pause_container(id)
            .await
            .map_err(engine_error)
    }

    async fn unpause(&self, id: &str) -> Result<(), EngineError> {
        self.docker()?
            .unpause_container(id)
            .await
            .map_err(engine_error)
    }

    async fn kill(&self, id: &str, signal: Option<&str>) -> Result<(), EngineError> {
        let options = KillContainerOptions {
            signal: signal.unwrap_or("SIGKILL").to_string(),
        };
        self.docker()?
            .kill_container(id, Some(options))
            .await
            .map_err(engine_error)
    }

    async fn remove(&self, id: &str, options: RemoveOptions) -> Result<(), EngineError> {
        let options = RemoveContainerOptions {
            v: options.remove_volumes,
            force: options.force,
            link: false,
        };
        self.docker()?
            .remove_container(id, Some(options))
            .await
            .map_err(|e| match engine_error(e) {
                EngineError::Conflict(m) if m.contains("Stop the container") => {
                    EngineError::Conflict(format!(
                        "{m}. Stop it first, or remove it with \"force\"."
                    ))
                }
                other => other,
            })
    }

    async fn rename(&self, id: &str, new_name: &str) -> Result<(), EngineError> {
        let options = RenameContainerOptions {
            name: new_name.to_string(),
        };
        self.docker()?
            .rename_container(id, options)
            .await
            .map_err(engine_error)
    }

    async fn inspect(&self, id: &str) -> Result<ContainerDetails, EngineError> {
        self.docker()?
            .inspect_container(id, None::<InspectContainerOptions>)
            .await
            .map(mapping::details)
            .map_err(engine_error)
    }
}
