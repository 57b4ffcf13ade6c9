//! One catalogue entry, from JSON to a [`Template`]: every field is read on its own so that
//! each problem names the field it is about, and all of an entry's problems are reported
//! at once.
//!
//! An entry with any problem is rejected as a whole. Half a template (say, one without the
//! port its author wrote wrongly) would deploy something other than what the author meant,
//! and quietly so; refusing it and saying why is the honest outcome.

use serde_json::{Map, Value};

use super::fields::{
    describe, field, flag, integer, list, object, optional_text, scalar, string, Problems,
};
use super::model::{
    EnvChoice, EnvInput, Label, PortSpec, Protocol, Repository, RestartPolicy, Template,
    TemplateKind, VolumeSource, VolumeSpec,
};
use super::port_spec::{parse_protocol, port_number, PortRole};

/// Why an entry was left out: its title when it could be read, and its problems.
#[derive(Debug)]
pub(crate) struct Rejected {
    pub title: Option<String>,
    pub problems: Vec<(String, String)>,
}

pub(crate) fn read_template(value: &Value) -> Result<Template, Rejected> {
    let mut p = Problems::default();
    let Some(obj) = value.as_object() else {
        p.add("template", format!("is {}, not an object", describe(value)));
        return Err(Rejected {
            title: None,
            problems: p.0,
        });
    };

    let title = required_text(obj, "title", "title", &mut p);
    let id = field(obj, "id").and_then(|v| integer(v, "id", &mut p));
    let image = optional_text(obj, "image", "image", &mut p);
    let repository = field(obj, "repository").and_then(|v| read_repository(v, &mut p));
    let kind = read_kind(obj, image.is_some(), repository.is_some(), &mut p);
    // A field that was there but unreadable already has its problem; say "missing" only
    // when it is.
    let reported = |p: &Problems, prefix: &str| p.0.iter().any(|(f, _)| f.starts_with(prefix));
    match kind {
        Some(TemplateKind::Container) if image.is_none() && !reported(&p, "image") => {
            p.add("image", "is missing; a container template needs an image");
        }
        Some(k @ (TemplateKind::Swarm | TemplateKind::Compose))
            if repository.is_none() && !reported(&p, "repository") =>
        {
            p.add(
                "repository",
                format!(
                    "is missing; a {} template needs a repository with a url and a stackfile",
                    k.describe()
                ),
            );
        }
        _ => {}
    }

    let env = list(obj, "env", "env", &mut p)
        .iter()
        .enumerate()
        .filter_map(|(i, v)| read_env(v, &format!("env[{i}]"), &mut p))
        .collect();
    let volumes = list(obj, "volumes", "volumes", &mut p)
        .iter()
        .enumerate()
        .filter_map(|(i, v)| read_volume(v, &format!("volumes[{i}]"), &mut p))
        .collect();
    let ports = list(obj, "ports", "ports", &mut p)
        .iter()
        .enumerate()
        .filter_map(|(i, v)| read_port(v, &format!("ports[{i}]"), &mut p))
        .collect();
    let categories = list(obj, "categories", "categories", &mut p)
        .iter()
        .enumerate()
        .filter_map(|(i, v)| string(v, &format!("categories[{i}]"), &mut p))
        .filter(|c| !c.is_empty())
        .collect();
    let labels = read_labels(obj, &mut p);
    let restart_policy = optional_text(obj, "restart_policy", "restart_policy", &mut p)
        .and_then(|s| {
            let policy = RestartPolicy::parse(&s);
            if policy.is_none() {
                p.add(
                    "restart_policy",
                    format!(
                        "\"{s}\" is not a restart policy; use always, no, on-failure or unless-stopped"
                    ),
                );
            }
            policy
        });
    let admin_key = if obj.contains_key("administrator_only") {
        "administrator_only"
    } else {
        "administrator-only"
    };

    let template = Template {
        id,
        kind: kind.unwrap_or(TemplateKind::Container),
        title: title.clone().unwrap_or_default(),
        description: optional_text(obj, "description", "description", &mut p).unwrap_or_default(),
        name: optional_text(obj, "name", "name", &mut p),
        logo: optional_text(obj, "logo", "logo", &mut p),
        note: optional_text(obj, "note", "note", &mut p),
        platform: optional_text(obj, "platform", "platform", &mut p),
        categories,
        env,
        image,
        registry: optional_text(obj, "registry", "registry", &mut p),
        command: optional_text(obj, "command", "command", &mut p),
        network: optional_text(obj, "network", "network", &mut p),
        volumes,
        ports,
        labels,
        privileged: flag(field(obj, "privileged"), "privileged", &mut p),
        interactive: flag(field(obj, "interactive"), "interactive", &mut p),
        restart_policy,
        hostname: optional_text(obj, "hostname", "hostname", &mut p),
        repository,
        administrator_only: flag(field(obj, admin_key), admin_key, &mut p),
    };
    if p.is_empty() && title.is_some() && kind.is_some() {
        Ok(template)
    } else {
        Err(Rejected {
            title,
            problems: p.0,
        })
    }
}

