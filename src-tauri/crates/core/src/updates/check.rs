//! What an update check asks of registries, and what their answers mean.
//!
//! - One HEAD per unique reference (registry, repository, tag) across every device, and one
//!   tag list per repository whose containers' policies look for newer tags.
//! - The local digest compared is the `RepoDigests` entry of the reference's own repository:
//!   the digest the registry gave when the image was pulled, an index's for a multi-arch
//!   image, as the HEAD answers. A platform manifest's digest is never compared with an
//!   index's. An image with no such entry (built or loaded on the device, or pulled by
//!   digest) is "not checkable", said with its reason.

use std::collections::{BTreeMap, BTreeSet};

use crate::templates::ImageRef;

use super::{newest_tag, UpdatePolicy, WatchLabels};

/// A container's image as its device knows it.
#[derive(Debug, Clone)]
pub struct Watched {
    /// The reference the container was created from (`nginx:1.25`).
    pub reference: String,
    /// The local image's `RepoDigests` (`docker.io/library/nginx@sha256:…`).
    pub repo_digests: Vec<String>,
    pub labels: WatchLabels,
}

/// A reference ready to be checked: its parsed form and the digest it has locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkable {
    pub image: ImageRef,
    pub local_digest: String,
}

/// `registry/repository`, as the engine writes it in `RepoDigests`.
pub fn repository_key(image: &ImageRef) -> String {
    let mut plain = image.clone();
    plain.tag = None;
    plain.digest = None;
    let normalized = plain.normalized();
    normalized
        .strip_suffix(":latest")
        .unwrap_or(&normalized)
        .to_string()
}

/// `registry/repository:tag`: what one HEAD answers for.
pub fn reference_key(image: &ImageRef) -> String {
    format!(
        "{}:{}",
        repository_key(image),
        image.tag.as_deref().unwrap_or("latest")
    )
}

/// Whether the container's image can be checked, and against which local digest.
pub fn checkable(w: &Watched) -> Result<Checkable, String> {
    let image = ImageRef::parse(&w.reference)
        .map_err(|e| format!("The image reference cannot be read: {e}."))?;
    if image.digest.is_some() {
        return Err("The image is pinned to a digest: it never changes.".into());
    }
    if w.repo_digests.is_empty() {
        return Err("The image was built or loaded on its device: no registry holds it.".into());
    }
    let own = repository_key(&image);
    let local = w.repo_digests.iter().find_map(|entry| {
        let (name, digest) = entry.split_once('@')?;
        let parsed = ImageRef::parse(name).ok()?;
        (repository_key(&parsed) == own).then(|| digest.to_string())
    });
    match local {
        Some(local_digest) => Ok(Checkable {
            image,
            local_digest,
        }),
        None => Err(format!(
            "The local image came from another repository than {own}: it cannot be compared."
        )),
    }
}

/// What registries are asked in one check.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CheckPlan {
    /// One HEAD each, by reference key.
    pub heads: BTreeMap<String, ImageRef>,
    /// One tag list each, by repository.
    pub tag_lists: BTreeMap<String, ImageRef>,
}

/// The requests a check of `watched` needs: duplicates across containers and devices asked
/// once; containers whose policy is `off` not at all; tag lists only where a policy looks
/// for newer tags and the tag reads as a version.
pub fn plan<'a>(watched: impl IntoIterator<Item = &'a Watched>) -> CheckPlan {
    let mut out = CheckPlan::default();
    for w in watched {
        if w.labels.policy == UpdatePolicy::Off {
            continue;
        }
        let Ok(c) = checkable(w) else {
            continue;
        };
        if w.labels.policy > UpdatePolicy::Digest
            && c.image
                .tag
                .as_deref()
                .is_some_and(|t| super::TagVersion::parse(t).is_some())
        {
            out.tag_lists
                .entry(repository_key(&c.image))
                .or_insert_with(|| c.image.clone());
        }
        out.heads.entry(reference_key(&c.image)).or_insert(c.image);
    }
    out
}

