//! Templates written back as a Portainer v3 catalogue: what "export my templates" saves,
//! and what Portainer (or Squirrel's own parser) reads again.
//!
//! v3 has no `set` key: a fixed value is written as a preset default, which Portainer and
//! [`super::parse_catalogue`] both treat as a value the user does not edit.

use serde_json::{json, Map, Value};

use super::model::{EnvInput, Template, VolumeSource};

/// A whole v3 catalogue holding `templates`, pretty-printed. Ids are renumbered from 1 in
/// order (v3 requires one per template, unique within the file).
pub fn to_portainer_v3(templates: &[Template]) -> String {
    let entries: Vec<Value> = templates
        .iter()
        .enumerate()
        .map(|(i, t)| template_value(t, i as i64 + 1))
        .collect();
    let doc = json!({ "version": "3", "templates": entries });
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| String::from("{}"))
}

fn template_value(t: &Template, id: i64) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(id));
    o.insert("type".into(), json!(t.kind.code()));
    o.insert("title".into(), json!(t.title));
    o.insert("description".into(), json!(t.description));
    put_text(&mut o, "name", t.name.as_deref());
    put_text(&mut o, "logo", t.logo.as_deref());
    put_text(&mut o, "note", t.note.as_deref());
    put_text(&mut o, "platform", t.platform.as_deref());
    if !t.categories.is_empty() {
        o.insert("categories".into(), json!(t.categories));
    }
    put_text(&mut o, "image", t.image.as_deref());
    put_text(&mut o, "registry", t.registry.as_deref());
    put_text(&mut o, "command", t.command.as_deref());
    put_text(&mut o, "network", t.network.as_deref());
    put_text(&mut o, "hostname", t.hostname.as_deref());
    if let Some(policy) = t.restart_policy {
        o.insert("restart_policy".into(), json!(policy.as_str()));
    }
    if !t.env.is_empty() {
        o.insert("env".into(), t.env.iter().map(env_value).collect());
    }
    if !t.volumes.is_empty() {
        let volumes = t
            .volumes
            .iter()
            .map(|v| {
                let mut m = Map::new();
                m.insert("container".into(), json!(v.container));
                match &v.source {
                    VolumeSource::Anonymous => {}
                    VolumeSource::Named(s) | VolumeSource::Bind(s) => {
                        m.insert("bind".into(), json!(s));
                    }
                }
                if v.readonly {
                    m.insert("readonly".into(), json!(true));
                }
                Value::Object(m)
            })
            .collect();
        o.insert("volumes".into(), volumes);
    }
    if !t.ports.is_empty() {
        let ports: Vec<String> = t.ports.iter().map(ToString::to_string).collect();
        o.insert("ports".into(), json!(ports));
    }
    if !t.labels.is_empty() {
        let labels: Vec<Value> = t
            .labels
            .iter()
            .map(|l| json!({ "name": l.name, "value": l.value }))
            .collect();
        o.insert("labels".into(), Value::Array(labels));
    }
    if t.privileged {
        o.insert("privileged".into(), json!(true));
    }
    if t.interactive {
        o.insert("interactive".into(), json!(true));
    }
    if t.administrator_only {
        o.insert("administrator_only".into(), json!(true));
    }
    if let Some(repo) = &t.repository {
        o.insert(
            "repository".into(),
            json!({ "url": repo.url, "stackfile": repo.stackfile }),
        );
    }
    Value::Object(o)
}

fn env_value(e: &EnvInput) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(e.name));
    put_text(&mut m, "label", e.label.as_deref());
    put_text(&mut m, "description", e.description.as_deref());
    match &e.fixed {
        Some(fixed) => {
            m.insert("default".into(), json!(fixed));
            m.insert("preset".into(), json!(true));
        }
        None => {
            if let Some(d) = &e.default {
                m.insert("default".into(), json!(d));
            }
            if e.preset {
                m.insert("preset".into(), json!(true));
            }
        }
    }
    if !e.select.is_empty() {
        let select: Vec<Value> = e
            .select
            .iter()
            .map(|c| {
                let mut s = Map::new();
                s.insert("text".into(), json!(c.text));
                s.insert("value".into(), json!(c.value));
                if c.default {
                    s.insert("default".into(), json!(true));
                }
                Value::Object(s)
            })
            .collect();
        m.insert("select".into(), Value::Array(select));
    }
    Value::Object(m)
}

fn put_text(o: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        o.insert(key.into(), json!(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::{bundled_catalogue, parse_catalogue, EnvChoice, Label, PortSpec};

    /// What a template is once written and read back: ids renumbered, a fixed value as a
    /// preset default.
    fn normalised(mut t: Template, id: i64) -> Template {
        t.id = Some(id);
        for e in &mut t.env {
            if let Some(fixed) = e.fixed.take() {
                e.default = Some(fixed);
                e.preset = true;
            }
        }
        t
    }

    #[test]
    fn the_bundled_catalogue_reads_back_as_itself() {
        let templates = bundled_catalogue().templates;
        let text = to_portainer_v3(&templates);
        let read = parse_catalogue(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.problems, vec![]);
        let want: Vec<Template> = templates
            .into_iter()
            .enumerate()
            .map(|(i, t)| normalised(t, i as i64 + 1))
            .collect();
        assert_eq!(read.templates, want);
    }

    #[test]
    fn every_field_survives_the_round_trip() {
        let mut t = bundled_catalogue().templates.remove(0);
        t.env = vec![
            EnvInput {
                name: "FIXED".into(),
                label: Some("Fixed".into()),
                description: Some("set by the template".into()),
                default: None,
                preset: false,
                fixed: Some("1".into()),
                select: vec![],
            },
            EnvInput {
                name: "PICK".into(),
                label: None,
                description: None,
                default: None,
                preset: false,
                fixed: None,
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
            },
        ];
        t.ports = vec![PortSpec::parse("127.0.0.1:8080:80/udp").unwrap_or_else(|e| panic!("{e}"))];
        t.labels = vec![Label {
            name: "a.b".into(),
            value: "c d".into(),
        }];
        t.privileged = true;
        t.interactive = true;
        t.hostname = Some("box".into());
        t.note = Some("<b>bold</b> & more".into());
        let read = parse_catalogue(to_portainer_v3(std::slice::from_ref(&t)).as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.templates, vec![normalised(t, 1)]);
    }
}