/// The kind from `type` (a number or a numeric string), with the two allowances SSM's file
/// needs: no `type` but an image means a container, and a type 3 entry that has an image
/// and no repository is a container too (SSM used 3 for "app", not for a git stack).
fn read_kind(
    obj: &Map<String, Value>,
    has_image: bool,
    has_repository: bool,
    p: &mut Problems,
) -> Option<TemplateKind> {
    let Some(value) = field(obj, "type") else {
        if has_image {
            return Some(TemplateKind::Container);
        }
        p.add(
            "type",
            "is missing, and with no image the template cannot be a container",
        );
        return None;
    };
    let code = integer(value, "type", p)?;
    match TemplateKind::from_code(code) {
        Some(TemplateKind::Compose) if has_image && !has_repository => {
            Some(TemplateKind::Container)
        }
        Some(kind) => Some(kind),
        None => {
            p.add(
                "type",
                format!(
                    "{code} is not a template type (1 container, 2 swarm stack, 3 compose stack, 4 edge stack)"
                ),
            );
            None
        }
    }
}

/// A text field that must be there and not be blank.
fn required_text(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
    p: &mut Problems,
) -> Option<String> {
    let Some(value) = field(obj, key) else {
        p.add(path, "is missing");
        return None;
    };
    let text = string(value, path, p)?;
    if text.is_empty() {
        p.add(path, "is empty");
        return None;
    }
    Some(text)
}

fn read_repository(value: &Value, p: &mut Problems) -> Option<Repository> {
    let obj = object(value, "repository", p)?;
    let url = required_text(obj, "url", "repository.url", p);
    let stackfile = required_text(obj, "stackfile", "repository.stackfile", p);
    Some(Repository {
        url: url?,
        stackfile: stackfile?,
    })
}

fn read_env(value: &Value, path: &str, p: &mut Problems) -> Option<EnvInput> {
    let obj = object(value, path, p)?;
    let name_path = format!("{path}.name");
    let name = required_text(obj, "name", &name_path, p);
    if let Some(n) = name.as_deref().filter(|n| n.contains('=')) {
        p.add(
            &name_path,
            format!("\"{n}\" contains '=', which cannot be part of a variable name"),
        );
    }
    // Values (not labels) keep an explicit empty string: `"default": ""` says that empty
    // is an acceptable value, which is not the same as saying nothing.
    let value_of = |key: &str, p: &mut Problems| {
        field(obj, key).and_then(|v| scalar(v, &format!("{path}.{key}"), p))
    };
    let default = value_of("default", p);
    let fixed = value_of("set", p);
    let select_path = format!("{path}.select");
    let mut seen_default = false;
    let select = list(obj, "select", &select_path, p)
        .iter()
        .enumerate()
        .filter_map(|(j, v)| {
            let mut choice = read_choice(v, &format!("{select_path}[{j}]"), p)?;
            // Two preselected choices: the first one wins, the rest become plain choices.
            choice.default = choice.default && !seen_default;
            seen_default |= choice.default;
            Some(choice)
        })
        .collect();
    Some(EnvInput {
        name: name?,
        label: optional_text(obj, "label", &format!("{path}.label"), p),
        description: optional_text(obj, "description", &format!("{path}.description"), p),
        default,
        preset: flag(field(obj, "preset"), &format!("{path}.preset"), p),
        fixed,
        select,
    })
}

