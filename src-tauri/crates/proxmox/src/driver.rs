//! The Proxmox VE device driver: the watcher that polls the cluster's guests with one call
//! and hands the inventory only what changed, the runtime that acts on guests through
//! tasks followed to their end, the connection test, and the approval of a node's
//! certificate on first use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use squirrel_core::backoff::Backoff;
use squirrel_core::factory::{
    stopped, DeviceDriver, IdentityApproval, Watcher, WatcherComponent, WatcherContext, WatcherKind,
};
use squirrel_core::model::{
    Device, DeviceConnection, DeviceStatus, EngineProbe, EngineSample, GuestDetails, HostKeyPrompt,
    InventorySnapshot, PveTrust,
};
use squirrel_core::ports::{
    unsupported, ContainerDetails, ContainerRuntime, RemoveOptions, StatsStream,
};
use squirrel_core::secrets::{Secret, SecretStore, TypedSecret};
use squirrel_core::{CoreError, CoreResult, EngineError};
use tokio::sync::{watch, Notify};

use crate::client::{api_base, PveClient, PveError};
use crate::details::{guest_details, rrd_samples};
use crate::known::KnownCertificates;
use crate::mapping::{engine_id, guest_sample, observation, parse_engine_id, started_at};
use crate::tls::{Fingerprint, Trust};
use crate::wire::{Guest, GuestType};

/// How often the cluster's guests are read when nothing else asks.
pub const POLL_PERIOD: Duration = Duration::from_secs(5);
/// The longest a lifecycle task is followed (a shutdown adds its own timeout).
const TASK_DEADLINE: Duration = Duration::from_secs(120);
/// How long a session must have stayed up for the reconnect backoff to start over.
const STABLE_SESSION: Duration = Duration::from_secs(30);
/// A shutdown's wait for the guest when the caller gives none (Proxmox's own default).
const SHUTDOWN_SECS: u32 = 60;
/// How far back a guest's recorded load is read when Squirrel first follows it (and after
/// a time away): Proxmox keeps a day at one point a minute.
const BACKFILL_TIMEFRAME: &str = "day";
const BACKFILL_SECS: u64 = 24 * 3600;
/// The nodes' health is read every this many polls (and at each session's start).
const NODES_EVERY: u32 = 6;

/// What every Proxmox device shares: the keyring and the approved certificates.
#[derive(Clone)]
pub struct PveDeps {
    pub secrets: Arc<dyn SecretStore>,
    pub known: Arc<KnownCertificates>,
    pub poll: Duration,
}

pub struct ProxmoxDriver {
    deps: PveDeps,
    /// The certificate each node showed last, so that an approval is of what it showed.
    seen: Arc<Mutex<HashMap<(String, u16), Fingerprint>>>,
}

impl ProxmoxDriver {
    pub fn new(deps: PveDeps) -> Self {
        Self {
            deps,
            seen: Arc::default(),
        }
    }
}

/// One device's live client and where its guests are, shared by its watcher and runtime.
#[derive(Clone, Default)]
struct Shared {
    client: Arc<RwLock<Option<Arc<PveClient>>>>,
    /// The node of each guest, from the last poll.
    nodes: Arc<RwLock<HashMap<(GuestType, u64), String>>>,
    /// Asks the watcher to poll now (after an action).
    poll_now: Arc<Notify>,
}

impl Shared {
    fn set(&self, client: Option<Arc<PveClient>>) {
        if let Ok(mut c) = self.client.write() {
            *c = client;
        }
    }

    fn client(&self) -> Option<Arc<PveClient>> {
        self.client.read().ok().and_then(|c| c.clone())
    }
}

/// The guests of one listing, by type and VMID.
type GuestsByVmid = HashMap<(GuestType, u64), Guest>;

/// Why connecting did not give a client.
enum ConnectFailure {
    /// The node's certificate waits for the user's approval.
    Identity(HostKeyPrompt),
    Failed(String),
}

