//! The application: opens the store, builds the services over the real adapters, runs the
//! background jobs and shuts them down in order.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use squirrel_core::ports::Repositories;
use squirrel_core::services::{CoreServices, Ports};
use squirrel_core::EventBus;
use squirrel_docker::ssh::HostKeyStore;
use squirrel_docker::{ConnectDeps, DockerDriver};
use squirrel_store::{Store, StoreError};
use tokio::task::JoinHandle;

use crate::config::AppConfig;
use crate::discovery::local_docker_socket;
use crate::factory::AppComponentFactory;

/// Squirrel without a window. Dereferences to the services.
pub struct App {
    services: CoreServices,
    store: Store,
    data_dir: PathBuf,
    own_known_hosts: PathBuf,
    jobs: Mutex<Vec<JoinHandle<()>>>,
}

impl App {
    /// Opens (creating or migrating) the database in the configured folder and builds every
    /// service. Nothing connects yet: see [`start`](Self::start).
    pub async fn open(config: AppConfig) -> Result<Self, StoreError> {
        let store = Store::open(&config.data_dir).await?;
        let own_known_hosts = config.own_known_hosts();
        let host_keys = Arc::new(HostKeyStore::new(
            own_known_hosts.clone(),
            config.user_known_hosts.clone(),
        ));
        let docker = Arc::new(DockerDriver::new(ConnectDeps {
            host_keys,
            secrets: config.secrets.clone(),
        }));
        let repos: Arc<dyn Repositories> = Arc::new(store.clone());
        let services = CoreServices::new(Ports {
            repos,
            secrets: config.secrets,
            clock: config.clock,
            factory: Arc::new(AppComponentFactory { docker }),
            bus: EventBus::new(config.bus_capacity),
        });
        Ok(Self {
            services,
            store,
            data_dir: config.data_dir,
            own_known_hosts,
            jobs: Mutex::new(Vec::new()),
        })
    }

    /// Starts the background work: the stats rollup job, the local engine as a device on
    /// first run, and a watcher for every stored device. Returns once the watchers are
    /// registered (they connect on their own).
    pub async fn start(&self) {
        self.spawn_jobs();
        let socket = local_docker_socket();
        if let Err(e) = self.services.devices.ensure_local_default(&socket).await {
            tracing::error!(error = %e, "could not add the local engine");
        }
        if let Err(e) = self.services.devices.start_all().await {
            tracing::error!(error = %e, "could not start the watchers");
        }
    }

    /// Only the background jobs (no device is added or started): for harnesses that add
    /// their own devices.
    pub fn spawn_jobs(&self) {
        let rollups = self.services.stats.spawn_rollups();
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.push(rollups);
        }
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
        self.services.engine.shutdown().await;
        self.store.close().await;
    }

    /// The database itself, for what the ports do not cover (tests, benchmarks).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Squirrel's own `known_hosts` file, where approved SSH host keys go.
    pub fn own_known_hosts(&self) -> &Path {
        &self.own_known_hosts
    }
}

impl std::ops::Deref for App {
    type Target = CoreServices;

    fn deref(&self) -> &CoreServices {
        &self.services
    }
}
