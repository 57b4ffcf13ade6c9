//! An engine driver for core's tests: its watcher reports the status and inventory the test
//! scripted, its runtime records the actions asked of it, and a host key can be made to
//! wait for approval. Given a keyring, it reads an SSH device's secret as the real driver
//! does, and remembers the secret each probe authenticated with.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::watch;

use crate::error::{CoreError, CoreResult, EngineError};
use crate::factory::{
    ComponentFactory, DeviceDriver, IdentityApproval, Watcher, WatcherComponent, WatcherContext,
    WatcherKind,
};
use crate::model::{
    ContainerObservation, Device, DeviceConnection, DeviceStatus, EngineProbe, HostKeyPrompt,
    InventorySnapshot, SshAuth,
};
use crate::model::{LogLine, LogQuery};
use crate::ports::{ContainerDetails, ContainerRuntime, LogLines, RemoveOptions, StatsStream};
use crate::secrets::{Secret, SecretStore, TypedSecret};
use futures_util::StreamExt;

#[derive(Default)]
struct Script {
    containers: Vec<ContainerObservation>,
    /// A host key every connection meets until it is approved.
    unknown_key: Option<HostKeyPrompt>,
    /// Set: every connection fails with this reason.
    unreachable: Option<String>,
    approved: Vec<HostKeyPrompt>,
    actions: Vec<String>,
    watchers_started: u32,
    /// The secret each probe authenticated with, in order.
    probed_with: Vec<Option<String>>,
    /// What the next log stream reads, and the queries log streams were opened with.
    log_feeds: std::collections::VecDeque<
        tokio::sync::mpsc::UnboundedReceiver<Result<LogLine, EngineError>>,
    >,
    log_queries: Vec<LogQuery>,
}

/// What every device of the test "runs": one scripted engine.
#[derive(Default)]
pub struct ScriptedDriver {
    script: Arc<Mutex<Script>>,
    keyring: Mutex<Option<Arc<dyn SecretStore>>>,
}

impl ScriptedDriver {
    /// The containers the next full syncs report.
    pub fn set_containers(&self, containers: Vec<ContainerObservation>) {
        self.script.lock().unwrap().containers = containers;
    }

    /// Connections meet `prompt`'s key until it is approved.
    pub fn require_host_key(&self, prompt: HostKeyPrompt) {
        self.script.lock().unwrap().unknown_key = Some(prompt);
    }

    pub fn set_unreachable(&self, reason: Option<&str>) {
        self.script.lock().unwrap().unreachable = reason.map(str::to_string);
    }

    /// A log request reads what is sent here, and ends when the sender is dropped. Feeds
    /// are taken in the order they were scripted, one per request.
    pub fn feed_logs(&self) -> tokio::sync::mpsc::UnboundedSender<Result<LogLine, EngineError>> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        self.script.lock().unwrap().log_feeds.push_back(rx);
        tx
    }

    /// A followed log whose container has written nothing yet: its first request (the
    /// written lines) ends at once, and its follow reads what is sent to the feed returned.
    pub fn feed_followed_logs(
        &self,
    ) -> tokio::sync::mpsc::UnboundedSender<Result<LogLine, EngineError>> {
        drop(self.feed_logs());
        self.feed_logs()
    }

    pub fn log_queries(&self) -> Vec<LogQuery> {
        self.script.lock().unwrap().log_queries.clone()
    }

    pub fn approved(&self) -> Vec<HostKeyPrompt> {
        self.script.lock().unwrap().approved.clone()
    }

    /// `"start <engine id>"`, `"remove <engine id>"`, ... in the order asked.
    pub fn actions(&self) -> Vec<String> {
        self.script.lock().unwrap().actions.clone()
    }

    pub fn watchers_started(&self) -> u32 {
        self.script.lock().unwrap().watchers_started
    }

    /// The keyring watchers and probes read SSH secrets from (as the real driver's deps).
    pub fn use_keyring(&self, keyring: Arc<dyn SecretStore>) {
        *self.keyring.lock().unwrap() = Some(keyring);
    }

    /// The secret each probe authenticated with (`None`: the connection needed none).
    pub fn probed_with(&self) -> Vec<Option<String>> {
        self.script.lock().unwrap().probed_with.clone()
    }

    fn keyring(&self) -> Option<Arc<dyn SecretStore>> {
        self.keyring.lock().unwrap().clone()
    }

    fn connect(&self) -> CoreResult<()> {
        connect(&self.script)
    }
}

