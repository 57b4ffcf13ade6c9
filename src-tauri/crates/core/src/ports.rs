//! Ports: the traits that adapters (storage, engines) implement.

use async_trait::async_trait;

use crate::error::{CoreResult, EngineError};
use crate::model::{
    Container, ContainerObservation, ContainerSample, ContainerSeries, Device, DeviceLoad,
    DeviceStateCount, DeviceStatus, EngineSample, FleetSeries, HistoryPage, HistoryQuery,
    HistoryTrim, Image, KeepSetting, LogLine, LogTimeline, Network, RollupReport, StatsReading,
    StatsRetention, StatsSample, StatsTier, Volume,
};
use crate::templates::deploy::PullMessage;
use crate::templates::sources::{Fetched, MyTemplate, TemplateSource};
use crate::templates::DeployPlan;

#[async_trait]
pub trait DeviceRepository: Send + Sync {
    async fn list_devices(&self) -> CoreResult<Vec<Device>>;
    async fn get_device(&self, uuid: &str) -> CoreResult<Option<Device>>;
    async fn insert_device(&self, device: &Device) -> CoreResult<()>;
    async fn update_device(&self, device: &Device) -> CoreResult<()>;
    /// Deletes the device and everything inventoried on it.
    async fn delete_device(&self, uuid: &str) -> CoreResult<()>;
}

/// A batch of container changes for one device, applied atomically.
#[derive(Debug, Default)]
pub struct ContainerChanges {
    /// Containers to insert or update (their `uuid` is already decided).
    pub upserts: Vec<Container>,
    /// Squirrel uuids of containers to delete.
    pub removals: Vec<String>,
}

#[async_trait]
pub trait ContainerRepository: Send + Sync {
    async fn list_containers(&self) -> CoreResult<Vec<Container>>;
    async fn list_device_containers(&self, device_uuid: &str) -> CoreResult<Vec<Container>>;
    /// `(engine id, uuid)` of each of a device's containers: what a stats round needs to
    /// name its samples, without reading every row whole.
    async fn device_container_ids(&self, device_uuid: &str) -> CoreResult<Vec<(String, String)>>;
    async fn get_container(&self, uuid: &str) -> CoreResult<Option<Container>>;
    async fn find_container(
        &self,
        device_uuid: &str,
        engine_id: &str,
    ) -> CoreResult<Option<Container>>;
    async fn apply_container_changes(&self, changes: &ContainerChanges) -> CoreResult<()>;
    async fn set_display_name(&self, uuid: &str, display_name: Option<&str>) -> CoreResult<()>;
    /// How many containers each device has in each state, on one device or all.
    async fn count_by_device_and_state(
        &self,
        device_uuid: Option<&str>,
    ) -> CoreResult<Vec<DeviceStateCount>>;
}

#[async_trait]
pub trait InventoryRepository: Send + Sync {
    async fn list_images(&self, device_uuid: Option<&str>) -> CoreResult<Vec<Image>>;
    async fn list_volumes(&self, device_uuid: Option<&str>) -> CoreResult<Vec<Volume>>;
    async fn list_networks(&self, device_uuid: Option<&str>) -> CoreResult<Vec<Network>>;
    async fn replace_images(&self, device_uuid: &str, images: &[Image]) -> CoreResult<()>;
    async fn replace_volumes(&self, device_uuid: &str, volumes: &[Volume]) -> CoreResult<()>;
    async fn replace_networks(&self, device_uuid: &str, networks: &[Network]) -> CoreResult<()>;
}

