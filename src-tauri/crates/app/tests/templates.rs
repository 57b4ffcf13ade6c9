//! Templates against real components: deploys pulled from a real registry to two real
//! engines (one over SSH), checked with `docker inspect`; checks that refuse a taken name
//! and a published port before anything is created; a failed target that cleans up after
//! itself while the other goes on; catalogue sources over a real HTTP server (validators,
//! offline cache, broken sources); logos; the user's own templates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use squirrel_core::model::{DeviceConnection, SshAuth};
use squirrel_core::templates::{
    parse_catalogue, DeployEvent, DeployPlan, DeployRequest, PullPolicy, SourceLocation, Template,
    MY_SOURCE,
};
use support::registry::TestRegistry;
use support::sshd::{client_key, TestSshd};
use support::{approve_host_key, free_port, App, TestEngine};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One template of a v3 catalogue written for these tests.
fn template(json: &str) -> Template {
    let file = format!(r#"{{"version":"3","templates":[{json}]}}"#);
    let catalogue = parse_catalogue(file.as_bytes()).unwrap();
    assert_eq!(catalogue.problems, vec![]);
    catalogue.templates.into_iter().next().unwrap()
}

fn inspect(engine: &TestEngine, name: &str) -> Value {
    let out = engine.cli(&["inspect", name]);
    serde_json::from_str::<Vec<Value>>(&out).unwrap().remove(0)
}

/// Collects a deploy's events, as the window's channel would receive them.
fn recorder() -> (
    Arc<Mutex<Vec<DeployEvent>>>,
    squirrel_core::services::DeploySink,
) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    (
        events,
        Arc::new(move |e: DeployEvent| sink.lock().unwrap().push(e)),
    )
}

fn device_of(e: &DeployEvent) -> &str {
    match e {
        DeployEvent::Step { device_uuid, .. }
        | DeployEvent::Pull { device_uuid, .. }
        | DeployEvent::Warning { device_uuid, .. }
        | DeployEvent::Done { device_uuid, .. }
        | DeployEvent::Failed { device_uuid, .. } => device_uuid,
    }
}

