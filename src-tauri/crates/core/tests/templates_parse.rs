//! Catalogue parsing end to end: whole files in each format Squirrel reads, every malformed
//! case named by template index and field, and random input that must never panic.
//! The fixtures were written for these tests from the documented formats.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use serde_json::Value;
use squirrel_core::templates::{
    parse_catalogue, Catalogue, CatalogueError, CatalogueFormat, PortSpec, Protocol, RestartPolicy,
    TemplateKind, VolumeSource, MAX_STRING_BYTES,
};

fn parse(json: &str) -> Catalogue {
    parse_catalogue(json.as_bytes()).expect("the fixture parses as a whole")
}

/// (index, field, message) of every problem.
fn problems(json: &str) -> Vec<(usize, String, String)> {
    parse(json)
        .problems
        .into_iter()
        .map(|p| (p.index, p.field, p.message))
        .collect()
}

fn port(host: Option<u16>, container: u16, protocol: Protocol) -> PortSpec {
    PortSpec {
        host_ip: None,
        host_port: host,
        container_port: container,
        protocol,
    }
}

const V2: &str = r#"{
  "version": "2",
  "templates": [
    {
      "type": 1,
      "title": "Lantern",
      "description": "A small static web server",
      "categories": ["web"],
      "platform": "linux",
      "image": "example/lantern:1.4",
      "ports": ["8080:80/tcp", "443/tcp"],
      "volumes": [{"container": "/srv"}, {"container": "/etc/lantern.conf", "bind": "/opt/lantern.conf", "readonly": true}],
      "restart_policy": "always",
      "administrator-only": true,
      "some_future_key": {"ignored": true}
    },
    {
      "type": 2,
      "title": "Beacon swarm",
      "description": "Beacon as a swarm stack",
      "repository": {"url": "https://git.example.org/beacon", "stackfile": "swarm/stack.yml"}
    },
    {
      "type": "4",
      "title": "Edge connector",
      "description": "An edge stack",
      "stackFile": "https://example.org/edge.yml"
    }
  ]
}"#;

#[test]
fn a_v2_file_reads_every_kind() {
    let c = parse(V2);
    assert_eq!(c.format, CatalogueFormat::PortainerV2);
    assert_eq!(c.problems, vec![]);
    let kinds: Vec<TemplateKind> = c.templates.iter().map(|t| t.kind).collect();
    assert_eq!(
        kinds,
        [
            TemplateKind::Container,
            TemplateKind::Swarm,
            TemplateKind::Edge
        ]
    );
    let lantern = &c.templates[0];
    assert_eq!(lantern.id, None);
    assert!(lantern.administrator_only);
    assert_eq!(lantern.restart_policy, Some(RestartPolicy::Always));
    assert_eq!(
        lantern.ports,
        [
            port(Some(8080), 80, Protocol::Tcp),
            port(None, 443, Protocol::Tcp)
        ]
    );
    assert_eq!(lantern.volumes[0].source, VolumeSource::Anonymous);
    assert_eq!(
        lantern.volumes[1].source,
        VolumeSource::Bind("/opt/lantern.conf".into())
    );
    assert!(lantern.volumes[1].readonly);
    let repo = c.templates[1].repository.as_ref().expect("a repository");
    assert_eq!(repo.stackfile, "swarm/stack.yml");
    assert!(!c.templates[1].kind.deployable());
}