/// Stored statistics: raw samples and their rollups.
#[async_trait]
pub trait StatsRepository: Send + Sync {
    /// Stores one collection round of one device in one transaction: every container's
    /// sample and the device's summed load. Samples of containers no longer stored are
    /// dropped.
    async fn insert_samples(
        &self,
        load: &DeviceLoad,
        samples: &[ContainerSample],
    ) -> CoreResult<()>;
    /// The newest stored sample of a container (cumulative byte counts are not stored).
    async fn latest_sample(&self, container_uuid: &str) -> CoreResult<Option<StatsSample>>;
    /// A container's history in `[from, to)`, bucketed by `step` seconds from `tier`
    /// (falling back to finer tiers where the rollups have not caught up yet).
    async fn container_series(
        &self,
        container_uuid: &str,
        from: i64,
        to: i64,
        step: i64,
        tier: StatsTier,
    ) -> CoreResult<ContainerSeries>;
    /// The load of all devices (or one), bucketed likewise.
    async fn fleet_series(
        &self,
        device_uuid: Option<&str>,
        from: i64,
        to: i64,
        step: i64,
        tier: StatsTier,
    ) -> CoreResult<FleetSeries>;
    /// Rolls finished minutes and hours up, then deletes what the retention no longer
    /// keeps. `now` is Unix seconds (tests pass their own clock).
    async fn rollup(&self, now: i64, retention: &StatsRetention) -> CoreResult<RollupReport>;
    /// Stores history from before a container was followed (or while Squirrel was not
    /// running): each sample only where its minute holds nothing yet, and rolls the tiers
    /// the rollups have passed over again for this container. Returns how many were stored.
    async fn backfill_samples(
        &self,
        _container_uuid: &str,
        _samples: &[StatsSample],
    ) -> CoreResult<usize> {
        Ok(0)
    }
    async fn retention(&self) -> CoreResult<StatsRetention>;
    async fn set_retention(&self, retention: &StatsRetention) -> CoreResult<()>;
}

/// Catalogue sources the user added and the user's own templates.
#[async_trait]
pub trait TemplateRepository: Send + Sync {
    /// Every source without its stored copy (`body` is `None`): listing reads no blob.
    async fn list_sources(&self) -> CoreResult<Vec<TemplateSource>>;
    /// One source, stored copy included.
    async fn get_source(&self, uuid: &str) -> CoreResult<Option<TemplateSource>>;
    /// A source's stored copy alone.
    async fn source_body(&self, uuid: &str) -> CoreResult<Option<Vec<u8>>>;
    async fn insert_source(&self, source: &TemplateSource) -> CoreResult<()>;
    /// Replaces every field of the stored source.
    async fn update_source(&self, source: &TemplateSource) -> CoreResult<()>;
    async fn delete_source(&self, uuid: &str) -> CoreResult<()>;
    async fn list_my_templates(&self) -> CoreResult<Vec<MyTemplate>>;
    /// Inserts or replaces by uuid.
    async fn save_my_template(&self, template: &MyTemplate) -> CoreResult<()>;
    async fn delete_my_template(&self, uuid: &str) -> CoreResult<()>;
}

/// Where update checks are kept: the last whole check (findings, costs, rate limits).
#[async_trait]
pub trait UpdateRepository: Send + Sync {
    async fn save_update_check(&self, check: &crate::updates::UpdateCheck) -> CoreResult<()>;
    async fn last_update_check(&self) -> CoreResult<Option<crate::updates::UpdateCheck>>;
    /// Hours between scheduled checks, if the user chose (0: checks only when asked).
    async fn check_interval_hours(&self) -> CoreResult<Option<u32>>;
    async fn set_check_interval_hours(&self, hours: u32) -> CoreResult<()>;
}

/// The previous images kept for a manual roll back, and for how long.
#[async_trait]
pub trait KeptImageRepository: Send + Sync {
    /// Adds or replaces (by device and tag) a kept image.
    async fn keep_image(&self, kept: &crate::updates::KeptImage) -> CoreResult<()>;
    async fn kept_images(&self) -> CoreResult<Vec<crate::updates::KeptImage>>;
    async fn forget_kept_image(&self, device_uuid: &str, tag: &str) -> CoreResult<()>;
    /// Hours a previous image is kept; `None` when the user never said.
    async fn keep_hours(&self) -> CoreResult<Option<u32>>;
    async fn set_keep_hours(&self, hours: u32) -> CoreResult<()>;
    /// Writes down a recreate about to touch its container (replacing an earlier entry for it).
    async fn journal_recreate(&self, entry: &crate::updates::RecreateJournal) -> CoreResult<()>;
    /// The recreates written down and not ended: after a stop in the middle.
    async fn recreate_journal(&self) -> CoreResult<Vec<crate::updates::RecreateJournal>>;
    async fn end_recreate(&self, device_uuid: &str, container: &str) -> CoreResult<()>;
}

