//! Update checks against real components: a real engine whose containers run images pulled
//! from a real registry (Debian's `docker-registry`), tags pushed to it, a tag pushed again
//! with new content; the findings per policy label, the requests a check makes, and what is
//! kept and announced.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;

use squirrel_core::ports::{ContainerRepository, UpdateRepository};
use squirrel_core::templates::ImageRef;
use squirrel_core::updates::{Finding, RegistryPort, UpdateCheck};
use squirrel_core::DomainEvent;
use squirrel_registry::RegistryClient;
use support::registry::TestRegistry;
use support::{wait_for, App, TestEngine};

/// Each container's finding, by container name.
async fn by_name(app: &App, check: &UpdateCheck) -> HashMap<String, Finding> {
    let containers = app.store().list_containers().await.unwrap();
    check
        .findings
        .iter()
        .map(|f| {
            let name = containers
                .iter()
                .find(|c| c.uuid == f.container_uuid)
                .map(|c| c.name.clone())
                .unwrap();
            (name, f.finding.clone())
        })
        .collect()
}

fn available(tag: Option<&str>, digest: Option<&str>) -> Finding {
    Finding::Available {
        new_digest: digest.map(str::to_string),
        newer_tag: tag.map(str::to_string),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_finds_newer_tags_per_policy_and_a_repushed_tag_with_one_head_per_reference() {
    let registry = TestRegistry::start();
    let engine = TestEngine::start();
    let first = registry.push_with_layer(&engine, "apps/svc:1.0.0", 4);
    registry.push_busybox(&engine, "apps/svc:1.1.0");
    registry.push_busybox(&engine, "apps/svc:2.0.0");
    engine.cli(&["pull", "--quiet", &first]);
    let run = |name: &str, labels: &[&str], image: &str| {
        let mut args = vec!["run", "-d", "--name", name];
        for l in labels {
            args.extend(["--label", l]);
        }
        args.extend([image, "sleep", "3600"]);
        engine.cli(&args);
    };
    run("svc", &[], &first);
    run("svc-major", &["squirrel.update=major"], &first);
    run("svc-patch", &["squirrel.update=patch"], &first);
    run("svc-off", &["wud.watch=false"], &first);
    run(
        "svc-no2",
        &["squirrel.update=major", r"wud.tag.exclude=^2\."],
        &first,
    );
    run("loaded", &[], "busybox:local");

    let app = App::new().await;
    app.add_engine(&engine, "local").await;
    let mut rx = app.bus().subscribe();

    let check = app.updates().check_now().await.unwrap();
    let found = by_name(&app, &check).await;
    assert_eq!(found["svc"], available(Some("1.1.0"), None), "{found:#?}");
    assert_eq!(found["svc-major"], available(Some("2.0.0"), None));
    assert_eq!(found["svc-patch"], Finding::UpToDate);
    assert_eq!(found["svc-off"], Finding::Off);
    assert_eq!(found["svc-no2"], available(Some("1.1.0"), None));
    assert!(
        matches!(&found["loaded"], Finding::NotCheckable { why } if why.contains("built or loaded")),
        "{found:#?}"
    );
    // Five containers on one reference: one HEAD and one tag list.
    assert_eq!((check.requests.head, check.requests.tag_lists), (1, 1));
    assert_eq!(check.available(), 3);
    let event = wait_for(&mut rx, |e| matches!(e, DomainEvent::UpdatesChecked { .. })).await;
    assert_eq!(
        event,
        DomainEvent::UpdatesChecked {
            checked_at: check.checked_at,
            available: 3
        }
    );
    assert_eq!(
        app.store().last_update_check().await.unwrap().as_ref(),
        Some(&check)
    );

    // The tag pushed again with new content: its new digest is found, as the registry says.
    let again = registry.push_with_layer(&engine, "apps/svc:1.0.0", 4);
    assert_eq!(again, first);
    let remote = RegistryClient::new()
        .manifest(&ImageRef::parse(&first).unwrap(), None)
        .await
        .unwrap()
        .digest;
    let check = app.updates().check_now().await.unwrap();
    let found = by_name(&app, &check).await;
    assert_eq!(found["svc-patch"], available(None, Some(&remote)));
    assert_eq!(found["svc"], available(Some("1.1.0"), Some(&remote)));
    assert_eq!(found["svc-off"], Finding::Off);

    // The interval: 6 h unless chosen, a week at most.
    assert_eq!(app.updates().interval_hours().await.unwrap(), 6);
    app.updates().set_interval_hours(0).await.unwrap();
    assert_eq!(app.updates().interval_hours().await.unwrap(), 0);
    assert!(app.updates().set_interval_hours(169).await.is_err());

    // A registry that cannot be reached is a finding with its reason, not a failed check.
    drop(registry);
    let check = app.updates().check_now().await.unwrap();
    let found = by_name(&app, &check).await;
    assert!(
        matches!(&found["svc"], Finding::Failed { error } if error.contains("cannot be reached")),
        "{found:#?}"
    );
    assert_eq!(found["svc-off"], Finding::Off);
}
