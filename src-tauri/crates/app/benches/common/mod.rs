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

/// Clock ticks a second of `/proc`'s CPU times (`USER_HZ`, 100 in Linux's ABI).
pub const USER_HZ: f64 = 100.0;

/// The fields of `/proc/<pid>/stat` after the command name (which may hold spaces): the
/// state first, then the parent's pid; `pid` may be `self`. `None` once the process is gone.
pub fn proc_stat(pid: &str) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

/// CPU seconds of a process so far: its own (user + system) and its waited children's.
pub fn cpu_times(pid: &str) -> Option<(f64, f64)> {
    let f = proc_stat(pid)?;
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime is field 14 of the whole line: index 11 after the state (field 3).
    Some(((n(11) + n(12)) / USER_HZ, (n(13) + n(14)) / USER_HZ))
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
