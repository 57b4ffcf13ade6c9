//! Registries against real components: a real registry that asks for a login (htpasswd,
//! bcrypt), the real OS keyring, a real engine and SQLite file. A private image is checked
//! only once its registry is added; the secret is in the keyring and nowhere in the
//! database; a login test tells right from wrong; Docker's config.json is imported.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;

use base64::Engine as _;
use squirrel_core::ports::ContainerRepository;
use squirrel_core::secrets::{Secret, SecretStore};
use squirrel_core::updates::{Finding, NewRegistry, RegistryProvider};
use squirrel_core::CoreError;
use support::registry::TestRegistry;
use support::{App, TestEngine};

const USER: &str = "homelab";

/// `docker <args>` against `engine` with a Docker config of its own (a login must not touch
/// the user's).
fn docker(engine: &TestEngine, config: &std::path::Path, args: &[&str]) {
    let out = Command::new("docker")
        .env("DOCKER_HOST", engine.host())
        .env("DOCKER_CONFIG", config)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn new(host: &str, user: Option<&str>) -> NewRegistry {
    NewRegistry {
        name: String::new(),
        host: host.into(),
        provider: None,
        username: user.map(str::to_string),
    }
}

/// Every file of the data folder, as bytes (the database, its WAL, anything beside).
fn data_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().is_file() {
            all.extend(std::fs::read(entry.path()).unwrap_or_default());
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_registry_is_checked_with_its_keyring_credentials_once_added() {
    let password = format!("pw-{}", uuid_suffix());
    let registry = TestRegistry::start_with_login(USER, &password);
    let engine = TestEngine::start();
    let config = tempfile::tempdir().unwrap();
    let host = registry.host();
    docker(
        &engine,
        config.path(),
        &["login", "-u", USER, "-p", &password, &host],
    );
    for tag in ["1.0.0", "1.1.0"] {
        let reference = format!("{host}/private/app:{tag}");
        docker(
            &engine,
            config.path(),
            &["tag", "busybox:local", &reference],
        );
        docker(&engine, config.path(), &["push", "--quiet", &reference]);
    }
    docker(
        &engine,
        config.path(),
        &[
            "run",
            "-d",
            "--name",
            "private",
            &format!("{host}/private/app:1.0.0"),
            "sleep",
            "600",
        ],
    );

    let app = App::new().await;
    app.add_engine(&engine, "local").await;
    let finding = |check: &squirrel_core::updates::UpdateCheck, uuid: &str| {
        check
            .findings
            .iter()
            .find(|f| f.container_uuid == uuid)
            .map(|f| f.finding.clone())
            .unwrap()
    };
    let uuid = app
        .store()
        .list_containers()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == "private")
        .unwrap()
        .uuid;

    // Not added yet: the registry refuses, and the finding says what to do.
    let check = app.updates().check_now().await.unwrap();
    assert!(
        matches!(finding(&check, &uuid), Finding::Failed { error } if error.contains("add or correct them under Registries")),
        "{check:#?}"
    );

    // A login test tells a wrong password from the right one, storing nothing.
    let wrong = app
        .registries()
        .test(new(&host, Some(USER)), Some(Secret::new("not-it")), None)
        .await;
    assert!(
        matches!(&wrong, Err(CoreError::InvalidInput(m)) if m.contains("refused")),
        "{wrong:?}"
    );
    app.registries()
        .test(
            new(&host, Some(USER)),
            Some(Secret::new(password.clone())),
            None,
        )
        .await
        .unwrap();
    assert!(app.registries().list().await.unwrap().is_empty());

    // Added: the secret is in the keyring, nowhere in the data folder.
    let entry = app
        .registries()
        .add(
            new(&format!("http://{host}/"), Some(USER)),
            Some(Secret::new(password.clone())),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            entry.host.as_str(),
            entry.provider,
            entry.username.as_deref()
        ),
        (host.as_str(), RegistryProvider::Custom, Some(USER))
    );
    let at = entry.secret.clone().unwrap();
    let keyring = squirrel_secrets::OsKeyring;
    assert_eq!(
        keyring
            .get(&at)
            .await
            .unwrap()
            .map(|s| s.expose().to_string()),
        Some(password.clone())
    );
    app.registries()
        .test(new("", None), None, Some(&entry.uuid))
        .await
        .unwrap();
    let again = app.registries().add(new(&host, None), None).await;
    assert!(
        matches!(&again, Err(CoreError::InvalidInput(m)) if m.contains("already added")),
        "{again:?}"
    );

    // The check now logs in and finds the newer tag.
    let check = app.updates().check_now().await.unwrap();
    assert_eq!(
        finding(&check, &uuid),
        Finding::Available {
            new_digest: None,
            newer_tag: Some("1.1.0".into())
        }
    );
    assert!(
        !contains(&data_bytes(app.data_dir()), &password),
        "the password is in the data folder"
    );

    // Pulls log in with the same credentials (what a deploy of a private image does): the
    // engine had only the tag pushed from it; a pull by the app now brings it back.
    let image = format!("{host}/private/app:1.1.0");
    engine.cli(&["rmi", &image]);
    let device = app.store().list_containers().await.unwrap()[0]
        .device_uuid
        .clone();
    let runtime = app.containers.device_runtime(&device).await.unwrap();
    let refused = runtime.pull_image(&image, None, &|_| {}).await;
    assert!(
        refused.is_err(),
        "an anonymous pull of a private image went through"
    );
    let creds = app.registries().credentials_for_image(&image).await;
    assert_eq!(creds.as_ref().map(|c| c.username.as_str()), Some(USER));
    runtime
        .pull_image(&image, creds.as_ref(), &|_| {})
        .await
        .unwrap();
    engine.cli(&["image", "inspect", &image]);

    // Docker's config.json: entries with a user and password are added, known hosts kept;
    // the rest is read from the credential helpers it names, run for real: Docker's own
    // `docker-credential-secretservice` over this session's keyring as the store, and a
    // per-host helper that is not installed, said so.
    let hub_password = format!("hub-{}", uuid_suffix());
    let ghcr_token = format!("ghcr-{}", uuid_suffix());
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("hubuser:{hub_password}"));
    helper_store(
        "secretservice",
        &serde_json::json!({ "ServerURL": "ghcr.io", "Username": "octo", "Secret": ghcr_token }),
    );
    let config_json = serde_json::json!({
        "auths": {
            "https://index.docker.io/v1/": { "auth": auth },
            (host.clone()): { "auth": "aG9tZWxhYjp4" },
            "ghcr.io": {},
        },
        "credHelpers": { "quay.io": "squirrel-missing" },
        "credsStore": "secretservice"
    });
    let helpers = squirrel_app::ProcessCredentialHelpers;
    let report = app
        .registries()
        .import_docker_config(&config_json.to_string(), &helpers)
        .await
        .unwrap();
    let mut added = report.added.clone();
    added.sort();
    assert_eq!(added, ["docker.io", "ghcr.io"], "{report:?}");
    assert_eq!(report.skipped, vec![host.clone()]);
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.failed[0].0, "quay.io");
    assert!(
        report.failed[0]
            .1
            .contains("docker-credential-squirrel-missing is not installed"),
        "{report:?}"
    );
    let ghcr = app
        .registries()
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.host == "ghcr.io")
        .unwrap();
    assert_eq!(ghcr.username.as_deref(), Some("octo"));
    assert_eq!(
        keyring
            .get(&ghcr.secret.clone().unwrap())
            .await
            .unwrap()
            .map(|s| s.expose().to_string()),
        Some(ghcr_token.clone())
    );
    assert!(!contains(&data_bytes(app.data_dir()), &ghcr_token));
    assert!(!format!("{report:?}").contains(&ghcr_token));
    let hub = app
        .registries()
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.host == "docker.io")
        .unwrap();
    assert_eq!(
        (hub.provider, hub.username.as_deref()),
        (RegistryProvider::DockerHub, Some("hubuser"))
    );
    let hub_at = hub.secret.clone().unwrap();
    assert_eq!(
        keyring
            .get(&hub_at)
            .await
            .unwrap()
            .map(|s| s.expose().to_string()),
        Some(hub_password.clone())
    );
    assert!(!contains(&data_bytes(app.data_dir()), &hub_password));
    let bad = app
        .registries()
        .import_docker_config("{ not json", &helpers)
        .await;
    assert!(matches!(bad, Err(CoreError::InvalidInput(_))));

    // Removed: the keyring entries go with them.
    for r in app.registries().list().await.unwrap() {
        app.registries().remove(&r.uuid).await.unwrap();
    }
    assert!(app.registries().list().await.unwrap().is_empty());
    assert_eq!(
        keyring
            .get(&at)
            .await
            .unwrap()
            .map(|s| s.expose().to_string()),
        None
    );
    assert_eq!(
        keyring
            .get(&hub_at)
            .await
            .unwrap()
            .map(|s| s.expose().to_string()),
        None
    );
}

fn uuid_suffix() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// Stores credentials with a Docker credential helper, as `docker login` does.
fn helper_store(helper: &str, creds: &serde_json::Value) {
    use std::io::Write;
    let mut child = Command::new(format!("docker-credential-{helper}"))
        .arg("store")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(creds.to_string().as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
}
