//! Test support: a real `dockerd` with a private data-root, and the app (as
//! `squirrel_app::App` assembles it) in a temporary data folder.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use squirrel_app::AppConfig;
use squirrel_core::clock::SystemClock;
use squirrel_core::model::{Device, DeviceConnection, NewDevice};
use squirrel_core::DomainEvent;
use tokio::sync::broadcast;

pub mod registry;
pub mod sshd;

/// A private Docker engine: own data-root, exec-root, socket and pidfile, no default bridge.
pub struct TestEngine {
    pub dir: PathBuf,
    child: Option<Child>,
    extra_args: Vec<String>,
    /// Host bridges of this engine's networks, deleted when the engine is dropped: the
    /// daemon leaves them behind when it stops, and the host's address pools run out.
    bridges: Vec<String>,
}

/// The iptables rule [`TestEngine::open_bridge_network`] added, removed on drop.
pub struct BridgeRule {
    bridge: Option<String>,
}

impl Drop for BridgeRule {
    fn drop(&mut self) {
        if let Some(b) = &self.bridge {
            let _ = Command::new("iptables")
                .args(["-D", "FORWARD", "-i", b, "-o", b, "-j", "ACCEPT"])
                .status();
        }
    }
}

/// A tarball of a busybox root filesystem, made once per process from Debian's busybox-static.
fn busybox_rootfs_tar() -> &'static Path {
    static TAR: OnceLock<PathBuf> = OnceLock::new();
    TAR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("squirrel-rootfs-{}", std::process::id()));
        let bin = dir.join("rootfs/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::copy("/bin/busybox", bin.join("busybox"))
            .expect("/bin/busybox is missing: apt-get install busybox-static");
        for applet in [
            "sh", "ls", "cat", "echo", "sleep", "tar", "top", "httpd", "wget", "dd", "mkdir",
        ] {
            let _ = std::os::unix::fs::symlink("busybox", bin.join(applet));
        }
        let tar = dir.join("busybox.tar");
        let ok = Command::new("tar")
            .arg("-C")
            .arg(dir.join("rootfs"))
            .arg("-cf")
            .arg(&tar)
            .arg(".")
            .status()
            .unwrap()
            .success();
        assert!(ok, "tar of the busybox rootfs failed");
        tar
    })
}

impl TestEngine {
    /// Starts an engine and imports `busybox:local` into it.
    pub fn start() -> Self {
        Self::start_with(|_| Vec::new())
    }

    /// Starts an engine that also listens on `tcp://127.0.0.1:<port>` with `--tlsverify`,
    /// using certificates made for the test. Returns the engine, the port and the PKI.
    pub fn start_tls() -> (Self, u16, TestPki) {
        Self::start_tls_on("127.0.0.1")
    }

    /// Like [`start_tls`](Self::start_tls), listening on `address` (e.g. `[::1]`).
    pub fn start_tls_on(address: &str) -> (Self, u16, TestPki) {
        let port = free_port();
        let mut pki = None;
        let engine = Self::start_with(|dir| {
            let p = TestPki::create(&dir.join("pki"));
            let args = vec![
                "--tlsverify".into(),
                format!("--tlscacert={}", p.ca.display()),
                format!("--tlscert={}", p.server_cert.display()),
                format!("--tlskey={}", p.server_key.display()),
                format!("-H=tcp://{address}:{port}"),
            ];
            pki = Some(p);
            args
        });
        (engine, port, pki.unwrap())
    }

    /// A folder for an engine not started yet: its socket will be `dir/docker.sock`.
    pub fn reserve_dir() -> PathBuf {
        tempfile::Builder::new()
            .prefix("sqe")
            .tempdir_in("/tmp")
            .unwrap()
            .keep()
    }

    /// Starts an engine in a folder from [`reserve_dir`](Self::reserve_dir).
    pub fn start_in(dir: PathBuf) -> Self {
        Self::start_in_with(dir, |_| Vec::new())
    }

    fn start_with(extra: impl FnOnce(&Path) -> Vec<String>) -> Self {
        Self::start_in_with(Self::reserve_dir(), extra)
    }

