//! SSH devices against a real sshd forwarding to a real dockerd: host-key approval,
//! key-with-passphrase auth (passphrase in the real keyring), actions and events over SSH,
//! a refused changed key (also one of another algorithm) and revoked key, host-key files named
//! by the SSH config, the dial-stdio fallback, and recovery when sshd goes away.
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

/// Why a connection test of `connection` fails (it must fail).
async fn refusal(app: &App, connection: &DeviceConnection) -> String {
    app.devices
        .test_connection(connection, None)
        .await
        .unwrap_err()
        .to_string()
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

    let err = refusal(&app, &connection).await;
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
    let leaked = app.files_containing(&passphrase);
    assert!(leaked.is_empty(), "the passphrase leaked into {leaked:?}");
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
    let err = refusal(&app, &closed).await;
    assert!(err.to_string().contains("connection refused"), "{err}");
    let mut bad_socket = ssh(&sshd, &engine, &key);
    if let DeviceConnection::Ssh { socket_path, .. } = &mut bad_socket {
        *socket_path = "/tmp/no-such-docker.sock".into();
    }
    let err = refusal(&app, &bad_socket).await;
    assert!(
        err.to_string().contains("/tmp/no-such-docker.sock"),
        "{err}"
    );
}

/// The server's current host key as a `known_hosts` line for `pattern` (with `marker`).
fn host_key_line(sshd: &TestSshd, marker: &str, pattern: &str) -> String {
    let key = std::fs::read_to_string(sshd.dir.join("host_key.pub")).unwrap();
    format!("{marker}{pattern} {}", key.trim())
}