/// The registries the user added (never their secrets: those are in the keyring).
#[async_trait]
pub trait RegistryRepository: Send + Sync {
    async fn list_registries(&self) -> CoreResult<Vec<crate::updates::RegistryEntry>>;
    /// One registry per host (the database refuses a second).
    async fn insert_registry(&self, entry: &crate::updates::RegistryEntry) -> CoreResult<()>;
    async fn delete_registry(&self, uuid: &str) -> CoreResult<()>;
}

/// Reads catalogues and logos over HTTP. Every request has a deadline and a size cap.
#[async_trait]
pub trait HttpFetcher: Send + Sync {
    /// `GET url`, conditional on `etag` / `last_modified` when given; refuses a body over
    /// `max_bytes`. The error is a sentence for the user.
    async fn fetch(
        &self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
        max_bytes: usize,
    ) -> Result<Fetched, String>;
}

/// Where the history keeps container logs (its own database: the lines are many, and a
/// copy of the main database before a migration should not carry them).
/// Docker's credential helpers (`docker-credential-<helper>`) on this machine: runs one with a
/// verb (`get`, `list`) and its standard input, within a deadline. `Err` says in words why
/// it gave nothing (not installed, timed out, its own message); never holds a secret.
#[async_trait]
pub trait CredentialHelperRunner: Send + Sync {
    async fn run(&self, helper: &str, verb: &str, input: &str) -> Result<String, String>;
}

#[async_trait]
pub trait LogHistoryRepository: Send + Sync {
    /// The timeline of the container named `name` on `device_uuid` (created on first use),
    /// now written by `container_uuid`; and the time of its newest kept line.
    async fn open_timeline(
        &self,
        device_uuid: &str,
        name: &str,
        container_uuid: &str,
        image: &str,
    ) -> CoreResult<(i64, Option<f64>)>;
    /// Appends lines to their timelines, in one transaction.
    async fn append_lines(&self, lines: &[(i64, LogLine)]) -> CoreResult<()>;
    /// The container was removed: its timeline stays readable, marked removed at `at`.
    async fn container_removed(&self, container_uuid: &str, at: i64) -> CoreResult<()>;
    async fn timelines(&self) -> CoreResult<Vec<LogTimeline>>;
    async fn query_history(&self, query: &HistoryQuery) -> CoreResult<HistoryPage>;
    /// Forgets a timeline and its lines.
    async fn delete_timeline(&self, id: i64) -> CoreResult<()>;
    /// Bytes the history takes on disk.
    async fn history_used_bytes(&self) -> CoreResult<u64>;
    /// Deletes the oldest lines until the history fits well inside `budget` bytes.
    async fn trim_history(&self, budget: u64) -> CoreResult<HistoryTrim>;
    async fn keep_settings(&self) -> CoreResult<Vec<KeepSetting>>;
    /// Stores a choice; `keep: None` forgets it (the default applies again).
    async fn set_keep(
        &self,
        device_uuid: &str,
        name: Option<&str>,
        keep: Option<bool>,
    ) -> CoreResult<()>;
    async fn history_budget(&self) -> CoreResult<Option<u64>>;
    async fn set_history_budget(&self, bytes: u64) -> CoreResult<()>;
}

/// Every repository the services need, behind one object.
pub trait Repositories:
    DeviceRepository + ContainerRepository + InventoryRepository + StatsRepository
{
}
impl<T: DeviceRepository + ContainerRepository + InventoryRepository + StatsRepository> Repositories
    for T
{
}

/// Where a watcher's stats collector reports each round. Implemented by
/// [`crate::StatsService`].
#[async_trait]
pub trait StatsSink: Send + Sync {
    /// One round of one device: the samples of its running containers.
    async fn record(&self, device_uuid: &str, samples: Vec<EngineSample>);
    /// History from before Squirrel followed a container (Proxmox keeps its guests' load):
    /// samples older than the container's first stored one, written into every tier, never
    /// over what was recorded. Returns how many were stored.
    async fn backfill(
        &self,
        _device_uuid: &str,
        _engine_id: &str,
        _samples: Vec<StatsSample>,
    ) -> usize {
        0
    }
}