/// What a connection meets right now.
fn connect(script: &Mutex<Script>) -> CoreResult<()> {
    let s = script.lock().unwrap();
    if let Some(reason) = &s.unreachable {
        return Err(EngineError::Unreachable(reason.clone()).into());
    }
    match &s.unknown_key {
        Some(prompt) if !s.approved.contains(prompt) => {
            Err(CoreError::HostKeyUnknown(prompt.clone()))
        }
        _ => Ok(()),
    }
}

/// Reads the secret an SSH connection's auth points at, as the real driver does before it
/// authenticates.
async fn read_secret(
    keyring: Option<&dyn SecretStore>,
    connection: &DeviceConnection,
) -> CoreResult<Option<Secret>> {
    let at = match connection {
        DeviceConnection::Ssh {
            auth: SshAuth::Password { secret: at },
            ..
        }
        | DeviceConnection::Ssh {
            auth: SshAuth::KeyFile { passphrase: at, .. },
            ..
        } => at,
        _ => return Ok(None),
    };
    match (at, keyring) {
        (Some(at), Some(keyring)) => keyring.get(at).await,
        _ => Ok(None),
    }
}

/// Serves every device kind with the one scripted driver.
pub struct ScriptedFactory(pub Arc<ScriptedDriver>);

impl ComponentFactory for ScriptedFactory {
    fn driver(&self, _kind: WatcherKind) -> CoreResult<Arc<dyn DeviceDriver>> {
        Ok(self.0.clone())
    }
}

#[async_trait]
impl DeviceDriver for ScriptedDriver {
    fn watcher(&self, _device: &Device) -> CoreResult<WatcherComponent> {
        self.script.lock().unwrap().watchers_started += 1;
        Ok(WatcherComponent {
            watcher: Box::new(ScriptedWatcher(self.script.clone(), self.keyring())),
            runtime: Arc::new(RecordingRuntime(self.script.clone())),
        })
    }

    async fn probe(
        &self,
        connection: &DeviceConnection,
        typed: Option<Secret>,
    ) -> CoreResult<EngineProbe> {
        let keyring: Option<Arc<dyn SecretStore>> = match (typed, self.keyring()) {
            (Some(typed), Some(keyring)) => Some(Arc::new(TypedSecret::new(keyring, typed))),
            (_, keyring) => keyring,
        };
        let secret = read_secret(keyring.as_deref(), connection).await?;
        self.connect()?;
        let mut s = self.script.lock().unwrap();
        s.probed_with
            .push(secret.map(|secret| secret.expose().to_string()));
        Ok(EngineProbe {
            engine_version: "scripted".into(),
            api_version: "1.41".into(),
            os: "test".into(),
            architecture: "x86_64".into(),
            containers: s.containers.len() as u32,
            running: 0,
            images: 0,
            notes: Vec::new(),
        })
    }

    fn identity_approval(&self) -> Option<&dyn IdentityApproval> {
        Some(self)
    }
}

#[async_trait]
impl IdentityApproval for ScriptedDriver {
    async fn approve(&self, prompt: &HostKeyPrompt) -> CoreResult<()> {
        let mut s = self.script.lock().unwrap();
        if s.unknown_key.as_ref() != Some(prompt) {
            return Err(CoreError::InvalidInput(format!(
                "{}:{} did not show the key {}",
                prompt.host, prompt.port, prompt.fingerprint
            )));
        }
        s.approved.push(prompt.clone());
        Ok(())
    }
}

/// Connects once: reads the device's secret, reports the scripted status and a full sync,
/// then waits for shutdown.
struct ScriptedWatcher(Arc<Mutex<Script>>, Option<Arc<dyn SecretStore>>);

