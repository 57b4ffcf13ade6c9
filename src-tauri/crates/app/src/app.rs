//! The application: opens the store, builds the services over the real adapters, runs the
//! background jobs and shuts them down in order.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use squirrel_core::ports::HttpFetcher;
use squirrel_core::ports::{DeviceRepository, Repositories};
use squirrel_core::secrets::{GatedSecrets, SecretStore};
use squirrel_core::services::{
    CoreServices, LogHistoryService, Ports, RecreateService, RegistriesService, TemplateService,
    UpdateService,
};
use squirrel_core::updates::RegistryPort;
use squirrel_core::{DomainEvent, EventBus};
use squirrel_docker::ssh::HostKeyStore;
use squirrel_docker::{ConnectDeps, DockerDriver};
use squirrel_proxmox::{KnownCertificates, ProxmoxDriver, PveDeps, POLL_PERIOD};
use squirrel_store::{LogArchive, Store, StoreError};
use tokio::task::JoinHandle;

use crate::config::AppConfig;
use crate::factory::AppComponentFactory;
use crate::fetch::ReqwestFetcher;
use crate::logos::LogoCache;

/// How often the template sources are read again (conditionally: unchanged ones cost a 304).
const TEMPLATE_REFRESH_PERIOD: Duration = Duration::from_secs(6 * 3600);

/// How often images are checked for updates (counted from the last check, across runs).
const UPDATE_CHECK_PERIOD: Duration = Duration::from_secs(6 * 3600);
/// The first check after a start waits this long at least: the devices' inventories come in.
const UPDATE_CHECK_SETTLE: Duration = Duration::from_secs(60);

/// How often kept previous images are looked at for their keep time's end.
const KEPT_IMAGES_PERIOD: Duration = Duration::from_secs(3600);

/// How often a first run without Docker looks for the local socket.
const SOCKET_WATCH_PERIOD: Duration = Duration::from_secs(1);

/// Squirrel without a window. Dereferences to the services.
pub struct App {
    services: CoreServices,
    templates: Arc<TemplateService>,
    history: Arc<LogHistoryService>,
    updates: Arc<UpdateService>,
    registries: Arc<RegistriesService>,
    recreates: Arc<RecreateService>,
    logos: Arc<LogoCache>,
    store: Store,
    archive: LogArchive,
    data_dir: PathBuf,
    own_known_hosts: PathBuf,
    local_socket: String,
    keyring: Arc<GatedSecrets>,
    jobs: Mutex<Vec<JoinHandle<()>>>,
}