/// A container's log lines, in the engine's order, until the log ends or the stream is dropped.
pub type LogLines =
    futures_util::stream::BoxStream<'static, Result<crate::model::LogLine, EngineError>>;

/// A log's lines taken in bunches: a line, and with it those the stream already has at hand
/// (read in the same read from the engine), up to a count and a size. A reader then pays
/// its own per-item costs (timers, wake-ups, channel sends) once a bunch, not once a line.
/// An error or the end comes after the lines before it, as an item of its own.
pub struct Bunched {
    lines: LogLines,
    /// What the stream gave after a bunch was full or before an end: given next.
    ahead: Option<Option<Result<crate::model::LogLine, EngineError>>>,
    ended: bool,
    max_lines: usize,
    max_bytes: usize,
}

impl Bunched {
    /// Bunches of at most `max_lines` lines, and no more than one line past `max_bytes`.
    pub fn new(lines: LogLines, max_lines: usize, max_bytes: usize) -> Self {
        Self {
            lines,
            ahead: None,
            ended: false,
            max_lines: max_lines.max(1),
            max_bytes,
        }
    }
}

impl futures_util::Stream for Bunched {
    type Item = Result<Vec<crate::model::LogLine>, EngineError>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        let this = self.get_mut();
        let mut bunch = Vec::new();
        let mut bytes = 0;
        while !this.ended {
            let item = match this.ahead.take() {
                Some(item) => item,
                None => match this.lines.as_mut().poll_next(cx) {
                    Poll::Ready(item) => item,
                    Poll::Pending => break,
                },
            };
            match item {
                Some(Ok(line)) => {
                    bytes += line.text.len();
                    bunch.push(line);
                    if bunch.len() >= this.max_lines || bytes >= this.max_bytes {
                        break;
                    }
                }
                other if !bunch.is_empty() => {
                    this.ahead = Some(other);
                    break;
                }
                Some(Err(e)) => {
                    this.ended = true;
                    return Poll::Ready(Some(Err(e)));
                }
                None => this.ended = true,
            }
        }
        if !bunch.is_empty() {
            Poll::Ready(Some(Ok(bunch)))
        } else if this.ended {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    }
}

/// A stream of readings of one container, one per second, until dropped.
pub type StatsStream = futures_util::stream::BoxStream<'static, Result<StatsReading, EngineError>>;

/// Where a watcher reports what it sees. Implemented by [`crate::InventoryService`].
#[async_trait]
pub trait InventorySink: Send + Sync {
    async fn set_status(&self, device_uuid: &str, status: DeviceStatus);
    /// A full sync: `containers` is the complete list; anything else stored for the device goes.
    async fn sync_snapshot(
        &self,
        device_uuid: &str,
        snapshot: crate::model::InventorySnapshot,
    ) -> CoreResult<()>;
    async fn container_observed(
        &self,
        device_uuid: &str,
        obs: ContainerObservation,
    ) -> CoreResult<()>;
    async fn container_gone(&self, device_uuid: &str, engine_id: &str) -> CoreResult<()>;
    /// A state change the engine announced (start, die, pause, ...), applied to the stored
    /// container at once, before the full re-read that follows. Unknown containers are left
    /// for that re-read.
    async fn container_transition(
        &self,
        device_uuid: &str,
        engine_id: &str,
        state: crate::model::ContainerState,
        exit_code: Option<i32>,
    ) -> CoreResult<()>;
    async fn images_replaced(&self, device_uuid: &str, images: Vec<Image>) -> CoreResult<()>;
    async fn volumes_replaced(&self, device_uuid: &str, volumes: Vec<Volume>) -> CoreResult<()>;
    async fn networks_replaced(&self, device_uuid: &str, networks: Vec<Network>) -> CoreResult<()>;
    /// The nodes of a cluster and their health (a Proxmox VE device), as last read.
    async fn set_nodes(&self, _device_uuid: &str, _nodes: Vec<crate::model::ClusterNode>) {}
}

/// A terminal's output, in the order it came, until the shell ends or the connection drops.
pub type TerminalOutput = futures_util::stream::BoxStream<'static, Result<Vec<u8>, EngineError>>;

