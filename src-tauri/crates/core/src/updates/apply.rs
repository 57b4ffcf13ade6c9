//! Recreating a container safely, for an image update or an edit of its settings: what the
//! engine is asked, the health gate that decides whether the new container stays, and what
//! the user is told at each step.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::ports::{EnvVar, ResourceLimits};
use crate::templates::{ImageRef, PortSpec, PullProgress, RestartPolicy};

/// What recreating a container starts from, read from its engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecreateSource {
    pub engine_id: String,
    pub name: String,
    /// The reference the container was created from (`Config.Image`).
    pub image: String,
    /// The id of the image it runs (`sha256:…`).
    pub image_id: String,
    pub running: bool,
    /// Created with `--rm`: the engine deletes it when it stops, so it cannot be set aside.
    pub auto_remove: bool,
    /// Its own stop grace period (`--stop-timeout`), when set.
    pub stop_timeout_secs: Option<u32>,
}

/// Settings changed by "edit and recreate"; `None` keeps the container's own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ContainerEdits {
    /// The whole environment, as the user wants it (an image's defaults may stay listed).
    pub env: Option<Vec<EnvVar>>,
    /// Every published port.
    pub ports: Option<Vec<PortSpec>>,
    /// CPU and memory limits; a `None` inside means unlimited.
    pub limits: Option<ResourceLimits>,
    pub restart_policy: Option<RestartPolicy>,
}

impl ContainerEdits {
    pub fn is_empty(&self) -> bool {
        self.env.is_none()
            && self.ports.is_none()
            && self.limits.is_none()
            && self.restart_policy.is_none()
    }
}

/// A healthcheck's state, as the engine reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum HealthState {
    Starting,
    Healthy,
    Unhealthy,
}

/// Where a container's run stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunState {
    pub running: bool,
    pub restarting: bool,
    pub exit_code: Option<i64>,
    pub restart_count: i64,
    /// `None` when the container has no healthcheck.
    pub health: Option<HealthState>,
    pub oom_killed: bool,
    /// The engine's own error, e.g. a command that could not be run.
    pub error: Option<String>,
}

/// How long the new container must prove itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GateSettings {
    /// Without a healthcheck: running, with no restart, for this long.
    pub window_secs: u32,
    /// With a healthcheck: the longest wait for "healthy".
    pub health_timeout_secs: u32,
}

/// The window of the gate when the user says nothing (the 30 s).
pub const DEFAULT_GATE_WINDOW_SECS: u32 = 30;
/// The longest wait for a healthcheck to pass when the user says nothing.
pub const DEFAULT_HEALTH_TIMEOUT_SECS: u32 = 120;
/// The gate never waits longer than this, whatever it is asked.
pub const MAX_GATE_SECS: u32 = 1800;

impl Default for GateSettings {
    fn default() -> Self {
        Self {
            window_secs: DEFAULT_GATE_WINDOW_SECS,
            health_timeout_secs: DEFAULT_HEALTH_TIMEOUT_SECS,
        }
    }
}

impl GateSettings {
    /// Within bounds: at least 1 s, at most [`MAX_GATE_SECS`].
    pub fn bounded(self) -> Self {
        Self {
            window_secs: self.window_secs.clamp(1, MAX_GATE_SECS),
            health_timeout_secs: self.health_timeout_secs.clamp(1, MAX_GATE_SECS),
        }
    }
}

/// What the gate says of one look at the new container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateVerdict {
    Pending,
    Passed(String),
    Failed(String),
}

