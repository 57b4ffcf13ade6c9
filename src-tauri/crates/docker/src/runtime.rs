//! Container actions (start, stop, kill, remove, rename, inspect, live stats) on one engine.

use async_trait::async_trait;
use bollard::query_parameters::{
    InspectContainerOptions, KillContainerOptions, PruneImagesOptions, RemoveContainerOptions,
    RemoveImageOptions, RenameContainerOptions, RestartContainerOptions, StatsOptions,
    StopContainerOptions,
};
use bollard::Docker;
use futures_util::StreamExt;
use std::collections::HashMap;

use squirrel_core::model::{ImagePrune, LogQuery};
use squirrel_core::ports::{
    ContainerDetails, ContainerRuntime, EngineFacts, LogLines, RemoveOptions, StatsStream,
};
use squirrel_core::templates::{DeployPlan, PullMessage};
use squirrel_core::updates::{ContainerEdits, RecreateSource, RegistryCredentials, RunState};
use squirrel_core::EngineError;

use crate::client::{engine_error, SharedClient};
use crate::{deploy, logs, mapping, recreate, stats};

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

    fn engine(&self) -> Result<crate::client::Engine, EngineError> {
        self.client
            .engine()
            .ok_or_else(|| EngineError::Unreachable("the engine is not connected".into()))
    }
}

