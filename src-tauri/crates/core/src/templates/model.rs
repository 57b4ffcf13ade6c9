//! Parsed app templates: what a catalogue entry means once the wire format's spellings
//! (Portainer v2/v3, SSM's variant) have been reconciled by [`super::parse`].

use serde::{Deserialize, Serialize};
use specta::Type;

/// One catalogue entry, whatever format it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    /// The catalogue's own id (required in v3, absent in v2 and SSM files).
    #[specta(type = Option<f64>)]
    pub id: Option<i64>,
    pub kind: TemplateKind,
    pub title: String,
    /// Empty when the catalogue gave none (the docs call it required; files do not always agree).
    pub description: String,
    /// Default container or stack name.
    pub name: Option<String>,
    pub logo: Option<String>,
    /// Raw text that may hold HTML: the UI sanitises it before rendering.
    pub note: Option<String>,
    /// `linux` or `windows` in practice; kept as given.
    pub platform: Option<String>,
    pub categories: Vec<String>,
    pub env: Vec<EnvInput>,
    /// Image reference as written (containers only).
    pub image: Option<String>,
    /// Registry host to prefix the image with; Docker Hub when absent.
    pub registry: Option<String>,
    /// Command override, shell-like text as the template wrote it.
    pub command: Option<String>,
    /// Name of an existing network, e.g. `host`.
    pub network: Option<String>,
    pub volumes: Vec<VolumeSpec>,
    pub ports: Vec<PortSpec>,
    pub labels: Vec<Label>,
    pub privileged: bool,
    /// Portainer's "foreground mode": keep stdin open with a TTY.
    pub interactive: bool,
    /// `None` when the template says nothing; the format's documented default is `always`.
    pub restart_policy: Option<RestartPolicy>,
    pub hostname: Option<String>,
    /// Where a stack template's compose file lives (swarm and compose kinds).
    pub repository: Option<Repository>,
    pub administrator_only: bool,
}

/// What deploying a template creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum TemplateKind {
    /// Type 1: one container.
    Container,
    /// Type 2: a Swarm stack (needs a Swarm manager).
    Swarm,
    /// Type 3: a compose stack from a git repository.
    Compose,
    /// Type 4 (v2 files only): an edge stack.
    Edge,
}

impl TemplateKind {
    /// The catalogue's numeric type for a kind.
    pub fn code(self) -> u8 {
        match self {
            Self::Container => 1,
            Self::Swarm => 2,
            Self::Compose => 3,
            Self::Edge => 4,
        }
    }

    /// A kind from the catalogue's numeric type.
    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            1 => Some(Self::Container),
            2 => Some(Self::Swarm),
            3 => Some(Self::Compose),
            4 => Some(Self::Edge),
            _ => None,
        }
    }

    /// Whether Squirrel can deploy this kind today. Only single containers for now:
    /// stacks need a compose runner, which is a later piece of work.
    pub fn deployable(self) -> bool {
        matches!(self, Self::Container)
    }

    /// How the UI and messages name the kind.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Container => "container",
            Self::Swarm => "swarm stack",
            Self::Compose => "compose stack",
            Self::Edge => "edge stack",
        }
    }
}

/// One input of the deploy form, filling one environment variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EnvInput {
    /// The variable's name as the image expects it.
    pub name: String,
    pub label: Option<String>,
    pub description: Option<String>,
    /// Pre-filled value.
    pub default: Option<String>,
    /// `true`: no input is shown and `default` is used as is.
    pub preset: bool,
    /// A value the template fixes (the legacy `set` key, still used by SSM's file).
    pub fixed: Option<String>,
    /// Choices for a drop-down; at most one has `default` set (the first one the file marked).
    pub select: Vec<EnvChoice>,
}

impl EnvInput {
    /// The value the form starts with: the fixed value, the default, the preselected
    /// choice or the first choice, in that order.
    pub fn initial_value(&self) -> Option<&str> {
        if let Some(fixed) = &self.fixed {
            return Some(fixed);
        }
        if let Some(default) = &self.default {
            return Some(default);
        }
        self.select
            .iter()
            .find(|c| c.default)
            .or_else(|| self.select.first())
            .map(|c| c.value.as_str())
    }

    /// Whether the user may change the value (no `preset`, no fixed value).
    pub fn editable(&self) -> bool {
        !self.preset && self.fixed.is_none()
    }

    /// Whether the user must type a value: nothing in the template supplies one.
    pub fn required(&self) -> bool {
        !self.preset && self.fixed.is_none() && self.default.is_none() && self.select.is_empty()
    }
}

/// One entry of a drop-down input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EnvChoice {
    pub text: String,
    pub value: String,
    pub default: bool,
}

