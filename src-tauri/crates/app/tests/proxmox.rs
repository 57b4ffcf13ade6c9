//! A Proxmox VE cluster as a device, against the fake PVE server (Proxmox VE cannot run
//! here; the fake follows the documented API and records any request the real one would
//! refuse). The certificate is approved on first use and a changed one refused; the token's
//! secret goes to the real keyring only; the guests of both nodes join the inventory beside
//! Docker's, status changes and removals follow within a poll; actions run as tasks, a
//! failed one says its log; what a guest cannot do is refused before Proxmox is asked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../proxmox/tests/support/fake_pve.rs"]
mod fake_pve;
mod support;

use fake_pve::{FakePve, TOKEN_ID, TOKEN_SECRET};
use squirrel_core::model::{ContainerKind, ContainerState, DeviceConnection, NewDevice, PveTrust};
use squirrel_core::ports::{ContainerRepository, RemoveOptions};
use squirrel_core::secrets::Secret;
use squirrel_core::services::ContainerAction;
use squirrel_core::{CoreError, DomainEvent};
use support::{wait_container, wait_for, App};

fn connection(fake: &FakePve) -> DeviceConnection {
    DeviceConnection::Proxmox {
        url: fake.url(),
        token_id: TOKEN_ID.into(),
        secret: None,
        trust: PveTrust::Fingerprint { fingerprint: None },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_joins_the_inventory_after_its_certificate_is_approved_and_is_followed() {
    let fake = FakePve::start().await;
    let app = App::new().await;
    let typed = || Some(Secret::new(TOKEN_SECRET));

    // First use: the connection test shows the certificate to compare, and nothing connects.
    let prompt = match app
        .devices
        .test_connection(&connection(&fake), typed())
        .await
    {
        Err(CoreError::HostKeyUnknown(prompt)) => prompt,
        other => panic!("expected the certificate to approve, got {other:?}"),
    };
    assert_eq!(prompt.fingerprint, fake.fingerprint().to_string());
    assert_eq!(prompt.port, fake.port());
    // Only what the node showed can be approved.
    let mut forged = prompt.clone();
    forged.fingerprint = squirrel_proxmox::Fingerprint::of(b"someone else").to_string();
    assert!(app.devices.trust_host_key(&forged).await.is_err());
    app.devices.trust_host_key(&prompt).await.unwrap();
    let probe = app
        .devices
        .test_connection(&connection(&fake), typed())
        .await
        .unwrap();
    assert_eq!(probe.engine_version, "Proxmox VE 9.1.2");
    assert_eq!((probe.containers, probe.running), (3, 2));
    assert!(
        probe.os.contains("pve1") && probe.os.contains("pve2"),
        "{}",
        probe.os
    );

    // Added: online once the guests of both nodes are stored, each of its kind.
    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(
            NewDevice {
                name: "pve".into(),
                connection: connection(&fake),
                resync_interval_secs: None,
                stats_interval_secs: None,
            },
            typed(),
        )
        .await
        .unwrap();
    wait_for(&mut rx, |e| matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status } if *device_uuid == device.uuid && status.is_online())).await;
    let guests = app
        .store()
        .list_device_containers(&device.uuid)
        .await
        .unwrap();
    let mut seen: Vec<(String, ContainerKind, ContainerState, String)> = guests
        .iter()
        .map(|c| {
            let g = c.guest.clone().unwrap();
            (
                c.name.clone(),
                c.kind,
                c.state,
                format!("{}/{}", g.node, g.vmid),
            )
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        seen,
        vec![
            (
                "dns".into(),
                ContainerKind::Lxc,
                ContainerState::Running,
                "pve1/101".into()
            ),
            (
                "homeassistant".into(),
                ContainerKind::Qemu,
                ContainerState::Running,
                "pve2/200".into()
            ),
            (
                "media".into(),
                ContainerKind::Lxc,
                ContainerState::Exited,
                "pve2/102".into()
            ),
        ]
    );
    // A running guest says when it started (its uptime ago); a stopped one does not.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let started = |name: &str| {
        guests
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.guest.as_ref())
            .and_then(|g| g.started_at)
    };
    assert!(
        started("dns").is_some_and(|s| (s - (now - 3600)).abs() <= 10),
        "{:?}",
        started("dns")
    );
    assert_eq!(started("media"), None);
    // The token's secret is in the keyring, and nowhere in the data folder.
    let leaked = app.files_containing(TOKEN_SECRET);
    assert!(leaked.is_empty(), "the secret is in {leaked:?}");

    // A change made in Proxmox shows within a poll; a guest removed there goes.
    fake.set_guest_status(102, "running");
    let media = wait_container(&mut rx, "media", |c| c.state == ContainerState::Running).await;
    let dns = guests
        .iter()
        .find(|c| c.name == "dns")
        .unwrap()
        .uuid
        .clone();
    fake.remove_guest(101);
    wait_for(
        &mut rx,
        |e| matches!(e, DomainEvent::ContainerRemoved { uuid, .. } if *uuid == dns),
    )
    .await;

    // A shutdown is a task followed to its end; the new state shows without waiting a poll.
    app.containers
        .act(
            &media.uuid,
            ContainerAction::Stop {
                timeout_secs: Some(10),
            },
        )
        .await
        .unwrap();
    wait_container(&mut rx, "media", |c| c.state == ContainerState::Exited).await;
    // A task that fails says why, with its log.
    fake.fail_next_task(
        "startup for container '102' failed",
        &["lxc-start: 102: conf.c: run_buffer: hook failed"],
    );
    let failed = app
        .containers
        .act(&media.uuid, ContainerAction::Start)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        failed.contains("startup for container '102' failed"),
        "{failed}"
    );
    assert!(failed.contains("hook failed"), "{failed}");
    // What a guest cannot do is refused in words, before Proxmox is asked.
    let before = fake.requests().len();
    let refused = app
        .containers
        .remove(
            &media.uuid,
            RemoveOptions {
                force: true,
                remove_volumes: false,
            },
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("Proxmox LXC container"), "{refused}");
    assert!(app.containers.rename(&media.uuid, "other").await.is_err());
    // (The watcher's polls go on meanwhile: only those.)
    let since: Vec<String> = fake.requests()[before..]
        .iter()
        .filter(|r| {
            !r.starts_with("GET /api2/json/cluster/resources")
                && !r.contains("/rrddata?")
                && *r != "GET /api2/json/nodes"
        })
        .cloned()
        .collect();
    assert_eq!(since, Vec::<String>::new());

    // The cluster's nodes and their health, on the device; a node that goes away shows at
    // once (its guests turn unknown), not at the next reading of the nodes.
    let summary = app
        .devices
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.device.uuid == device.uuid)
        .unwrap();
    let nodes: Vec<(&str, bool)> = summary
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.online))
        .collect();
    assert_eq!(nodes, [("pve1", true), ("pve2", true)]);
    assert_eq!(summary.nodes[0].cpus, Some(4));
    fake.set_node_online("pve2", false);
    wait_for(&mut rx, |e| matches!(e, DomainEvent::DeviceNodesChanged { nodes, .. } if nodes.iter().any(|n| n.name == "pve2" && !n.online))).await;
    let on_pve2 = app
        .store()
        .list_device_containers(&device.uuid)
        .await
        .unwrap();
    assert!(on_pve2
        .iter()
        .filter(|c| c.guest.as_ref().is_some_and(|g| g.node == "pve2"))
        .all(|c| c.state == ContainerState::Unknown));
    fake.set_node_online("pve2", true);
    wait_for(&mut rx, |e| matches!(e, DomainEvent::DeviceNodesChanged { nodes, .. } if nodes.iter().all(|n| n.online))).await;

    assert_eq!(fake.violations(), Vec::<String>::new());
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_a_missing_privilege_and_a_changed_certificate_are_said() {
    let fake = FakePve::start().await;
    let app = App::new().await;
    let pinned = DeviceConnection::Proxmox {
        url: fake.url(),
        token_id: TOKEN_ID.into(),
        secret: None,
        trust: PveTrust::Fingerprint {
            fingerprint: Some(fake.fingerprint().to_string()),
        },
    };
    let wrong = app
        .devices
        .test_connection(&pinned, Some(Secret::new("not-the-secret")))
        .await
        .unwrap_err()
        .to_string();
    assert!(wrong.contains("refused the API token"), "{wrong}");
    assert!(!wrong.contains("not-the-secret"), "{wrong}");

    // Without VM.Audit the cluster's listing has no guest: the test says what to give.
    fake.add_token("audit@pve!ro", "ro-secret", &["Sys.Audit"]);
    let audit_only = DeviceConnection::Proxmox {
        url: fake.url(),
        token_id: "audit@pve!ro".into(),
        secret: None,
        trust: PveTrust::Fingerprint {
            fingerprint: Some(fake.fingerprint().to_string()),
        },
    };
    let probe = app
        .devices
        .test_connection(&audit_only, Some(Secret::new("ro-secret")))
        .await
        .unwrap();
    assert_eq!(probe.containers, 0);
    assert!(
        probe.notes.iter().any(|n| n.contains("VM.Audit")),
        "{:?}",
        probe.notes
    );

    // A node that goes offline is said.
    fake.set_node_online("pve2", false);
    let probe = app
        .devices
        .test_connection(&pinned, Some(Secret::new(TOKEN_SECRET)))
        .await
        .unwrap();
    assert!(
        probe.notes.iter().any(|n| n == "node pve2 is offline"),
        "{:?}",
        probe.notes
    );

    // The same address with another certificate than the pinned one: refused.
    let port = fake.port();
    assert_eq!(fake.violations(), Vec::<String>::new());
    fake.stop().await;
    let renewed = FakePve::start_with_cert(Some(port)).await;
    let changed = app
        .devices
        .test_connection(&pinned, Some(Secret::new(TOKEN_SECRET)))
        .await
        .unwrap_err()
        .to_string();
    assert!(changed.contains("certificate changed"), "{changed}");
    assert!(
        changed.contains(&renewed.fingerprint().to_string()),
        "{changed}"
    );
    // A malformed address or token id is refused before anything connects.
    let bad = DeviceConnection::Proxmox {
        url: "http://pve.lan".into(),
        token_id: "root".into(),
        secret: None,
        trust: PveTrust::System,
    };
    let refused = app
        .devices
        .add(
            NewDevice {
                name: "bad".into(),
                connection: bad,
                resync_interval_secs: None,
                stats_interval_secs: None,
            },
            Some(Secret::new(TOKEN_SECRET)),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("HTTPS only"), "{refused}");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_login_shows_a_guests_config_and_its_recorded_day_in_the_history() {
    use fake_pve::{PASSWORD, USER};
    let fake = FakePve::start().await;
    let app = App::new().await;
    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(
            NewDevice {
                name: "pve".into(),
                connection: DeviceConnection::Proxmox {
                    url: fake.url(),
                    token_id: USER.into(),
                    secret: None,
                    trust: PveTrust::Fingerprint {
                        fingerprint: Some(fake.fingerprint().to_string()),
                    },
                },
                resync_interval_secs: None,
                stats_interval_secs: None,
            },
            Some(Secret::new(PASSWORD)),
        )
        .await
        .unwrap();
    // The history of each guest comes from Proxmox's own record, once it is in the inventory.
    let backfilled = wait_for(&mut rx, |e| {
        matches!(e, DomainEvent::HistoryBackfilled { .. })
    })
    .await;
    let guests = app
        .store()
        .list_device_containers(&device.uuid)
        .await
        .unwrap();
    assert_eq!(
        guests.len(),
        3,
        "logged in with the password, the guests are listed"
    );
    let dns = guests.iter().find(|c| c.name == "dns").unwrap();
    let mut filled = std::collections::HashSet::new();
    let mut event = backfilled;
    loop {
        if let DomainEvent::HistoryBackfilled {
            container_uuid,
            samples,
        } = &event
        {
            assert!(
                *samples > 1000,
                "a day at a point a minute, less its gaps: {samples}"
            );
            filled.insert(container_uuid.clone());
        }
        if filled.contains(&dns.uuid) {
            break;
        }
        event = wait_for(&mut rx, |e| {
            matches!(e, DomainEvent::HistoryBackfilled { .. })
        })
        .await;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let day = app
        .stats
        .container_series(&dns.uuid, now - 24 * 3600, now)
        .await
        .unwrap();
    let earliest = day.points.first().map(|p| p.ts as i64).unwrap();
    assert!(
        earliest < now - 20 * 3600,
        "the day before Squirrel saw it is charted: {earliest} vs {now}"
    );
    assert!(day.points.iter().all(|p| p.cpu_percent.avg >= 0.0));

    // The guest's configuration, snapshots and addresses, read from its node.
    let d = app.containers.guest_details(&dns.uuid).await.unwrap();
    assert_eq!(d.hostname.as_deref(), Some("dns"));
    assert_eq!(d.unprivileged, Some(true));
    assert_eq!(
        d.disks.iter().map(|x| x.key.as_str()).collect::<Vec<_>>(),
        ["rootfs", "mp0"]
    );
    assert_eq!(d.networks[0].addresses, ["10.0.0.101/24", "fd00::5/64"]);
    assert_eq!(d.snapshots.len(), 2);
    assert_eq!(d.notes, Vec::<String>::new());
    // A Docker container has no such thing: refused in words.
    let docker = app.containers.guest_details("no-such-uuid").await;
    assert!(docker.is_err());

    // The password is in the keyring only.
    let leaked = app.files_containing(PASSWORD);
    assert!(leaked.is_empty(), "the password is in {leaked:?}");
    assert_eq!(fake.logins().0, 1, "one login for the whole session");
    assert_eq!(fake.violations(), Vec::<String>::new());
    app.shutdown().await;
}