impl App {
    /// Opens (creating or migrating) the database in the configured folder and builds every
    /// service. Nothing connects yet: see [`start`](Self::start).
    pub async fn open(config: AppConfig) -> Result<Self, StoreError> {
        let store = Store::open(&config.data_dir).await?;
        let archive = LogArchive::open(&config.data_dir).await?;
        make_private(&config.data_dir);
        let own_known_hosts = config.own_known_hosts();
        let host_keys = Arc::new(HostKeyStore::new(
            own_known_hosts.clone(),
            config.user_known_hosts.clone(),
        ));
        // One gated keyring for the services and every watcher: a locked keyring is asked
        // once per pause, not once per device and retry.
        // Deletes it could not do yet are kept in the database for the next run.
        let keyring = Arc::new(GatedSecrets::with_ledger(
            config.secrets.clone(),
            config.clock.clone(),
            Some(Arc::new(store.clone())),
        ));
        let secrets: Arc<dyn SecretStore> = keyring.clone();
        let docker = Arc::new(DockerDriver::new(ConnectDeps {
            host_keys,
            secrets: secrets.clone(),
            timeouts: config.timeouts,
            ssh_config: config.ssh_config.clone(),
        }));
        // Approved Proxmox certificates live beside the SSH host keys Squirrel approved.
        let proxmox = Arc::new(ProxmoxDriver::new(PveDeps {
            secrets: secrets.clone(),
            known: Arc::new(KnownCertificates::new(
                config.data_dir.join("known_pve_certificates"),
            )),
            poll: POLL_PERIOD,
        }));
        let repos: Arc<dyn Repositories> = Arc::new(store.clone());
        let services = CoreServices::new(Ports {
            repos: repos.clone(),
            secrets,
            clock: config.clock.clone(),
            factory: Arc::new(AppComponentFactory { docker, proxmox }),
            bus: EventBus::new(config.bus_capacity),
        });
        let fetcher: Arc<dyn HttpFetcher> = Arc::new(ReqwestFetcher::new());
        let history = Arc::new(LogHistoryService::new(
            Arc::new(archive.clone()),
            services.ports.repos.clone(),
            services.engine.clone(),
            services.ports.bus.clone(),
            config.clock.clone(),
        ));
        let registry_client: Arc<dyn RegistryPort> =
            Arc::new(squirrel_registry::RegistryClient::new());
        let registries = Arc::new(RegistriesService::new(
            Arc::new(store.clone()),
            services.ports.secrets.clone(),
            registry_client.clone(),
            services.ports.clock.clone(),
        ));
        let templates = Arc::new(
            TemplateService::new(
                Arc::new(store.clone()),
                fetcher.clone(),
                repos,
                services.containers.clone(),
                services.inventory.clone(),
                config.clock.clone(),
            )
            .with_registries(registries.clone()),
        );
        let updates = Arc::new(UpdateService::new(
            Arc::new(store.clone()),
            services.ports.repos.clone(),
            registry_client,
            registries.clone(),
            services.ports.bus.clone(),
            services.ports.clock.clone(),
        ));
        let recreates = Arc::new(RecreateService::new(
            services.containers.clone(),
            registries.clone(),
            updates.clone(),
            Arc::new(store.clone()),
            services.ports.clock.clone(),
        ));
        let logos = Arc::new(LogoCache::new(config.data_dir.join("logos"), fetcher));
        Ok(Self {
            services,
            templates,
            history,
            updates,
            registries,
            recreates,
            logos,
            store,
            archive,
            data_dir: config.data_dir,
            own_known_hosts,
            local_socket: config.local_socket,
            keyring,
            jobs: Mutex::new(Vec::new()),
        })
    }

