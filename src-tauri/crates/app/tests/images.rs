//! Image removal and pruning against a real engine, through the app; the watcher stores what
//! the engine did (its image events), the UI's list follows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use squirrel_core::model::InventoryKind;
use squirrel_core::ports::InventoryRepository;
use squirrel_core::{CoreError, DomainEvent, EngineError};
use support::{wait_for, App, TestEngine};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_are_removed_and_pruned_with_the_space_said() {
    let engine = TestEngine::start();
    // A dangling image: committed, then its tag moved to a newer commit.
    engine.cli(&[
        "run",
        "--name",
        "ca",
        "busybox:local",
        "sh",
        "-c",
        "echo a > /a",
    ]);
    let old = engine.cli(&["commit", "ca", "junk:1"]);
    engine.cli(&[
        "run",
        "--name",
        "cb",
        "busybox:local",
        "sh",
        "-c",
        "echo b > /b",
    ]);
    engine.cli(&["commit", "cb", "junk:1"]);
    engine.cli(&["rm", "ca", "cb"]);
    engine.cli(&["tag", "busybox:local", "spare:1"]);
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "user",
        "busybox:local",
        "sleep",
        "600",
    ]);

    let app = App::new().await;
    let device = app.add_engine(&engine, "local").await.uuid;
    let ids = |images: Vec<squirrel_core::model::Image>| {
        images.into_iter().map(|i| i.id).collect::<Vec<_>>()
    };
    assert!(ids(app.store().list_images(Some(&device)).await.unwrap()).contains(&old));

    // Dangling only: the old commit goes, tagged images stay.
    let mut rx = app.bus().subscribe();
    let pruned = app.containers.prune_images(&device, false).await.unwrap();
    assert!(pruned.deleted >= 1, "{pruned:?}");
    assert!(engine.try_cli(&["image", "inspect", &old]).is_err());
    engine.cli(&["image", "inspect", "spare:1"]);
    wait_for(&mut rx, |e| {
        matches!(
            e,
            DomainEvent::InventoryChanged {
                kind: InventoryKind::Images,
                ..
            }
        )
    })
    .await;
    support::wait_until(|| async {
        (!ids(app.store().list_images(Some(&device)).await.unwrap()).contains(&old)).then_some(())
    })
    .await;

    // An image a container uses is refused without force, with what to do.
    let used = engine.cli(&["image", "inspect", "-f", "{{.Id}}", "busybox:local"]);
    let refused = app.containers.remove_image(&device, &used, false).await;
    assert!(
        matches!(&refused, Err(CoreError::Engine(EngineError::Conflict(m))) if m.contains("with \"force\"")),
        "{refused:?}"
    );
    // A new tag names the same image; a bad name is refused in words and tags nothing.
    let tagged = app
        .containers
        .tag_image(&device, "busybox:local", "registry.lan:5000/tools/box:v2")
        .await
        .unwrap();
    assert_eq!(tagged, "registry.lan:5000/tools/box:v2");
    assert_eq!(
        engine.cli(&["image", "inspect", "-f", "{{.Id}}", &tagged]),
        used
    );
    let refused = app
        .containers
        .tag_image(&device, "busybox:local", "Box:<b>")
        .await;
    assert!(
        matches!(&refused, Err(CoreError::InvalidInput(m)) if m.contains("not an image name")),
        "{refused:?}"
    );
    let missing = app
        .containers
        .tag_image(&device, "no-such-image:1", "other:1")
        .await;
    assert!(
        matches!(
            &missing,
            Err(CoreError::Engine(EngineError::NoSuchObject(_)))
        ),
        "{missing:?}"
    );
    // A tag goes when asked.
    app.containers
        .remove_image(&device, "junk:1", false)
        .await
        .unwrap();
    assert!(engine.try_cli(&["image", "inspect", "junk:1"]).is_err());

    // All unused: a fresh unused commit goes whole, and its bytes are counted.
    engine.cli(&[
        "run",
        "--name",
        "cc",
        "busybox:local",
        "dd",
        "if=/dev/urandom",
        "of=/blob",
        "bs=1024",
        "count=2048",
    ]);
    engine.cli(&["commit", "cc", "big:1"]);
    engine.cli(&["rm", "cc"]);
    let pruned = app.containers.prune_images(&device, true).await.unwrap();
    assert!(pruned.reclaimed_bytes >= 2 * 1024 * 1024, "{pruned:?}");
    assert!(engine.try_cli(&["image", "inspect", "big:1"]).is_err());
    // The image a running container uses stays (the engine may drop its spare tags).
    engine.cli(&["image", "inspect", &used]);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_reports_its_layers_until_all_are_done() {
    let registry = support::registry::TestRegistry::start();
    let engine = TestEngine::start();
    let image = registry.push_with_layer(&engine, "apps/big:1", 4096);
    let app = App::new().await;
    let device = app.add_engine(&engine, "local").await.uuid;
    let seen = std::sync::Mutex::new(Vec::new());
    app.pull_image(&device, &image, &|p| seen.lock().unwrap().push(p))
        .await
        .unwrap();
    engine.cli(&["image", "inspect", &image]);
    let seen = seen.into_inner().unwrap();
    let last = seen.last().unwrap();
    assert!(!last.layers.is_empty());
    assert_eq!(last.layers_done as usize, last.layers.len(), "{last:?}");
    // The new layer (4 MiB of random bytes) was counted as it came.
    assert!(last.bytes_total >= 4.0 * 1024.0 * 1024.0, "{last:?}");
    assert!(seen.len() >= 2, "one report only: {seen:?}");

    let bad = app
        .pull_image(&device, "Not <b>An</b> Image", &|_| {})
        .await;
    assert!(matches!(bad, Err(CoreError::InvalidInput(_))), "{bad:?}");
    let missing = app
        .pull_image(
            &device,
            &format!("{}/apps/never:1", registry.host()),
            &|_| {},
        )
        .await;
    assert!(
        matches!(&missing, Err(CoreError::Engine(e)) if e.to_string().contains("Pulling")),
        "{missing:?}"
    );
    app.shutdown().await;
}
