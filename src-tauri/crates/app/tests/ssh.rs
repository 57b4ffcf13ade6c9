//! SSH devices against a real sshd forwarding to a real dockerd: host-key approval,
//! key-with-passphrase auth (passphrase in the real keyring), actions and events over SSH,
//! a refused changed key, the dial-stdio fallback, and recovery when sshd goes away.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use squirrel_core::model::{ContainerState, DeviceConnection, DeviceStatus, NewDevice, SshAuth};
use squirrel_core::secrets::Secret;
use squirrel_core::services::ContainerAction;
use squirrel_core::DomainEvent;
use support::sshd::{client_key, TestSshd};
use support::{approve_host_key, wait_container, wait_for, App, TestEngine};

/// Everything any test of this binary logs, at every level, to look for leaked secrets.
fn captured_logs() -> std::sync::Arc<std::sync::Mutex<Vec<u8>>> {
    static LOGS: std::sync::OnceLock<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> =
        std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || LogWriter(writer.clone()))
            .try_init();
        buffer
    })
    .clone()
}

struct LogWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn ssh(sshd: &TestSshd, engine: &TestEngine, key: &Path) -> DeviceConnection {
    DeviceConnection::Ssh {
        host: "127.0.0.1".into(),
        port: Some(sshd.port),
        user: Some("root".into()),
        socket_path: engine.socket().display().to_string(),
        auth: SshAuth::KeyFile {
            path: key.display().to_string(),
            passphrase: None,
        },
    }
}