    fn start_in_with(dir: PathBuf, extra: impl FnOnce(&Path) -> Vec<String>) -> Self {
        let extra_args = extra(&dir);
        let mut engine = Self {
            dir,
            child: None,
            extra_args,
            bridges: Vec::new(),
        };
        engine.launch();
        let out = Command::new("docker")
            .env("DOCKER_HOST", engine.host())
            .args(["import", "-c", "CMD [\"/bin/sh\"]"])
            .arg(busybox_rootfs_tar())
            .arg("busybox:local")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "docker import: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        engine
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.join("docker.sock")
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    fn launch(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("dockerd.log"))
            .unwrap();
        let child = Command::new("dockerd")
            .arg("--data-root")
            .arg(self.dir.join("data"))
            .arg("--exec-root")
            .arg(self.dir.join("exec"))
            .arg("--pidfile")
            .arg(self.dir.join("docker.pid"))
            .arg("-H")
            .arg(self.host())
            .args(["--bridge=none", "--iptables=false", "--ip-masq=false"])
            .args(&self.extra_args)
            .stdout(Stdio::null())
            .stderr(log.try_clone().unwrap())
            .spawn()
            .expect("cannot run dockerd: apt-get install docker.io (and run as root)");
        self.child = Some(child);
        // Wait for the API to answer: the daemon offers no readiness signal but its socket.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ok = Command::new("docker")
                .env("DOCKER_HOST", self.host())
                .args(["version", "--format", "{{.Server.Version}}"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "dockerd did not start; see {:?}",
                self.dir
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the daemon (SIGTERM) and waits for it to exit.
    pub fn stop(&mut self) {
        if self.child.is_some() {
            let ids = self
                .try_cli(&["network", "ls", "--filter", "driver=bridge", "-q"])
                .unwrap_or_default();
            for id in ids.split_whitespace() {
                let bridge = format!("br-{}", &id[..id.len().min(12)]);
                if !self.bridges.contains(&bridge) {
                    self.bridges.push(bridge);
                }
            }
        }
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }

    /// Freezes the daemon (SIGSTOP): its sockets still accept connections, nothing answers.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Thaws a paused daemon (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, sig: &str) {
        if let Some(child) = &self.child {
            let ok = Command::new("kill")
                .args([sig, &child.id().to_string()])
                .status()
                .unwrap()
                .success();
            assert!(ok, "kill {sig} dockerd");
        }
    }

    /// Starts the daemon again on the same data.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// Creates a bridge network whose containers can reach each other. The test engine
    /// runs without iptables, and a host whose FORWARD policy is DROP (any machine that
    /// ever ran Docker's default daemon) drops bridged traffic; one ACCEPT rule for this
    /// bridge only, removed when the guard drops, lets it through.
    pub fn open_bridge_network(&self, name: &str) -> BridgeRule {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let bridge = format!(
            "sq{}x{}",
            std::process::id() % 100_000,
            N.fetch_add(1, Ordering::Relaxed)
        );
        self.cli(&[
            "network",
            "create",
            "-o",
            &format!("com.docker.network.bridge.name={bridge}"),
            name,
        ]);
        let rule = ["FORWARD", "-i", &bridge, "-o", &bridge, "-j", "ACCEPT"];
        let added = Command::new("iptables")
            .arg("-I")
            .args(rule)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        BridgeRule {
            bridge: added.then_some(bridge),
        }
    }

    /// Runs the docker CLI against this engine; panics with its stderr on failure.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("docker")
            .env("DOCKER_HOST", self.host())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Like [`cli`](Self::cli) but returns the exit status and stderr instead of panicking.
    pub fn try_cli(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new("docker")
            .env("DOCKER_HOST", self.host())
            .args(args)
            .output()
            .unwrap();
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }
}

impl Drop for TestEngine {
    fn drop(&mut self) {
        // A test that failed while the daemon was frozen must not hang the clean-up.
        self.resume();
        if self.child.is_some() {
            let _ = Command::new("docker")
                .env("DOCKER_HOST", self.host())
                .args(["rm", "-f", "-v"])
                .args(
                    self.try_cli(&["ps", "-aq"])
                        .unwrap_or_default()
                        .split_whitespace(),
                )
                .output();
            // The daemon leaves its networks' bridges on the host when it stops: a machine
            // that runs the tests many times would run out of address pools. Pruning now,
            // with no container left, removes them.
            let _ = self.try_cli(&["network", "prune", "-f"]);
        }
        self.stop();
        for bridge in &self.bridges {
            let _ = Command::new("ip")
                .args(["link", "delete", bridge])
                .stderr(Stdio::null())
                .status();
        }
        // Best effort: overlay mounts may linger until the daemon's cleanup finishes.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Certificates made at test time with the openssl CLI: a CA, a server certificate for
/// 127.0.0.1/localhost, a client certificate from the same CA, and a client certificate
/// from a stranger CA.
pub struct TestPki {
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    pub stranger_ca: PathBuf,
    pub stranger_cert: PathBuf,
    pub stranger_key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl CLI");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TestPki {
    pub fn create(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        for ca in ["ca", "stranger-ca"] {
            openssl(
                dir,
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-days",
                    "2",
                    "-keyout",
                    &format!("{ca}-key.pem"),
                    "-out",
                    &format!("{ca}.pem"),
                    "-subj",
                    &format!("/CN={ca}"),
                ],
            );
        }
        let leaf = |name: &str, ca: &str, ext: &str| {
            openssl(
                dir,
                &[
                    "req",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    &format!("{name}-key.pem"),
                    "-out",
                    &format!("{name}.csr"),
                    "-subj",
                    &format!("/CN={name}"),
                ],
            );
            std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
            openssl(
                dir,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &format!("{name}.csr"),
                    "-CA",
                    &format!("{ca}.pem"),
                    "-CAkey",
                    &format!("{ca}-key.pem"),
                    "-CAcreateserial",
                    "-days",
                    "2",
                    "-out",
                    &format!("{name}-cert.pem"),
                    "-extfile",
                    &format!("{name}.ext"),
                ],
            );
        };
        leaf(
            "server",
            "ca",
            "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
        );
        leaf("client", "ca", "extendedKeyUsage=clientAuth\n");
        leaf("stranger", "stranger-ca", "extendedKeyUsage=clientAuth\n");
        Self {
            ca: dir.join("ca.pem"),
            server_cert: dir.join("server-cert.pem"),
            server_key: dir.join("server-key.pem"),
            client_cert: dir.join("client-cert.pem"),
            client_key: dir.join("client-key.pem"),
            stranger_ca: dir.join("stranger-ca.pem"),
            stranger_cert: dir.join("stranger-cert.pem"),
            stranger_key: dir.join("stranger-key.pem"),
        }
    }
}

/// The app as the desktop shell builds it, in a temporary data folder, with the real OS
/// keyring and no user `known_hosts`. Nothing starts until a test adds a device.
pub struct App {
    app: squirrel_app::App,
    pub dir: tempfile::TempDir,
}

impl std::ops::Deref for App {
    type Target = squirrel_app::App;

    fn deref(&self) -> &squirrel_app::App {
        &self.app
    }
}

impl App {
    pub async fn new() -> Self {
        // No local engine: tests add the engines they start.
        Self::with_local_socket("/nonexistent/docker.sock").await
    }

    /// An app whose local engine is expected at `socket` (for first-run tests).
    pub async fn with_local_socket(socket: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let app = squirrel_app::App::open(AppConfig {
            data_dir: dir.path().to_path_buf(),
            user_known_hosts: None,
            secrets: Arc::new(squirrel_secrets::OsKeyring),
            clock: Arc::new(SystemClock),
            // Tests read every event: a deep bus so that bursts are never dropped.
            bus_capacity: 65_536,
            timeouts: TEST_TIMEOUTS,
            // Each app reads its own SSH config (none until a test writes it): HOME is shared
            // by the tests running in parallel.
            ssh_config: Some(dir.path().join("ssh_config")),
            local_socket: socket.into(),
        })
        .await
        .unwrap();
        Self { app, dir }
    }

    /// The files of the data folder (and its subfolders) whose bytes contain `needle`. A file
    /// removed between the listing and its reading (SQLite's `-wal` and `-shm` go when the last
    /// connection closes) holds nothing any more and is skipped.
    pub fn files_containing(&self, needle: &str) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut folders = vec![self.dir.path().to_path_buf()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                    continue;
                }
                let bytes = match std::fs::read(&path) {
                    Ok(bytes) => bytes,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => panic!("{}: {e}", path.display()),
                };
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    found.push(path);
                }
            }
        }
        found
    }

    /// Where collectors report: the same recorder the watchers use.
    pub fn stats_sink(&self) -> Arc<dyn squirrel_core::ports::StatsSink> {
        self.recorder.clone()
    }

    /// Stores `engine` as a device without starting its watcher (for benchmarks that drive
    /// the sync themselves). Returns the device uuid.
    pub async fn add_device_only(&self, engine: &TestEngine) -> String {
        use squirrel_core::ports::DeviceRepository;
        let device = Device {
            uuid: uuid_like(),
            name: "bench".into(),
            connection: DeviceConnection::LocalSocket {
                path: engine.socket().display().to_string(),
            },
            enabled: true,
            resync_interval_secs: 300,
            stats_interval_secs: 10,
            created_at: 0,
        };
        self.store().insert_device(&device).await.unwrap();
        device.uuid
    }

    /// Adds a device with `connection` and waits until it is online. Returns its uuid.
    pub async fn add_engine_with(&self, connection: DeviceConnection, name: &str) -> String {
        let mut rx = self.bus().subscribe();
        let device = self
            .devices
            .add(
                NewDevice {
                    name: name.into(),
                    connection,
                    resync_interval_secs: None,
                    stats_interval_secs: None,
                },
                None,
            )
            .await
            .unwrap();
        let uuid = device.uuid.clone();
        wait_for(&mut rx, |e| matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status } if *device_uuid == uuid && status.is_online())).await;
        device.uuid
    }

    /// Adds `engine` as a device and waits until it is online (its full sync is stored).
    pub async fn add_engine(&self, engine: &TestEngine, name: &str) -> Device {
        self.add_engine_sampled(engine, name, None).await
    }

    /// Like [`add_engine`](Self::add_engine), with stats sampled every `stats_secs`
    /// (`None`: the default interval).
    pub async fn add_engine_sampled(
        &self,
        engine: &TestEngine,
        name: &str,
        stats_secs: Option<u32>,
    ) -> Device {
        let mut rx = self.bus().subscribe();
        let device = self
            .devices
            .add(
                NewDevice {
                    name: name.into(),
                    connection: DeviceConnection::LocalSocket {
                        path: engine.socket().display().to_string(),
                    },
                    resync_interval_secs: None,
                    stats_interval_secs: stats_secs,
                },
                None,
            )
            .await
            .unwrap();
        let uuid = device.uuid.clone();
        wait_for(&mut rx, |e| matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status } if *device_uuid == uuid && status.is_online())).await;
        device
    }
}

