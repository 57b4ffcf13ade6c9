//! In-memory ports for fast tests of the services: repositories, the keyring, a clock set
//! by hand, and an engine driver that reports what the test scripted. Compiled for core's
//! own tests and, with the `testing` feature, for other crates' tests; never in the app.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clock;
mod driver;
mod repos;
mod secrets;

use std::sync::Arc;

pub use clock::ManualClock;
pub use driver::{ScriptedDriver, ScriptedFactory};
pub use repos::MemoryRepos;
pub use secrets::MemorySecrets;

use crate::events::EventBus;
use crate::secrets::{GatedSecrets, SecretStore};
use crate::services::{CoreServices, Ports};

/// The services over in-memory ports, with handles on each port.
pub struct TestCore {
    pub services: CoreServices,
    pub repos: Arc<MemoryRepos>,
    pub secrets: Arc<MemorySecrets>,
    pub clock: Arc<ManualClock>,
    pub driver: Arc<ScriptedDriver>,
}

impl TestCore {
    /// Everything empty; the clock at `start_ms`.
    pub fn new(start_ms: i64) -> Self {
        let repos = Arc::new(MemoryRepos::default());
        let secrets = Arc::new(MemorySecrets::default());
        let clock = Arc::new(ManualClock::new(start_ms));
        let driver = Arc::new(ScriptedDriver::default());
        // As in the app: the driver and the services share one gated keyring.
        let keyring: Arc<dyn SecretStore> =
            Arc::new(GatedSecrets::new(secrets.clone(), clock.clone()));
        driver.use_keyring(keyring.clone());
        let services = CoreServices::new(Ports {
            repos: repos.clone(),
            secrets: keyring,
            clock: clock.clone(),
            factory: Arc::new(ScriptedFactory(driver.clone())),
            bus: EventBus::new(1024),
        });
        Self {
            services,
            repos,
            secrets,
            clock,
            driver,
        }
    }
}

impl std::ops::Deref for TestCore {
    type Target = CoreServices;

    fn deref(&self) -> &CoreServices {
        &self.services
    }
}