async fn status_of(
    app: &App,
    rx: &mut tokio::sync::broadcast::Receiver<DomainEvent>,
    uuid: &str,
    want: fn(&DeviceStatus) -> bool,
) -> DeviceStatus {
    let _ = app;
    match wait_for(rx, |e| matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status } if device_uuid == uuid && want(status))).await {
        DomainEvent::DeviceStatusChanged { status, .. } => status,
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ssh_device_needs_host_key_approval_then_syncs_acts_and_follows_events() {
    let engine = TestEngine::start();
    engine.cli(&[
        "create",
        "--name",
        "remote-one",
        "busybox:local",
        "sleep",
        "600",
    ]);
    let keys = tempfile::tempdir().unwrap();
    let key = client_key(keys.path(), "id_plain", "");
    let mut sshd = TestSshd::start(&[&key], "");
    let app = App::new().await;
    let connection = ssh(&sshd, &engine, &key);

    // The wizard's test step: the key is unknown, so it asks, with the server's fingerprint.
    let err = app
        .devices
        .test_connection(&connection, None)
        .await
        .unwrap_err();
    let prompt = match err {
        squirrel_core::CoreError::HostKeyUnknown(p) => p,
        other => panic!("expected a host key prompt, got {other}"),
    };
    assert_eq!(prompt.fingerprint, sshd.fingerprint());
    assert_eq!(prompt.port, sshd.port);
    // A fingerprint the server did not show cannot be approved.
    let mut forged = prompt.clone();
    forged.fingerprint = "SHA256:forged".into();
    assert!(app.devices.trust_host_key(&forged).await.is_err());
    app.devices.trust_host_key(&prompt).await.unwrap();
    assert!(std::fs::read_to_string(app.own_known_hosts())
        .unwrap()
        .contains(&format!("[127.0.0.1]:{}", sshd.port)));
    let probe = app
        .devices
        .test_connection(&connection, None)
        .await
        .unwrap();
    assert_eq!(probe.containers, 1);
    assert!(
        probe.notes.is_empty(),
        "socket forwarding works: {:?}",
        probe.notes
    );

    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(
            NewDevice {
                name: "remote".into(),
                connection: connection.clone(),
                resync_interval_secs: None,
                stats_interval_secs: None,
            },
            None,
        )
        .await
        .unwrap();
    status_of(&app, &mut rx, &device.uuid, DeviceStatus::is_online).await;
    let c = app.containers.list(None).await.unwrap().pop().unwrap();
    assert_eq!(c.name, "remote-one");

    // Actions over SSH, and the events they cause come back over SSH.
    app.containers
        .act(&c.uuid, ContainerAction::Start)
        .await
        .unwrap();
    wait_container(&mut rx, "remote-one", |c| {
        c.state == ContainerState::Running
    })
    .await;
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "made-there",
        "busybox:local",
        "sleep",
        "600",
    ]);
    wait_container(&mut rx, "made-there", |c| {
        c.state == ContainerState::Running
    })
    .await;
    let details = app.containers.inspect(&c.uuid).await.unwrap();
    assert_eq!(details.name, "remote-one");

    // Stats over SSH: collection rounds (every 10 s by default) and a live stream.
    let made = app
        .containers
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == "made-there")
        .unwrap()
        .uuid;
    wait_for(&mut rx, |e| matches!(e, DomainEvent::StatsRecorded { load, containers } if load.device_uuid == device.uuid && containers.iter().any(|c| c.container_uuid == made && c.memory_used > 0.0))).await;
    let sub = app.stats.live_start(&made).await.unwrap();
    wait_for(&mut rx, |e| matches!(e, DomainEvent::LiveStats { subscription, sample, .. } if *subscription == sub && sample.pids >= 1.0)).await;
    app.stats.live_stop(sub);

    // sshd goes away: the device is unreachable within seconds, then comes back and resyncs.
    sshd.stop();
    let down = status_of(&app, &mut rx, &device.uuid, |s| {
        matches!(s, DeviceStatus::Unreachable { .. })
    })
    .await;
    assert!(format!("{down:?}").contains("127.0.0.1"), "{down:?}");
    engine.cli(&["rm", "-f", "made-there"]);
    engine.cli(&[
        "create",
        "--name",
        "while-away",
        "busybox:local",
        "sleep",
        "1",
    ]);
    sshd.restart();
    status_of(&app, &mut rx, &device.uuid, DeviceStatus::is_online).await;
    let mut names: Vec<String> = app
        .containers
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec!["remote-one", "while-away"],
        "no duplicates, nothing stale"
    );

    // The server is reinstalled: a changed key is refused, loudly.
    sshd.stop();
    let _ = status_of(&app, &mut rx, &device.uuid, |s| {
        matches!(s, DeviceStatus::Unreachable { .. })
    })
    .await;
    sshd.new_host_key();
    sshd.restart();
    let refused = status_of(
        &app,
        &mut rx,
        &device.uuid,
        |s| matches!(s, DeviceStatus::Unreachable { reason } if reason.contains("CHANGED")),
    )
    .await;
    assert!(format!("{refused:?}").contains("refuses to connect"));
    app.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_with_a_passphrase_authenticates_and_the_passphrase_stays_in_the_keyring() {
    let logs = captured_logs();
    let engine = TestEngine::start();
    let keys = tempfile::tempdir().unwrap();
    let passphrase = format!("pass-{}", std::process::id());
    let key = client_key(keys.path(), "id_locked", &passphrase);
    let sshd = TestSshd::start(&[&key], "");
    let app = App::new().await;
    let connection = ssh(&sshd, &engine, &key);
    approve_host_key(&app, &connection).await;

    let err = app
        .devices
        .test_connection(&connection, None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("encrypted: enter its passphrase"),
        "{err}"
    );
    let err = app
        .devices
        .test_connection(&connection, Some(Secret::new("wrong")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("wrong passphrase"), "{err}");
    app.devices
        .test_connection(&connection, Some(Secret::new(passphrase.clone())))
        .await
        .unwrap();

    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(
            NewDevice {
                name: "locked".into(),
                connection,
                resync_interval_secs: None,
                stats_interval_secs: None,
            },
            Some(Secret::new(passphrase.clone())),
        )
        .await
        .unwrap();
    status_of(&app, &mut rx, &device.uuid, DeviceStatus::is_online).await;
    let stored = match &device.connection {
        DeviceConnection::Ssh {
            auth:
                SshAuth::KeyFile {
                    passphrase: Some(r),
                    ..
                },
            ..
        } => r.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(stored.account, format!("device/{}/ssh", device.uuid));
    // The passphrase is in the OS keyring, and nowhere in the database file.
    let keyring = keyring::Entry::new(&stored.service, &stored.account).unwrap();
    assert_eq!(keyring.get_password().unwrap(), passphrase);
    app.store().close().await;
    for file in std::fs::read_dir(app.dir.path()).unwrap() {
        let bytes = std::fs::read(file.unwrap().path()).unwrap();
        assert!(
            !bytes
                .windows(passphrase.len())
                .any(|w| w == passphrase.as_bytes()),
            "the passphrase leaked into a file"
        );
    }
    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(
        logged.contains("device status"),
        "the capture works: {} bytes",
        logged.len()
    );
    assert!(
        !logged.contains(&passphrase),
        "the passphrase leaked into the logs"
    );
    app.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_forbids_socket_forwarding_is_reached_through_dial_stdio() {
    let engine = TestEngine::start();
    engine.cli(&[
        "create",
        "--name",
        "via-stdio",
        "busybox:local",
        "sleep",
        "600",
    ]);
    let keys = tempfile::tempdir().unwrap();
    let key = client_key(keys.path(), "id_plain", "");
    let sshd = TestSshd::start(
        &[&key],
        &format!(
            "AllowStreamLocalForwarding no\nSetEnv DOCKER_HOST={}",
            engine.host()
        ),
    );
    let app = App::new().await;
    let connection = ssh(&sshd, &engine, &key);
    approve_host_key(&app, &connection).await;
    let probe = app
        .devices
        .test_connection(&connection, None)
        .await
        .unwrap();
    assert_eq!(probe.containers, 1);
    assert!(
        probe.notes.iter().any(|n| n.contains("dial-stdio")),
        "says so: {:?}",
        probe.notes
    );
    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(
            NewDevice {
                name: "stdio".into(),
                connection,
                resync_interval_secs: None,
                stats_interval_secs: None,
            },
            None,
        )
        .await
        .unwrap();
    status_of(&app, &mut rx, &device.uuid, DeviceStatus::is_online).await;
    engine.cli(&["start", "via-stdio"]);
    wait_container(&mut rx, "via-stdio", |c| {
        c.state == ContainerState::Exited || c.state == ContainerState::Running
    })
    .await;
    app.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_keys_and_closed_ports_get_human_reasons() {
    let engine = TestEngine::start();
    let keys = tempfile::tempdir().unwrap();
    let key = client_key(keys.path(), "id_known", "");
    let stranger = client_key(keys.path(), "id_stranger", "");
    let sshd = TestSshd::start(&[&key], "");
    let app = App::new().await;
    approve_host_key(&app, &ssh(&sshd, &engine, &key)).await;
    let err = app
        .devices
        .test_connection(&ssh(&sshd, &engine, &stranger), None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("refused the key"), "{err}");
    let mut closed = ssh(&sshd, &engine, &key);
    if let DeviceConnection::Ssh { port, .. } = &mut closed {
        *port = Some(support::free_port());
    }
    let err = app
        .devices
        .test_connection(&closed, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("connection refused"), "{err}");
    let mut bad_socket = ssh(&sshd, &engine, &key);
    if let DeviceConnection::Ssh { socket_path, .. } = &mut bad_socket {
        *socket_path = "/tmp/no-such-docker.sock".into();
    }
    let err = app
        .devices
        .test_connection(&bad_socket, None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("/tmp/no-such-docker.sock"),
        "{err}"
    );
}
