//! What a deploy reports while it runs and when it ends, and how an engine's pull messages
//! become per-layer progress. The deploy itself is [`crate::services::TemplateService`]'s.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use specta::Type;

use super::plan::{DeployPlan, PlanProblem};

/// When the image is pulled before the container is created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum PullPolicy {
    /// Pull every time (the newest image for the tag). When the registry cannot be reached
    /// and the image is already there, the deploy goes on with it and says so.
    #[default]
    Always,
    /// Pull only when the device does not have the image (`docker run`'s default).
    Missing,
    /// Never pull: the image must be on the device.
    Never,
}

/// A deploy of one plan to one or several devices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeployRequest {
    /// Device uuids.
    pub targets: Vec<String>,
    pub plan: DeployPlan,
    pub pull: PullPolicy,
}

/// The checks of one plan on one device, made before anything is created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TargetCheck {
    pub device_uuid: String,
    pub device_name: String,
    /// What would make the deploy fail there; the deploy is refused while any is left.
    pub problems: Vec<PlanProblem>,
    /// What the user should know but may go ahead with.
    pub warnings: Vec<String>,
}

/// Every check of a plan, and the `docker run` line it amounts to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeployCheck {
    /// Problems of the plan itself, whatever the device.
    pub problems: Vec<PlanProblem>,
    pub targets: Vec<TargetCheck>,
    pub run_line: String,
}

impl DeployCheck {
    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.targets.iter().all(|t| t.problems.is_empty())
    }
}

/// Where one device's deploy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum DeployStep {
    Checking,
    Pulling,
    Creating,
    Starting,
}

/// One layer of an image being pulled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LayerProgress {
    pub id: String,
    /// The engine's words, e.g. `Downloading`, `Extracting`, `Pull complete`.
    pub status: String,
    /// Bytes of the current phase (download, then extraction) done and in all.
    pub current: f64,
    pub total: f64,
    pub done: bool,
}

/// The whole pull of one device: its layers and their sums.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PullProgress {
    pub layers: Vec<LayerProgress>,
    pub layers_done: u32,
    /// Downloaded bytes over the layers whose size is known.
    pub bytes_done: f64,
    pub bytes_total: f64,
    /// The engine's last line without a layer, e.g. `Digest: sha256:...`.
    pub status: Option<String>,
}

/// One message of an engine's pull stream (`POST /images/create`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullMessage {
    pub id: Option<String>,
    pub status: String,
    pub current: Option<u64>,
    pub total: Option<u64>,
}

/// Turns an engine's pull messages into [`PullProgress`]: one entry per layer, in the order
/// the engine first named them.
#[derive(Debug, Default)]
pub struct PullTracker {
    order: Vec<String>,
    layers: BTreeMap<String, Layer>,
    status: Option<String>,
}

#[derive(Debug, Default, Clone)]
struct Layer {
    status: String,
    downloaded: u64,
    size: Option<u64>,
    current: u64,
    total: u64,
    done: bool,
}

impl PullTracker {
    pub fn apply(&mut self, msg: &PullMessage) {
        let Some(id) = msg.id.as_deref().filter(|id| is_layer_id(id)) else {
            if !msg.status.is_empty() {
                self.status = Some(msg.status.clone());
            }
            return;
        };
        if !self.layers.contains_key(id) {
            self.order.push(id.to_owned());
        }
        let layer = self.layers.entry(id.to_owned()).or_default();
        layer.status = msg.status.clone();
        let status = msg.status.as_str();
        match status {
            "Downloading" => {
                if let Some(total) = msg.total.filter(|t| *t > 0) {
                    layer.size = Some(total);
                }
                layer.downloaded = msg.current.unwrap_or(layer.downloaded);
            }
            "Download complete" | "Verifying Checksum" => {
                if let Some(size) = layer.size {
                    layer.downloaded = size;
                }
            }
            "Pull complete" | "Already exists" => {
                layer.done = true;
                if let Some(size) = layer.size {
                    layer.downloaded = size;
                }
            }
            _ => {}
        }
        layer.current = msg
            .current
            .unwrap_or(if layer.done { layer.total } else { 0 });
        layer.total = msg.total.unwrap_or(layer.total);
        if layer.done && layer.total > 0 {
            layer.current = layer.total;
        }
    }

    pub fn progress(&self) -> PullProgress {
        let layers: Vec<LayerProgress> = self
            .order
            .iter()
            .filter_map(|id| self.layers.get(id).map(|l| (id, l)))
            .map(|(id, l)| LayerProgress {
                id: id.clone(),
                status: l.status.clone(),
                current: l.current as f64,
                total: l.total as f64,
                done: l.done,
            })
            .collect();
        let sized = self.layers.values().filter_map(|l| l.size.map(|s| (l, s)));
        let (bytes_done, bytes_total) = sized.fold((0u64, 0u64), |(d, t), (l, s)| {
            (d.saturating_add(l.downloaded.min(s)), t.saturating_add(s))
        });
        PullProgress {
            layers_done: u32::try_from(layers.iter().filter(|l| l.done).count())
                .unwrap_or(u32::MAX),
            layers,
            bytes_done: bytes_done as f64,
            bytes_total: bytes_total as f64,
            status: self.status.clone(),
        }
    }
}