fn read_choice(value: &Value, path: &str, p: &mut Problems) -> Option<EnvChoice> {
    let obj = object(value, path, p)?;
    let Some(raw) = field(obj, "value") else {
        p.add(format!("{path}.value"), "is missing");
        return None;
    };
    let value = scalar(raw, &format!("{path}.value"), p)?;
    let text = optional_text(obj, "text", &format!("{path}.text"), p);
    Some(EnvChoice {
        text: text.unwrap_or_else(|| value.clone()),
        value,
        default: flag(field(obj, "default"), &format!("{path}.default"), p),
    })
}

fn read_volume(value: &Value, path: &str, p: &mut Problems) -> Option<VolumeSpec> {
    let obj = object(value, path, p)?;
    let container = required_text(obj, "container", &format!("{path}.container"), p);
    let source = optional_text(obj, "bind", &format!("{path}.bind"), p)
        .map_or(VolumeSource::Anonymous, |b| VolumeSource::from_bind(&b));
    let readonly = flag(field(obj, "readonly"), &format!("{path}.readonly"), p);
    // SSM's files also say `"mode": "ro"` (Docker's own mount-option spelling).
    let mode_ro = optional_text(obj, "mode", &format!("{path}.mode"), p)
        .is_some_and(|m| m.split(',').any(|o| o.trim() == "ro"));
    Some(VolumeSpec {
        container: container?,
        source,
        readonly: readonly || mode_ro,
    })
}

/// A port as a Portainer string (`"8080:80/tcp"`), an SSM object
/// (`{"host": "8080", "container": "80", "protocol": "tcp"}`, numbers as text or not) or a
/// bare number (a container port).
fn read_port(value: &Value, path: &str, p: &mut Problems) -> Option<PortSpec> {
    let report = |p: &mut Problems, at: &str, result: Result<u16, String>| {
        result.map_err(|m| p.add(at, m)).ok()
    };
    match value {
        Value::String(_) => {
            let text = string(value, path, p)?;
            PortSpec::parse(&text).map_err(|m| p.add(path, m)).ok()
        }
        Value::Number(n) => {
            let container_port = report(p, path, port_number(&n.to_string(), PortRole::Container))?;
            Some(PortSpec {
                host_ip: None,
                host_port: None,
                container_port,
                protocol: Protocol::Tcp,
            })
        }
        Value::Object(obj) => {
            let at = |key: &str| format!("{path}.{key}");
            let host = match field(obj, "host").and_then(|v| scalar(v, &at("host"), p)) {
                Some(h) if !h.is_empty() => {
                    Some(report(p, &at("host"), port_number(&h, PortRole::Host))?)
                }
                _ => None,
            };
            let Some(raw) = field(obj, "container") else {
                p.add(at("container"), "is missing");
                return None;
            };
            let container = scalar(raw, &at("container"), p)?;
            let container_port = report(
                p,
                &at("container"),
                port_number(&container, PortRole::Container),
            )?;
            let protocol = match optional_text(obj, "protocol", &at("protocol"), p) {
                Some(text) => parse_protocol(&text)
                    .map_err(|m| p.add(at("protocol"), m))
                    .ok()?,
                None => Protocol::Tcp,
            };
            Some(PortSpec {
                host_ip: None,
                host_port: host,
                container_port,
                protocol,
            })
        }
        other => {
            p.add(path, format!("is {}, not a port", describe(other)));
            None
        }
    }
}

/// Labels as Portainer's `[{name, value}]` list, or as a plain `{name: value}` object.
fn read_labels(obj: &Map<String, Value>, p: &mut Problems) -> Vec<Label> {
    match field(obj, "labels") {
        None => Vec::new(),
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(name, v)| {
                let value = scalar(v, &format!("labels.{name}"), p)?;
                Some(Label {
                    name: name.trim().to_owned(),
                    value,
                })
            })
            .collect(),
        Some(_) => list(obj, "labels", "labels", p)
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let path = format!("labels[{i}]");
                let entry = object(v, &path, p)?;
                let name = required_text(entry, "name", &format!("{path}.name"), p)?;
                let value = match field(entry, "value") {
                    Some(v) => scalar(v, &format!("{path}.value"), p)?,
                    None => String::new(),
                };
                Some(Label { name, value })
            })
            .collect(),
    }
}
