//! The Proxmox client against the fake PVE server (Proxmox VE cannot run here): the
//! certificate approved by fingerprint and a changed one refused, the token and a missing
//! privilege said in words, the whole cluster's guests in one call, an action's task
//! followed to its end, and a failing task's log. The fake checks every request it gets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use squirrel_core::secrets::Secret;
use squirrel_proxmox::{GuestType, PveClient, PveError, Trust};
use support::fake_pve::{FakePve, TOKEN_ID, TOKEN_SECRET};

const DEADLINE: Duration = Duration::from_secs(30);

fn client(fake: &FakePve, trust: Trust) -> PveClient {
    PveClient::new(&fake.url(), TOKEN_ID, &Secret::new(TOKEN_SECRET), trust).unwrap()
}

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, f)
        .await
        .expect("the call ended in time")
}

#[tokio::test]
async fn a_certificate_is_approved_by_its_fingerprint_and_a_changed_one_refused() {
    let fake = FakePve::start().await;
    // First use: refused, with the certificate's fingerprint to compare.
    let first = bounded(client(&fake, Trust::FirstUse).version()).await;
    assert_eq!(
        first,
        Err(PveError::CertificateUnknown {
            seen: fake.fingerprint()
        })
    );
    assert!(first
        .unwrap_err()
        .to_string()
        .contains(&fake.fingerprint().to_string()));

    // Approved: the API answers.
    let pinned = client(&fake, Trust::Pinned(fake.fingerprint()));
    let version = bounded(pinned.version()).await.unwrap();
    assert_eq!(version.version, "9.1.2");
    let nodes = bounded(pinned.nodes()).await.unwrap();
    assert_eq!(nodes.len(), 2);
    // The node's own idea of its fingerprint is the one approved.
    assert_eq!(
        nodes[0].ssl_fingerprint.as_deref(),
        Some(fake.fingerprint().to_string().as_str())
    );

    // The same address with another certificate: refused, both fingerprints said.
    let approved = fake.fingerprint();
    let port = fake.port();
    fake.stop().await;
    let renewed = FakePve::start_with_cert(Some(port)).await;
    let changed = bounded(client(&renewed, Trust::Pinned(approved)).version()).await;
    assert_eq!(
        changed,
        Err(PveError::CertificateChanged {
            expected: approved,
            seen: renewed.fingerprint()
        })
    );
    assert!(
        renewed.requests().is_empty(),
        "a request went to an unapproved server"
    );
    // A CA that did not sign it refuses it too.
    let other_ca = include_str!("support/other-ca.pem");
    let by_ca = PveClient::new(
        &renewed.url(),
        TOKEN_ID,
        &Secret::new(TOKEN_SECRET),
        Trust::Ca(other_ca.into()),
    )
    .unwrap();
    let by_ca = bounded(by_ca.version()).await;
    assert!(
        matches!(&by_ca, Err(PveError::Unreachable(m)) if m.contains("not signed by the CA given")),
        "{by_ca:?}"
    );
}