const V3: &str = r#"{
  "version": "3",
  "templates": [
    {
      "id": 1001,
      "type": 1,
      "title": "  Acorn Notes  ",
      "description": "Small self-hosted note-taking web app",
      "categories": ["productivity", ""],
      "platform": "linux",
      "logo": "",
      "image": "ghcr.io/example/acorn-notes:2.4.1",
      "name": "acorn-notes",
      "ports": ["8085:8080/tcp", "9443/tcp", "127.0.0.1:5353:53/udp", "[::1]:8443:443"],
      "env": [
        {"name": "ACORN_ADMIN_EMAIL", "label": "Admin e-mail", "description": "Receives sign-up notifications"},
        {"name": "ACORN_DATA_DIR", "default": "/data", "preset": true},
        {"name": "ACORN_LOG_LEVEL", "label": "Log level", "select": [
          {"text": "Info", "value": "info", "default": true},
          {"text": "Debug", "value": "debug", "default": true},
          {"text": "Trace", "value": "trace"}
        ]}
      ],
      "labels": [{"name": "org.example.managed-by", "value": "squirrel"}],
      "restart_policy": "unless-stopped",
      "note": "Open <b>http://&lt;host&gt;:8085</b> after the first start."
    },
    {
      "id": 1002,
      "type": 3,
      "title": "Acorn Notes + Postgres",
      "description": "Acorn Notes with a PostgreSQL database",
      "repository": {"url": "https://git.example.org/templates/acorn", "stackfile": "stacks/postgres/compose.yaml"},
      "env": [{"name": "POSTGRES_PASSWORD", "label": "Database password"}]
    }
  ]
}"#;

#[test]
fn a_v3_file_keeps_ids_env_inputs_and_raw_notes() {
    let c = parse(V3);
    assert_eq!(c.format, CatalogueFormat::PortainerV3);
    assert_eq!(c.problems, vec![]);
    let acorn = &c.templates[0];
    assert_eq!(acorn.id, Some(1001));
    assert_eq!(acorn.title, "Acorn Notes");
    assert_eq!(acorn.logo, None, "an empty optional string is no value");
    assert_eq!(acorn.categories, ["productivity"]);
    assert_eq!(acorn.ports.len(), 4);
    assert_eq!(acorn.ports[2].host_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(acorn.ports[3].host_ip.as_deref(), Some("::1"));
    assert!(acorn.env[0].required());
    assert!(acorn.env[1].preset);
    // Two preselected choices: the first wins, the second becomes an ordinary choice.
    let defaults: Vec<bool> = acorn.env[2].select.iter().map(|c| c.default).collect();
    assert_eq!(defaults, [true, false, false]);
    assert_eq!(acorn.env[2].initial_value(), Some("info"));
    assert_eq!(
        acorn.note.as_deref(),
        Some("Open <b>http://&lt;host&gt;:8085</b> after the first start.")
    );
    assert_eq!(acorn.labels[0].value, "squirrel");
    assert_eq!(c.templates[1].kind, TemplateKind::Compose);
}

const SSM: &str = r#"{
  "templates": [
    {
      "type": 3,
      "title": "Budget Server",
      "name": "budget-server",
      "description": "Personal budgeting",
      "logo": "https://example.org/budget.png",
      "image": "example/budget-server:latest",
      "ports": [{"host": "5006", "container": "5006", "protocol": "tcp"}, {"host": 5353, "container": 53, "protocol": "udp"}, {"container": "9000"}],
      "volumes": [{"bind": "budget", "container": "/data"}, {"bind": "/home/docker/budget/conf", "container": "/conf", "mode": "ro"}],
      "env": [
        {"name": "BUDGET_MODE", "label": "Mode", "set": "production", "type": 1},
        {"name": "PORT", "default": 5006}
      ]
    },
    {
      "title": "Tiny Proxy",
      "description": "No type at all",
      "image": "example/tinyproxy",
      "privileged": "true"
    }
  ]
}"#;

#[test]
fn the_ssm_variant_reads_as_containers() {
    let c = parse(SSM);
    assert_eq!(c.format, CatalogueFormat::Unversioned);
    assert_eq!(c.problems, vec![]);
    let budget = &c.templates[0];
    assert_eq!(
        budget.kind,
        TemplateKind::Container,
        "type 3 with an image and no repository"
    );
    assert_eq!(
        budget.ports,
        [
            port(Some(5006), 5006, Protocol::Tcp),
            port(Some(5353), 53, Protocol::Udp),
            port(None, 9000, Protocol::Tcp)
        ]
    );
    assert_eq!(
        budget.volumes[0].source,
        VolumeSource::Named("budget".into())
    );
    assert!(budget.volumes[1].readonly, "mode ro");
    assert_eq!(budget.env[0].fixed.as_deref(), Some("production"));
    assert!(!budget.env[0].editable());
    assert_eq!(budget.env[1].default.as_deref(), Some("5006"));
    let tiny = &c.templates[1];
    assert_eq!(tiny.kind, TemplateKind::Container, "no type, but an image");
    assert!(tiny.privileged);
}