/// An open terminal: its output, its input, and what else can be done with it.
pub struct TerminalIo {
    pub output: TerminalOutput,
    pub input: Box<dyn tokio::io::AsyncWrite + Send + Unpin>,
    pub control: std::sync::Arc<dyn TerminalControl>,
    /// The shell it runs, as found or chosen.
    pub shell: String,
}

/// What can be done with an open terminal beside reading and writing it.
#[async_trait]
pub trait TerminalControl: Send + Sync {
    async fn resize(&self, cols: u16, rows: u16) -> Result<(), EngineError>;
    /// Ends the shell and what it runs in the container, as closing a terminal window does.
    async fn end(&self);
    /// The shell's exit code, once it ended.
    async fn exit_code(&self) -> Option<i64>;
}

/// Options for removing a container.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RemoveOptions {
    /// Kill a running container first.
    pub force: bool,
    /// Remove anonymous volumes attached to it.
    pub remove_volumes: bool,
}

/// Everything an engine's inspect tells about one container, for the detail drawer.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDetails {
    pub engine_id: String,
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub entrypoint: Vec<String>,
    pub working_dir: Option<String>,
    pub env: Vec<EnvVar>,
    pub labels: std::collections::BTreeMap<String, String>,
    pub mounts: Vec<crate::model::MountPoint>,
    pub ports: Vec<crate::model::PortMapping>,
    pub networks: Vec<NetworkAttachment>,
    pub restart_policy: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub restart_count: Option<i32>,
    pub hostname: Option<String>,
    /// The limits set on the container; stats are read against them.
    pub resources: ResourceLimits,
}

/// CPU and memory limits set on a container (`--cpus`, `--cpu-quota`, `--memory`). Without a
/// memory limit, the engine's stats report the host's memory as the limit, so the two cannot
/// be told apart from stats alone.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ResourceLimits {
    /// How many CPUs' worth of time the container may use; `None` when unlimited.
    pub cpus: Option<f64>,
    /// Bytes of memory; `None` when unlimited.
    pub memory_bytes: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NetworkAttachment {
    pub name: String,
    pub ip_address: Option<String>,
    pub gateway: Option<String>,
    pub mac_address: Option<String>,
}

/// Operations on containers of one device's engine.
#[async_trait]
pub trait ContainerRuntime: Send + Sync {
    async fn start(&self, engine_id: &str) -> Result<(), EngineError>;
    async fn stop(&self, engine_id: &str, timeout_secs: Option<u32>) -> Result<(), EngineError>;
    async fn restart(&self, engine_id: &str, timeout_secs: Option<u32>) -> Result<(), EngineError>;
    async fn pause(&self, engine_id: &str) -> Result<(), EngineError>;
    async fn unpause(&self, engine_id: &str) -> Result<(), EngineError>;
    async fn kill(&self, engine_id: &str, signal: Option<&str>) -> Result<(), EngineError>;
    async fn remove(&self, engine_id: &str, options: RemoveOptions) -> Result<(), EngineError>;
    async fn rename(&self, engine_id: &str, new_name: &str) -> Result<(), EngineError>;
    async fn inspect(&self, engine_id: &str) -> Result<ContainerDetails, EngineError>;
    /// A terminal in the container: a shell with a TTY, its output as it comes and its input.
    async fn open_terminal(
        &self,
        _engine_id: &str,
        _request: &crate::model::TerminalRequest,
    ) -> Result<TerminalIo, EngineError> {
        Err(unsupported("terminals"))
    }
    /// Runs a command (already split into words) in the container without a terminal; one
    /// still running after `limit` is stopped there, its output kept.
    async fn run_command(
        &self,
        _engine_id: &str,
        _argv: &[String],
        _user: Option<&str>,
        _working_dir: Option<&str>,
        _limit: std::time::Duration,
    ) -> Result<crate::model::CommandRun, EngineError> {
        Err(unsupported("running commands"))
    }
    /// Downloads a path of the container (a file or a folder) into the local folder `dest`.
    async fn download_path(
        &self,
        _engine_id: &str,
        _path: &str,
        _dest: &std::path::Path,
    ) -> Result<crate::model::FileTransfer, EngineError> {
        Err(unsupported("downloading files"))
    }
    /// Saves the archive of a path of the container, as the engine gives it, to `file`.
    async fn download_archive(
        &self,
        _engine_id: &str,
        _path: &str,
        _file: &std::path::Path,
    ) -> Result<crate::model::FileTransfer, EngineError> {
        Err(unsupported("downloading files"))
    }
    /// The entries of a folder of the container.
    async fn list_dir(
        &self,
        _engine_id: &str,
        _path: &str,
    ) -> Result<crate::model::DirListing, EngineError> {
        Err(unsupported("browsing files"))
    }
    /// The start of a file of the container.
    async fn preview_file(
        &self,
        _engine_id: &str,
        _path: &str,
    ) -> Result<crate::model::FilePreview, EngineError> {
        Err(unsupported("browsing files"))
    }
    /// Uploads local files and folders into the folder `into` of the container.
    async fn upload_paths(
        &self,
        _engine_id: &str,
        _sources: &[std::path::PathBuf],
        _into: &str,
    ) -> Result<crate::model::FileTransfer, EngineError> {
        Err(unsupported("uploading files"))
    }
    /// A Proxmox guest's configuration and snapshots.
    async fn guest_details(
        &self,
        _engine_id: &str,
    ) -> Result<crate::model::GuestDetails, EngineError> {
        Err(unsupported("guest configuration"))
    }
    /// The engine's live stats of one container (1 Hz), until the stream is dropped.
    async fn stats_stream(&self, engine_id: &str) -> Result<StatsStream, EngineError>;