/// A client for `connection`, its certificate trusted as the device says (or as approved).
fn client_for(
    connection: &DeviceConnection,
    secret: &Secret,
    known: &KnownCertificates,
) -> Result<(PveClient, String, u16), String> {
    let DeviceConnection::Proxmox {
        url,
        token_id,
        trust,
        ..
    } = connection
    else {
        return Err("not a Proxmox VE device".into());
    };
    let base = api_base(url)?;
    let host = base.host_str().unwrap_or_default().to_owned();
    let port = base.port().unwrap_or(crate::client::DEFAULT_PORT);
    let trust = match trust {
        PveTrust::Fingerprint {
            fingerprint: Some(text),
        } => Trust::Pinned(Fingerprint::parse(text)?),
        PveTrust::Fingerprint { fingerprint: None } => known
            .get(&host, port)
            .map_or(Trust::FirstUse, Trust::Pinned),
        PveTrust::Ca { ca_path } => Trust::Ca(
            std::fs::read_to_string(ca_path)
                .map_err(|e| format!("the CA certificate {ca_path} cannot be read: {e}"))?,
        ),
        PveTrust::System => Trust::System,
    };
    let client = PveClient::new(url, token_id, secret, trust).map_err(|e| e.to_string())?;
    Ok((client, host, port))
}

async fn token_secret(
    connection: &DeviceConnection,
    secrets: &dyn SecretStore,
) -> Result<Secret, String> {
    let DeviceConnection::Proxmox {
        secret: Some(at), ..
    } = connection
    else {
        return Err(
            "the token's secret (or the password) was never given: edit the device and enter it"
                .into(),
        );
    };
    let what = match connection {
        DeviceConnection::Proxmox { token_id, .. } if !crate::client::is_token_id(token_id) => {
            "the password"
        }
        _ => "the token's secret",
    };
    match secrets.get(at).await {
        Ok(Some(secret)) => Ok(secret),
        Ok(None) => Err(format!(
            "{what} is not in the keyring any more: edit the device and enter it"
        )),
        Err(e) => Err(e.to_string()),
    }
}

impl ProxmoxDriver {
    /// Connects and asks the version: a client that works, or why not.
    async fn connect(
        &self,
        connection: &DeviceConnection,
        secrets: &dyn SecretStore,
    ) -> Result<(Arc<PveClient>, String), ConnectFailure> {
        let secret = token_secret(connection, secrets)
            .await
            .map_err(ConnectFailure::Failed)?;
        let (client, host, port) =
            client_for(connection, &secret, &self.deps.known).map_err(ConnectFailure::Failed)?;
        match client.version().await {
            Ok(v) => Ok((Arc::new(client), format!("Proxmox VE {}", v.version))),
            Err(PveError::CertificateUnknown { seen }) => {
                if let Ok(mut all) = self.seen.lock() {
                    all.insert((host.clone(), port), seen);
                }
                Err(ConnectFailure::Identity(HostKeyPrompt {
                    kind: WatcherKind::Proxmox,
                    host,
                    port,
                    algorithm: "TLS certificate".into(),
                    fingerprint: seen.to_string(),
                }))
            }
            Err(e) => Err(ConnectFailure::Failed(e.to_string())),
        }
    }
}

#[async_trait]
impl DeviceDriver for ProxmoxDriver {
    fn watcher(&self, device: &Device) -> CoreResult<WatcherComponent> {
        let shared = Shared::default();
        Ok(WatcherComponent {
            watcher: Box::new(ProxmoxWatcher {
                driver: ProxmoxDriver {
                    deps: self.deps.clone(),
                    seen: self.seen.clone(),
                },
                connection: device.connection.clone(),
                shared: shared.clone(),
            }),
            runtime: Arc::new(ProxmoxRuntime { shared }),
        })
    }

