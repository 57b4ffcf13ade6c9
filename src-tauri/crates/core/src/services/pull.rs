//! A pull with its progress: the engine's messages folded into layers, reported a few times
//! a second, and given up when the engine goes silent. Deploys and the Images screen use it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::ports::ContainerRuntime;
use crate::templates::{PullMessage, PullProgress, PullTracker};
use crate::updates::RegistryCredentials;

/// Progress is reported at most this often (and once at the end).
pub const PULL_REPORT_PERIOD: Duration = Duration::from_millis(150);
/// A pull with no message from the engine for this long has stalled.
pub const PULL_SILENCE: Duration = Duration::from_secs(120);

/// Pulls `image` on `rt`, calling `report` with the progress; the error is a sentence.
pub async fn pull_with_progress(
    rt: &dyn ContainerRuntime,
    image: &str,
    credentials: Option<&RegistryCredentials>,
    report: &(dyn Fn(PullProgress) + Send + Sync),
) -> Result<(), String> {
    let tracker = Mutex::new((PullTracker::default(), None::<Instant>));
    let (alive_tx, mut alive_rx) = tokio::sync::watch::channel(());
    let on_message = |msg: PullMessage| {
        let _ = alive_tx.send(());
        let Ok(mut t) = tracker.lock() else { return };
        t.0.apply(&msg);
        let due = t.1.is_none_or(|at| at.elapsed() >= PULL_REPORT_PERIOD);
        if due {
            t.1 = Some(Instant::now());
            report(t.0.progress());
        }
    };
    let pulling = rt.pull_image(image, credentials, &on_message);
    tokio::pin!(pulling);
    let result = loop {
        tokio::select! {
            r = &mut pulling => break r.map_err(|e| e.to_string()),
            changed = tokio::time::timeout(PULL_SILENCE, alive_rx.changed()) => {
                if changed.is_err() {
                    break Err(format!(
                        "the pull stalled: no progress from the engine for {} s",
                        PULL_SILENCE.as_secs()
                    ));
                }
            }
        }
    };
    if let Ok(t) = tracker.lock() {
        report(t.0.progress());
    }
    result
}