/// Layer ids are short hex digests; the engine also sends the tag as an id (`latest:
/// Pulling from library/nginx`), which is not a layer.
fn is_layer_id(id: &str) -> bool {
    id.len() >= 12 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What a deploy reports as it goes, per device. Sent over the deploy's own channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DeployEvent {
    #[serde(rename_all = "camelCase")]
    Step {
        device_uuid: String,
        step: DeployStep,
    },
    #[serde(rename_all = "camelCase")]
    Pull {
        device_uuid: String,
        progress: PullProgress,
    },
    #[serde(rename_all = "camelCase")]
    Warning {
        device_uuid: String,
        message: String,
    },
    #[serde(rename_all = "camelCase")]
    Done {
        device_uuid: String,
        engine_id: String,
        /// The container as the inventory knows it, once it has seen it.
        container_uuid: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Failed {
        device_uuid: String,
        message: String,
        /// What was created there and removed again.
        cleaned_up: Vec<String>,
    },
}

/// How one device's deploy ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TargetOutcome {
    pub device_uuid: String,
    pub device_name: String,
    pub engine_id: Option<String>,
    pub container_uuid: Option<String>,
    /// Why it failed; `None` when the container runs.
    pub error: Option<String>,
    pub cleaned_up: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, status: &str, current: Option<u64>, total: Option<u64>) -> PullMessage {
        PullMessage {
            id: Some(id.into()),
            status: status.into(),
            current,
            total,
        }
    }

    #[test]
    fn layers_are_followed_from_first_sight_to_complete() {
        let a = "a1b2c3d4e5f6";
        let b = "0f0f0f0f0f0f";
        let mut t = PullTracker::default();
        t.apply(&msg("latest", "Pulling from library/nginx", None, None));
        t.apply(&msg(a, "Pulling fs layer", None, None));
        t.apply(&msg(b, "Already exists", None, None));
        t.apply(&msg(a, "Downloading", Some(500), Some(2000)));
        let p = t.progress();
        assert_eq!(p.layers.len(), 2, "the tag line is not a layer");
        assert_eq!(p.layers[0].id, a);
        assert_eq!((p.bytes_done, p.bytes_total), (500.0, 2000.0));
        assert_eq!(p.layers_done, 1);
        assert_eq!(p.status.as_deref(), Some("Pulling from library/nginx"));

        t.apply(&msg(a, "Download complete", None, None));
        t.apply(&msg(a, "Extracting", Some(100), Some(2000)));
        let p = t.progress();
        assert_eq!(p.bytes_done, 2000.0, "downloaded while extracting");
        assert_eq!((p.layers[0].current, p.layers[0].total), (100.0, 2000.0));
        t.apply(&msg(a, "Pull complete", None, None));
        let p = t.progress();
        assert_eq!(p.layers_done, 2);
        assert!(p.layers.iter().all(|l| l.done));
    }

    proptest::proptest! {
        /// Whatever an engine sends, the progress stays coherent: no layer counted twice,
        /// no more done than there are, never more bytes done than known in all.
        #[test]
        fn any_messages_give_coherent_progress(
            msgs in proptest::collection::vec(
                (
                    proptest::option::of(proptest::sample::select(vec![
                        "a1b2c3d4e5f6", "0f0f0f0f0f0f", "latest", "", "ffffffffffffffff",
                    ])),
                    proptest::sample::select(vec![
                        "Pulling fs layer", "Waiting", "Downloading", "Verifying Checksum",
                        "Download complete", "Extracting", "Pull complete", "Already exists", "",
                    ]),
                    proptest::option::of(0u64..u64::MAX),
                    proptest::option::of(0u64..u64::MAX),
                ),
                0..60,
            )
        ) {
            let mut t = PullTracker::default();
            for (id, status, current, total) in msgs {
                t.apply(&PullMessage { id: id.map(str::to_owned), status: status.to_owned(), current, total });
                let p = t.progress();
                let mut ids: Vec<&str> = p.layers.iter().map(|l| l.id.as_str()).collect();
                ids.sort_unstable();
                ids.dedup();
                proptest::prop_assert_eq!(ids.len(), p.layers.len());
                proptest::prop_assert!(p.layers_done as usize <= p.layers.len());
                proptest::prop_assert!(p.bytes_done <= p.bytes_total);
            }
        }
    }

    #[test]
    fn lines_without_a_layer_become_the_status() {
        let mut t = PullTracker::default();
        t.apply(&PullMessage {
            status: "Digest: sha256:abc".into(),
            ..Default::default()
        });
        assert_eq!(t.progress().status.as_deref(), Some("Digest: sha256:abc"));
        assert!(t.progress().layers.is_empty());
    }
}