    /// A container's log as `query` asks (a following stream ends when the container stops).
    async fn logs(
        &self,
        _engine_id: &str,
        _query: &crate::model::LogQuery,
    ) -> Result<LogLines, EngineError> {
        Err(unsupported("reading logs"))
    }

    /// Like [`logs`](Self::logs), for the history, which follows containers in the
    /// background: where the connection limits its streams, the history has a share of its
    /// own, so that it never takes a viewer's.
    async fn logs_for_history(
        &self,
        engine_id: &str,
        query: &crate::model::LogQuery,
    ) -> Result<LogLines, EngineError> {
        self.logs(engine_id, query).await
    }

    /// What a deploy must not collide with: names, published ports, networks, volumes.
    async fn deploy_facts(&self) -> Result<EngineFacts, EngineError> {
        Err(unsupported("deploying containers"))
    }
    /// Whether the engine has this image (by reference).
    async fn image_present(&self, _image: &str) -> Result<bool, EngineError> {
        Err(unsupported("deploying containers"))
    }
    /// Pulls an image, reporting each message of the engine's progress stream; with the
    /// image registry's credentials when the user added them.
    async fn pull_image(
        &self,
        _image: &str,
        _credentials: Option<&crate::updates::RegistryCredentials>,
        _progress: &(dyn Fn(PullMessage) + Send + Sync),
    ) -> Result<(), EngineError> {
        Err(unsupported("pulling images"))
    }
    /// Creates (does not start) a container as the plan says; returns its engine id.
    async fn create_container(&self, _plan: &DeployPlan) -> Result<String, EngineError> {
        Err(unsupported("deploying containers"))
    }
    /// Removes an image (by id or reference); `force` also removes it from under its tags
    /// and stopped containers.
    async fn remove_image(&self, _image: &str, _force: bool) -> Result<(), EngineError> {
        Err(unsupported("removing images"))
    }

    /// Removes dangling images, or every image no container uses when `all`.
    async fn prune_images(&self, _all: bool) -> Result<crate::model::ImagePrune, EngineError> {
        Err(unsupported("pruning images"))
    }

    async fn remove_volume(&self, _name: &str) -> Result<(), EngineError> {
        Err(unsupported("removing volumes"))
    }

    /// What recreating a container starts from: its name, image and whether it runs.
    async fn recreate_source(
        &self,
        _engine_id: &str,
    ) -> Result<crate::updates::RecreateSource, EngineError> {
        Err(unsupported("recreating containers"))
    }

