//! What the deploy wizard sends to create one container, and how a template pre-fills it.
//! The checks on a plan are in [`super::check`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use specta::Type;

use super::check::docker_name_ok;
use super::image_ref::ImageRef;
use super::model::{Label, PortSpec, RestartPolicy, Template, VolumeSource, VolumeSpec};

/// Everything needed to create and start one container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeployPlan {
    pub name: String,
    /// Image reference, registry included.
    pub image: String,
    pub env: Vec<EnvVar>,
    pub ports: Vec<PortSpec>,
    pub volumes: Vec<VolumeSpec>,
    pub network: Option<String>,
    pub restart_policy: Option<RestartPolicy>,
    pub labels: Vec<Label>,
    /// Command override as shell-like text (see [`super::run_line`]).
    pub command: Option<String>,
    pub hostname: Option<String>,
    pub privileged: bool,
    /// Keep stdin open with a TTY (Portainer's "interactive").
    pub interactive: bool,
    /// Linux capabilities to add, e.g. `NET_ADMIN`.
    pub cap_add: Vec<String>,
    /// Memory limit in bytes.
    #[specta(type = Option<f64>)]
    pub memory_bytes: Option<u64>,
    /// CPU limit in cores, e.g. 1.5.
    pub cpus: Option<f64>,
    /// Names of env variables the template leaves to the user and the plan cannot go
    /// without; [`super::check::check_plan`] refuses the plan while any of them is empty.
    pub required_env: Vec<String>,
}

/// One environment variable (the same shape as an inspected container's).
pub use crate::ports::EnvVar;

/// One thing that would make the deploy fail or do something unintended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PlanProblem {
    /// The plan field, e.g. `name`, `ports[1]` or `env.POSTGRES_PASSWORD`.
    pub field: String,
    pub message: String,
}

impl PlanProblem {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl DeployPlan {
    /// A plan pre-filled from a container template. `env_values` holds what the user typed,
    /// by variable name; preset and fixed variables take the template's value whatever it
    /// says, and names the template does not list are ignored (the wizard adds extra
    /// variables to the plan itself).
    ///
    /// Volumes the template leaves unnamed get a name derived from the container's, so the
    /// data is easy to find and outlives the container; Portainer also creates a volume
    /// for such paths, only with a random name.
    pub fn from_template(
        template: &Template,
        env_values: &BTreeMap<String, String>,
    ) -> Result<Self, PlanProblem> {
        let Some(image) = template
            .image
            .as_deref()
            .filter(|_| template.kind.deployable())
        else {
            return Err(PlanProblem::new(
                "kind",
                format!(
                    "\"{}\" is a {} template; only container templates deploy as one container",
                    template.title,
                    template.kind.describe()
                ),
            ));
        };
        let name = container_name_for(template);
        let env = template
            .env
            .iter()
            .map(|input| {
                let typed = env_values.get(&input.name).filter(|_| input.editable());
                let value = typed
                    .map(String::as_str)
                    .or_else(|| input.initial_value())
                    .unwrap_or_default();
                EnvVar {
                    name: input.name.clone(),
                    value: value.to_owned(),
                }
            })
            .collect();
        let volumes = template
            .volumes
            .iter()
            .map(|v| match v.source {
                VolumeSource::Anonymous => VolumeSpec {
                    source: VolumeSource::Named(format!("{name}-{}", path_slug(&v.container))),
                    ..v.clone()
                },
                _ => v.clone(),
            })
            .collect();
        Ok(Self {
            image: with_registry(template.registry.as_deref(), image),
            env,
            ports: template.ports.clone(),
            volumes,
            network: template.network.clone(),
            // The format documents `always` as the policy when a template gives none.
            restart_policy: Some(template.restart_policy.unwrap_or(RestartPolicy::Always)),
            labels: template.labels.clone(),
            command: template.command.clone(),
            hostname: template.hostname.clone(),
            privileged: template.privileged,
            interactive: template.interactive,
            cap_add: Vec::new(),
            memory_bytes: None,
            cpus: None,
            required_env: template
                .env
                .iter()
                .filter(|e| e.required())
                .map(|e| e.name.clone())
                .collect(),
            name,
        })
    }
}

/// The template's name when Docker would take it, else a slug of its name or title.
fn container_name_for(template: &Template) -> String {
    if let Some(name) = template.name.as_deref().filter(|n| docker_name_ok(n)) {
        return name.to_owned();
    }
    let slug = slug(template.name.as_deref().unwrap_or(&template.title));
    if slug.len() >= 2 {
        slug
    } else {
        format!("app-{slug}").trim_end_matches('-').to_owned()
    }
}

/// Lowercase letters and digits, runs of anything else as one '-'.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn path_slug(path: &str) -> String {
    let s = slug(path);
    if s.is_empty() {
        "data".into()
    } else {
        s
    }
}