fn append(path: &Path, line: &str) {
    let mut text = std::fs::read_to_string(path).unwrap_or_default();
    text.push_str(line);
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_key_of_another_algorithm_is_a_changed_key_and_the_one_on_file_is_preferred() {
    let engine = TestEngine::start();
    let keys = tempfile::tempdir().unwrap();
    let key = client_key(keys.path(), "id_plain", "");
    let app = App::new().await;

    // A server with an ed25519 and an ecdsa key, and only its ecdsa key on file: Squirrel
    // asks for ecdsa first (it would be shown ed25519 otherwise, and refuse it as changed).
    support::sshd::keygen(
        keys.path(),
        &["-q", "-t", "ecdsa", "-N", "", "-f", "second_host_key"],
    );
    let two_keys = TestSshd::start(
        &[&key],
        &format!("HostKey {}", keys.path().join("second_host_key").display()),
    );
    let ecdsa = std::fs::read_to_string(keys.path().join("second_host_key.pub")).unwrap();
    append(
        app.own_known_hosts(),
        &format!("[127.0.0.1]:{} {}", two_keys.port, ecdsa.trim()),
    );
    let probe = app
        .devices
        .test_connection(&ssh(&two_keys, &engine, &key), None)
        .await
        .unwrap();
    assert_eq!(probe.containers, 0);

    // The ed25519 key is approved; the reinstalled server has only an ecdsa key.
    let mut sshd = TestSshd::start(&[&key], "");
    let connection = ssh(&sshd, &engine, &key);
    let prompt = approve_host_key(&app, &connection).await;
    assert_eq!(prompt.algorithm, "ssh-ed25519");
    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(
            NewDevice {
                name: "rekeyed".into(),
                connection: connection.clone(),
                resync_interval_secs: None,
                stats_interval_secs: None,
            },
            None,
        )
        .await
        .unwrap();
    status_of(&app, &mut rx, &device.uuid, DeviceStatus::is_online).await;
    sshd.stop();
    sshd.new_host_key_of("ecdsa");
    sshd.restart();
    let refused = status_of(&app, &mut rx, &device.uuid, |s| {
        matches!(s, DeviceStatus::HostKeyUnknown { .. })
            || matches!(s, DeviceStatus::Unreachable { reason } if reason.contains("CHANGED"))
    })
    .await;
    let DeviceStatus::Unreachable { reason } = refused else {
        panic!("a key of another algorithm must not be offered for approval: {refused:?}");
    };
    assert!(reason.contains("refuses to connect"), "{reason}");
    assert!(reason.contains("ecdsa-sha2-nistp256"), "{reason}");
    let err = refusal(&app, &connection).await;
    assert!(err.to_string().contains("CHANGED"), "{err}");
    app.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_host_key_is_refused_even_when_approved() {
    let keys = tempfile::tempdir().unwrap();
    let key = client_key(keys.path(), "id_plain", "");
    let sshd = TestSshd::start(&[&key], "");
    let app = App::new().await;
    let connection = DeviceConnection::Ssh {
        host: "127.0.0.1".into(),
        port: Some(sshd.port),
        user: Some("root".into()),
        socket_path: "/tmp/no-engine-needed.sock".into(),
        auth: SshAuth::KeyFile {
            path: key.display().to_string(),
            passphrase: None,
        },
    };
    approve_host_key(&app, &connection).await;
    // Approved: the connection gets past the host key (to the missing engine socket).
    let err = refusal(&app, &connection).await;
    assert!(err.to_string().contains("no-engine-needed"), "{err}");

    append(
        app.own_known_hosts(),
        &host_key_line(&sshd, "@revoked ", "*"),
    );
    let err = refusal(&app, &connection).await;
    assert!(err.to_string().contains("is REVOKED by"), "{err}");
    assert!(err.to_string().contains("line 2"), "{err}");

    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(
            NewDevice {
                name: "revoked".into(),
                connection,
                resync_interval_secs: None,
                stats_interval_secs: None,
            },
            None,
        )
        .await
        .unwrap();
    let refused = status_of(&app, &mut rx, &device.uuid, |s| {
        matches!(s, DeviceStatus::Unreachable { .. })
    })
    .await;
    assert!(format!("{refused:?}").contains("REVOKED"), "{refused:?}");
    app.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_key_files_named_by_an_included_ssh_config_are_honoured() {
    let keys = tempfile::tempdir().unwrap();
    let key = client_key(keys.path(), "id_plain", "");
    let sshd = TestSshd::start(&[&key], "");
    let app = App::new().await;
    let dir = app.dir.path();
    let (team, revoked) = (dir.join("team_known_hosts"), dir.join("revoked_keys"));
    // The server's key is in a shared known_hosts the included config names, nothing is
    // revoked yet.
    append(
        &team,
        &host_key_line(&sshd, "", &format!("[127.0.0.1]:{}", sshd.port)),
    );
    std::fs::write(&revoked, "# revoked host keys, one a line\n").unwrap();
    std::fs::create_dir_all(dir.join("conf.d")).unwrap();
    std::fs::write(dir.join("ssh_config"), "Include conf.d/*.conf\n").unwrap();
    std::fs::write(
        dir.join("conf.d/lab.conf"),
        format!(
            "Host lab\n  HostName 127.0.0.1\n  Port {}\n  User root\n  UserKnownHostsFile {}\n  RevokedHostKeys {}\n",
            sshd.port,
            team.display(),
            revoked.display()
        ),
    )
    .unwrap();
    let connection = DeviceConnection::Ssh {
        host: "lab".into(),
        port: None,
        user: None,
        socket_path: "/tmp/no-engine-needed.sock".into(),
        auth: SshAuth::KeyFile {
            path: key.display().to_string(),
            passphrase: None,
        },
    };
    // Known from the team file: no approval, the connection gets to the (missing) socket.
    let err = refusal(&app, &connection).await;
    assert!(err.to_string().contains("no-engine-needed"), "{err}");

    append(&revoked, host_key_line(&sshd, "", "").trim_start());
    let err = refusal(&app, &connection).await;
    assert!(
        err.contains("is REVOKED by") && err.contains("revoked_keys line 2 (RevokedHostKeys)"),
        "{err}"
    );

    // A binary KRL is not read: every key is refused, with a sentence saying so.
    std::fs::remove_file(&revoked).unwrap();
    support::sshd::keygen(
        &sshd.dir,
        &[
            "-q",
            "-k",
            "-f",
            &revoked.display().to_string(),
            "host_key.pub",
        ],
    );
    let err = refusal(&app, &connection).await;
    assert!(
        err.contains("binary key revocation list (KRL)") && err.contains("text form"),
        "{err}"
    );
    assert_eq!(
        sshd.log().matches("Accepted publickey").count(),
        1,
        "a refused host key stops the connection before authentication: {}",
        sshd.log()
    );
}

/// The first host key prompt of `connection`, approved as the user would.
async fn approve_next(
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

fn ssh_alias(alias: &str, engine: &TestEngine, key: &Path) -> DeviceConnection {
    DeviceConnection::Ssh {
        host: alias.into(),
        port: None,
        user: None,
        socket_path: engine.socket().display().to_string(),
        auth: SshAuth::KeyFile {
            path: key.display().to_string(),
            passphrase: None,
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_behind_a_jump_host_is_reached_with_proxy_jump_from_an_included_config() {
    let engine = TestEngine::start();
    engine.cli(&[
        "create",
        "--name",
        "behind-jump",
        "busybox:local",
        "sleep",
        "600",
    ]);
    let keys = tempfile::tempdir().unwrap();
    let key = client_key(keys.path(), "id_plain", "");
    let mut jump = TestSshd::start(&[&key], "");
    let target = TestSshd::start(&[&key], "");
    let no_forwarding = TestSshd::start(&[&key], "AllowTcpForwarding no");
    let app = App::new().await;
    // The app's SSH config includes the hosts from a folder next to it, as ~/.ssh/config
    // would from ~/.ssh. `Host *` comes last: the included values win.
    let dir = app.dir.path();
    std::fs::create_dir_all(dir.join("hosts.d")).unwrap();
    std::fs::write(
        dir.join("ssh_config"),
        "Include hosts.d/*.conf\nHost *\n  User nobody\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("hosts.d/lab.conf"),
        format!(
            "Host behind
  HostName 127.0.0.1
  Port {target}
  HostKeyAlias behind-key
  ProxyJump root@jump
Host behind-closed
  HostName 127.0.0.1
  Port {target}
  ProxyJump closed
Host jump
  HostName 127.0.0.1
  Port {jump}
Host closed
  HostName 127.0.0.1
  Port {closed}
  User root
Host scripted
  ProxyCommand nc %h %p
Match originalhost behind*
  User root
",
            target = target.port,
            jump = jump.port,
            closed = no_forwarding.port
        ),
    )
    .unwrap();

    // The jump host's key is asked for first, then the target's, under its HostKeyAlias.
    let connection = ssh_alias("behind", &engine, &key);
    let first = approve_next(&app, &connection).await;
    assert_eq!(
        (first.port, first.fingerprint.as_str()),
        (jump.port, jump.fingerprint().as_str())
    );
    let second = approve_next(&app, &connection).await;
    assert_eq!(
        (
            second.host.as_str(),
            second.port,
            second.fingerprint.as_str()
        ),
        ("behind-key", 22, target.fingerprint().as_str())
    );
    let known = std::fs::read_to_string(app.own_known_hosts()).unwrap();
    assert!(
        known.lines().any(|l| l.starts_with("behind-key ")),
        "{known}"
    );
    let probe = app
        .devices
        .test_connection(&connection, None)
        .await
        .unwrap();
    assert_eq!(probe.containers, 1);
    assert!(
        jump.log().contains("Accepted publickey for root"),
        "{}",
        jump.log()
    );

    // A jump host that forbids TCP forwarding stops the connection: it does go through it.
    approve_next(&app, &ssh_alias("behind-closed", &engine, &key)).await;
    let err = app
        .devices
        .test_connection(&ssh_alias("behind-closed", &engine, &key), None)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("jump host closed") && err.contains("AllowTcpForwarding"),
        "{err}"
    );

    // ProxyCommand is refused, not ignored.
    let err = app
        .devices
        .test_connection(&ssh_alias("scripted", &engine, &key), None)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sets ProxyCommand for scripted") && err.contains("use ProxyJump instead"),
        "{err}"
    );

    // The device's session lives inside the jump host's: stopping the jump host (the target
    // keeps running) takes the device down.
    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(
            NewDevice {
                name: "behind".into(),
                connection: connection.clone(),
                resync_interval_secs: None,
                stats_interval_secs: None,
            },
            None,
        )
        .await
        .unwrap();
    status_of(&app, &mut rx, &device.uuid, DeviceStatus::is_online).await;
    let listed = app.containers.list(None).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "behind-jump");
    jump.stop();
    status_of(&app, &mut rx, &device.uuid, |s| {
        matches!(s, DeviceStatus::Unreachable { .. })
    })
    .await;
    let err = refusal(&app, &connection).await;
    assert!(err.contains("jump host jump"), "{err}");
    app.engine.shutdown().await;
}