/// What one device went through, in order, with pull events folded into one `pull`.
fn story(events: &[DeployEvent], device: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in events.iter().filter(|e| device_of(e) == device) {
        let word = match e {
            DeployEvent::Step { step, .. } => format!("{step:?}").to_lowercase(),
            DeployEvent::Pull { .. } => "pull".into(),
            DeployEvent::Warning { .. } => "warning".into(),
            DeployEvent::Done { .. } => "done".into(),
            DeployEvent::Failed { .. } => "failed".into(),
        };
        if out.last() != Some(&word) {
            out.push(word);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_deploys_to_two_engines_one_over_ssh_as_asked() {
    let registry = TestRegistry::start();
    let local = TestEngine::start();
    let remote = TestEngine::start();
    let image = registry.push_with_layer(&local, "apps/web:1.0", 4096);
    let _net_a = local.open_bridge_network("apps");
    let _net_b = remote.open_bridge_network("apps");
    let keys = tempfile::tempdir().unwrap();
    let key = client_key(keys.path(), "id_plain", "");
    let sshd = TestSshd::start(&[&key], "");
    let app = App::new().await;
    let a = app.add_engine(&local, "local").await.uuid;
    let over_ssh = DeviceConnection::Ssh {
        host: "127.0.0.1".into(),
        port: Some(sshd.port),
        user: Some("root".into()),
        socket_path: remote.socket().display().to_string(),
        auth: SshAuth::KeyFile {
            path: key.display().to_string(),
            passphrase: None,
        },
    };
    approve_host_key(&app, &over_ssh).await;
    let b = app.add_engine_with(over_ssh, "remote").await;

    let bind_dir = tempfile::tempdir().unwrap();
    let t = template(&format!(
        r#"{{"id":1,"type":1,"title":"Web","name":"web-app","image":"{image}",
            "env":[{{"name":"MODE","select":[{{"text":"Fast","value":"fast"}},{{"text":"Safe","value":"safe","default":true}}]}},
                   {{"name":"GREETING","default":"hello"}},
                   {{"name":"SECRET_KEY","label":"Secret"}}],
            "ports":["80/tcp"],
            "volumes":[{{"container":"/data","bind":"web-app-data"}},{{"container":"/conf","bind":"{}","readonly":true}}],
            "labels":[{{"name":"lab.owner","value":"tests"}}],
            "restart_policy":"unless-stopped","hostname":"webhost",
            "command":"httpd -f -p 80 -h /"}}"#,
        bind_dir.path().display()
    ));
    let mut env = BTreeMap::new();
    env.insert("SECRET_KEY".to_owned(), "s3cret".to_owned());
    let mut plan = DeployPlan::from_template(&t, &env).unwrap();
    plan.network = Some("apps".into());
    plan.memory_bytes = Some(64 << 20);
    plan.cpus = Some(0.5);
    plan.cap_add = vec!["NET_ADMIN".into()];
    let targets = vec![a.clone(), b.clone()];

    let check = app.templates().check(&targets, &plan).await.unwrap();
    assert!(check.ok(), "{check:#?}");
    assert!(
        check.run_line.starts_with("docker run -d --name web-app"),
        "{}",
        check.run_line
    );

    let (events, sink) = recorder();
    let outcomes = tokio::time::timeout(
        support::WAIT * 4,
        app.templates().deploy(
            DeployRequest {
                targets: targets.clone(),
                plan: plan.clone(),
                pull: PullPolicy::Always,
            },
            sink,
        ),
    )
    .await
    .expect("the deploy did not end in time")
    .unwrap();
    assert_eq!(outcomes.len(), 2);
    for o in &outcomes {
        assert_eq!(o.error, None, "{o:#?}");
        assert!(o.container_uuid.is_some(), "the inventory has it: {o:#?}");
    }
    let events = events.lock().unwrap().clone();
    for device in [&a, &b] {
        assert_eq!(
            story(&events, device),
            ["checking", "pulling", "pull", "creating", "starting", "done"],
            "{events:#?}"
        );
        let last_pull = events
            .iter()
            .filter_map(|e| match e {
                DeployEvent::Pull {
                    device_uuid,
                    progress,
                } if device_uuid == device => Some(progress),
                _ => None,
            })
            .next_back()
            .unwrap();
        assert!(!last_pull.layers.is_empty(), "{last_pull:#?}");
        assert_eq!(last_pull.layers_done as usize, last_pull.layers.len());
    }

    for engine in [&local, &remote] {
        let c = inspect(engine, "web-app");
        assert_eq!(c["State"]["Running"], true, "{c:#}");
        let env: Vec<&str> = c["Config"]["Env"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for want in ["MODE=safe", "GREETING=hello", "SECRET_KEY=s3cret"] {
            assert!(env.contains(&want), "{want} in {env:?}");
        }
        assert_eq!(c["Config"]["Labels"]["lab.owner"], "tests");
        assert_eq!(c["Config"]["Hostname"], "webhost");
        assert_eq!(
            c["Config"]["Cmd"],
            serde_json::json!(["httpd", "-f", "-p", "80", "-h", "/"])
        );
        assert_eq!(c["HostConfig"]["RestartPolicy"]["Name"], "unless-stopped");
        assert_eq!(c["HostConfig"]["Memory"], 64 << 20);
        assert_eq!(c["HostConfig"]["NanoCpus"], 500_000_000);
        assert_eq!(c["HostConfig"]["CapAdd"], serde_json::json!(["NET_ADMIN"]));
        assert_eq!(c["HostConfig"]["NetworkMode"], "apps");
        let published = &c["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"];
        assert!(
            published.as_str().is_some_and(|p| p.parse::<u16>().is_ok()),
            "the engine picked a host port: {c:#}"
        );
        let mounts = c["Mounts"].as_array().unwrap();
        assert!(mounts.iter().any(|m| m["Type"] == "volume"
            && m["Name"] == "web-app-data"
            && m["Destination"] == "/data"));
        assert!(mounts
            .iter()
            .any(|m| m["Type"] == "bind" && m["Destination"] == "/conf" && m["RW"] == false));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_name_and_a_published_port_are_refused_before_anything_is_created() {
    let engine = TestEngine::start();
    let _net = engine.open_bridge_network("front");
    let port = free_port();
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "taken",
        "--network",
        "front",
        "-p",
        &format!("{port}:80"),
        "busybox:local",
        "httpd",
        "-f",
        "-p",
        "80",
    ]);
    let app = App::new().await;
    let device = app.add_engine(&engine, "local").await.uuid;
    let t = template(&format!(
        r#"{{"id":1,"type":1,"title":"Clash","name":"taken","image":"busybox:local",
            "ports":["{port}:80/tcp"],"volumes":[{{"container":"/data","bind":"clash-data"}}],
            "command":"sleep 600"}}"#
    ));
    let mut plan = DeployPlan::from_template(&t, &BTreeMap::new()).unwrap();
    plan.network = Some("front".into());
    let check = app
        .templates()
        .check(std::slice::from_ref(&device), &plan)
        .await
        .unwrap();
    let fields: Vec<&str> = check.targets[0]
        .problems
        .iter()
        .map(|p| p.field.as_str())
        .collect();
    assert_eq!(fields, ["name", "ports[0]"], "{check:#?}");
    assert!(check.targets[0].problems[1].message.contains("\"taken\""));

    let before = engine.cli(&["ps", "-aq"]);
    let (events, sink) = recorder();
    let outcomes = app
        .templates()
        .deploy(
            DeployRequest {
                targets: vec![device.clone()],
                plan,
                pull: PullPolicy::Never,
            },
            sink,
        )
        .await
        .unwrap();
    let error = outcomes[0].error.as_deref().unwrap();
    assert!(error.contains("already exists"), "{error}");
    assert_eq!(
        story(&events.lock().unwrap(), &device),
        ["checking", "failed"]
    );
    assert_eq!(engine.cli(&["ps", "-aq"]), before, "nothing was created");
    assert!(!engine.cli(&["volume", "ls", "-q"]).contains("clash-data"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_target_cleans_up_after_itself_and_the_other_goes_on() {
    let registry = TestRegistry::start();
    let good = TestEngine::start();
    let bad = TestEngine::start();
    // The image is on `good` under the registry's name, but not in the registry: the pull
    // fails everywhere, `good` goes on with its own copy, `bad` cannot.
    let image = format!("{}/apps/never-pushed:2", registry.host());
    good.cli(&["tag", "busybox:local", &image]);
    let app = App::new().await;
    let g = app.add_engine(&good, "good").await.uuid;
    let b = app.add_engine(&bad, "bad").await.uuid;
    let t = template(&format!(
        r#"{{"id":1,"type":1,"title":"Half","name":"half","image":"{image}",
            "volumes":[{{"container":"/data","bind":"half-data"}}],"command":"sleep 600"}}"#
    ));
    let plan = DeployPlan::from_template(&t, &BTreeMap::new()).unwrap();
    let (events, sink) = recorder();
    let outcomes = app
        .templates()
        .deploy(
            DeployRequest {
                targets: vec![g.clone(), b.clone()],
                plan: plan.clone(),
                pull: PullPolicy::Always,
            },
            sink,
        )
        .await
        .unwrap();
    let by = |d: &str| outcomes.iter().find(|o| o.device_uuid == d).unwrap();
    assert_eq!(by(&g).error, None, "{outcomes:#?}");
    let error = by(&b).error.clone().unwrap();
    assert!(error.contains("pulling"), "{error}");
    let events = events.lock().unwrap().clone();
    assert_eq!(
        story(&events, &g),
        ["checking", "pulling", "pull", "warning", "creating", "starting", "done"]
    );
    assert_eq!(
        story(&events, &b),
        ["checking", "pulling", "pull", "failed"]
    );
    assert_eq!(inspect(&good, "half")["State"]["Running"], true);
    assert!(bad.try_cli(&["inspect", "half"]).is_err());
    assert!(!bad.cli(&["volume", "ls", "-q"]).contains("half-data"));

    // A container that cannot start: what the deploy created goes again, named.
    let mut broken = plan;
    broken.name = "broken".into();
    broken.image = "busybox:local".into();
    broken.command = Some("/no/such/program".into());
    broken.volumes[0].source = squirrel_core::templates::VolumeSource::Named("broken-data".into());
    let (events, sink) = recorder();
    let outcomes = app
        .templates()
        .deploy(
            DeployRequest {
                targets: vec![b.clone()],
                plan: broken,
                pull: PullPolicy::Missing,
            },
            sink,
        )
        .await
        .unwrap();
    let o = &outcomes[0];
    assert!(o.error.as_deref().unwrap().contains("starting"), "{o:#?}");
    assert_eq!(o.cleaned_up, ["container broken", "volume broken-data"]);
    assert_eq!(
        story(&events.lock().unwrap(), &b),
        ["checking", "creating", "starting", "failed"]
    );
    assert!(bad.try_cli(&["inspect", "broken"]).is_err());
    assert!(!bad.cli(&["volume", "ls", "-q"]).contains("broken-data"));
}

// ---- catalogue sources over a real HTTP server ----

/// A small HTTP/1.1 server on loopback: one response per path, with an optional ETag
/// honoured on `If-None-Match`, and a log of the requests' conditional headers.
#[derive(Clone, Default)]
struct Site {
    pages: Arc<Mutex<BTreeMap<String, Page>>>,
    /// Path and `If-None-Match` of each request.
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// Content type, body and ETag.
type Page = (String, Vec<u8>, Option<String>);
type Seen = (String, Option<String>);

impl Site {
    fn put(&self, path: &str, content_type: &str, body: &[u8], etag: Option<&str>) {
        self.pages.lock().unwrap().insert(
            path.into(),
            (content_type.into(), body.to_vec(), etag.map(str::to_owned)),
        );
    }

    async fn serve(&self) -> (String, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let site = self.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let site = site.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        if socket.read(&mut byte).await.unwrap_or(0) == 0 {
                            return;
                        }
                        head.push(byte[0]);
                    }
                    let head = String::from_utf8_lossy(&head).to_string();
                    let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
                    let if_none_match = head
                        .lines()
                        .find_map(|l| {
                            l.strip_prefix("if-none-match: ")
                                .or(l.strip_prefix("If-None-Match: "))
                        })
                        .map(str::to_owned);
                    site.seen
                        .lock()
                        .unwrap()
                        .push((path.clone(), if_none_match.clone()));
                    let page = site.pages.lock().unwrap().get(&path).cloned();
                    let response = match page {
                        Some((_, _, Some(etag))) if if_none_match.as_deref() == Some(etag.as_str()) => {
                            format!("HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n").into_bytes()
                        }
                        Some((content_type, body, etag)) => {
                            let etag = etag.map(|e| format!("ETag: {e}\r\n")).unwrap_or_default();
                            let mut r = format!(
                                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{etag}Connection: close\r\n\r\n",
                                body.len()
                            )
                            .into_bytes();
                            r.extend_from_slice(&body);
                            r
                        }
                        None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
                    };
                    let _ = socket.write_all(&response).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        (base, task)
    }
}

const V2_SOURCE: &str = r#"{"version":"2","templates":[
  {"type":1,"title":"Alpha","description":"first","image":"nginx:1.27","ports":["8080:80/tcp"],"categories":["web"]},
  {"type":"1","title":"Beta","description":"second","image":"redis:7"},
  {"type":1,"title":"Broken","image":"nginx","ports":["8080-8090:80/tcp"]}
]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_are_fetched_conditionally_and_their_cache_serves_offline() {
    let site = Site::default();
    site.put(
        "/v2.json",
        "application/json",
        V2_SOURCE.as_bytes(),
        Some("\"one\""),
    );
    site.put("/junk.json", "text/html", b"<html>maintenance</html>", None);
    let (base, server) = site.serve().await;
    let app = App::new().await;
    let templates = app.templates();

    let added = templates
        .add_source("", SourceLocation::Url(format!("{base}/v2.json")))
        .await
        .unwrap();
    assert_eq!(added.template_count, 2);
    assert_eq!(added.problems.len(), 1);
    assert_eq!(added.problems[0].index, 2);
    assert_eq!(added.problems[0].field, "ports[0]");
    assert!(added.name.starts_with("127.0.0.1:"), "{}", added.name);

    let junk = templates
        .add_source("Junk", SourceLocation::Url(format!("{base}/junk.json")))
        .await
        .unwrap_err()
        .to_string();
    assert!(junk.contains("junk.json"), "{junk}");
    let missing = templates
        .add_source("Gone", SourceLocation::Url(format!("{base}/missing.json")))
        .await
        .unwrap_err()
        .to_string();
    assert!(missing.contains("404"), "{missing}");
    let not_url = templates
        .add_source("x", SourceLocation::Url("ftp://example.org/t.json".into()))
        .await
        .unwrap_err()
        .to_string();
    assert!(not_url.contains("https://"), "{not_url}");
    let with_password = templates
        .add_source(
            "x",
            SourceLocation::Url(format!("http://me:hunter2@{}/v2.json", &base[7..])),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(with_password.contains("password"), "{with_password}");
    assert!(!with_password.contains("hunter2"));

    // Unchanged: a conditional GET, answered 304.
    let refreshed = templates.refresh_source(&added.uuid).await.unwrap();
    assert_eq!(refreshed.error, None);
    assert_eq!(refreshed.template_count, 2);
    let last = site.seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(last, ("/v2.json".into(), Some("\"one\"".into())));

    // Changed: the new copy replaces the old.
    let v3 = r#"{"version":"3","templates":[{"id":7,"type":1,"title":"Gamma","image":"busybox"}]}"#;
    site.put(
        "/v2.json",
        "application/json",
        v3.as_bytes(),
        Some("\"two\""),
    );
    let refreshed = templates.refresh_source(&added.uuid).await.unwrap();
    assert_eq!(refreshed.template_count, 1);
    let view = templates.catalogue().await.unwrap();
    let titles: Vec<&str> = view
        .entries
        .iter()
        .filter(|e| e.source_uuid == added.uuid)
        .map(|e| e.template.title.as_str())
        .collect();
    assert_eq!(titles, ["Gamma"]);
    assert!(view.entries.iter().any(|e| e.source_uuid == "bundled"));

    // Offline: the refresh fails and says why; the cached copy is still listed.
    server.abort();
    let _ = server.await;
    let offline = templates.refresh_source(&added.uuid).await.unwrap();
    assert!(
        offline
            .error
            .as_deref()
            .is_some_and(|e| e.contains("connect")),
        "{offline:#?}"
    );
    assert_eq!(offline.template_count, 1);

    // Disabled: listed, its templates not.
    templates
        .set_source_enabled(&added.uuid, false)
        .await
        .unwrap();
    let view = templates.catalogue().await.unwrap();
    assert!(view.entries.iter().all(|e| e.source_uuid != added.uuid));
    templates.remove_source(&added.uuid).await.unwrap();
    let view = templates.catalogue().await.unwrap();
    assert!(view.sources.iter().all(|s| s.uuid != added.uuid));

    // A local file.
    let file = app.dir.path().join("mine.json");
    std::fs::write(&file, V2_SOURCE).unwrap();
    let from_file = templates
        .add_source("Local", SourceLocation::File(file.display().to_string()))
        .await
        .unwrap();
    assert_eq!(from_file.template_count, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logos_come_as_data_urls_only_when_they_are_images_and_are_kept_on_disk() {
    let site = Site::default();
    let png = b"\x89PNG\r\n\x1a\n0000IHDR-not-a-real-png-but-the-magic-is";
    site.put("/logo.png", "image/png", png, None);
    site.put(
        "/trap.png",
        "image/png",
        b"<html><script>alert(1)</script></html>",
        None,
    );
    let (base, server) = site.serve().await;
    let app = App::new().await;
    let url = format!("{base}/logo.png");
    let logo = app.logos().get(&url).await.unwrap();
    assert!(
        logo.starts_with("data:image/png;base64,iVBORw0KGgo"),
        "{logo}"
    );
    assert!(app.logos().get(&format!("{base}/trap.png")).await.is_none());
    assert!(app.logos().get("javascript:alert(1)").await.is_none());
    server.abort();
    let _ = server.await;
    // A new app over the same folder reads the logo from disk, with the server gone.
    let again = squirrel_app::LogoCache::new(
        app.data_dir().join("logos"),
        Arc::new(squirrel_app::ReqwestFetcher::new()),
    );
    assert_eq!(again.get(&url).await.as_deref(), Some(&*logo));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_templates_save_import_export_and_come_from_containers() {
    let engine = TestEngine::start();
    engine.cli(&[
        "create",
        "--name",
        "keeper",
        "-e",
        "DB_PASSWORD=hunter2",
        "-e",
        "TZ=UTC",
        "-l",
        "lab.role=db",
        "--restart",
        "always",
        "busybox:local",
        "sleep",
        "600",
    ]);
    let app = App::new().await;
    app.add_engine(&engine, "local").await;
    let templates = app.templates();

    let report = templates
        .import_my_templates(V2_SOURCE.as_bytes())
        .await
        .unwrap();
    assert_eq!(report.added, 2);
    assert_eq!(report.problems.len(), 1);

    let keeper = app
        .containers
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == "keeper")
        .unwrap();
    let draft = templates
        .template_from_container(&keeper.uuid)
        .await
        .unwrap();
    assert_eq!(draft.image.as_deref(), Some("busybox:local"));
    let secret = draft.env.iter().find(|e| e.name == "DB_PASSWORD").unwrap();
    assert_eq!(
        secret.default, None,
        "a password is not copied into a template"
    );
    assert!(draft
        .labels
        .iter()
        .any(|l| l.name == "lab.role" && l.value == "db"));
    let saved = templates.save_my_template(None, draft).await.unwrap();

    let mut bad = saved.template.clone();
    bad.title = "  ".into();
    let refused = templates
        .save_my_template(Some(&saved.uuid), bad)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("title"), "{refused}");

    let exported = templates.export_my_templates(None).await.unwrap();
    let read_back = parse_catalogue(exported.as_bytes()).unwrap();
    assert_eq!(read_back.problems, vec![]);
    let titles: Vec<&str> = read_back
        .templates
        .iter()
        .map(|t| t.title.as_str())
        .collect();
    assert_eq!(titles, ["Alpha", "Beta", "keeper"]);

    let view = templates.catalogue().await.unwrap();
    let mine = view
        .entries
        .iter()
        .filter(|e| e.source_uuid == MY_SOURCE)
        .count();
    assert_eq!(mine, 3);
    templates.delete_my_template(&saved.uuid).await.unwrap();
    assert_eq!(
        templates
            .catalogue()
            .await
            .unwrap()
            .entries
            .iter()
            .filter(|e| e.source_uuid == MY_SOURCE)
            .count(),
        2
    );
}
