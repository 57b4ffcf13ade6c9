//! Stats against a real dockerd: the collector tells a busy container from an idle one,
//! sees memory a container holds and bytes one container downloads from another; rounds
//! are stored and queried; live streams start, report and stop.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;

use squirrel_core::model::{ContainerLoad, ContainerState};
use squirrel_core::ports::ContainerRepository;
use squirrel_core::DomainEvent;
use support::{wait_container, wait_for, App, TestEngine};

const MIB: f64 = 1_048_576.0;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn uuid_of(app: &App, name: &str) -> String {
    app.containers
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} is not inventoried"))
        .uuid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_idle_and_memory_hungry_containers_are_told_apart() {
    let engine = TestEngine::start();
    let app = App::new().await;
    let mut rx = app.bus().subscribe();
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "busy",
        "busybox:local",
        "sh",
        "-c",
        "while :; do :; done",
    ]);
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "idle",
        "busybox:local",
        "sleep",
        "600",
    ]);
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "hog",
        "busybox:local",
        "sh",
        "-c",
        "dd if=/dev/zero of=/dev/shm/fill bs=1M count=48 && sleep 600",
    ]);
    let device = app.add_engine_sampled(&engine, "local", Some(5)).await;
    let ids: HashMap<String, String> = [
        (uuid_of(&app, "busy").await, "busy".to_string()),
        (uuid_of(&app, "idle").await, "idle".to_string()),
        (uuid_of(&app, "hog").await, "hog".to_string()),
    ]
    .into();

    // The second round is the first with samples (CPU needs two readings). The hog may
    // still be writing in that round: wait for one where it holds its 48 MiB.
    let round = wait_for(&mut rx, |e| match e {
        DomainEvent::StatsRecorded { load, containers } => {
            load.device_uuid == device.uuid
                && containers.len() == 3
                && containers
                    .iter()
                    .any(|c| ids[&c.container_uuid] == "hog" && c.memory_used > 40.0 * MIB)
        }
        _ => false,
    })
    .await;
    let DomainEvent::StatsRecorded { load, containers } = round else {
        unreachable!()
    };
    let by_name: HashMap<&str, &ContainerLoad> = containers
        .iter()
        .map(|c| (ids[&c.container_uuid].as_str(), c))
        .collect();
    let (busy, idle, hog) = (by_name["busy"], by_name["idle"], by_name["hog"]);
    assert!(busy.cpu_percent > 40.0, "a busy loop uses a core: {busy:?}");
    assert!(idle.cpu_percent < 5.0, "sleep uses nothing: {idle:?}");
    assert!(busy.cpu_percent > 10.0 * idle.cpu_percent.max(0.5));
    assert!(hog.memory_used > 40.0 * MIB, "{hog:?}");
    assert!(idle.memory_used < 16.0 * MIB, "{idle:?}");
    assert!(hog.memory_percent > idle.memory_percent);
    assert_eq!(load.containers, 3.0);
    assert!(
        (load.cpu_total_percent - containers.iter().map(|c| c.cpu_percent).sum::<f64>()).abs()
            < 1e-9
    );

    // What was stored answers the queries.
    let busy_uuid = &busy.container_uuid;
    let latest = app.stats.latest(busy_uuid).await.unwrap().unwrap();
    assert!(latest.cpu_percent > 40.0 && latest.pids >= 1.0);
    let series = app
        .stats
        .container_series(busy_uuid, now() - 3600, now() + 1)
        .await
        .unwrap();
    assert_eq!(series.step, 10.0);
    assert!(!series.points.is_empty());
    assert!(
        series.points.iter().any(|p| p.cpu_percent.max > 40.0),
        "{series:?}"
    );
    let fleet = app
        .stats
        .fleet_series(None, now() - 3600, now() + 1)
        .await
        .unwrap();
    let last = fleet.points.last().unwrap();
    assert_eq!(last.containers, 3.0);
    assert!(last.cpu_total_percent > 40.0);
    let counts = app.stats.count_by_state(Some(&device.uuid)).await.unwrap();
    assert_eq!(
        counts
            .iter()
            .find(|c| c.state == ContainerState::Running)
            .map(|c| c.count),
        Some(3)
    );
    let (loads, devices) = app.stats.loads();
    assert_eq!(loads.len(), 3);
    assert_eq!(devices.len(), 1);

    // A container that stops drops out of the next round and of the current loads.
    engine.cli(&["kill", "busy"]);
    wait_for(&mut rx, |e| matches!(e, DomainEvent::StatsRecorded { load, containers } if load.device_uuid == device.uuid && containers.len() == 2)).await;
    assert!(app
        .stats
        .loads()
        .0
        .iter()
        .all(|c| &c.container_uuid != busy_uuid));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_bytes_between_containers_and_live_streams() {
    let engine = TestEngine::start();
    let app = App::new().await;
    let mut rx = app.bus().subscribe();
    let _bridge = engine.open_bridge_network("statnet");
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "server",
        "--network",
        "statnet",
        "busybox:local",
        "sh",
        "-c",
        "mkdir -p /www && dd if=/dev/zero of=/www/blob bs=1M count=8 && httpd -f -p 8080 -h /www",
    ]);
    let ip = engine
        .cli(&[
            "inspect",
            "-f",
            "{{(index .NetworkSettings.Networks \"statnet\").IPAddress}}",
            "server",
        ])
        .trim()
        .to_string();
    assert!(!ip.is_empty(), "the server has an address on statnet");
    let device = app.add_engine_sampled(&engine, "local", Some(5)).await;
    let server = uuid_of(&app, "server").await;

    // Live stream of the client from before it downloads.
    engine.cli(&[
        "create",
        "--name",
        "client",
        "--network",
        "statnet",
        "busybox:local",
        "sh",
        "-c",
        &format!("until wget -q -O /dev/null http://{ip}:8080/blob; do sleep 1; done; sleep 600"),
    ]);
    wait_container(&mut rx, "client", |_| true).await;
    let client = uuid_of(&app, "client").await;
    let err = app.stats.live_start(&client).await.unwrap_err();
    assert!(err.to_string().contains("not running"), "{err}");
    engine.cli(&["start", "client"]);
    wait_container(&mut rx, "client", |c| c.state == ContainerState::Running).await;
    let sub = app.stats.live_start(&client).await.unwrap();
    assert_eq!(app.stats.live_streams(), vec![client.clone()]);
    let downloaded = wait_for(&mut rx, |e| matches!(e, DomainEvent::LiveStats { subscription, sample, .. } if *subscription == sub && sample.net_rx_bytes.unwrap_or(0.0) > 8.0 * MIB)).await;
    let DomainEvent::LiveStats { container_uuid, .. } = downloaded else {
        unreachable!()
    };
    assert_eq!(container_uuid, client);
    app.stats.live_stop(sub);
    assert!(app.stats.live_streams().is_empty());

    // The server sent those bytes: a later round shows them in its cumulative counters.
    wait_for(
        &mut rx,
        |e| matches!(e, DomainEvent::StatsRecorded { load, .. } if load.device_uuid == device.uuid),
    )
    .await;
    let sent = app.stats.latest(&server).await.unwrap().unwrap();
    assert!(sent.net_tx_bytes.unwrap() > 8.0 * MIB, "{sent:?}");

    // A live stream ends by itself when its container stops.
    let sub = app.stats.live_start(&server).await.unwrap();
    wait_for(
        &mut rx,
        |e| matches!(e, DomainEvent::LiveStats { subscription, .. } if *subscription == sub),
    )
    .await;
    engine.cli(&["kill", "server"]);
    wait_for(
        &mut rx,
        |e| matches!(e, DomainEvent::LiveStatsEnded { subscription, .. } if *subscription == sub),
    )
    .await;
    let stopped = app.store().get_container(&server).await.unwrap().unwrap();
    assert_eq!(stopped.uuid, server);
    assert!(app.stats.live_streams().is_empty());
}