#[test]
fn every_malformed_template_is_named_by_index_and_field() {
    let json = r#"{"templates": [
        {"type": [1], "title": "Wrong type of type", "image": "x/y"},
        {"type": 1, "image": "x/y"},
        {"type": 1, "title": "No image"},
        {"type": 1, "title": "Ports", "image": "x/y",
         "ports": ["8080-8090:80/tcp", "http", "0:80", "70000:80", "80:0", "80/sctp", {"host": "abc", "container": "80"}, true]},
        {"type": 1, "title": "Restart", "image": "x/y", "restart_policy": "sometimes"},
        {"type": 9, "title": "Type nine"},
        {"type": 2, "title": "Stack without repository"},
        {"type": 3, "title": "Half a repository", "repository": {"url": "https://x"}},
        {"title": "No type, no image"},
        {"type": 1, "title": "Env", "image": "x/y",
         "env": [{"label": "no name"}, {"name": "A=B"}, {"name": "S", "select": [{"text": "no value"}]}, "env"]},
        {"type": 1, "title": "Volumes", "image": "x/y", "volumes": [{"bind": "/x"}, {"container": 5}], "labels": [{"value": "v"}]},
        {"type": 1, "title": "Shapes", "image": "x/y", "categories": "web", "privileged": 2, "id": "one"},
        {"type": 1, "title": 7, "image": "x/y"},
        {"type": 1, "title": "Fine", "image": "x/y"}
    ]}"#;
    let found = problems(json);
    let expected: Vec<(usize, &str, &str)> = vec![
        (0, "type", "a list is not a whole number"),
        (1, "title", "is missing"),
        (
            2,
            "image",
            "is missing; a container template needs an image",
        ),
        (
            3,
            "ports[0]",
            "\"8080-8090:80/tcp\" is a port range; templates take one port",
        ),
        (3, "ports[1]", "\"http\": \"http\" is not a port number"),
        (
            3,
            "ports[2]",
            "\"0:80\": host port 0 is not a port; leave the host port out to let Docker choose",
        ),
        (
            3,
            "ports[3]",
            "\"70000:80\": 70000 is above 65535, the highest port",
        ),
        (3, "ports[4]", "\"80:0\": container port 0 is not a port"),
        (
            3,
            "ports[5]",
            "\"80/sctp\": protocol \"sctp\" is not tcp or udp",
        ),
        (3, "ports[6].host", "\"abc\" is not a port number"),
        (3, "ports[7]", "is true/false, not a port"),
        (
            4,
            "restart_policy",
            "\"sometimes\" is not a restart policy; use always, no, on-failure or unless-stopped",
        ),
        (
            5,
            "type",
            "9 is not a template type (1 container, 2 swarm stack, 3 compose stack, 4 edge stack)",
        ),
        (
            6,
            "repository",
            "is missing; a swarm stack template needs a repository with a url and a stackfile",
        ),
        (7, "repository.stackfile", "is missing"),
        (
            8,
            "type",
            "is missing, and with no image the template cannot be a container",
        ),
        (9, "env[0].name", "is missing"),
        (
            9,
            "env[1].name",
            "\"A=B\" contains '=', which cannot be part of a variable name",
        ),
        (9, "env[2].select[0].value", "is missing"),
        (9, "env[3]", "is text, not an object"),
        (10, "volumes[0].container", "is missing"),
        (10, "volumes[1].container", "is a number, not text"),
        (10, "labels[0].name", "is missing"),
        (11, "id", "\"one\" is not a whole number"),
        (11, "categories", "is text, not a list"),
        (11, "privileged", "is a number, not true or false"),
        (12, "title", "is a number, not text"),
    ];
    let found_ref: Vec<(usize, &str, &str)> = found
        .iter()
        .map(|(i, f, m)| (*i, f.as_str(), m.as_str()))
        .collect();
    assert_eq!(found_ref, expected);
    let kept: Vec<String> = parse(json).templates.into_iter().map(|t| t.title).collect();
    assert_eq!(kept, ["Fine"]);
}