    /// The version, the nodes and the guests; a secret typed for the test stays in memory.
    async fn probe(
        &self,
        connection: &DeviceConnection,
        typed: Option<Secret>,
    ) -> CoreResult<EngineProbe> {
        let secrets: Arc<dyn SecretStore> = match typed {
            Some(typed) => Arc::new(TypedSecret::new(self.deps.secrets.clone(), typed)),
            None => self.deps.secrets.clone(),
        };
        let (client, version) = match self.connect(connection, secrets.as_ref()).await {
            Ok(c) => c,
            Err(ConnectFailure::Identity(prompt)) => return Err(CoreError::HostKeyUnknown(prompt)),
            Err(ConnectFailure::Failed(reason)) => {
                return Err(CoreError::Engine(EngineError::Unreachable(reason)))
            }
        };
        let unreachable = |e: PveError| CoreError::Engine(EngineError::Unreachable(e.to_string()));
        let nodes = client.nodes().await.map_err(unreachable)?;
        let guests = client.guests().await.map_err(unreachable)?;
        let count = |kind: GuestType| guests.iter().filter(|g| g.kind == kind).count();
        let mut notes = vec![format!(
            "{} LXC container(s) and {} virtual machine(s)",
            count(GuestType::Lxc),
            count(GuestType::Qemu)
        )];
        if guests.is_empty() {
            // The cluster's listing leaves out what the token may not see.
            notes.push("No guest is visible: if the cluster has some, give the token VM.Audit (Datacenter › Permissions)".into());
        }
        for node in &nodes {
            let status = node.status.as_deref().unwrap_or("unknown");
            if status != "online" {
                notes.push(format!("node {} is {status}", node.node));
            }
        }
        let names: Vec<&str> = nodes.iter().map(|n| n.node.as_str()).collect();
        Ok(EngineProbe {
            engine_version: version,
            api_version: "2".into(),
            os: format!("{} node(s): {}", nodes.len(), names.join(", ")),
            architecture: String::new(),
            containers: u32::try_from(guests.len()).unwrap_or(u32::MAX),
            running: u32::try_from(guests.iter().filter(|g| g.status == "running").count())
                .unwrap_or(u32::MAX),
            images: 0,
            notes,
        })
    }

    fn identity_approval(&self) -> Option<&dyn IdentityApproval> {
        Some(self)
    }
}

#[async_trait]
impl IdentityApproval for ProxmoxDriver {
    /// Only the certificate the node showed last can be approved.
    async fn approve(&self, prompt: &HostKeyPrompt) -> CoreResult<()> {
        let fingerprint =
            Fingerprint::parse(&prompt.fingerprint).map_err(CoreError::InvalidInput)?;
        let shown = self
            .seen
            .lock()
            .ok()
            .and_then(|all| all.get(&(prompt.host.clone(), prompt.port)).copied());
        if shown != Some(fingerprint) {
            return Err(CoreError::InvalidInput(format!(
                "{}:{} did not show that certificate: test the connection again and compare the fingerprint it shows",
                prompt.host, prompt.port
            )));
        }
        self.deps
            .known
            .trust(&prompt.host, prompt.port, fingerprint)
            .map_err(|e| CoreError::Storage(format!("the approval could not be saved: {e}")))
    }
}

pub struct ProxmoxWatcher {
    driver: ProxmoxDriver,
    connection: DeviceConnection,
    shared: Shared,
}

enum SessionEnd {
    Shutdown,
    Lost(String),
    Identity(HostKeyPrompt),
}

#[async_trait]
impl Watcher for ProxmoxWatcher {
    async fn run(self: Box<Self>, ctx: WatcherContext, mut shutdown: watch::Receiver<bool>) {
        let device = ctx.device.uuid.clone();
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        ctx.sink.set_status(&device, DeviceStatus::Connecting).await;
        loop {
            let mut polled = false;
            let began = std::time::Instant::now();
            let end = tokio::select! {
                end = self.session(&ctx, &mut polled) => end,
                () = stopped(&mut shutdown) => SessionEnd::Shutdown,
            };
            self.shared.set(None);
            // Only a session that stayed up earns a quick reconnect: a node that answers one
            // listing and fails the next is retried ever more slowly.
            if polled && began.elapsed() >= STABLE_SESSION {
                backoff.reset();
            }
            match end {
                SessionEnd::Shutdown => break,
                SessionEnd::Lost(reason) => {
                    tracing::warn!(device = %device, %reason, "Proxmox VE unreachable");
                    ctx.sink
                        .set_status(&device, DeviceStatus::Unreachable { reason })
                        .await;
                }
                SessionEnd::Identity(prompt) => {
                    tracing::warn!(device = %device, fingerprint = %prompt.fingerprint, "unapproved Proxmox certificate");
                    ctx.sink
                        .set_status(&device, DeviceStatus::HostKeyUnknown { prompt })
                        .await;
                }
            }
            tokio::select! {
                () = tokio::time::sleep(backoff.next_delay()) => {}
                () = stopped(&mut shutdown) => break,
            }
        }
        self.shared.set(None);
    }
}