/// The gate's verdict on `state`, `elapsed` after the new container was started, which had
/// restarted `restarts_at_start` times then. With a healthcheck, "healthy" passes and
/// "unhealthy" fails; without one, running with no restart for the window passes. A
/// container that exits, restarts or is killed for memory fails either way.
pub fn gate_verdict(
    state: &RunState,
    restarts_at_start: i64,
    elapsed: Duration,
    gate: GateSettings,
) -> GateVerdict {
    if state.oom_killed {
        return GateVerdict::Failed("it ran out of memory and was killed".into());
    }
    if state.restart_count > restarts_at_start || state.restarting {
        let code = state
            .exit_code
            .filter(|c| *c != 0)
            .map(|c| format!(" (last exit code {c})"))
            .unwrap_or_default();
        return GateVerdict::Failed(format!("it exited and the engine restarted it{code}"));
    }
    if !state.running {
        let why = match (&state.error, state.exit_code) {
            (Some(e), _) if !e.trim().is_empty() => format!("it could not run: {}", e.trim()),
            (_, Some(code)) => format!("it exited with code {code}"),
            _ => "it stopped".into(),
        };
        return GateVerdict::Failed(why);
    }
    match state.health {
        Some(HealthState::Healthy) => GateVerdict::Passed("its healthcheck reports healthy".into()),
        Some(HealthState::Unhealthy) => {
            GateVerdict::Failed("its healthcheck reports unhealthy".into())
        }
        Some(HealthState::Starting) => {
            if elapsed >= Duration::from_secs(gate.health_timeout_secs.into()) {
                GateVerdict::Failed(format!(
                    "its healthcheck did not report healthy within {} s",
                    gate.health_timeout_secs
                ))
            } else {
                GateVerdict::Pending
            }
        }
        None => {
            if elapsed >= Duration::from_secs(gate.window_secs.into()) {
                GateVerdict::Passed(format!(
                    "it ran for {} s without exiting or restarting",
                    gate.window_secs
                ))
            } else {
                GateVerdict::Pending
            }
        }
    }
}

/// The tag that keeps a container's previous image (so no prune removes it, and a manual
/// roll back finds it): `<repository>:squirrel-rollback-<container>`, within the 128
/// characters a tag may have.
pub fn rollback_tag(image: &str, container: &str) -> Option<String> {
    let repo = repository_of(image)?;
    let name: String = container
        .trim_start_matches('/')
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .take(128 - "squirrel-rollback-".len())
        .collect();
    (!name.is_empty()).then(|| format!("{repo}:squirrel-rollback-{name}"))
}

/// The name the old container has while the new one is tried.
pub fn aside_name(name: &str) -> String {
    format!("{}-squirrel-previous", name.trim_start_matches('/'))
}

/// A recreate under way, written down before the old container is touched and forgotten when
/// the recreate ends. One still written down at start means Squirrel stopped in the middle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecreateJournal {
    pub device_uuid: String,
    /// The container's name (the new one gets it; the old one is renamed aside).
    pub container: String,
    /// The old container's id.
    pub engine_id: String,
    /// Whether the old container ran (it is stopped before it is set aside).
    pub running: bool,
    /// Its reference and the image it ran.
    pub image: String,
    pub image_id: String,
    /// The reference was moved to another image by the pull, and is pointed back on a roll back.
    pub retag: bool,
    /// The tag the previous image was kept under, when one was written.
    pub kept_tag: Option<String>,
    /// The image an earlier update kept under that tag, named again on a roll back.
    pub earlier_kept: Option<String>,
    /// The new container, once created: the only one a recovery removes.
    pub new_id: Option<String>,
    /// Unix milliseconds.
    pub started_at: i64,
}

/// How a recreate cut short by a stop of Squirrel was settled at the next start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RecreateRecovery {
    pub device_uuid: String,
    pub container: String,
    /// Whether the container is as it was before the recreate (or the recreate had finished).
    pub settled: bool,
    /// What was found and done, for the user.
    pub message: String,
}

/// A container's previous image, kept under [`rollback_tag`] for a manual roll back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KeptImage {
    pub device_uuid: String,
    /// The container's name.
    pub container: String,
    /// The keeping tag.
    pub tag: String,
    pub image_id: String,
    /// The reference the container ran it as.
    pub reference: String,
    /// Unix milliseconds.
    #[specta(type = f64)]
    pub kept_at: i64,
    /// Unix milliseconds; the tag is removed after.
    #[specta(type = f64)]
    pub keep_until: i64,
}

/// How long a previous image is kept when the user says nothing: a week.
pub const DEFAULT_KEEP_HOURS: u32 = 168;
/// The longest keep the user may ask for: 90 days.
pub const MAX_KEEP_HOURS: u32 = 90 * 24;