#[test]
fn problems_carry_the_title_when_it_could_be_read() {
    let c =
        parse(r#"{"templates": [{"type": 1, "title": "Ports", "image": "x", "ports": ["a"]}]}"#);
    assert_eq!(c.problems[0].title.as_deref(), Some("Ports"));
}

#[test]
fn oversized_strings_are_a_problem_on_their_field() {
    let note = "n".repeat(MAX_STRING_BYTES + 1);
    let json = format!(
        r#"{{"templates": [{{"type": 1, "title": "Big", "image": "x", "note": "{note}"}}]}}"#
    );
    let found = problems(&json);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].0, found[0].1.as_str()), (0, "note"));
    assert!(found[0].2.contains("at most 64 KiB"), "{}", found[0].2);
}

#[test]
fn whole_source_errors() {
    let err = |json: &str| parse_catalogue(json.as_bytes()).err();
    assert!(matches!(err("{not json"), Some(CatalogueError::NotJson(_))));
    assert!(matches!(
        err(r#"{"items": []}"#),
        Some(CatalogueError::NoTemplates(_))
    ));
    assert!(matches!(
        err(r#""templates""#),
        Some(CatalogueError::NoTemplates(_))
    ));
    assert_eq!(
        err(r#"{"version": "7", "templates": []}"#),
        Some(CatalogueError::UnknownVersion("\"7\"".into()))
    );
    assert_eq!(
        err(r#"{"version": 2.5, "templates": []}"#),
        Some(CatalogueError::UnknownVersion("2.5".into()))
    );
    assert_eq!(
        err(r#"{"version": 7, "templates": []}"#)
            .map(|e| e.to_string())
            .as_deref(),
        Some("the catalogue says version 7; Squirrel reads versions 2 and 3 (or none)")
    );
    assert_eq!(
        parse_catalogue(br#"{"version": 2, "templates": []}"#).map(|c| c.format),
        Ok(CatalogueFormat::PortainerV2)
    );
}

/// Any JSON value: scalars, and lists and objects of them, nested a few levels. Keys are
/// drawn mostly from the template vocabulary so the generator reaches the field readers.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("type".to_owned()),
        Just("title".to_owned()),
        Just("image".to_owned()),
        Just("ports".to_owned()),
        Just("env".to_owned()),
        Just("volumes".to_owned()),
        Just("labels".to_owned()),
        Just("select".to_owned()),
        Just("repository".to_owned()),
        Just("restart_policy".to_owned()),
        Just("host".to_owned()),
        Just("container".to_owned()),
        Just("bind".to_owned()),
        Just("name".to_owned()),
        Just("value".to_owned()),
        Just("default".to_owned()),
        "[a-z_-]{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[0-9:/.\\[\\]a-z -]{0,16}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 96, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_json_never_panics(value in json_value()) {
        let _ = parse_catalogue(value.to_string().as_bytes());
    }

    #[test]
    fn random_templates_lists_never_panic(
        templates in prop::collection::vec(json_value(), 0..6),
        version in prop_oneof![Just(Value::Null), Just(Value::from("3")), Just(Value::from(2))],
    ) {
        let root = serde_json::json!({"version": version, "templates": templates});
        let parsed = parse_catalogue(root.to_string().as_bytes());
        prop_assert!(parsed.is_ok());
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_catalogue(&bytes);
    }
}