impl ProxmoxWatcher {
    /// Connects, then polls the cluster until a poll fails. `polled` turns true once a poll
    /// went through (the reconnect backoff starts over).
    async fn session(&self, ctx: &WatcherContext, polled: &mut bool) -> SessionEnd {
        let device = &ctx.device.uuid;
        let (client, version) = match self
            .driver
            .connect(&self.connection, self.driver.deps.secrets.as_ref())
            .await
        {
            Ok(c) => c,
            Err(ConnectFailure::Identity(prompt)) => return SessionEnd::Identity(prompt),
            Err(ConnectFailure::Failed(reason)) => return SessionEnd::Lost(reason),
        };
        let mut online = false;
        // Each guest's earlier load is read once a session, in the background.
        let mut backfilled: std::collections::HashSet<(GuestType, u64)> = Default::default();
        let mut backfills = tokio::task::JoinSet::new();
        let stats_every = Duration::from_secs(u64::from(ctx.device.stats_interval_secs));
        let mut last_round: Option<(std::time::Instant, GuestsByVmid)> = None;
        let mut tick = tokio::time::interval(self.driver.deps.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // An interval's first tick is at once: taken here, the next poll is a period away.
        tick.tick().await;
        let mut polls: u32 = 0;
        let mut unknown_on: Vec<String> = Vec::new();
        let mut starts: HashMap<(GuestType, u64), i64> = HashMap::new();
        loop {
            let mut guests = match client.guests().await {
                Ok(g) => g,
                Err(e) => return SessionEnd::Lost(e.to_string()),
            };
            let now_secs = now_ms() / 1000;
            for g in &mut guests {
                g.started_at = started_at(g, now_secs, starts.get(&(g.kind, g.vmid)).copied());
            }
            starts = guests
                .iter()
                .filter_map(|g| g.started_at.map(|s| ((g.kind, g.vmid), s)))
                .collect();
            // The nodes and their health, every few polls, and at once when guests turn
            // unknown or back (their node went away or came back). A failed read leaves
            // the last one shown.
            let mut now_unknown: Vec<String> = guests
                .iter()
                .filter(|g| g.status == "unknown")
                .map(|g| g.node.clone())
                .collect();
            now_unknown.sort_unstable();
            now_unknown.dedup();
            self.remember_nodes(&guests);
            let snapshot = InventorySnapshot {
                containers: guests.iter().map(observation).collect(),
                images: Vec::new(),
                volumes: Vec::new(),
                networks: Vec::new(),
            };
            if let Err(e) = ctx.sink.sync_snapshot(device, snapshot).await {
                return SessionEnd::Lost(format!("the guests could not be stored: {e}"));
            }
            *polled = true;
            if polls.is_multiple_of(NODES_EVERY) || now_unknown != unknown_on {
                match client.nodes().await {
                    Ok(nodes) => ctx.sink.set_nodes(device, cluster_nodes(&nodes)).await,
                    Err(e) => {
                        tracing::debug!(device = %device, error = %e, "the nodes could not be read")
                    }
                }
            }
            polls = polls.wrapping_add(1);
            unknown_on = now_unknown;
            let unseen: Vec<(GuestType, u64, String)> = guests
                .iter()
                .filter(|g| !g.template && backfilled.insert((g.kind, g.vmid)))
                .map(|g| (g.kind, g.vmid, g.node.clone()))
                .collect();
            if !unseen.is_empty() && !stats_every.is_zero() {
                backfills.spawn(backfill(
                    client.clone(),
                    ctx.stats.clone(),
                    device.clone(),
                    unseen,
                ));
            }
            while backfills.try_join_next().is_some() {}
            // The load of the running guests, from the same listing, every stats interval.
            let due = last_round
                .as_ref()
                .is_none_or(|(at, _)| at.elapsed() >= stats_every);
            if !stats_every.is_zero() && due {
                let previous = last_round.take();
                let samples = guests
                    .iter()
                    .filter(|g| g.status == "running")
                    .map(|g| {
                        let before = previous.as_ref().and_then(|(at, all)| {
                            all.get(&(g.kind, g.vmid))
                                .map(|p| (p, at.elapsed().as_secs_f64()))
                        });
                        EngineSample {
                            engine_id: engine_id(g.kind, g.vmid),
                            sample: guest_sample(g, before, now_ms()),
                        }
                    })
                    .collect();
                ctx.stats.record(device, samples).await;
                let all = guests
                    .iter()
                    .map(|g| ((g.kind, g.vmid), g.clone()))
                    .collect();
                last_round = Some((std::time::Instant::now(), all));
            }
            if !online {
                // Online once the first listing is stored: the table is full when it shows.
                self.shared.set(Some(client.clone()));
                ctx.sink
                    .set_status(
                        device,
                        DeviceStatus::Online {
                            engine_version: version.clone(),
                        },
                    )
                    .await;
                online = true;
            }
            tokio::select! {
                _ = tick.tick() => {}
                () = self.shared.poll_now.notified() => {}
            }
        }
    }

    fn remember_nodes(&self, guests: &[Guest]) {
        if let Ok(mut nodes) = self.shared.nodes.write() {
            nodes.clear();
            nodes.extend(guests.iter().map(|g| ((g.kind, g.vmid), g.node.clone())));
        }
    }
}

/// The nodes as the Devices screen shows them, by name.
fn cluster_nodes(nodes: &[crate::wire::Node]) -> Vec<squirrel_core::model::ClusterNode> {
    let mut out: Vec<squirrel_core::model::ClusterNode> = nodes
        .iter()
        .map(|n| {
            let online = n.is_online();
            squirrel_core::model::ClusterNode {
                name: n.node.clone(),
                online,
                // Whole percents: a node's load flickers, its shown value need not.
                cpu_percent: n
                    .cpu
                    .filter(|c| online && c.is_finite() && *c >= 0.0)
                    .map(|c| (c.min(1.0) * 100.0).round()),
                cpus: n.maxcpu.and_then(|c| u32::try_from(c).ok()),
                memory_used: n.mem.filter(|_| online).map(|m| m >> 20 << 20),
                memory_total: n.maxmem,
                uptime_secs: n.uptime.filter(|_| online).map(|u| u / 3600 * 3600),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Writes what Proxmox recorded of these guests' load (the last day) into the statistics
/// where Squirrel has nothing, one guest after the other.
async fn backfill(
    client: Arc<PveClient>,
    stats: Arc<dyn squirrel_core::ports::StatsSink>,
    device: String,
    guests: Vec<(GuestType, u64, String)>,
) {
    let not_before = u64::try_from(now_ms() / 1000)
        .unwrap_or(0)
        .saturating_sub(BACKFILL_SECS);
    let mut stored = 0;
    for (kind, vmid, node) in guests {
        match client.rrddata(kind, &node, vmid, BACKFILL_TIMEFRAME).await {
            Ok(points) => {
                let samples = rrd_samples(&points, not_before);
                if !samples.is_empty() {
                    stored += stats
                        .backfill(&device, &engine_id(kind, vmid), samples)
                        .await;
                }
            }
            // History is a nicety: a guest whose history cannot be read is charted from now.
            Err(e) => {
                tracing::debug!(device = %device, vmid, error = %e, "no recorded load of a guest")
            }
        }
    }
    if stored > 0 {
        tracing::info!(device = %device, samples = stored, "earlier load of Proxmox guests stored");
    }
}

/// Lifecycle actions on guests, each a task followed to its end.
pub struct ProxmoxRuntime {
    shared: Shared,
}

/// Where a guest is: the client, its type, VMID and node.
type Located = (Arc<PveClient>, GuestType, u64, String);

impl ProxmoxRuntime {
    fn locate(&self, engine_id: &str) -> Result<Located, EngineError> {
        let (kind, vmid) = parse_engine_id(engine_id).ok_or_else(|| {
            EngineError::NoSuchObject(format!("{engine_id} is not a Proxmox guest"))
        })?;
        let client = self
            .shared
            .client()
            .ok_or_else(|| EngineError::Unreachable("Proxmox VE is not connected".into()))?;
        let node = self
            .shared
            .nodes
            .read()
            .ok()
            .and_then(|n| n.get(&(kind, vmid)).cloned())
            .ok_or_else(|| {
                EngineError::NoSuchObject(format!("guest {vmid} is not in the cluster any more"))
            })?;
        Ok((client, kind, vmid, node))
    }

    async fn act(
        &self,
        engine_id: &str,
        action: &str,
        params: &[(&str, String)],
        deadline: Duration,
    ) -> Result<(), EngineError> {
        let (client, kind, vmid, node) = self.locate(engine_id)?;
        let upid = client
            .guest_action(kind, &node, vmid, action, params)
            .await
            .map_err(engine_error)?;
        let done = client
            .follow_task(&upid, deadline)
            .await
            .map_err(engine_error);
        // The new state shows at once, not at the next poll.
        self.shared.poll_now.notify_one();
        done
    }
}

fn engine_error(e: PveError) -> EngineError {
    match e {
        PveError::NotFound(m) => EngineError::NoSuchObject(m),
        PveError::Unreachable(m) => EngineError::Unreachable(m),
        PveError::TaskFailed { exit, log } => {
            let tail: Vec<&str> = log.iter().rev().take(8).rev().map(String::as_str).collect();
            EngineError::Conflict(if tail.is_empty() {
                format!("the Proxmox task failed: {exit}")
            } else {
                format!(
                    "the Proxmox task failed: {exit}. Its log ends with:\n{}",
                    tail.join("\n")
                )
            })
        }
        other => EngineError::BadRequest(other.to_string()),
    }
}

#[async_trait]
impl ContainerRuntime for ProxmoxRuntime {
    async fn start(&self, engine_id: &str) -> Result<(), EngineError> {
        self.act(engine_id, "start", &[], TASK_DEADLINE).await
    }

    /// A shutdown: the guest is asked, and stopped when it has not within the timeout.
    async fn stop(&self, engine_id: &str, timeout_secs: Option<u32>) -> Result<(), EngineError> {
        let secs = timeout_secs.unwrap_or(SHUTDOWN_SECS);
        let params = [
            ("timeout", secs.to_string()),
            ("forceStop", "1".to_string()),
        ];
        let deadline = TASK_DEADLINE + Duration::from_secs(u64::from(secs));
        self.act(engine_id, "shutdown", &params, deadline).await
    }

    async fn restart(&self, engine_id: &str, timeout_secs: Option<u32>) -> Result<(), EngineError> {
        let secs = timeout_secs.unwrap_or(SHUTDOWN_SECS);
        let deadline = TASK_DEADLINE + Duration::from_secs(u64::from(secs));
        self.act(
            engine_id,
            "reboot",
            &[("timeout", secs.to_string())],
            deadline,
        )
        .await
    }

    async fn pause(&self, engine_id: &str) -> Result<(), EngineError> {
        self.act(engine_id, "suspend", &[], TASK_DEADLINE).await
    }

    async fn unpause(&self, engine_id: &str) -> Result<(), EngineError> {
        self.act(engine_id, "resume", &[], TASK_DEADLINE).await
    }

    /// Proxmox's stop: the plug pulled, at once (the signal has no meaning there).
    async fn kill(&self, engine_id: &str, _signal: Option<&str>) -> Result<(), EngineError> {
        self.act(engine_id, "stop", &[], TASK_DEADLINE).await
    }

    async fn remove(&self, _engine_id: &str, _options: RemoveOptions) -> Result<(), EngineError> {
        Err(unsupported("removing Proxmox guests"))
    }

    async fn rename(&self, _engine_id: &str, _new_name: &str) -> Result<(), EngineError> {
        Err(unsupported("renaming Proxmox guests"))
    }

    async fn inspect(&self, _engine_id: &str) -> Result<ContainerDetails, EngineError> {
        Err(unsupported("the details of Proxmox guests"))
    }

    async fn stats_stream(&self, _engine_id: &str) -> Result<StatsStream, EngineError> {
        Err(unsupported("live statistics of Proxmox guests"))
    }

    /// The config, the snapshots and (for a running container) its addresses now, read
    /// together; what could not be read beside the config is said, not failed.
    async fn guest_details(&self, engine_id: &str) -> Result<GuestDetails, EngineError> {
        let (client, kind, vmid, node) = self.locate(engine_id)?;
        let (config, snapshots, interfaces) = tokio::join!(
            client.guest_config(kind, &node, vmid),
            client.snapshots(kind, &node, vmid),
            async {
                if kind == GuestType::Lxc {
                    Some(client.lxc_interfaces(&node, vmid).await)
                } else {
                    None
                }
            }
        );
        let config = config.map_err(engine_error)?;
        let mut notes = Vec::new();
        let snapshots = snapshots.unwrap_or_else(|e| {
            notes.push(format!("The snapshots could not be read: {e}"));
            Vec::new()
        });
        // A stopped container has no interfaces to list: only a refusal is worth saying.
        let interfaces = match interfaces {
            Some(Err(PveError::Forbidden(m))) => {
                notes.push(format!("The addresses it has now could not be read: {m}"));
                Vec::new()
            }
            Some(Ok(list)) => list,
            _ => Vec::new(),
        };
        Ok(guest_details(kind, &config, &snapshots, &interfaces, notes))
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
