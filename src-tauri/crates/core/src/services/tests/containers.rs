//! ContainerService: actions go through the device's runtime only while it is online.

use super::*;
use crate::model::ContainerPatch;
use crate::rules::DISPLAY_NAME_MAX;
use crate::services::ContainerAction;
use crate::CoreError;

#[tokio::test]
async fn actions_reach_the_runtime_of_an_online_device() {
    let core = TestCore::new(T0_MS);
    let (_, web) = with_web(&core).await;
    core.containers
        .act(&web, ContainerAction::Stop { timeout_secs: None })
        .await
        .unwrap();
    core.containers
        .act(
            &web,
            ContainerAction::Kill {
                signal: Some(" SIGHUP ".into()),
            },
        )
        .await
        .unwrap();
    core.containers.rename(&web, "/web-2").await.unwrap();
    assert_eq!(
        core.driver.actions(),
        vec!["stop e1", "kill(SIGHUP) e1", "rename(web-2) e1"]
    );
}

#[tokio::test]
async fn bad_input_never_reaches_the_engine() {
    let core = TestCore::new(T0_MS);
    let (_, web) = with_web(&core).await;
    let kill = ContainerAction::Kill {
        signal: Some("sig term".into()),
    };
    assert!(matches!(
        core.containers.act(&web, kill).await,
        Err(CoreError::InvalidInput(_))
    ));
    assert!(core.containers.rename(&web, "<b>x</b>").await.is_err());
    let long = ContainerPatch {
        display_name: Some("x".repeat(DISPLAY_NAME_MAX as usize + 1)),
    };
    assert!(core.containers.update(&web, long).await.is_err());
    assert!(matches!(
        core.containers
            .act("no-such-uuid", ContainerAction::Start)
            .await,
        Err(CoreError::NotFound { .. })
    ));
    assert!(core.driver.actions().is_empty());
}

#[tokio::test]
async fn a_device_that_is_not_online_says_why_instead_of_acting() {
    let core = TestCore::new(T0_MS);
    let (dev, web) = with_web(&core).await;
    core.devices.set_enabled(&dev, false).await.unwrap();
    let err = core
        .containers
        .act(&web, ContainerAction::Start)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CoreError::DeviceUnavailable { device, reason }
            if device == "box" && reason == "the device is disabled"),
        "{err}"
    );
    assert!(core.driver.actions().is_empty());
    // The last known inventory stays listed.
    assert_eq!(core.containers.list(None).await.unwrap().len(), 1);
}