/// A mount inside the container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct VolumeSpec {
    /// Mount path inside the container.
    pub container: String,
    pub source: VolumeSource,
    pub readonly: bool,
}

/// Where a mount's data lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum VolumeSource {
    /// A fresh volume the engine names.
    Anonymous,
    /// A Docker volume with this name (SSM writes these as `bind` values without a path).
    Named(String),
    /// A host path.
    Bind(String),
}

impl VolumeSource {
    /// Reads a template's `bind` value: a path when it looks like one, else a volume name.
    /// Paths are what start with `/`, `.` or `~`, contain a `/`, or start with a Windows
    /// drive letter; volume names can hold none of those, so nothing is misread.
    pub fn from_bind(bind: &str) -> Self {
        let bytes = bind.as_bytes();
        let drive = bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && (bytes[2] == b'\\' || bytes[2] == b'/');
        if bind.starts_with(['/', '.', '~']) || bind.contains('/') || drive {
            Self::Bind(bind.to_owned())
        } else {
            Self::Named(bind.to_owned())
        }
    }
}

/// One published (or exposed) port.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PortSpec {
    /// Host address to bind; all addresses when absent.
    pub host_ip: Option<String>,
    /// Host port; Docker picks one when absent.
    pub host_port: Option<u16>,
    pub container_port: u16,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
        }
    }
}

/// A container label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Label {
    pub name: String,
    pub value: String,
}

/// Docker's restart policies, spelled as the engine spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    Always,
    No,
    OnFailure,
    UnlessStopped,
}

impl RestartPolicy {
    /// All policies, in the order the UI lists them.
    pub const ALL: [Self; 4] = [Self::No, Self::Always, Self::OnFailure, Self::UnlessStopped];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::No => "no",
            Self::OnFailure => "on-failure",
            Self::UnlessStopped => "unless-stopped",
        }
    }

    /// A policy from Docker's spelling (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
    }
}

/// A git repository holding a stack's compose file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Repository {
    pub url: String,
    /// Path of the compose file inside the repository.
    pub stackfile: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> EnvInput {
        EnvInput {
            name: "X".into(),
            label: None,
            description: None,
            default: None,
            preset: false,
            fixed: None,
            select: vec![],
        }
    }

    #[test]
    fn only_containers_deploy() {
        assert!(TemplateKind::Container.deployable());
        for kind in [
            TemplateKind::Swarm,
            TemplateKind::Compose,
            TemplateKind::Edge,
        ] {
            assert!(!kind.deployable());
            assert_eq!(TemplateKind::from_code(i64::from(kind.code())), Some(kind));
        }
        assert_eq!(TemplateKind::from_code(5), None);
    }

    #[test]
    fn env_input_knows_its_initial_value_and_whether_it_is_required() {
        assert!(input().required());
        assert_eq!(input().initial_value(), None);

        let preset = EnvInput {
            preset: true,
            ..input()
        };
        assert!(!preset.required() && !preset.editable());

        let chooser = EnvInput {
            select: vec![
                EnvChoice {
                    text: "A".into(),
                    value: "a".into(),
                    default: false,
                },
                EnvChoice {
                    text: "B".into(),
                    value: "b".into(),
                    default: true,
                },
            ],
            ..input()
        };
        assert!(!chooser.required());
        assert_eq!(chooser.initial_value(), Some("b"));

        let fixed = EnvInput {
            fixed: Some("f".into()),
            default: Some("d".into()),
            ..input()
        };
        assert_eq!(fixed.initial_value(), Some("f"));
    }

    #[test]
    fn bind_values_are_paths_or_volume_names() {
        assert_eq!(
            VolumeSource::from_bind("/srv/data"),
            VolumeSource::Bind("/srv/data".into())
        );
        assert_eq!(
            VolumeSource::from_bind("./data"),
            VolumeSource::Bind("./data".into())
        );
        assert_eq!(
            VolumeSource::from_bind("C:\\data"),
            VolumeSource::Bind("C:\\data".into())
        );
        assert_eq!(
            VolumeSource::from_bind("caddy"),
            VolumeSource::Named("caddy".into())
        );
    }

    #[test]
    fn restart_policies_use_dockers_spelling() {
        for p in RestartPolicy::ALL {
            assert_eq!(RestartPolicy::parse(p.as_str()), Some(p));
            let json = serde_json::to_string(&p).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
        }
        assert_eq!(
            RestartPolicy::parse("Unless-Stopped"),
            Some(RestartPolicy::UnlessStopped)
        );
        assert_eq!(RestartPolicy::parse("sometimes"), None);
    }
}