/// One step of a recreate, as the user follows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "step", rename_all = "camelCase")]
pub enum RecreateStep {
    Pulling {
        progress: PullProgress,
    },
    /// The old container is stopped and set aside under another name.
    Stopping,
    Creating,
    Starting,
    /// The gate watches the new container; `seconds` is the longest it may still wait.
    Checking {
        seconds: u32,
        health: Option<HealthState>,
    },
    /// The new container failed the gate: it goes, the old one comes back.
    RollingBack {
        reason: String,
    },
    Done {
        outcome: RecreateOutcome,
    },
}

/// How a recreate ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum RecreateResult {
    /// The new container passed the gate (or the container was stopped, and stays so).
    Replaced { why: String },
    /// Nothing to do: the image pulled is the one the container runs, and nothing was edited.
    UpToDate,
    /// The new container failed the gate and the old one runs again as it was.
    RolledBack { reason: String },
    /// The recreate stopped before the old container was touched, or could not restore it.
    Failed { error: String },
}

/// The whole story of one recreate, for the user and the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RecreateOutcome {
    pub container: String,
    pub from_image: String,
    pub to_image: String,
    pub result: RecreateResult,
    /// The previous image's keeping tag, while it is kept.
    pub kept_image: Option<String>,
    /// The new container's last log lines when it failed the gate.
    pub last_lines: Vec<String>,
}

/// The most containers one batch recreates.
pub const MAX_BATCH: usize = 200;

/// One event of a batch of recreates, with the container it is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum BatchEvent {
    /// A step of one container's recreate; its `done` step carries how it ended.
    Step {
        #[serde(rename = "containerUuid")]
        container_uuid: String,
        step: RecreateStep,
    },
    /// The container was not touched, and why (unknown, its device offline, already busy).
    Refused {
        #[serde(rename = "containerUuid")]
        container_uuid: String,
        error: String,
    },
}

/// How a batch ended, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BatchSummary {
    pub replaced: u32,
    pub up_to_date: u32,
    pub rolled_back: u32,
    pub failed: u32,
    /// Not touched at all.
    pub refused: u32,
}

impl BatchSummary {
    pub fn count(&mut self, result: &RecreateResult) {
        match result {
            RecreateResult::Replaced { .. } => self.replaced += 1,
            RecreateResult::UpToDate => self.up_to_date += 1,
            RecreateResult::RolledBack { .. } => self.rolled_back += 1,
            RecreateResult::Failed { .. } => self.failed += 1,
        }
    }

    pub fn add(&mut self, other: &BatchSummary) {
        self.replaced += other.replaced;
        self.up_to_date += other.up_to_date;
        self.rolled_back += other.rolled_back;
        self.failed += other.failed;
        self.refused += other.refused;
    }
}

/// Retags `image` with `tag` in place of its tag or digest, e.g. for "update to 1.26".
pub fn with_tag(image: &str, tag: &str) -> Option<String> {
    Some(format!("{}:{tag}", repository_of(image)?))
}

