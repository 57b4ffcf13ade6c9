//! What both benchmarks share: settings from the environment, percentiles, and the engine's
//! own timestamps of a container's transitions.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use bollard::query_parameters::EventsOptions;
use bollard::Docker;
use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedReceiver;

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// This process's resident memory, in KiB (`VmRSS` of `/proc/self/status`).
pub fn rss_kib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

pub fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

pub fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64
}

/// `(action, engine timestamp in ns)` of every `start` and `die` of container `id`, from a
/// raw event stream of its own. It asks for events since a second ago, so transitions made
/// before the subscription is in place are replayed, not lost.
pub fn transition_times(docker: &Docker, id: &str) -> UnboundedReceiver<(String, i64)> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let docker = docker.clone();
    let filters = HashMap::from([
        ("container".to_string(), vec![id.to_string()]),
        (
            "event".to_string(),
            vec!["start".to_string(), "die".to_string()],
        ),
    ]);
    let since = (now_nanos() / 1_000_000_000 - 1).to_string();
    tokio::spawn(async move {
        let mut events = docker.events(Some(EventsOptions {
            since: Some(since),
            filters: Some(filters),
            ..Default::default()
        }));
        while let Some(Ok(e)) = events.next().await {
            let _ = tx.send((
                e.action.unwrap_or_default(),
                e.time_nano.unwrap_or_default(),
            ));
        }
    });
    rx
}
