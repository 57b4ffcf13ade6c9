//! Container actions through `ContainerService`, against a real dockerd; the CLI confirms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use squirrel_core::model::{ContainerPatch, ContainerState};
use squirrel_core::ports::RemoveOptions;
use squirrel_core::services::ContainerAction;
use squirrel_core::DomainEvent;
use support::{wait_container, wait_for, App, TestEngine};

fn state(engine: &TestEngine, name: &str) -> String {
    engine.cli(&["inspect", "-f", "{{.State.Status}}", name])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_works_and_the_inventory_follows() {
    let engine = TestEngine::start();
    engine.cli(&[
        "create",
        "--name",
        "app",
        "-v",
        "/scratch",
        "--cpus",
        "0.5",
        "--memory",
        "64m",
        "busybox:local",
        "sleep",
        "600",
    ]);
    let app = App::new().await;
    let device = app.add_engine(&engine, "local").await;
    let mut rx = app.bus().subscribe();
    let c = app.containers.list(None).await.unwrap().pop().unwrap();
    assert_eq!(c.device_uuid, device.uuid);

    app.containers
        .act(&c.uuid, ContainerAction::Start)
        .await
        .unwrap();
    wait_container(&mut rx, "app", |c| c.state == ContainerState::Running).await;
    assert_eq!(state(&engine, "app"), "running");

    app.containers
        .act(&c.uuid, ContainerAction::Pause)
        .await
        .unwrap();
    wait_container(&mut rx, "app", |c| c.state == ContainerState::Paused).await;
    assert_eq!(state(&engine, "app"), "paused");
    app.containers
        .act(&c.uuid, ContainerAction::Unpause)
        .await
        .unwrap();
    wait_container(&mut rx, "app", |c| c.state == ContainerState::Running).await;

    app.containers
        .act(
            &c.uuid,
            ContainerAction::Stop {
                timeout_secs: Some(1),
            },
        )
        .await
        .unwrap();
    wait_container(&mut rx, "app", |c| c.state == ContainerState::Exited).await;
    assert_eq!(state(&engine, "app"), "exited");

    app.containers
        .act(
            &c.uuid,
            ContainerAction::Restart {
                timeout_secs: Some(1),
            },
        )
        .await
        .unwrap();
    wait_container(&mut rx, "app", |c| c.state == ContainerState::Running).await;

    app.containers
        .act(&c.uuid, ContainerAction::Kill { signal: None })
        .await
        .unwrap();
    let killed = wait_container(&mut rx, "app", |c| c.state == ContainerState::Exited).await;
    assert_eq!(killed.exit_code, Some(137), "SIGKILL by default");

    // The chosen signal reaches the process: this one exits with 7 on SIGTERM.
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "trapper",
        "busybox:local",
        "sh",
        "-c",
        "trap 'exit 7' TERM; while true; do sleep 0.1; done",
    ]);
    let trapper = wait_container(&mut rx, "trapper", |c| c.state == ContainerState::Running).await;
    app.containers
        .act(
            &trapper.uuid,
            ContainerAction::Kill {
                signal: Some("SIGTERM".into()),
            },
        )
        .await
        .unwrap();
    let trapped = wait_container(&mut rx, "trapper", |c| c.state == ContainerState::Exited).await;
    assert_eq!(trapped.exit_code, Some(7));
    engine.cli(&["rm", "trapper"]);

    app.containers.rename(&c.uuid, "app-renamed").await.unwrap();
    let renamed = wait_container(&mut rx, "app-renamed", |_| true).await;
    assert_eq!(renamed.uuid, c.uuid);
    assert_eq!(
        engine.cli(&["ps", "-a", "--format", "{{.Names}}"]),
        "app-renamed"
    );

    let patched = app
        .containers
        .update(
            &c.uuid,
            ContainerPatch {
                display_name: Some("  My <b>App</b> ".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(patched.display_name.as_deref(), Some("My <b>App</b>"));
    assert_eq!(
        app.containers
            .get(&c.uuid)
            .await
            .unwrap()
            .display_name
            .as_deref(),
        Some("My <b>App</b>")
    );
    app.containers
        .update(
            &c.uuid,
            ContainerPatch {
                display_name: Some(String::new()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        app.containers.get(&c.uuid).await.unwrap().display_name,
        None
    );

    let details = app.containers.inspect(&c.uuid).await.unwrap();
    assert_eq!(details.name, "app-renamed");
    assert_eq!(details.command, vec!["sleep", "600"]);
    assert_eq!(details.resources.cpus, Some(0.5));
    assert_eq!(details.resources.memory_bytes, Some((64u64 << 20) as f64));

    app.containers
        .act(&c.uuid, ContainerAction::Start)
        .await
        .unwrap();
    wait_container(&mut rx, "app-renamed", |c| {
        c.state == ContainerState::Running
    })
    .await;
    let volumes_before = engine.cli(&["volume", "ls", "-q"]);
    assert!(!volumes_before.is_empty(), "the anonymous volume exists");
    app.containers
        .remove(
            &c.uuid,
            RemoveOptions {
                force: true,
                remove_volumes: true,
            },
        )
        .await
        .unwrap();
    let uuid = c.uuid.clone();
    wait_for(
        &mut rx,
        |e| matches!(e, DomainEvent::ContainerRemoved { uuid: u, .. } if *u == uuid),
    )
    .await;
    assert_eq!(engine.cli(&["ps", "-aq"]), "");
    assert_eq!(
        engine.cli(&["volume", "ls", "-q"]),
        "",
        "remove_volumes removed it"
    );
    assert!(app.containers.list(None).await.unwrap().is_empty());
    app.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_actions_get_clear_errors_and_change_nothing() {
    let engine = TestEngine::start();
    engine.cli(&["create", "--name", "idle", "busybox:local", "sleep", "600"]);
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "busy",
        "busybox:local",
        "sleep",
        "600",
    ]);
    let app = App::new().await;
    app.add_engine(&engine, "local").await;
    let all = app.containers.list(None).await.unwrap();
    let idle = all.iter().find(|c| c.name == "idle").unwrap();
    let busy = all.iter().find(|c| c.name == "busy").unwrap();

    let e = app
        .containers
        .act(&idle.uuid, ContainerAction::Pause)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "conflict");
    assert!(e.to_string().contains("is not running"), "{e}");

    let e = app
        .containers
        .act(&idle.uuid, ContainerAction::Kill { signal: None })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("is not running"), "{e}");

    let e = app
        .containers
        .remove(&busy.uuid, RemoveOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "conflict");
    assert!(e.to_string().contains("force"), "{e}");
    assert_eq!(state(&engine, "busy"), "running");

    let e = app
        .containers
        .rename(&busy.uuid, "<img src=x>")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    let e = app.containers.rename(&busy.uuid, "idle").await.unwrap_err();
    assert_eq!(e.code(), "conflict", "the name is taken: {e}");

    let e = app
        .containers
        .act(
            &busy.uuid,
            ContainerAction::Kill {
                signal: Some("NOT A SIGNAL".into()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert_eq!(state(&engine, "busy"), "running");

    // Removed behind the app's back between the list and the click.
    let mut rx = app.bus().subscribe();
    engine.cli(&["rm", "-f", "busy"]);
    let uuid = busy.uuid.clone();
    let e = app
        .containers
        .act(&busy.uuid, ContainerAction::Stop { timeout_secs: None })
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found", "{e}");
    wait_for(
        &mut rx,
        |e| matches!(e, DomainEvent::ContainerRemoved { uuid: u, .. } if *u == uuid),
    )
    .await;
    let e = app.containers.get(&busy.uuid).await.unwrap_err();
    assert_eq!(e.code(), "not_found");
    app.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_are_two_devices_with_separate_inventories() {
    let a = TestEngine::start();
    let b = TestEngine::start();
    a.cli(&["create", "--name", "on-a", "busybox:local", "true"]);
    b.cli(&["create", "--name", "on-b", "busybox:local", "true"]);
    let app = App::new().await;
    let da = app.add_engine(&a, "a").await;
    let db = app.add_engine(&b, "b").await;
    let names = |list: Vec<squirrel_core::model::Container>| {
        list.into_iter().map(|c| c.name).collect::<Vec<_>>()
    };
    assert_eq!(
        names(app.containers.list(Some(&da.uuid)).await.unwrap()),
        vec!["on-a"]
    );
    assert_eq!(
        names(app.containers.list(Some(&db.uuid)).await.unwrap()),
        vec!["on-b"]
    );
    assert_eq!(app.containers.list(None).await.unwrap().len(), 2);
    // Removing a device removes its inventory only.
    app.devices.remove(&da.uuid).await.unwrap();
    assert_eq!(
        names(app.containers.list(None).await.unwrap()),
        vec!["on-b"]
    );
    app.engine.shutdown().await;
}
