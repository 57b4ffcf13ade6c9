//! Safe updates against real components: a container on a real engine, its image pushed
//! again to a real registry with new content; the update to a good image keeps every
//! setting the user gave (checked with `docker inspect`), an image that exits at once and
//! one whose healthcheck fails are rolled back to the very same container, and the previous
//! image survives `docker image prune -a`. Edit and recreate, and the manual roll back, take
//! the same path.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Mutex;

use serde_json::Value;
use squirrel_core::ports::EnvVar;
use squirrel_core::services::RecreateRequest;
use squirrel_core::updates::{
    ContainerEdits, GateSettings, RecreateOutcome, RecreateResult, RecreateStep,
};
use support::registry::TestRegistry;
use support::{wait_container, App, TestEngine};

/// Commits a busybox container created with `args` as `reference` (its command, env and
/// healthcheck become the image's) and returns the image id.
fn image(engine: &TestEngine, reference: &str, args: &[&str]) -> String {
    let builder = format!("builder-{}", support::free_port());
    let mut create = vec!["create", "--name", &builder];
    create.extend_from_slice(args);
    engine.cli(&create);
    engine.cli(&["commit", &builder, reference]);
    engine.cli(&["rm", &builder]);
    engine.cli(&["image", "inspect", "-f", "{{.Id}}", reference])
}

/// Pushes `image` as `reference` to the registry, then points the engine's `reference` back
/// at `local`: the registry has news the engine has not pulled yet.
fn publish(engine: &TestEngine, reference: &str, local: &str) {
    engine.cli(&["push", "--quiet", reference]);
    engine.cli(&["tag", local, reference]);
}

fn inspect(engine: &TestEngine, name: &str) -> Value {
    let text = engine.cli(&["inspect", name]);
    serde_json::from_str::<Vec<Value>>(&text).unwrap().remove(0)
}

fn env(c: &Value) -> Vec<String> {
    serde_json::from_value(c["Config"]["Env"].clone()).unwrap()
}

const GATE: GateSettings = GateSettings {
    window_secs: 3,
    health_timeout_secs: 60,
};

async fn run(app: &App, request: RecreateRequest) -> (RecreateOutcome, Vec<RecreateStep>) {
    let steps = Mutex::new(Vec::new());
    let outcome = tokio::time::timeout(
        std::time::Duration::from_secs(180),
        app.recreates()
            .recreate(&request, &|s| steps.lock().unwrap().push(s)),
    )
    .await
    .expect("the recreate ended in time")
    .unwrap();
    (outcome, steps.into_inner().unwrap())
}

