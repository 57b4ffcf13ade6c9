//! SSH agent authentication against a real sshd, with a real ssh-agent holding the key.
//! Its own test binary: it sets SSH_AUTH_SOCK for the process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::{Command, Stdio};

use squirrel_core::model::{DeviceConnection, DeviceStatus, NewDevice, SshAuth};
use squirrel_core::DomainEvent;
use support::sshd::{client_key, TestSshd};
use support::{approve_host_key, wait_for, App, TestEngine};

struct Agent(std::process::Child);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ssh_agent_authenticates_and_a_refused_agent_key_is_explained() {
    let engine = TestEngine::start();
    engine.cli(&[
        "create",
        "--name",
        "via-agent",
        "busybox:local",
        "sleep",
        "1",
    ]);
    let keys = tempfile::tempdir().unwrap();
    let accepted = client_key(keys.path(), "id_agent", "");
    let stranger = client_key(keys.path(), "id_other", "");
    let sshd = TestSshd::start(&[&accepted], "");
    let sock = keys.path().join("agent.sock");
    let _agent = Agent(
        Command::new("ssh-agent")
            .args(["-D", "-a"])
            .arg(&sock)
            .stdout(Stdio::null())
            .spawn()
            .expect("ssh-agent (apt-get install openssh-client)"),
    );
    while !sock.exists() {
        tokio::task::yield_now().await;
    }
    let add = |key: &std::path::Path| {
        let ok = Command::new("ssh-add")
            .env("SSH_AUTH_SOCK", &sock)
            .arg(key)
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "ssh-add");
    };
    add(&stranger);
    std::env::set_var("SSH_AUTH_SOCK", &sock);

    let app = App::new().await;
    let connection = DeviceConnection::Ssh {
        host: "127.0.0.1".into(),
        port: Some(sshd.port),
        user: Some("root".into()),
        socket_path: engine.socket().display().to_string(),
        auth: SshAuth::Agent,
    };
    approve_host_key(&app, &connection).await;
    let err = app
        .devices
        .test_connection(&connection, None)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("refused every key of the ssh-agent"),
        "{err}"
    );

    add(&accepted);
    let probe = app
        .devices
        .test_connection(&connection, None)
        .await
        .unwrap();
    assert_eq!(probe.containers, 1);
    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(
            NewDevice {
                name: "agent".into(),
                connection,
                resync_interval_secs: None,
                stats_interval_secs: None,
            },
            None,
        )
        .await
        .unwrap();
    let uuid = device.uuid.clone();
    wait_for(&mut rx, |e| matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status: DeviceStatus::Online { .. } } if *device_uuid == uuid)).await;
    let names: Vec<String> = app
        .containers
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, vec!["via-agent"]);
    app.engine.shutdown().await;
}
