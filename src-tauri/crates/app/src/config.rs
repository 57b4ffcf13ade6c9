//! What an [`crate::App`] is built from: where its data lives, which keyring and clock it
//! uses, and how large its event bus is.

use std::path::PathBuf;
use std::sync::Arc;

use squirrel_core::clock::{Clock, SystemClock};
use squirrel_core::secrets::SecretStore;
use squirrel_docker::Timeouts;
use squirrel_secrets::OsKeyring;

/// The events a slow subscriber may fall behind by before it must reload from the store.
pub const DEFAULT_BUS_CAPACITY: usize = 4096;

pub struct AppConfig {
    /// The database and Squirrel's own `known_hosts` live here.
    pub data_dir: PathBuf,
    /// The user's `known_hosts`, read (never written) besides Squirrel's own.
    pub user_known_hosts: Option<PathBuf>,
    pub secrets: Arc<dyn SecretStore>,
    pub clock: Arc<dyn Clock>,
    pub bus_capacity: usize,
    /// The deadlines of engine connections.
    pub timeouts: Timeouts,
    /// The SSH client config SSH devices are resolved with; `None`: none is read.
    pub ssh_config: Option<PathBuf>,
    /// The local engine's socket, added as a device on first run (when it appears).
    pub local_socket: String,
}

impl AppConfig {
    /// The desktop app's configuration: the OS keyring, the system clock, and the user's
    /// `~/.ssh/known_hosts` and `~/.ssh/config`.
    pub fn desktop(data_dir: PathBuf) -> Self {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        Self {
            data_dir,
            user_known_hosts: home.as_ref().map(|h| h.join(".ssh/known_hosts")),
            ssh_config: home.map(|h| h.join(".ssh/config")),
            secrets: Arc::new(OsKeyring),
            clock: Arc::new(SystemClock),
            bus_capacity: DEFAULT_BUS_CAPACITY,
            timeouts: Timeouts::default(),
            local_socket: crate::discovery::local_docker_socket(),
        }
    }

    /// Squirrel's own `known_hosts`, where approved host keys go.
    pub fn own_known_hosts(&self) -> PathBuf {
        self.data_dir.join("known_hosts")
    }
}