    /// Starts the background work: the stats rollup job, the local engine as a device on
    /// first run, and a watcher for every stored device. Returns once the watchers are
    /// registered (they connect on their own).
    pub async fn start(&self) {
        self.spawn_jobs();
        let keyring = self.keyring.clone();
        let devices = self.services.devices.clone();
        let restore = tokio::spawn(async move {
            // An entry a device points at is never deleted as left behind.
            match devices.secret_refs().await {
                Ok(live) => keyring.restore(&live).await,
                Err(e) => tracing::warn!(
                    error = %e,
                    "cannot read the devices: the keyring entries left to delete wait for the next start"
                ),
            }
        });
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.push(restore);
        }
        let socket = self.local_socket.clone();
        if Path::new(&socket).exists() {
            if let Err(e) = self.services.devices.ensure_local_default(&socket).await {
                tracing::error!(error = %e, "could not add the local engine");
            }
        } else {
            // First run (no device yet) without Docker: wait for it to start.
            match self.store.list_devices().await {
                Ok(devices) if devices.is_empty() => self.spawn_socket_watch(socket),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "could not read the devices"),
            }
        }
        if let Err(e) = self.services.devices.start_all().await {
            tracing::error!(error = %e, "could not start the watchers");
        }
    }

    /// First run without a Docker socket: the user may start Docker after Squirrel. Looks
    /// for the socket every second (a `stat`, nothing more) and adds the local engine as a
    /// device when it appears, unless the user has added a device of their own by then.
    fn spawn_socket_watch(&self, socket: String) {
        tracing::info!(%socket, "no local Docker socket yet; watching for it");
        let devices = self.services.devices.clone();
        let watch = tokio::spawn(async move {
            let mut tick = tokio::time::interval(SOCKET_WATCH_PERIOD);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if !Path::new(&socket).exists() {
                    continue;
                }
                match devices.ensure_local_default(&socket).await {
                    Ok(Some(device)) => {
                        tracing::info!(%socket, uuid = %device.uuid, "the local engine appeared");
                        return;
                    }
                    Ok(None) => return,
                    Err(e) => tracing::warn!(error = %e, "could not add the local engine yet"),
                }
            }
        });
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.push(watch);
        }
    }

    /// Only the background jobs (no device is added or started): for harnesses that add
    /// their own devices.
    pub fn spawn_jobs(&self) {
        let rollups = self.services.stats.spawn_rollups();
        let templates = self.templates.clone();
        let refresh = tokio::spawn(async move {
            let mut tick = tokio::time::interval(TEMPLATE_REFRESH_PERIOD);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The first tick is now: sources are read once per start, then every period.
            loop {
                tick.tick().await;
                if let Err(e) = templates.refresh_all().await {
                    tracing::warn!(error = %e, "template sources not refreshed");
                }
            }
        });
        let history = tokio::spawn(self.history.clone().run());
        let updates = tokio::spawn(
            self.updates
                .clone()
                .run(UPDATE_CHECK_PERIOD, UPDATE_CHECK_SETTLE),
        );
        let recreates = self.recreates.clone();
        let kept = tokio::spawn(async move {
            let mut tick = tokio::time::interval(KEPT_IMAGES_PERIOD);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match recreates.expire_kept().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, "kept previous images expired"),
                    Err(e) => tracing::warn!(error = %e, "kept previous images not looked at"),
                }
            }
        });
        let recover = tokio::spawn(recover_interrupted(
            self.recreates.clone(),
            self.services.ports.bus.clone(),
        ));
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.push(recover);
            jobs.push(rollups);
            jobs.push(refresh);
            jobs.push(history);
            jobs.push(updates);
            jobs.push(kept);
        }
    }

    /// The template catalogue and deploys.
    pub fn templates(&self) -> &Arc<TemplateService> {
        &self.templates
    }

    /// The log history: what is kept, and questions about it.
    pub fn history(&self) -> &Arc<LogHistoryService> {
        &self.history
    }

    /// Image update checks.
    pub fn updates(&self) -> &Arc<UpdateService> {
        &self.updates
    }

    /// Safe updates and edits of containers, and their roll backs.
    pub fn recreates(&self) -> &Arc<RecreateService> {
        &self.recreates
    }

    /// Registries and their credentials.
    pub fn registries(&self) -> &Arc<RegistriesService> {
        &self.registries
    }

    /// Pulls `image` on a device, with the added registry's credentials, reporting its
    /// progress layer by layer.
    pub async fn pull_image(
        &self,
        device_uuid: &str,
        image: &str,
        report: &(dyn Fn(squirrel_core::templates::PullProgress) + Send + Sync),
    ) -> squirrel_core::CoreResult<()> {
        use squirrel_core::{CoreError, EngineError};
        let parsed = squirrel_core::templates::ImageRef::parse(image).map_err(|e| {
            CoreError::InvalidInput(format!(
                "\"{}\" is not an image reference: {e}.",
                image.chars().take(80).collect::<String>()
            ))
        })?;
        let image = parsed.to_string();
        let runtime = self.services.containers.device_runtime(device_uuid).await?;
        let credentials = self.registries.credentials_for_image(&image).await;
        squirrel_core::services::pull_with_progress(
            runtime.as_ref(),
            &image,
            credentials.as_ref(),
            report,
        )
        .await
        .map_err(|e| CoreError::Engine(EngineError::Other(format!("Pulling {image} failed: {e}"))))
    }

    /// Adds the registries of the Docker CLI's `config.json` (`$DOCKER_CONFIG`, else
    /// `~/.docker`).
    pub async fn import_docker_registries(
        &self,
    ) -> squirrel_core::CoreResult<squirrel_core::updates::RegistryImport> {
        use squirrel_core::CoreError;
        let path = squirrel_docker::contexts::docker_config_dir()
            .map(|d| d.join("config.json"))
            .ok_or_else(|| {
                CoreError::InvalidInput(
                    "No Docker config folder is known here (HOME is not set).".into(),
                )
            })?;
        let meta = tokio::fs::metadata(&path).await.map_err(|_| {
            CoreError::InvalidInput(format!("There is no Docker config at {}.", path.display()))
        })?;
        if meta.len() > 1 << 20 {
            return Err(CoreError::InvalidInput(format!(
                "{} is larger than 1 MiB: it is not a Docker config.",
                path.display()
            )));
        }
        let text = tokio::fs::read_to_string(&path).await.map_err(|e| {
            CoreError::InvalidInput(format!("{} cannot be read: {e}.", path.display()))
        })?;
        self.registries
            .import_docker_config(&text, &crate::cred_helpers::ProcessCredentialHelpers)
            .await
    }

    /// Template logos as `data:` URLs.
    pub fn logos(&self) -> &Arc<LogoCache> {
        &self.logos
    }

    /// Stops the jobs, every watcher and every live stream, then closes the database.
    pub async fn shutdown(&self) {
        let jobs: Vec<JoinHandle<()>> = self
            .jobs
            .lock()
            .map(|mut j| j.drain(..).collect())
            .unwrap_or_default();
        for job in jobs {
            job.abort();
        }
        self.services.stats.live_stop_all();
        self.history.stop_all();
        // Open terminals end their shells in the containers, while the engines are there.
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(3),
            self.services.terminals.close_all(),
        )
        .await;
        self.services.engine.shutdown().await;
        self.store.close().await;
        self.archive.close().await;
    }

    /// The database itself, for what the ports do not cover (tests, benchmarks).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The log history's database, for what the ports do not cover (tests, benchmarks).
    pub fn archive(&self) -> &LogArchive {
        &self.archive
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Squirrel's own `known_hosts` file, where approved SSH host keys go.
    pub fn own_known_hosts(&self) -> &Path {
        &self.own_known_hosts
    }
}