    /// Creates (does not start) a container named `name` with the whole configuration of
    /// `source_id` (its host settings, networks and volumes, its anonymous volumes too) on
    /// `image`, with `edits` applied. What the source only had from its own image (its
    /// image's environment, command, labels, healthcheck) is left for `image` to give.
    async fn create_like(
        &self,
        _source_id: &str,
        _name: &str,
        _image: &str,
        _edits: &crate::updates::ContainerEdits,
    ) -> Result<String, EngineError> {
        Err(unsupported("recreating containers"))
    }

    /// Where a container's run stands, for the health gate after a recreate.
    async fn run_state(&self, _engine_id: &str) -> Result<crate::updates::RunState, EngineError> {
        Err(unsupported("recreating containers"))
    }

    /// The id of the image a reference names here, `None` when the engine has none.
    async fn image_id(&self, _reference: &str) -> Result<Option<String>, EngineError> {
        Err(unsupported("inspecting images"))
    }

    /// Tags an image (by id or reference) as `reference` (`repo:tag`), as `docker tag`.
    async fn tag_image(&self, _image: &str, _reference: &str) -> Result<(), EngineError> {
        Err(unsupported("tagging images"))
    }
}

/// What a runtime answers for an operation its kind of device does not have.
pub fn unsupported(what: &str) -> EngineError {
    EngineError::Other(format!("this kind of device does not support {what}"))
}

/// What an engine already has that a new container could collide with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineFacts {
    pub containers: Vec<ExistingContainer>,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
}

/// One container already on an engine, for the deploy checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingContainer {
    pub name: String,
    pub running: bool,
    /// Host ports it publishes. Docker lists these for running containers only; the checks
    /// also take configured ports of stopped ones where an engine reports them.
    pub ports: Vec<crate::templates::PortSpec>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use futures_util::StreamExt;

    use super::*;
    use crate::model::{LogLine, LogSource};

    fn line(text: &str) -> LogLine {
        LogLine {
            ts: 0.0,
            source: LogSource::Stdout,
            text: text.into(),
            cut: false,
        }
    }

    fn texts(bunch: &[LogLine]) -> Vec<&str> {
        bunch.iter().map(|l| l.text.as_str()).collect()
    }

    #[tokio::test]
    async fn lines_at_hand_come_together_and_an_error_after_them() {
        let items = vec![
            Ok(line("a")),
            Ok(line("b")),
            Ok(line("c")),
            Err(EngineError::Unreachable("gone".into())),
            Ok(line("never")),
        ];
        let mut b = Bunched::new(futures_util::stream::iter(items).boxed(), 2, 1 << 20);
        assert_eq!(texts(&b.next().await.unwrap().unwrap()), ["a", "b"]);
        assert_eq!(texts(&b.next().await.unwrap().unwrap()), ["c"]);
        assert!(matches!(
            b.next().await,
            Some(Err(EngineError::Unreachable(_)))
        ));
        assert!(b.next().await.is_none(), "nothing comes after an error");
        assert!(b.next().await.is_none());
    }

    #[tokio::test]
    async fn a_bunch_stops_at_its_bytes_and_at_what_has_not_come_yet() {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let stream = tokio_stream_from(rx);
        let mut b = Bunched::new(stream, 100, 5);
        for text in ["123", "456", "7"] {
            tx.send(Ok(line(text))).unwrap();
        }
        // "123" + "456" reach the bound of 5 bytes: one line past it, no more.
        assert_eq!(texts(&b.next().await.unwrap().unwrap()), ["123", "456"]);
        assert_eq!(texts(&b.next().await.unwrap().unwrap()), ["7"]);
        assert!(
            futures_util::FutureExt::now_or_never(b.next()).is_none(),
            "no line has come: the bunch waits"
        );
        tx.send(Ok(line("8"))).unwrap();
        drop(tx);
        assert_eq!(texts(&b.next().await.unwrap().unwrap()), ["8"]);
        assert!(b.next().await.is_none());
    }

    fn tokio_stream_from(
        mut rx: tokio::sync::mpsc::UnboundedReceiver<Result<LogLine, EngineError>>,
    ) -> LogLines {
        futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed()
    }
}