fn update(uuid: &str) -> RecreateRequest {
    RecreateRequest {
        container_uuid: uuid.to_owned(),
        image: None,
        pull: true,
        edits: ContainerEdits::default(),
        gate: Some(GATE),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_keeps_the_settings_and_a_failing_image_is_rolled_back_to_the_same_container() {
    let registry = TestRegistry::start();
    let engine = TestEngine::start();
    let reference = format!("{}/apps/web:1", registry.host());
    let v1 = image(
        &engine,
        &reference,
        &["-e", "IMAGE_DEFAULT=1", "busybox:local", "sleep", "3600"],
    );
    engine.cli(&["push", "--quiet", &reference]);
    // The prunes below take every image no container uses: this one keeps busybox.
    engine.cli(&["create", "--name", "keeper", "busybox:local"]);
    engine.cli(&["network", "create", "front"]);
    engine.cli(&["volume", "create", "data"]);
    let port = support::free_port().to_string();
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "web",
        "-e",
        "FOO=bar",
        "-p",
        &format!("127.0.0.1:{port}:80"),
        "-v",
        "data:/data",
        "-v",
        "/anon",
        "--network",
        "front",
        "--network-alias",
        "webby",
        "--label",
        "team=home",
        "--restart",
        "unless-stopped",
        &reference,
    ]);
    engine.cli(&[
        "exec",
        "web",
        "sh",
        "-c",
        "echo kept > /anon/f && echo named > /data/f",
    ]);
    let anon = inspect(&engine, "web")["Mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["Destination"] == "/anon")
        .unwrap()["Name"]
        .as_str()
        .unwrap()
        .to_owned();

    let app = App::new().await;
    let mut rx = app.bus().subscribe();
    app.add_engine(&engine, "local").await;
    let web = wait_container(&mut rx, "web", |_| true).await;

    // A good image pushed under the same tag: the container moves to it, settings whole.
    let v2 = image(
        &engine,
        &reference,
        &["-e", "IMAGE_DEFAULT=2", "busybox:local", "sleep", "3600"],
    );
    publish(&engine, &reference, &v1);
    let (outcome, steps) = run(&app, update(&web.uuid)).await;
    assert!(
        matches!(outcome.result, RecreateResult::Replaced { .. }),
        "{outcome:?}"
    );
    for expected in [
        "pulling", "stopping", "creating", "starting", "checking", "done",
    ] {
        assert!(
            steps
                .iter()
                .any(|s| serde_json::to_value(s).unwrap()["step"] == expected),
            "no {expected} step in {steps:?}"
        );
    }
    let c = inspect(&engine, "web");
    assert_eq!(c["Image"], v2.as_str());
    assert_eq!(c["State"]["Running"], true);
    let e = env(&c);
    assert!(e.contains(&"FOO=bar".to_string()), "{e:?}");
    assert!(
        e.contains(&"IMAGE_DEFAULT=2".to_string()),
        "the new image's default, not the old one's: {e:?}"
    );
    assert!(!e.contains(&"IMAGE_DEFAULT=1".to_string()), "{e:?}");
    assert_eq!(
        c["HostConfig"]["PortBindings"]["80/tcp"][0]["HostPort"],
        port.as_str()
    );
    assert_eq!(
        c["HostConfig"]["PortBindings"]["80/tcp"][0]["HostIp"],
        "127.0.0.1"
    );
    assert_eq!(c["HostConfig"]["RestartPolicy"]["Name"], "unless-stopped");
    assert_eq!(c["Config"]["Labels"]["team"], "home");
    let aliases = c["NetworkSettings"]["Networks"]["front"]["Aliases"].to_string();
    assert!(aliases.contains("webby"), "{aliases}");
    assert_eq!(
        engine.cli(&["exec", "web", "cat", "/anon/f", "/data/f"]),
        "kept\nnamed",
        "both volumes' data"
    );
    let mounts = c["Mounts"].to_string();
    assert!(
        mounts.contains(&anon),
        "the same anonymous volume: {mounts}"
    );
    assert_eq!(
        engine.cli(&["ps", "-aq", "--filter", "name=web-squirrel-previous"]),
        "",
        "the old container is gone"
    );
    let kept_tag = outcome.kept_image.clone().unwrap();
    assert_eq!(
        kept_tag,
        format!("{}/apps/web:squirrel-rollback-web", registry.host())
    );
    assert_eq!(
        engine.cli(&["image", "inspect", "-f", "{{.Id}}", &kept_tag]),
        v1
    );
    let kept = app.recreates().kept_images().await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (kept[0].container.as_str(), kept[0].image_id.as_str()),
        ("web", v1.as_str())
    );

    // Nothing new: nothing is touched.
    let id = c["Id"].as_str().unwrap().to_owned();
    let web = wait_container(&mut rx, "web", |c| c.engine_id == id).await;
    let (outcome, _) = run(&app, update(&web.uuid)).await;
    assert_eq!(outcome.result, RecreateResult::UpToDate);
    assert_eq!(inspect(&engine, "web")["Id"], id.as_str());

    // Edit and recreate: a new value and a memory limit, on the image it has.
    let mut edited: Vec<EnvVar> = env(&inspect(&engine, "web"))
        .iter()
        .filter_map(|e| e.split_once('='))
        .map(|(n, v)| EnvVar {
            name: n.into(),
            value: v.into(),
        })
        .collect();
    edited.iter_mut().find(|e| e.name == "FOO").unwrap().value = "baz".into();
    let request = RecreateRequest {
        container_uuid: web.uuid.clone(),
        image: None,
        pull: false,
        edits: ContainerEdits {
            env: Some(edited),
            limits: Some(squirrel_core::ports::ResourceLimits {
                cpus: None,
                memory_bytes: Some(64.0 * 1024.0 * 1024.0),
            }),
            ..Default::default()
        },
        gate: Some(GATE),
    };
    let (outcome, _) = run(&app, request).await;
    assert!(
        matches!(outcome.result, RecreateResult::Replaced { .. }),
        "{outcome:?}"
    );
    let c = inspect(&engine, "web");
    assert_ne!(c["Id"], id.as_str());
    assert!(env(&c).contains(&"FOO=baz".to_string()));
    assert!(
        app.recreates().kept_images().await.unwrap().len() == 1,
        "the update's kept image stays"
    );
    assert_eq!(c["HostConfig"]["Memory"], 64 * 1024 * 1024);
    assert_eq!(c["Image"], v2.as_str());
    assert_eq!(engine.cli(&["exec", "web", "cat", "/anon/f"]), "kept");

    // The manual roll back: to the image kept by the update, with the settings of now.
    let id = c["Id"].as_str().unwrap().to_owned();
    let web = wait_container(&mut rx, "web", |c| c.engine_id == id).await;
    let outcome = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        app.recreates().roll_back(&web.uuid, Some(GATE), &|_| {}),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        matches!(outcome.result, RecreateResult::Replaced { .. }),
        "{outcome:?}"
    );
    let c = inspect(&engine, "web");
    assert_eq!(c["Image"], v1.as_str());
    let e = env(&c);
    assert!(
        e.contains(&"FOO=baz".to_string()) && e.contains(&"IMAGE_DEFAULT=1".to_string()),
        "{e:?}"
    );
    assert!(
        app.recreates().kept_images().await.unwrap().is_empty(),
        "the kept image runs again"
    );
    assert!(
        engine.try_cli(&["image", "inspect", &kept_tag]).is_err(),
        "its keeping tag is gone"
    );
    let id = c["Id"].as_str().unwrap().to_owned();
    let web = wait_container(&mut rx, "web", |c| c.engine_id == id).await;
    let c = inspect(&engine, "web");

    // An image that exits at once: rolled back to the same container, as it was.
    image(
        &engine,
        &reference,
        &[
            "busybox:local",
            "sh",
            "-c",
            "echo the config is broken >&2; exit 3",
        ],
    );
    publish(&engine, &reference, &v1);
    let (outcome, steps) = run(&app, update(&web.uuid)).await;
    let RecreateResult::RolledBack { reason } = &outcome.result else {
        panic!("not rolled back: {outcome:?}");
    };
    assert!(reason.contains("exit"), "{reason}");
    assert!(
        outcome
            .last_lines
            .iter()
            .any(|l| l.contains("the config is broken")),
        "{:?}",
        outcome.last_lines
    );
    assert!(steps
        .iter()
        .any(|s| matches!(s, RecreateStep::RollingBack { .. })));
    let back = inspect(&engine, "web");
    assert_eq!(back["Id"], id.as_str(), "the very same container");
    assert_eq!(back["Image"], v1.as_str());
    assert_eq!(back["State"]["Running"], true);
    assert_eq!(env(&back), env(&c));
    assert_eq!(back["HostConfig"], c["HostConfig"]);
    assert_eq!(
        engine.cli(&["ps", "-aq", "--filter", "name=web-squirrel-previous"]),
        ""
    );
    // The reference names the image that runs again, and a prune of all cannot take it.
    assert_eq!(
        engine.cli(&["image", "inspect", "-f", "{{.Id}}", &reference]),
        v1
    );
    assert_eq!(
        engine.cli(&["image", "inspect", "-f", "{{.Id}}", &kept_tag]),
        v1,
        "pinned"
    );
    engine.cli(&["image", "prune", "-a", "-f"]);
    engine.cli(&["image", "inspect", &v1]);

    // An image whose healthcheck fails: rolled back too.
    image(
        &engine,
        &reference,
        &[
            "--health-cmd",
            "false",
            "--health-interval",
            "1s",
            "--health-retries",
            "1",
            "busybox:local",
            "sleep",
            "3600",
        ],
    );
    publish(&engine, &reference, &v1);
    let (outcome, _) = run(&app, update(&web.uuid)).await;
    assert!(
        matches!(&outcome.result, RecreateResult::RolledBack { reason } if reason.contains("unhealthy")),
        "{outcome:?}"
    );
    let back = inspect(&engine, "web");
    assert_eq!(back["Id"], id.as_str());
    assert_eq!(back["Image"], v1.as_str());
    assert_eq!(back["State"]["Running"], true);
    engine.cli(&["image", "prune", "-a", "-f"]);
    engine.cli(&["image", "inspect", &v1]);

    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_updates_across_devices_and_a_roll_back_stops_nothing() {
    use squirrel_core::ports::ContainerRepository;
    use squirrel_core::updates::{BatchEvent, BatchSummary};

    let registry = TestRegistry::start();
    let one = TestEngine::start();
    let two = TestEngine::start();
    let good = format!("{}/apps/good:1", registry.host());
    let bad = format!("{}/apps/bad:1", registry.host());
    image(&one, &good, &["busybox:local", "sleep", "3600"]);
    image(&one, &bad, &["busybox:local", "sleep", "3600"]);
    one.cli(&["push", "--quiet", &good]);
    one.cli(&["push", "--quiet", &bad]);
    one.cli(&["run", "-d", "--name", "one-good", &good]);
    one.cli(&["run", "-d", "--name", "one-bad", &bad]);
    // Deleted by the engine once stopped: refused, and left running.
    one.cli(&["run", "-d", "--rm", "--name", "one-rm", &good]);
    two.cli(&["pull", "--quiet", &good]);
    two.cli(&["run", "-d", "--name", "two-good", &good]);
    let bad_id = one.cli(&["inspect", "-f", "{{.Id}}", "one-bad"]);
    // News in the registry: a good image, and one that exits at once.
    let v1 = one.cli(&["image", "inspect", "-f", "{{.Id}}", &good]);
    let v2 = image(
        &one,
        &good,
        &["-e", "RELEASE=2", "busybox:local", "sleep", "3600"],
    );
    publish(&one, &good, &v1);
    let bad_v1 = one.cli(&["image", "inspect", "-f", "{{.Id}}", &bad]);
    image(&one, &bad, &["busybox:local", "sh", "-c", "exit 3"]);
    publish(&one, &bad, &bad_v1);

    let app = App::new().await;
    app.add_engine(&one, "one").await;
    app.add_engine(&two, "two").await;
    let names = ["one-good", "one-bad", "two-good", "one-rm"];
    let uuids: Vec<String> = support::wait_until(|| async {
        let all = app.store().list_containers().await.ok()?;
        names
            .iter()
            .map(|n| all.iter().find(|c| c.name == *n).map(|c| c.uuid.clone()))
            .collect::<Option<Vec<_>>>()
    })
    .await;
    let mut requests: Vec<RecreateRequest> = uuids.iter().map(|u| update(u)).collect();
    requests.push(update("no-such-container"));
    // Named twice: done once.
    requests.push(update(&uuids[0]));

    let events = Mutex::new(Vec::new());
    let summary = tokio::time::timeout(
        std::time::Duration::from_secs(300),
        app.recreates()
            .recreate_many(&requests, &|e| events.lock().unwrap().push(e)),
    )
    .await
    .expect("the batch ended in time")
    .unwrap();
    assert_eq!(
        summary,
        BatchSummary {
            replaced: 2,
            up_to_date: 0,
            rolled_back: 1,
            failed: 1,
            refused: 1,
        }
    );
    // Each container's story ends once, under its own id.
    let events = events.into_inner().unwrap();
    let ends = |uuid: &str| {
        events
            .iter()
            .filter_map(|e| match e {
                BatchEvent::Step {
                    container_uuid,
                    step: RecreateStep::Done { outcome },
                } if container_uuid == uuid => Some(outcome.result.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert!(matches!(
        ends(&uuids[0])[..],
        [RecreateResult::Replaced { .. }]
    ));
    assert!(matches!(
        ends(&uuids[1])[..],
        [RecreateResult::RolledBack { .. }]
    ));
    assert!(matches!(
        ends(&uuids[2])[..],
        [RecreateResult::Replaced { .. }]
    ));
    assert!(events.iter().any(|e| matches!(e,
        BatchEvent::Refused { container_uuid, .. } if container_uuid == "no-such-container")));

    // Both devices run the new image; the failed one runs again as it was.
    assert_eq!(inspect(&one, "one-good")["Image"], v2.as_str());
    assert!(env(&inspect(&two, "two-good")).contains(&"RELEASE=2".to_string()));
    let back = inspect(&one, "one-bad");
    assert_eq!(back["Id"], bad_id.as_str());
    assert_eq!(back["State"]["Running"], true);

    // The reference moved under a container (another pull, another container's roll back):
    // an edit refuses rather than move it to that image unasked.
    one.cli(&["tag", &v1, &good]);
    let before = inspect(&one, "one-good")["Id"].clone();
    let engine_id = before.as_str().unwrap().to_owned();
    // The new container is a new row: found by its engine id once the watcher stored it.
    let replaced = support::wait_until(|| async {
        let all = app.store().list_containers().await.ok()?;
        all.into_iter()
            .find(|c| c.engine_id == engine_id)
            .map(|c| c.uuid)
    })
    .await;
    let edit = RecreateRequest {
        container_uuid: replaced,
        image: None,
        pull: false,
        edits: ContainerEdits {
            env: Some(vec![EnvVar {
                name: "EXTRA".into(),
                value: "1".into(),
            }]),
            ..ContainerEdits::default()
        },
        gate: Some(GATE),
    };
    let (outcome, _) = run(&app, edit).await;
    assert!(
        matches!(&outcome.result, RecreateResult::Failed { error } if error.contains("now names another image")),
        "{outcome:?}"
    );
    assert_eq!(inspect(&one, "one-good")["Id"], before);
    assert_eq!(inspect(&one, "one-good")["Image"], v2.as_str());

    // Too many at once is refused before anything is touched.
    let many: Vec<RecreateRequest> = (0..=squirrel_core::updates::MAX_BATCH)
        .map(|i| update(&format!("c{i}")))
        .collect();
    assert!(app.recreates().recreate_many(&many, &|_| {}).await.is_err());
    app.shutdown().await;
}

/// Starts an update of `uuid` with a gate that cannot decide soon, and drops it in the middle
/// of the gate, as a quit of Squirrel would: the new container runs, the old one is aside.
async fn cut_short(app: &App, uuid: &str) {
    let recreates = app.recreates().clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let request = RecreateRequest {
        gate: Some(GateSettings {
            window_secs: 300,
            health_timeout_secs: 300,
        }),
        ..update(uuid)
    };
    let task = tokio::spawn(async move {
        recreates
            .recreate(&request, &move |s| {
                let _ = tx.send(s);
            })
            .await
    });
    tokio::time::timeout(std::time::Duration::from_secs(120), async {
        while let Some(step) = rx.recv().await {
            if matches!(step, RecreateStep::Checking { .. }) {
                return;
            }
        }
        panic!("the recreate ended before its gate");
    })
    .await
    .expect("the gate began in time");
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_cut_short_by_a_stop_puts_the_old_container_back_at_the_next_start() {
    use squirrel_core::DomainEvent;

    let registry = TestRegistry::start();
    let engine = TestEngine::start();
    let reference = format!("{}/apps/cut:1", registry.host());
    let v1 = image(&engine, &reference, &["busybox:local", "sleep", "3600"]);
    engine.cli(&["push", "--quiet", &reference]);
    engine.cli(&["run", "-d", "--name", "cut", "-e", "MINE=1", &reference]);
    let old = engine.cli(&["inspect", "-f", "{{.Id}}", "cut"]);
    let v2 = image(
        &engine,
        &reference,
        &["-e", "RELEASE=2", "busybox:local", "sleep", "3600"],
    );
    publish(&engine, &reference, &v1);

    let app = App::new().await;
    let mut rx = app.bus().subscribe();
    app.add_engine(&engine, "local").await;
    let cut = wait_container(&mut rx, "cut", |_| true).await;

    // Stopped in the gate: the new container runs on v2, the old one waits aside.
    cut_short(&app, &cut.uuid).await;
    let new = inspect(&engine, "cut");
    assert_ne!(new["Id"], old.as_str());
    assert_eq!(new["Image"], v2.as_str());
    assert_eq!(
        inspect(&engine, "cut-squirrel-previous")["Id"],
        old.as_str()
    );

    // The next start's background work settles it, and tells the window.
    let mut rx = app.bus().subscribe();
    app.spawn_jobs();
    let recovery = match support::wait_for(&mut rx, |e| {
        matches!(e, DomainEvent::RecreateRecovered { .. })
    })
    .await
    {
        DomainEvent::RecreateRecovered { recovery } => recovery,
        _ => unreachable!(),
    };
    assert!(recovery.settled, "{}", recovery.message);
    assert_eq!(recovery.container, "cut");
    assert!(
        recovery.message.contains("put back"),
        "{}",
        recovery.message
    );
    // The very same container, running, under its name; the new one is gone, and the
    // reference names the image it runs again.
    let back = inspect(&engine, "cut");
    assert_eq!(back["Id"], old.as_str());
    assert_eq!(back["State"]["Running"], true);
    assert!(env(&back).contains(&"MINE=1".to_owned()));
    assert!(engine
        .try_cli(&["inspect", "cut-squirrel-previous"])
        .is_err());
    assert_eq!(
        engine.cli(&["ps", "-aq", "--no-trunc", "--filter", "name=^/cut"]),
        old
    );
    assert_eq!(
        engine.cli(&["image", "inspect", "-f", "{{.Id}}", &reference]),
        v1
    );
    // Settled once: nothing is left written down.
    assert!(app
        .recreates()
        .recover_interrupted()
        .await
        .unwrap()
        .is_empty());

    // Cut short again, and asked again before the background work ran: the ask settles it
    // first, says so, and changes nothing more.
    let cut = support::wait_until(|| async {
        use squirrel_core::ports::ContainerRepository;
        let all = app.store().list_containers().await.ok()?;
        all.into_iter()
            .find(|c| c.name == "cut" && c.engine_id == old)
    })
    .await;
    cut_short(&app, &cut.uuid).await;
    let again = app.recreates().recreate(&update(&cut.uuid), &|_| {}).await;
    let err = again.expect_err("the settle is said, not followed by an update");
    assert!(err.to_string().contains("put back"), "{err}");
    assert_eq!(inspect(&engine, "cut")["Id"], old.as_str());
    assert_eq!(inspect(&engine, "cut")["State"]["Running"], true);
    assert!(engine
        .try_cli(&["inspect", "cut-squirrel-previous"])
        .is_err());
    // And the update, asked once more, goes through.
    let (outcome, _) = run(&app, update(&cut.uuid)).await;
    assert!(
        matches!(outcome.result, RecreateResult::Replaced { .. }),
        "{:?}",
        outcome.result
    );
    assert_eq!(inspect(&engine, "cut")["Image"], v2.as_str());
    app.shutdown().await;
}