/// The first connection test meets an unknown SSH host key: approve it, as the user would.
pub async fn approve_host_key(
    app: &App,
    connection: &DeviceConnection,
) -> squirrel_core::model::HostKeyPrompt {
    match app.devices.test_connection(connection, None).await {
        Err(squirrel_core::CoreError::HostKeyUnknown(prompt)) => {
            app.devices.trust_host_key(&prompt).await.unwrap();
            prompt
        }
        other => panic!("expected an unknown host key, got {other:?}"),
    }
}

pub const WAIT: Duration = Duration::from_secs(30);

/// Deadlines short enough for a test to watch a hung engine be noticed, long enough for a
/// loaded CI machine to connect (SSH key exchange in a debug build takes a moment).
pub const TEST_TIMEOUTS: squirrel_docker::Timeouts = squirrel_docker::Timeouts {
    connect: Duration::from_secs(10),
    request: Duration::from_secs(10),
    silence: Duration::from_secs(3),
    ping: Duration::from_secs(2),
    stable: Duration::from_secs(5),
};

/// Waits for the first event that satisfies `pred`; panics after [`WAIT`].
pub async fn wait_for(
    rx: &mut broadcast::Receiver<DomainEvent>,
    mut pred: impl FnMut(&DomainEvent) -> bool,
) -> DomainEvent {
    let mut seen = Vec::new();
    let found = tokio::time::timeout(WAIT, async {
        loop {
            match rx.recv().await {
                Ok(e) if pred(&e) => return e,
                Ok(e) => seen.push(e),
                Err(broadcast::error::RecvError::Lagged(n)) => panic!("bus lagged by {n}"),
                Err(broadcast::error::RecvError::Closed) => panic!("bus closed"),
            }
        }
    })
    .await;
    match found {
        Ok(e) => e,
        Err(_) => panic!("the expected event did not come; saw instead: {seen:#?}"),
    }
}

/// Polls `check` every 50 ms until it gives a value; panics after [`WAIT`]. For what no event
/// tells (the engine's open connections).
pub async fn wait_until<T, F, Fut>(mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    tokio::time::timeout(WAIT, async {
        loop {
            if let Some(v) = check().await {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the condition did not come true in time")
}

/// Waits for an upsert of the container named `name` in state `state`.
pub async fn wait_container(
    rx: &mut broadcast::Receiver<DomainEvent>,
    name: &str,
    pred: impl Fn(&squirrel_core::model::Container) -> bool,
) -> squirrel_core::model::Container {
    match wait_for(rx, |e| matches!(e, DomainEvent::ContainerUpserted { container } if container.name == name && pred(container))).await {
        DomainEvent::ContainerUpserted { container } => *container,
        _ => unreachable!(),
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "device-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