/// What a check found for one container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Finding {
    /// Nothing newer.
    UpToDate,
    /// The same tag names other content now, and/or a newer tag fits the policy.
    #[serde(rename_all = "camelCase")]
    Available {
        /// The tag's content changed (re-pushed): its digest now.
        new_digest: Option<String>,
        /// A newer tag the policy allows.
        newer_tag: Option<String>,
    },
    /// The image cannot be checked, and why.
    NotCheckable { why: String },
    /// The registry could not answer (unreachable, refused, rate-limited), in its words.
    Failed { error: String },
    /// The policy is `off`.
    Off,
}

/// The finding for one container from the registry's answers (`remote_digest` of its
/// reference, `tags` of its repository when they were listed).
pub fn finding(w: &Watched, remote_digest: &str, tags: Option<&[String]>) -> Finding {
    if w.labels.policy == UpdatePolicy::Off {
        return Finding::Off;
    }
    let c = match checkable(w) {
        Ok(c) => c,
        Err(why) => return Finding::NotCheckable { why },
    };
    let new_digest = (c.local_digest != remote_digest).then(|| remote_digest.to_string());
    let newer_tag = match (c.image.tag.as_deref(), tags) {
        (Some(tag), Some(tags)) => newest_tag(
            tag,
            tags.iter()
                .map(String::as_str)
                .filter(|t| w.labels.considers(t)),
            w.labels.policy,
        )
        .map(str::to_string),
        _ => None,
    };
    if new_digest.is_none() && newer_tag.is_none() {
        Finding::UpToDate
    } else {
        Finding::Available {
            new_digest,
            newer_tag,
        }
    }
}

/// One container's finding in a check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ContainerUpdate {
    pub container_uuid: String,
    pub device_uuid: String,
    /// The reference as the container was created from it.
    pub reference: String,
    pub finding: Finding,
}

/// What one registry said of its limit in a check (the lowest remaining seen).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RegistryRate {
    pub registry: String,
    pub limit: u32,
    pub remaining: u32,
    pub window_secs: Option<u32>,
}

/// Requests a check made, by kind.
#[derive(
    Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type,
)]
#[serde(rename_all = "camelCase")]
pub struct CheckRequests {
    pub head: u32,
    pub tag_lists: u32,
}

/// A whole check: every container's finding, and what it cost.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCheck {
    /// Unix milliseconds.
    #[specta(type = f64)]
    pub checked_at: i64,
    /// How long the check took, in milliseconds.
    pub took_ms: u32,
    pub findings: Vec<ContainerUpdate>,
    pub requests: CheckRequests,
    pub rate_limits: Vec<RegistryRate>,
}

impl UpdateCheck {
    /// Containers with something newer.
    pub fn available(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| matches!(f.finding, Finding::Available { .. }))
            .count()
    }
}

