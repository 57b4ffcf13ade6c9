//! Faults a homelab meets, against real daemons: a frozen engine, a device removed while its
//! connection hangs, an engine that drops every stream, Docker started after Squirrel.
//! `tests/faults.sh` runs these (named `fault_*`) one by one and reports each outcome.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use squirrel_core::model::{DeviceConnection, DeviceStatus, NewDevice};
use squirrel_core::DomainEvent;
use support::{wait_for, App, TestEngine, TEST_TIMEOUTS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::time::Instant;

fn is_status(e: &DomainEvent, uuid: &str, pred: impl Fn(&DeviceStatus) -> bool) -> bool {
    matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status } if device_uuid == uuid && pred(status))
}

/// With the device's engine or SSH server frozen: the device turns unreachable "not
/// responding"; once `resume` thaws it, it is online again with `only` as its one container.
async fn frozen_then_back(
    app: &App,
    rx: &mut tokio::sync::broadcast::Receiver<DomainEvent>,
    uuid: &str,
    resume: impl FnOnce(),
    only: &str,
) {
    let lost = wait_for(rx, |e| {
        is_status(e, uuid, |s| matches!(s, DeviceStatus::Unreachable { .. }))
    })
    .await;
    let DomainEvent::DeviceStatusChanged {
        status: DeviceStatus::Unreachable { reason },
        ..
    } = lost
    else {
        unreachable!()
    };
    assert!(reason.contains("not responding"), "{reason}");

    resume();
    wait_for(rx, |e| is_status(e, uuid, DeviceStatus::is_online)).await;
    let names: Vec<String> = app
        .containers
        .list(Some(uuid))
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, vec![only.to_string()], "one row per container");
}

fn socket_device(path: &str) -> NewDevice {
    NewDevice {
        name: "frozen".into(),
        connection: DeviceConnection::LocalSocket { path: path.into() },
        resync_interval_secs: None,
        stats_interval_secs: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_a_frozen_engine_is_reported_not_responding_and_recovers_without_duplicates() {
    let engine = TestEngine::start();
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "steady",
        "busybox:local",
        "sleep",
        "600",
    ]);
    let app = App::new().await;
    let device = app.add_engine(&engine, "frozen").await;
    let uuid = device.uuid.clone();
    let mut rx = app.bus().subscribe();

    engine.pause();
    frozen_then_back(&app, &mut rx, &uuid, || engine.resume(), "steady").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_removing_a_device_whose_connect_hangs_returns_at_once() {
    let engine = TestEngine::start();
    engine.pause();
    let app = App::new().await;
    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(socket_device(&engine.socket().display().to_string()), None)
        .await
        .unwrap();
    // The connect is under way and hangs (the frozen daemon accepts and never answers).
    wait_for(&mut rx, |e| {
        is_status(e, &device.uuid, |s| matches!(s, DeviceStatus::Connecting))
    })
    .await;
    let started = Instant::now();
    let removed = tokio::time::timeout(TEST_TIMEOUTS.connect / 4, app.devices.remove(&device.uuid))
        .await
        .expect("removing the device waited for its hung connect");
    removed.unwrap();
    assert!(started.elapsed() < TEST_TIMEOUTS.connect);
    assert!(app.devices.list().await.unwrap().is_empty());
    assert!(app.engine.registered().await.is_empty());
    engine.resume();
}

/// A proxy in front of an engine socket that lets every request through but cuts each
/// event stream shortly after it starts, and records when each stream was asked for.
struct FlappingProxy {
    socket: PathBuf,
    subscriptions: Arc<Mutex<Vec<Instant>>>,
    _dir: tempfile::TempDir,
}

impl FlappingProxy {
    fn start(engine_socket: PathBuf) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("flapping.sock");
        let listener = UnixListener::bind(&socket).unwrap();
        let subscriptions = Arc::new(Mutex::new(Vec::new()));
        let seen = subscriptions.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (engine_socket, seen) = (engine_socket.clone(), seen.clone());
                tokio::spawn(async move {
                    if let Ok(upstream) = UnixStream::connect(&engine_socket).await {
                        relay(client, upstream, seen).await;
                    }
                });
            }
        });
        Self {
            socket,
            subscriptions,
            _dir: dir,
        }
    }

    fn subscriptions(&self) -> Vec<Instant> {
        self.subscriptions.lock().unwrap().clone()
    }
}