#[tokio::test]
async fn the_whole_cluster_is_listed_in_one_call() {
    let fake = FakePve::start().await;
    let pve = client(&fake, Trust::Pinned(fake.fingerprint()));
    let guests = bounded(pve.guests()).await.unwrap();
    let mut seen: Vec<(GuestType, u64, &str, &str, &str)> = guests
        .iter()
        .map(|g| {
            (
                g.kind,
                g.vmid,
                g.node.as_str(),
                g.name.as_str(),
                g.status.as_str(),
            )
        })
        .collect();
    seen.sort_by_key(|s| s.1);
    assert_eq!(
        seen,
        [
            (GuestType::Lxc, 101, "pve1", "dns", "running"),
            (GuestType::Lxc, 102, "pve2", "media", "stopped"),
            (GuestType::Qemu, 200, "pve2", "homeassistant", "running"),
        ]
    );
    let dns = guests.iter().find(|g| g.vmid == 101).unwrap();
    assert_eq!(dns.tags, ["infra", "dns"]);
    assert_eq!(dns.mem, 128 << 20, "a number sent as a string");
    // A node gone: its guests' state is unknown.
    fake.set_node_online("pve2", false);
    let guests = bounded(pve.guests()).await.unwrap();
    assert_eq!(
        guests.iter().find(|g| g.vmid == 200).unwrap().status,
        "unknown"
    );
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.starts_with("GET /api2/json/cluster/resources"))
            .count(),
        2
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn an_action_is_a_task_followed_to_its_end_and_a_failed_one_says_its_log() {
    let fake = FakePve::start().await;
    let pve = client(&fake, Trust::Pinned(fake.fingerprint()));
    let upid = bounded(pve.guest_action(GuestType::Lxc, "pve2", 102, "start", &[]))
        .await
        .unwrap();
    assert_eq!(
        (upid.node.as_str(), upid.kind.as_str(), upid.id.as_str()),
        ("pve2", "vzstart", "102")
    );
    bounded(pve.follow_task(&upid, DEADLINE)).await.unwrap();
    let media = bounded(pve.guests())
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.vmid == 102)
        .unwrap();
    assert_eq!(media.status, "running");

    // A graceful shutdown with its timeout, as the API names it.
    let upid = bounded(pve.guest_action(
        GuestType::Qemu,
        "pve2",
        200,
        "shutdown",
        &[("timeout", "60".into()), ("forceStop", "1".into())],
    ))
    .await
    .unwrap();
    assert_eq!(upid.kind, "qmshutdown");
    bounded(pve.follow_task(&upid, DEADLINE)).await.unwrap();

    // A failing task: its exit status and its last lines.
    fake.fail_next_task(
        "startup for container '101' failed",
        &[
            "lxc-start: 101: error mounting rootfs",
            "TASK ERROR: startup for container '101' failed",
        ],
    );
    fake.set_guest_status(101, "stopped");
    let upid = bounded(pve.guest_action(GuestType::Lxc, "pve1", 101, "start", &[]))
        .await
        .unwrap();
    let failed = bounded(pve.follow_task(&upid, DEADLINE)).await;
    match failed {
        Err(PveError::TaskFailed { exit, log }) => {
            assert_eq!(exit, "startup for container '101' failed");
            assert_eq!(log.len(), 2);
            assert!(log[0].contains("error mounting rootfs"));
        }
        other => panic!("{other:?}"),
    }
    // Refused at once, in the server's words: starting what runs.
    let again = bounded(pve.guest_action(GuestType::Qemu, "pve2", 200, "stop", &[])).await;
    assert!(
        matches!(&again, Err(PveError::Refused(m)) if m.contains("VM 200 not running")),
        "{again:?}"
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn a_wrong_token_and_a_missing_privilege_are_said() {
    let fake = FakePve::start().await;
    let wrong = PveClient::new(
        &fake.url(),
        TOKEN_ID,
        &Secret::new("00000000-0000-0000-0000-000000000000"),
        Trust::Pinned(fake.fingerprint()),
    )
    .unwrap();
    let refused = bounded(wrong.version()).await;
    assert!(
        matches!(&refused, Err(PveError::Unauthorized(m)) if m.contains("authentication failure")),
        "{refused:?}"
    );
    assert!(refused.unwrap_err().to_string().contains("user@realm!name"));

    fake.add_token("monitor@pve!ro", "ro-secret", &["Sys.Audit", "VM.Audit"]);
    let ro = PveClient::new(
        &fake.url(),
        "monitor@pve!ro",
        &Secret::new("ro-secret"),
        Trust::Pinned(fake.fingerprint()),
    )
    .unwrap();
    assert_eq!(bounded(ro.guests()).await.unwrap().len(), 3);
    let denied = bounded(ro.guest_action(GuestType::Lxc, "pve1", 101, "stop", &[])).await;
    assert!(
        matches!(&denied, Err(PveError::Forbidden(m)) if m.contains("VM.PowerMgmt")),
        "{denied:?}"
    );
    // The secret never shows in what is said.
    assert!(!format!("{denied:?}").contains("ro-secret"));

    // Bad input is refused before any request.
    assert!(PveClient::new(&fake.url(), "root", &Secret::new("x"), Trust::FirstUse).is_err());
    assert!(PveClient::new(
        "http://pve.lan",
        TOKEN_ID,
        &Secret::new("x"),
        Trust::FirstUse
    )
    .is_err());
    assert!(PveClient::new(&fake.url(), TOKEN_ID, &Secret::new("a b"), Trust::FirstUse).is_err());
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn an_address_nobody_answers_is_said_within_the_deadline() {
    // A port just freed: nothing listens.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let pve = PveClient::new(
        &format!("127.0.0.1:{port}"),
        TOKEN_ID,
        &Secret::new(TOKEN_SECRET),
        Trust::FirstUse,
    )
    .unwrap();
    let e = bounded(pve.version()).await;
    assert!(
        matches!(&e, Err(PveError::Unreachable(m)) if m.contains(&format!("127.0.0.1:{port}"))),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_password_gives_a_ticket_renewed_before_it_expires_and_sent_with_its_csrf_token() {
    use support::fake_pve::{PASSWORD, USER};
    let fake = FakePve::start().await;
    let trust = || Trust::Pinned(fake.fingerprint());
    let pve = PveClient::new(&fake.url(), USER, &Secret::new(PASSWORD), trust()).unwrap();
    assert_eq!(bounded(pve.guests()).await.unwrap().len(), 3);
    bounded(pve.nodes()).await.unwrap();
    assert_eq!(fake.logins(), (1, 0), "one login serves every request");

    // A write carries the ticket's CSRF token (the fake refuses and records one without).
    let upid = bounded(pve.guest_action(GuestType::Lxc, "pve2", 102, "start", &[]))
        .await
        .unwrap();
    bounded(pve.follow_task(&upid, DEADLINE)).await.unwrap();

    // Renewed with the ticket itself once due (here at once, instead of after an hour).
    let renewing = PveClient::new(&fake.url(), USER, &Secret::new(PASSWORD), trust())
        .unwrap()
        .with_ticket_renewal(Duration::ZERO);
    bounded(renewing.version()).await.unwrap();
    bounded(renewing.version()).await.unwrap();
    bounded(renewing.version()).await.unwrap();
    assert_eq!(fake.logins(), (2, 2), "a second login, then two renewals");

    // A ticket that expired anyway (the node restarted): one new login, and the call goes on.
    fake.expire_tickets();
    assert_eq!(bounded(pve.guests()).await.unwrap().len(), 3);
    assert_eq!(fake.logins().0, 3);
    fake.expire_tickets();
    bounded(renewing.version()).await.unwrap();
    assert_eq!(
        fake.logins().0,
        4,
        "a renewal refused falls back to the password"
    );

    // A wrong password is said as such, and never shown back.
    let wrong = PveClient::new(&fake.url(), USER, &Secret::new("hunter2-wrong"), trust()).unwrap();
    let e = bounded(wrong.version()).await.unwrap_err();
    assert!(matches!(e, PveError::LoginRefused(_)), "{e:?}");
    let said = e.to_string();
    assert!(said.contains("user name or password"), "{said}");
    assert!(!said.contains("hunter2"), "{said}");
    // A user without its realm is refused before anything is sent.
    assert!(PveClient::new(&fake.url(), "root", &Secret::new(PASSWORD), trust()).is_err());
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn a_guests_config_snapshots_addresses_and_recorded_load_are_read() {
    let fake = FakePve::start().await;
    let pve = client(&fake, Trust::Pinned(fake.fingerprint()));
    let config = bounded(pve.guest_config(GuestType::Lxc, "pve1", 101))
        .await
        .unwrap();
    let snapshots = bounded(pve.snapshots(GuestType::Lxc, "pve1", 101))
        .await
        .unwrap();
    let interfaces = bounded(pve.lxc_interfaces("pve1", 101)).await.unwrap();
    let d = squirrel_proxmox::guest_details(
        GuestType::Lxc,
        &config,
        &snapshots,
        &interfaces,
        Vec::new(),
    );
    assert_eq!(d.hostname.as_deref(), Some("dns"));
    assert_eq!(
        (d.cores, d.memory_mib, d.unprivileged),
        (Some(2), Some(512), Some(true))
    );
    assert_eq!(d.disks.len(), 2);
    assert_eq!(d.disks[1].mount_path.as_deref(), Some("/srv/data"));
    assert_eq!(d.networks[0].addresses, ["10.0.0.101/24", "fd00::5/64"]);
    let names: Vec<&str> = d.snapshots.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["fresh", "before-upgrade"]);

    let vm = bounded(pve.guest_config(GuestType::Qemu, "pve2", 200))
        .await
        .unwrap();
    let d = squirrel_proxmox::guest_details(GuestType::Qemu, &vm, &[], &[], Vec::new());
    assert_eq!(
        (d.memory_mib, d.disks.len()),
        (Some(512), 1),
        "the empty CD drive is no disk"
    );

    // A day at one point a minute; the gaps are points without values, left out.
    let points = bounded(pve.rrddata(GuestType::Lxc, "pve1", 101, "day"))
        .await
        .unwrap();
    assert_eq!(points.len(), 1440);
    let samples = squirrel_proxmox::rrd_samples(&points, 0);
    assert!(
        samples.len() > 1200 && samples.len() < 1440,
        "{}",
        samples.len()
    );
    assert!(samples.windows(2).all(|w| w[1].ts - w[0].ts >= 60.0));
    // A guest Squirrel may not see is said as the privilege it lacks.
    fake.add_token("ro@pve!blind", "s3cret-blind", &["Sys.Audit"]);
    let blind = PveClient::new(
        &fake.url(),
        "ro@pve!blind",
        &Secret::new("s3cret-blind"),
        Trust::Pinned(fake.fingerprint()),
    )
    .unwrap();
    let e = bounded(blind.guest_config(GuestType::Lxc, "pve1", 101))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("VM.Audit"), "{e}");
    assert_eq!(fake.violations(), Vec::<String>::new());
}
