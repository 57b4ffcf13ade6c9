//! The log history against a real dockerd: the backend keeps the logs of the local engine's
//! containers with no viewer open; a recreated container continues its timeline, a removed
//! one's lines stay searchable, a restarted one resumes without a line twice, and the keep
//! settings start and stop the streams.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use squirrel_core::model::{HistoryPage, HistoryQuery, LogTimeline};
use support::{wait_until, App, TestEngine};

async fn started(engine: &TestEngine) -> (App, String) {
    let app = App::new().await;
    tokio::spawn(app.history().clone().run());
    // A device on a local socket: kept by default.
    let device = app.add_engine(engine, "local").await;
    (app, device.uuid)
}

async fn timeline(app: &App, device: &str, name: &str) -> Option<LogTimeline> {
    app.history()
        .overview()
        .await
        .unwrap()
        .timelines
        .into_iter()
        .find(|t| t.device_uuid == device && t.name == name)
}

async fn lines_of(app: &App, timeline: i64) -> Vec<String> {
    let page: HistoryPage = app
        .history()
        .query(&HistoryQuery {
            timeline: Some(timeline),
            limit: 5_000,
            ..HistoryQuery::default()
        })
        .await
        .unwrap();
    page.lines.into_iter().map(|l| l.line.text).collect()
}

/// Waits until the timeline of `name` holds `n` lines; returns it.
async fn holds(app: &App, device: &str, name: &str, n: u64) -> LogTimeline {
    wait_until(|| async { timeline(app, device, name).await.filter(|t| t.lines == n) }).await
}

/// `docker logs` of `name`: its stdout lines, then its stderr lines.
fn cli_lines(engine: &TestEngine, name: &str) -> Vec<String> {
    let out = std::process::Command::new("docker")
        .env("DOCKER_HOST", engine.host())
        .args(["logs", name])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    lines.extend(
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .map(str::to_owned),
    );
    lines
}

const FIRST: &str = "for i in $(seq 1 50); do echo \"first-life $i\"; done; sleep 3600";
const SECOND: &str =
    "for i in $(seq 1 30); do echo \"second-life $i\"; echo \"warn $i\" >&2; done; sleep 3600";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recreated_container_continues_its_timeline_and_a_removed_ones_lines_stay_searchable() {
    let engine = TestEngine::start();
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "web",
        "busybox:local",
        "sh",
        "-c",
        FIRST,
    ]);
    let (app, device) = started(&engine).await;
    // Kept with no viewer open: exactly what `docker logs` gives.
    let first = holds(&app, &device, "web", 50).await;
    let old_lines = cli_lines(&engine, "web");
    assert_eq!(lines_of(&app, first.id).await, old_lines);
    assert!(app.logs.open_streams().is_empty());

    let mut rx = app.bus().subscribe();
    engine.cli(&["rm", "-f", "web"]);
    // The window is told once the removal is stored: the timeline reads as removed then.
    support::wait_for(&mut rx, |e| {
        matches!(e, squirrel_core::DomainEvent::HistoryChanged)
    })
    .await;
    let removed = timeline(&app, &device, "web").await.unwrap();
    assert!(removed.removed_at.is_some(), "{removed:?}");
    assert_eq!(removed.container_uuid, None);
    let found = app
        .history()
        .query(&HistoryQuery {
            text: "\"first-life 42\"".into(),
            limit: 10,
            ..HistoryQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(found.lines.len(), 1);
    assert_eq!(found.lines[0].line.text, "first-life 42");
    assert_eq!(found.lines[0].timeline, first.id);

    // Same name, same device: the same timeline continues, both outputs kept.
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "web",
        "busybox:local",
        "sh",
        "-c",
        SECOND,
    ]);
    let second = holds(&app, &device, "web", 110).await;
    assert_eq!(second.id, first.id);
    assert_eq!(second.removed_at, None);
    assert!(second.container_uuid.is_some());
    let new_lines = cli_lines(&engine, "web");
    let mut expected = old_lines.clone();
    expected.extend(new_lines.iter().cloned());
    assert_eq!(lines_of(&app, first.id).await.len(), expected.len());
    let mut ours = lines_of(&app, first.id).await;
    // stdout and stderr of one moment may arrive in either order; each line once.
    ours[50..].sort();
    expected[50..].sort();
    assert_eq!(ours, expected);

    // Stopped and started: the command runs again, and the timeline resumes after its
    // newest line, re-reading none.
    engine.cli(&["stop", "-t", "0", "web"]);
    engine.cli(&["start", "web"]);
    let resumed = holds(&app, &device, "web", 170).await;
    assert_eq!(resumed.id, first.id);
    let all = lines_of(&app, first.id).await;
    assert_eq!(
        all.iter().filter(|l| l.starts_with("second-life")).count(),
        60
    );
    assert_eq!(
        all.iter().filter(|l| l.starts_with("first-life")).count(),
        50
    );
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_settings_start_and_stop_the_streams_and_a_stream_opened_again_resumes_after_the_newest_line(
) {
    let engine = TestEngine::start();
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "kept",
        "busybox:local",
        "sh",
        "-c",
        FIRST,
    ]);
    let (app, device) = started(&engine).await;
    let kept = holds(&app, &device, "kept", 50).await;
    assert_eq!(app.history().ingesting().len(), 1);

    // The device off: the stream stops, a new container is not kept.
    app.history()
        .set_keep(&device, None, Some(false))
        .await
        .unwrap();
    assert!(app.history().ingesting().is_empty());
    let mut rx = app.bus().subscribe();
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "other",
        "busybox:local",
        "sh",
        "-c",
        FIRST,
    ]);
    support::wait_container(&mut rx, "other", |c| {
        c.state == squirrel_core::model::ContainerState::Running
    })
    .await;
    assert!(timeline(&app, &device, "other").await.is_none());
    let overview = app.history().overview().await.unwrap();
    assert!(!overview.kept_devices.contains(&device));

    // One container on by name, while its device stays off.
    app.history()
        .set_keep(&device, Some("other"), Some(true))
        .await
        .unwrap();
    holds(&app, &device, "other", 50).await;
    assert_eq!(app.history().ingesting().len(), 1);

    // Back to the default: the kept container's stream resumes after its newest line.
    app.history().set_keep(&device, None, None).await.unwrap();
    wait_until(|| async { (app.history().ingesting().len() == 2).then_some(()) }).await;
    engine.cli(&[
        "exec",
        "kept",
        "sh",
        "-c",
        "echo after-resume > /proc/1/fd/1",
    ]);
    let after = holds(&app, &device, "kept", 51).await;
    assert_eq!(after.id, kept.id);
    assert_eq!(
        lines_of(&app, kept.id).await.last().unwrap(),
        "after-resume"
    );
    app.shutdown().await;
}