/// The unique repositories of a plan's heads (for figures: references per repository).
pub fn repositories(plan: &CheckPlan) -> BTreeSet<String> {
    plan.heads.values().map(repository_key).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const OLD: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const NEW: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    fn watched(reference: &str, digests: &[&str], labels: &[(&str, &str)]) -> Watched {
        let labels: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Watched {
            reference: reference.into(),
            repo_digests: digests.iter().map(|d| d.to_string()).collect(),
            labels: WatchLabels::from_labels(&labels),
        }
    }

    #[test]
    fn the_local_digest_is_the_one_of_the_references_own_repository() {
        // An image pulled as nginx and tagged into a private registry has two entries.
        let w = watched(
            "nginx:1.25",
            &[
                &format!("registry.lan:5000/mirror/nginx@{NEW}"),
                &format!("nginx@{OLD}"),
            ],
            &[],
        );
        let c = checkable(&w).unwrap();
        assert_eq!(c.local_digest, OLD);
        assert_eq!(reference_key(&c.image), "docker.io/library/nginx:1.25");
        // Written in full or short, the same repository.
        let full = watched("docker.io/library/nginx", &[&format!("nginx@{OLD}")], &[]);
        assert_eq!(
            reference_key(&checkable(&full).unwrap().image),
            "docker.io/library/nginx:latest"
        );
    }

    #[test]
    fn what_cannot_be_checked_says_why() {
        let built = watched("myapp:dev", &[], &[]);
        assert!(checkable(&built).unwrap_err().contains("built or loaded"));
        let pinned = watched(&format!("nginx@{OLD}"), &[&format!("nginx@{OLD}")], &[]);
        assert!(checkable(&pinned).unwrap_err().contains("pinned"));
        let other = watched(
            "ghcr.io/me/app:1",
            &[&format!("docker.io/me/app@{OLD}")],
            &[],
        );
        assert!(checkable(&other)
            .unwrap_err()
            .contains("another repository"));
        let bad = watched("Not A <b>Ref</b>", &[], &[]);
        assert!(checkable(&bad).unwrap_err().contains("cannot be read"));
        assert!(matches!(
            finding(&built, NEW, None),
            Finding::NotCheckable { .. }
        ));
    }

    #[test]
    fn a_plan_asks_each_reference_once_and_lists_tags_only_where_a_policy_looks() {
        let d = format!("nginx@{OLD}");
        let all = [
            watched("nginx:1.25.3", &[&d], &[]),
            watched("docker.io/library/nginx:1.25.3", &[&d], &[]),
            watched("nginx:1.25.3", &[&d], &[("squirrel.update", "digest")]),
            watched("nginx:latest", &[&d], &[]),
            watched("nginx", &[&d], &[]),
            watched("nginx:1.24", &[&d], &[("wud.watch", "false")]),
            watched("myapp:dev", &[], &[]),
        ];
        let plan = plan(&all);
        assert_eq!(
            plan.heads.keys().collect::<Vec<_>>(),
            [
                "docker.io/library/nginx:1.25.3",
                "docker.io/library/nginx:latest"
            ]
        );
        assert_eq!(
            plan.tag_lists.keys().collect::<Vec<_>>(),
            ["docker.io/library/nginx"]
        );
        assert_eq!(repositories(&plan).len(), 1);
    }

    #[test]
    fn findings_compare_digests_and_tags_within_the_policy_and_filters() {
        let d = format!("nginx@{OLD}");
        let tags: Vec<String> = ["1.25.3", "1.25.4", "1.26.0", "2.0.0", "1.25.5-alpine"]
            .map(String::from)
            .to_vec();
        let w = watched("nginx:1.25.3", &[&d], &[]);
        assert_eq!(
            finding(&w, OLD, Some(&tags)),
            Finding::Available {
                new_digest: None,
                newer_tag: Some("1.26.0".into())
            }
        );
        let patch = watched("nginx:1.25.3", &[&d], &[("squirrel.update", "patch")]);
        assert_eq!(
            finding(&patch, NEW, Some(&tags)),
            Finding::Available {
                new_digest: Some(NEW.into()),
                newer_tag: Some("1.25.4".into())
            }
        );
        let excluded = watched("nginx:1.25.3", &[&d], &[("wud.tag.exclude", r"^1\.26")]);
        assert_eq!(
            finding(&excluded, OLD, Some(&tags)),
            Finding::Available {
                new_digest: None,
                newer_tag: Some("1.25.4".into())
            }
        );
        let latest = watched("nginx:latest", &[&d], &[]);
        assert_eq!(finding(&latest, OLD, None), Finding::UpToDate);
        assert_eq!(
            finding(&latest, NEW, None),
            Finding::Available {
                new_digest: Some(NEW.into()),
                newer_tag: None
            }
        );
        let off = watched("nginx:1.25.3", &[&d], &[("squirrel.update", "off")]);
        assert_eq!(finding(&off, NEW, Some(&tags)), Finding::Off);
    }
}