/// A reference's registry and repository as written, without tag or digest.
fn repository_of(image: &str) -> Option<String> {
    let parsed = ImageRef::parse(image).ok()?;
    Some(match &parsed.registry {
        Some(registry) => format!("{registry}/{}", parsed.repository),
        None => parsed.repository,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn running() -> RunState {
        RunState {
            running: true,
            ..Default::default()
        }
    }

    const GATE: GateSettings = GateSettings {
        window_secs: 30,
        health_timeout_secs: 120,
    };

    #[test]
    fn without_a_healthcheck_the_window_decides() {
        let s = Duration::from_secs;
        assert_eq!(
            gate_verdict(&running(), 0, s(5), GATE),
            GateVerdict::Pending
        );
        assert!(matches!(
            gate_verdict(&running(), 0, s(30), GATE),
            GateVerdict::Passed(_)
        ));
        let exited = RunState {
            exit_code: Some(3),
            ..Default::default()
        };
        assert_eq!(
            gate_verdict(&exited, 0, s(1), GATE),
            GateVerdict::Failed("it exited with code 3".into())
        );
        let restarted = RunState {
            restart_count: 1,
            exit_code: Some(1),
            ..running()
        };
        assert!(
            matches!(gate_verdict(&restarted, 0, s(1), GATE), GateVerdict::Failed(m) if m.contains("restarted"))
        );
        // Restarts from before the gate are not this run's.
        assert_eq!(
            gate_verdict(&restarted, 1, s(1), GATE),
            GateVerdict::Pending
        );
        let oom = RunState {
            oom_killed: true,
            ..running()
        };
        assert!(
            matches!(gate_verdict(&oom, 0, s(40), GATE), GateVerdict::Failed(m) if m.contains("memory"))
        );
    }

    #[test]
    fn with_a_healthcheck_its_state_decides() {
        let s = Duration::from_secs;
        let with = |h| RunState {
            health: Some(h),
            ..running()
        };
        assert_eq!(
            gate_verdict(&with(HealthState::Starting), 0, s(60), GATE),
            GateVerdict::Pending
        );
        assert!(
            matches!(gate_verdict(&with(HealthState::Starting), 0, s(120), GATE), GateVerdict::Failed(m) if m.contains("120 s"))
        );
        assert!(matches!(
            gate_verdict(&with(HealthState::Healthy), 0, s(1), GATE),
            GateVerdict::Passed(_)
        ));
        assert!(
            matches!(gate_verdict(&with(HealthState::Unhealthy), 0, s(1), GATE), GateVerdict::Failed(m) if m.contains("unhealthy"))
        );
        // An exit fails even while the healthcheck has not spoken.
        let exited = RunState {
            health: Some(HealthState::Starting),
            exit_code: Some(0),
            ..Default::default()
        };
        assert!(matches!(
            gate_verdict(&exited, 0, s(1), GATE),
            GateVerdict::Failed(_)
        ));
    }

    #[test]
    fn the_previous_image_is_kept_under_its_own_repository() {
        assert_eq!(
            rollback_tag("nginx:1.25", "web").as_deref(),
            Some("nginx:squirrel-rollback-web")
        );
        assert_eq!(
            rollback_tag("127.0.0.1:5000/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "/db").as_deref(),
            Some("127.0.0.1:5000/app:squirrel-rollback-db")
        );
        assert_eq!(rollback_tag("not a reference", "web"), None);
        assert_eq!(aside_name("/web"), "web-squirrel-previous");
        assert_eq!(
            with_tag("ghcr.io/o/app:1.0", "1.1").as_deref(),
            Some("ghcr.io/o/app:1.1")
        );
    }

    proptest! {
        /// Any look at a container gives a verdict, and a passed one means it was running.
        #[test]
        fn a_verdict_is_given_for_any_state(
            running in any::<bool>(), restarting in any::<bool>(), oom in any::<bool>(),
            code in proptest::option::of(-1i64..256), restarts in 0i64..4, before in 0i64..4,
            health in proptest::option::of(prop_oneof![Just(HealthState::Starting), Just(HealthState::Healthy), Just(HealthState::Unhealthy)]),
            secs in 0u64..300,
        ) {
            let state = RunState { running, restarting, exit_code: code, restart_count: restarts, health, oom_killed: oom, error: None };
            let v = gate_verdict(&state, before, Duration::from_secs(secs), GATE);
            if matches!(v, GateVerdict::Passed(_)) {
                prop_assert!(running && !restarting && !oom && restarts <= before);
            }
        }

        /// A keeping tag is a valid reference whose tag is at most 128 characters.
        #[test]
        fn a_keeping_tag_is_a_valid_reference(name in "[a-zA-Z0-9][a-zA-Z0-9_.-]{0,200}") {
            let tag = rollback_tag("registry.example:5000/team/app:1.0", &name).unwrap();
            let parsed = ImageRef::parse(&tag).unwrap();
            prop_assert!(parsed.tag.as_deref().is_some_and(|t| t.len() <= 128));
        }
    }
}