/// Squirrel's data folder holds its database and known hosts: its owner's only (0700),
/// even when it existed before with a wider mode.
fn make_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(dir) {
        Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
            let was = meta.permissions().mode() & 0o777;
            match std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)) {
                Ok(()) => {
                    tracing::info!(dir = %dir.display(), "data folder was mode {was:o}; now 0700")
                }
                Err(e) => {
                    tracing::warn!(dir = %dir.display(), error = %e, "cannot make the data folder private")
                }
            }
        }
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot read the data folder's mode")
        }
    }
}

impl std::ops::Deref for App {
    type Target = CoreServices;

    fn deref(&self) -> &CoreServices {
        &self.services
    }
}

/// Settles the recreates an earlier run stopped in the middle of: now, and whenever a device
/// comes online (its engine is needed to put the old container back). Each one settled is
/// told to the window.
async fn recover_interrupted(recreates: Arc<RecreateService>, bus: EventBus) {
    let mut events = bus.subscribe();
    loop {
        match recreates.recover_interrupted().await {
            Ok(settled) => {
                for recovery in settled {
                    bus.publish(DomainEvent::RecreateRecovered { recovery });
                }
            }
            Err(e) => tracing::warn!(error = %e, "interrupted recreates not looked at"),
        }
        loop {
            match events.recv().await {
                Ok(DomainEvent::DeviceStatusChanged { status, .. }) if status.is_online() => break,
                Ok(_) => {}
                // Missed events may have brought a device online.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    }
}
