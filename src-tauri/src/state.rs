use std::path::Path;
use std::sync::Arc;

use squirrel_core::ports::Repositories;
use squirrel_core::secrets::SecretStore;
use squirrel_core::{
    ContainerService, DeviceService, EventBus, InventoryService, StatsRecorder, StatsService,
    WatcherEngine,
};
use squirrel_docker::ssh::HostKeyStore;
use squirrel_docker::ConnectDeps;
use squirrel_secrets::OsKeyring;
use squirrel_store::Store;

use crate::error::AppError;
use crate::factory::AppComponentFactory;

/// Everything the commands use, built once at start-up.
pub struct Services {
    pub repos: Arc<dyn Repositories>,
    pub bus: EventBus,
    pub engine: Arc<WatcherEngine>,
    pub containers: ContainerService,
    pub devices: DeviceService,
    pub stats: Arc<StatsService>,
}

/// The app's managed state. When storage could not be opened the window still opens
/// and every command says why.
pub struct AppState(pub Result<Arc<Services>, String>);

impl AppState {
    pub fn services(&self) -> Result<Arc<Services>, AppError> {
        self.0
            .clone()
            .map_err(|reason| AppError::new("storage", reason))
    }
}

impl Services {
    pub async fn open(data_dir: &Path) -> Result<Self, String> {
        let store = Store::open(data_dir).await.map_err(|e| e.to_string())?;
        let repos: Arc<dyn Repositories> = Arc::new(store);
        let bus = EventBus::default();
        let inventory = Arc::new(InventoryService::new(repos.clone(), bus.clone()));
        let secrets: Arc<dyn SecretStore> = Arc::new(OsKeyring);
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
        let host_keys = Arc::new(HostKeyStore::new(
            data_dir.join("known_hosts"),
            home.map(|h| h.join(".ssh/known_hosts")),
        ));
        let factory = AppComponentFactory {
            docker: ConnectDeps {
                host_keys,
                secrets: secrets.clone(),
            },
        };
        let recorder = Arc::new(StatsRecorder::new(repos.clone(), bus.clone()));
        let engine = Arc::new(
            WatcherEngine::new(Arc::new(factory), inventory.clone())
                .with_stats_sink(recorder.clone()),
        );
        Ok(Self {
            stats: Arc::new(StatsService::new(recorder, engine.clone())),
            containers: ContainerService::new(repos.clone(), engine.clone(), inventory.clone()),
            devices: DeviceService::new(repos.clone(), engine.clone(), inventory, secrets),
            repos,
            bus,
            engine,
        })
    }
}

/// The local engine's socket: `DOCKER_HOST` when it names a unix socket, else the default.
pub fn local_docker_socket() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|h| h.strip_prefix("unix://").map(str::to_string))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "/var/run/docker.sock".into())
}