impl DockerRuntime {
    /// A log stream, holding one of the connection's stream slots (viewers' or the
    /// history's) for as long as it lasts where the transport limits them.
    fn limited_logs(
        &self,
        id: &str,
        query: &LogQuery,
        history: bool,
    ) -> Result<LogLines, EngineError> {
        let engine = self
            .client
            .engine()
            .ok_or_else(|| EngineError::Unreachable("the engine is not connected".into()))?;
        let lines = logs::stream(&engine, id, query);
        let Some(slots) = engine.slots else {
            // The history keeps what it reads and can read it a turn late: on the turns
            // thread, a busy container's lines no longer wake a thread each. Over SSH the
            // log's channel belongs to the client's connection, on the app's runtime.
            return Ok(if history {
                crate::turns::in_turns(lines)
            } else {
                lines
            });
        };
        let pool = if history {
            &slots.history
        } else {
            &slots.viewers
        };
        let permit = pool.clone().try_acquire_owned().map_err(|_| {
            EngineError::Busy(if history {
                format!(
                    "the history already follows {} containers of this device over {}, the most it follows on one connection; the others wait for one to stop",
                    slots.each, slots.over
                )
            } else {
                format!(
                    "this device already has {} logs open over {}, the most Squirrel opens on one connection: close one to open another",
                    slots.each, slots.over
                )
            })
        })?;
        // The slot is given back when the stream is dropped.
        Ok(Box::pin(lines.map(move |line| {
            let _held = &permit;
            line
        })))
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

    async fn stats_stream(&self, id: &str) -> Result<StatsStream, EngineError> {
        let docker = self.docker()?;
        // Fail now, in words, when the container is gone or not running.
        let details = docker
            .inspect_container(id, None::<InspectContainerOptions>)
            .await
            .map_err(engine_error)?;
        if !details.state.and_then(|s| s.running).unwrap_or(false) {
            return Err(EngineError::Conflict(format!(
                "container {} is not running",
                details.name.unwrap_or_default().trim_start_matches('/')
            )));
        }
        let readings = docker
            .stats(
                id,
                Some(StatsOptions {
                    stream: true,
                    one_shot: false,
                }),
            )
            // A response without counters means the container stopped: end there.
            .map(|r| {
                r.map(|s| stats::reading(&stats::RawStats::from(&s)))
                    .map_err(engine_error)
            })
            .take_while(|r| std::future::ready(!matches!(r, Ok(None))))
            .filter_map(|r| std::future::ready(r.transpose()));
        Ok(readings.boxed())
    }

    async fn logs(&self, id: &str, query: &LogQuery) -> Result<LogLines, EngineError> {
        self.limited_logs(id, query, false)
    }

    async fn logs_for_history(&self, id: &str, query: &LogQuery) -> Result<LogLines, EngineError> {
        self.limited_logs(id, query, true)
    }

    async fn open_terminal(
        &self,
        id: &str,
        request: &squirrel_core::model::TerminalRequest,
    ) -> Result<squirrel_core::ports::TerminalIo, EngineError> {
        let engine = self
            .client
            .engine()
            .ok_or_else(|| EngineError::Unreachable("the engine is not connected".into()))?;
        crate::exec::open_terminal(&engine, id, request).await
    }

    async fn run_command(
        &self,
        id: &str,
        argv: &[String],
        user: Option<&str>,
        working_dir: Option<&str>,
        limit: std::time::Duration,
    ) -> Result<squirrel_core::model::CommandRun, EngineError> {
        let engine = self
            .client
            .engine()
            .ok_or_else(|| EngineError::Unreachable("the engine is not connected".into()))?;
        crate::exec::run_command(&engine, id, argv, user, working_dir, limit).await
    }

    async fn download_path(
        &self,
        id: &str,
        path: &str,
        dest: &std::path::Path,
    ) -> Result<squirrel_core::model::FileTransfer, EngineError> {
        crate::files::download(&self.engine()?, id, path, dest).await
    }

    async fn download_archive(
        &self,
        id: &str,
        path: &str,
        file: &std::path::Path,
    ) -> Result<squirrel_core::model::FileTransfer, EngineError> {
        crate::files::download_archive(&self.engine()?, id, path, file).await
    }

    async fn list_dir(
        &self,
        id: &str,
        path: &str,
    ) -> Result<squirrel_core::model::DirListing, EngineError> {
        crate::files::list_dir(&self.engine()?, id, path).await
    }

    async fn preview_file(
        &self,
        id: &str,
        path: &str,
    ) -> Result<squirrel_core::model::FilePreview, EngineError> {
        crate::files::preview(&self.engine()?, id, path).await
    }

    async fn upload_paths(
        &self,
        id: &str,
        sources: &[std::path::PathBuf],
        into: &str,
    ) -> Result<squirrel_core::model::FileTransfer, EngineError> {
        crate::files::upload(&self.engine()?, id, sources, into).await
    }

    async fn deploy_facts(&self) -> Result<EngineFacts, EngineError> {
        deploy::facts(&self.docker()?).await
    }

    async fn image_present(&self, image: &str) -> Result<bool, EngineError> {
        deploy::image_present(&self.docker()?, image).await
    }

    async fn pull_image(
        &self,
        image: &str,
        credentials: Option<&RegistryCredentials>,
        progress: &(dyn Fn(PullMessage) + Send + Sync),
    ) -> Result<(), EngineError> {
        deploy::pull(&self.docker()?, image, credentials, progress).await
    }

    async fn create_container(&self, plan: &DeployPlan) -> Result<String, EngineError> {
        deploy::create(&self.docker()?, plan).await
    }

    async fn remove_volume(&self, name: &str) -> Result<(), EngineError> {
        deploy::remove_volume(&self.docker()?, name).await
    }

    async fn remove_image(&self, image: &str, force: bool) -> Result<(), EngineError> {
        let options = RemoveImageOptions {
            force,
            noprune: false,
            platforms: None,
        };
        self.docker()?
            .remove_image(image, Some(options), None)
            .await
            .map(|_| ())
            .map_err(|e| match engine_error(e) {
                EngineError::Conflict(m) => EngineError::Conflict(format!(
                    "{m}. Remove the containers that use it first, or remove it with \"force\"."
                )),
                other => other,
            })
    }

    async fn recreate_source(&self, id: &str) -> Result<RecreateSource, EngineError> {
        recreate::source(&self.docker()?, id).await
    }

    async fn create_like(
        &self,
        source_id: &str,
        name: &str,
        image: &str,
        edits: &ContainerEdits,
    ) -> Result<String, EngineError> {
        recreate::create_like(&self.docker()?, source_id, name, image, edits).await
    }

    async fn run_state(&self, id: &str) -> Result<RunState, EngineError> {
        recreate::run_state(&self.docker()?, id).await
    }

    async fn image_id(&self, reference: &str) -> Result<Option<String>, EngineError> {
        match self.docker()?.inspect_image(reference).await {
            Ok(image) => Ok(image.id),
            Err(e) => match engine_error(e) {
                EngineError::NoSuchObject(_) => Ok(None),
                other => Err(other),
            },
        }
    }

    async fn tag_image(&self, image: &str, reference: &str) -> Result<(), EngineError> {
        let parsed = squirrel_core::templates::ImageRef::parse(reference)
            .map_err(|e| EngineError::BadRequest(format!("cannot tag as {reference}: {e}")))?;
        let repo = match &parsed.registry {
            Some(registry) => format!("{registry}/{}", parsed.repository),
            None => parsed.repository.clone(),
        };
        let options = bollard::query_parameters::TagImageOptions {
            repo: Some(repo),
            tag: Some(parsed.tag.clone().unwrap_or_else(|| "latest".into())),
        };
        self.docker()?
            .tag_image(image, Some(options))
            .await
            .map_err(engine_error)
    }

    async fn prune_images(&self, all: bool) -> Result<ImagePrune, EngineError> {
        // The engine prunes dangling images unless told `dangling=false` (docker image prune -a).
        let filters = HashMap::from([(
            "dangling".to_string(),
            vec![if all { "false" } else { "true" }.to_string()],
        )]);
        let done = self
            .docker()?
            .prune_images(Some(PruneImagesOptions {
                filters: Some(filters),
            }))
            .await
            .map_err(engine_error)?;
        Ok(ImagePrune {
            deleted: u32::try_from(done.images_deleted.map_or(0, |d| d.len())).unwrap_or(u32::MAX),
            reclaimed_bytes: u64::try_from(done.space_reclaimed.unwrap_or(0)).unwrap_or(0),
        })
    }
}