#[async_trait]
impl Watcher for ScriptedWatcher {
    async fn run(self: Box<Self>, ctx: WatcherContext, mut shutdown: watch::Receiver<bool>) {
        let uuid = ctx.device.uuid.clone();
        let secret = read_secret(self.1.as_deref(), &ctx.device.connection).await;
        match secret.and_then(|_| connect(&self.0)) {
            Ok(()) => {
                let containers = self.0.lock().unwrap().containers.clone();
                let snapshot = InventorySnapshot {
                    containers,
                    ..Default::default()
                };
                if let Err(e) = ctx.sink.sync_snapshot(&uuid, snapshot).await {
                    ctx.sink
                        .set_status(
                            &uuid,
                            DeviceStatus::Unreachable {
                                reason: e.to_string(),
                            },
                        )
                        .await;
                } else {
                    ctx.sink
                        .set_status(
                            &uuid,
                            DeviceStatus::Online {
                                engine_version: "scripted".into(),
                            },
                        )
                        .await;
                }
            }
            Err(CoreError::HostKeyUnknown(prompt)) => {
                ctx.sink
                    .set_status(&uuid, DeviceStatus::HostKeyUnknown { prompt })
                    .await;
            }
            Err(e) => {
                ctx.sink
                    .set_status(
                        &uuid,
                        DeviceStatus::Unreachable {
                            reason: e.to_string(),
                        },
                    )
                    .await;
            }
        }
        while !*shutdown.borrow() {
            if shutdown.changed().await.is_err() {
                break;
            }
        }
    }
}

/// Records each action; inspect and live stats are not scripted.
struct RecordingRuntime(Arc<Mutex<Script>>);

impl RecordingRuntime {
    fn record(&self, action: &str, engine_id: &str) -> Result<(), EngineError> {
        self.0
            .lock()
            .unwrap()
            .actions
            .push(format!("{action} {engine_id}"));
        Ok(())
    }
}

#[async_trait]
impl ContainerRuntime for RecordingRuntime {
    async fn start(&self, engine_id: &str) -> Result<(), EngineError> {
        self.record("start", engine_id)
    }
    async fn stop(&self, engine_id: &str, _timeout: Option<u32>) -> Result<(), EngineError> {
        self.record("stop", engine_id)
    }
    async fn restart(&self, engine_id: &str, _timeout: Option<u32>) -> Result<(), EngineError> {
        self.record("restart", engine_id)
    }
    async fn pause(&self, engine_id: &str) -> Result<(), EngineError> {
        self.record("pause", engine_id)
    }
    async fn unpause(&self, engine_id: &str) -> Result<(), EngineError> {
        self.record("unpause", engine_id)
    }
    async fn kill(&self, engine_id: &str, signal: Option<&str>) -> Result<(), EngineError> {
        self.record(&format!("kill({})", signal.unwrap_or("")), engine_id)
    }
    async fn remove(&self, engine_id: &str, _options: RemoveOptions) -> Result<(), EngineError> {
        self.record("remove", engine_id)
    }
    async fn rename(&self, engine_id: &str, new_name: &str) -> Result<(), EngineError> {
        self.record(&format!("rename({new_name})"), engine_id)
    }
    async fn inspect(&self, _engine_id: &str) -> Result<ContainerDetails, EngineError> {
        Err(EngineError::Other("inspect is not scripted".into()))
    }
    async fn stats_stream(&self, _engine_id: &str) -> Result<StatsStream, EngineError> {
        Err(EngineError::Other("live stats are not scripted".into()))
    }
    async fn logs(&self, _engine_id: &str, query: &LogQuery) -> Result<LogLines, EngineError> {
        let mut s = self.0.lock().unwrap();
        s.log_queries.push(query.clone());
        let rx = s
            .log_feeds
            .pop_front()
            .ok_or_else(|| EngineError::Other("no log feed scripted".into()))?;
        Ok(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        })
        .boxed())
    }
}