/// Copies both ways; once the client asks for `/events`, the connection is cut 200 ms later.
async fn relay(client: UnixStream, upstream: UnixStream, seen: Arc<Mutex<Vec<Instant>>>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut up_read, mut up_write) = upstream.into_split();
    let (cut_tx, mut cut_rx) = tokio::sync::watch::channel(false);
    let requests = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if String::from_utf8_lossy(&buf[..n]).contains("/events") {
                seen.lock().unwrap().push(Instant::now());
                let cut = cut_tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    let _ = cut.send(true);
                });
            }
            if up_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let replies = tokio::io::copy(&mut up_read, &mut client_write);
    tokio::select! {
        () = requests => {}
        _ = replies => {}
        _ = cut_rx.wait_for(|cut| *cut) => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_an_engine_that_drops_every_stream_is_retried_ever_more_slowly() {
    let engine = TestEngine::start();
    let proxy = FlappingProxy::start(engine.socket());
    let app = App::new().await;
    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(socket_device(&proxy.socket.display().to_string()), None)
        .await
        .unwrap();
    // Each session syncs, goes online, loses its stream: wait for five of them.
    for _ in 0..5 {
        wait_for(&mut rx, |e| {
            is_status(e, &device.uuid, |s| {
                matches!(s, DeviceStatus::Unreachable { .. })
            })
        })
        .await;
    }
    let at = proxy.subscriptions();
    assert!(at.len() >= 5, "{} subscriptions", at.len());
    let gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    // Backoff 0.5 s, 1 s, 2 s, 4 s (±20 %) plus the session: never reset by a session that
    // lasted 200 ms. A reset on every sync would keep every gap near the first.
    assert!(
        gaps[3] > gaps[0] * 3,
        "reconnects did not slow down: gaps {gaps:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_docker_started_after_squirrel_is_found_and_added() {
    let dir = TestEngine::reserve_dir();
    let socket = dir.join("docker.sock");
    let app = App::with_local_socket(&socket.display().to_string()).await;
    let mut rx = app.bus().subscribe();
    app.start().await;
    assert!(app.devices.list().await.unwrap().is_empty());

    let _engine = TestEngine::start_in(dir);
    let online = wait_for(
        &mut rx,
        |e| matches!(e, DomainEvent::DeviceStatusChanged { status, .. } if status.is_online()),
    )
    .await;
    let devices = app.devices.list().await.unwrap();
    assert_eq!(devices.len(), 1);
    let DomainEvent::DeviceStatusChanged { device_uuid, .. } = online else {
        unreachable!()
    };
    assert_eq!(devices[0].device.uuid, device_uuid);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_a_frozen_ssh_server_is_reported_not_responding_and_recovers() {
    use squirrel_core::model::SshAuth;
    use support::sshd::{client_key, TestSshd};

    let engine = TestEngine::start();
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "remote",
        "busybox:local",
        "sleep",
        "600",
    ]);
    let keys = tempfile::tempdir().unwrap();
    let key = client_key(keys.path(), "id_fault", "");
    let sshd = TestSshd::start(&[&key], "");
    let app = App::new().await;
    let connection = DeviceConnection::Ssh {
        host: "127.0.0.1".into(),
        port: Some(sshd.port),
        user: Some("root".into()),
        socket_path: engine.socket().display().to_string(),
        auth: SshAuth::KeyFile {
            path: key.display().to_string(),
            passphrase: None,
        },
    };
    support::approve_host_key(&app, &connection).await;
    let uuid = app.add_engine_with(connection, "frozen-ssh").await;
    let mut rx = app.bus().subscribe();

    sshd.pause();
    frozen_then_back(&app, &mut rx, &uuid, || sshd.resume(), "remote").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_stats_of_many_containers_over_ssh_stay_within_max_sessions() {
    use squirrel_core::model::SshAuth;
    use support::sshd::{client_key, TestSshd};

    const RUNNING: usize = 30;
    let engine = TestEngine::start();
    for i in 0..RUNNING {
        engine.cli(&[
            "run",
            "-d",
            "--name",
            &format!("busy-{i}"),
            "busybox:local",
            "sleep",
            "600",
        ]);
    }
    let keys = tempfile::tempdir().unwrap();
    let key = client_key(keys.path(), "id_sessions", "");
    // Every HTTP connection is a session channel here (`docker system dial-stdio`), and
    // OpenSSH refuses the eleventh open one.
    let sshd = TestSshd::start(
        &[&key],
        &format!(
            "AllowStreamLocalForwarding no\nMaxSessions 10\nSetEnv DOCKER_HOST={}",
            engine.host()
        ),
    );
    let app = App::new().await;
    let connection = DeviceConnection::Ssh {
        host: "127.0.0.1".into(),
        port: Some(sshd.port),
        user: Some("root".into()),
        socket_path: engine.socket().display().to_string(),
        auth: SshAuth::KeyFile {
            path: key.display().to_string(),
            passphrase: None,
        },
    };
    support::approve_host_key(&app, &connection).await;
    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(
            NewDevice {
                name: "sessions".into(),
                connection,
                resync_interval_secs: None,
                // A round every 5 s keeps fifteen calls in flight (half the interval each).
                stats_interval_secs: Some(5),
            },
            None,
        )
        .await
        .unwrap();
    // A round with a sample of every running container: no stats call was refused a channel.
    wait_for(&mut rx, |e| {
        matches!(e, DomainEvent::StatsRecorded { load, containers }
            if load.device_uuid == device.uuid && containers.len() == RUNNING)
    })
    .await;
    assert!(
        !sshd.log().contains("no more sessions"),
        "sshd refused a channel: {}",
        sshd.log()
    );
}