/// Prefixes a template's `registry` unless the image already names a registry.
fn with_registry(registry: Option<&str>, image: &str) -> String {
    match registry.map(|r| r.trim_end_matches('/')) {
        Some(registry) if !registry.is_empty() => {
            let names_registry = ImageRef::parse(image).is_ok_and(|r| r.registry.is_some());
            if names_registry || image.starts_with(&format!("{registry}/")) {
                image.to_owned()
            } else {
                format!("{registry}/{image}")
            }
        }
        _ => image.to_owned(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::templates::check::check_plan;
    use crate::templates::model::{EnvChoice, EnvInput, Protocol, TemplateKind};

    fn template() -> Template {
        Template {
            id: Some(1),
            kind: TemplateKind::Container,
            title: "Acorn Notes".into(),
            description: String::new(),
            name: None,
            logo: None,
            note: None,
            platform: None,
            categories: vec![],
            env: vec![
                input("ADMIN_EMAIL", |_| {}),
                input("DATA_DIR", |e| {
                    e.default = Some("/data".into());
                    e.preset = true;
                }),
                input("MODE", |e| e.fixed = Some("prod".into())),
                input("LOG", |e| {
                    e.select = vec![choice("info", false), choice("debug", true)];
                }),
            ],
            image: Some("example/acorn:2".into()),
            registry: Some("ghcr.io".into()),
            command: None,
            network: None,
            volumes: vec![VolumeSpec {
                container: "/var/lib/acorn".into(),
                source: VolumeSource::Anonymous,
                readonly: false,
            }],
            ports: vec![port(8085, 8080)],
            labels: vec![],
            privileged: false,
            interactive: false,
            restart_policy: None,
            hostname: None,
            repository: None,
            administrator_only: false,
        }
    }

    fn input(name: &str, tweak: impl FnOnce(&mut EnvInput)) -> EnvInput {
        let mut e = EnvInput {
            name: name.into(),
            label: None,
            description: None,
            default: None,
            preset: false,
            fixed: None,
            select: vec![],
        };
        tweak(&mut e);
        e
    }

    fn choice(value: &str, default: bool) -> EnvChoice {
        EnvChoice {
            text: value.to_uppercase(),
            value: value.into(),
            default,
        }
    }

    fn port(host: u16, container: u16) -> PortSpec {
        PortSpec {
            host_ip: None,
            host_port: Some(host),
            container_port: container,
            protocol: Protocol::Tcp,
        }
    }

    pub(crate) fn plan(values: &[(&str, &str)]) -> DeployPlan {
        let values = values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        match DeployPlan::from_template(&template(), &values) {
            Ok(plan) => plan,
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn a_template_prefills_the_plan() {
        let plan = plan(&[
            ("ADMIN_EMAIL", "a@b.c"),
            ("DATA_DIR", "/elsewhere"),
            ("MODE", "dev"),
        ]);
        assert_eq!(plan.name, "acorn-notes");
        assert_eq!(plan.image, "ghcr.io/example/acorn:2");
        let env: Vec<(&str, &str)> = plan
            .env
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_str()))
            .collect();
        // Preset and fixed values are the template's, whatever the user sent.
        assert_eq!(
            env,
            [
                ("ADMIN_EMAIL", "a@b.c"),
                ("DATA_DIR", "/data"),
                ("MODE", "prod"),
                ("LOG", "debug")
            ]
        );
        assert_eq!(plan.required_env, ["ADMIN_EMAIL"]);
        assert_eq!(plan.restart_policy, Some(RestartPolicy::Always));
        assert_eq!(
            plan.volumes[0].source,
            VolumeSource::Named("acorn-notes-var-lib-acorn".into())
        );
        assert_eq!(check_plan(&plan), vec![]);
    }

    #[test]
    fn stacks_do_not_make_a_container_plan() {
        let mut stack = template();
        stack.kind = TemplateKind::Compose;
        let err = DeployPlan::from_template(&stack, &BTreeMap::new()).map(|_| ());
        assert!(matches!(err, Err(p) if p.message.contains("compose stack template")));
    }

    #[test]
    fn registry_is_prefixed_only_when_the_image_names_none() {
        assert_eq!(
            with_registry(Some("quay.io"), "coreos/etcd"),
            "quay.io/coreos/etcd"
        );
        assert_eq!(
            with_registry(Some("quay.io"), "quay.io/coreos/etcd"),
            "quay.io/coreos/etcd"
        );
        assert_eq!(with_registry(Some("quay.io"), "ghcr.io/x/y"), "ghcr.io/x/y");
        assert_eq!(with_registry(None, "nginx"), "nginx");
    }

    #[test]
    fn unusable_names_become_slugs() {
        let mut t = template();
        t.name = Some("My App!".into());
        assert_eq!(container_name_for(&t), "my-app");
        t.name = None;
        t.title = "X".into();
        assert_eq!(container_name_for(&t), "app-x");
        t.title = "!!!".into();
        assert_eq!(container_name_for(&t), "app");
    }
}
