//! The registry client against a real registry: Debian's `docker-registry` (distribution
//! 2.8) with htpasswd (bcrypt) authentication, started by the test on a free loopback port.
//! Images are pushed through the registry's own API (blobs, manifests, an OCI index), so
//! every digest the client reads is checked against the sha256 of the bytes pushed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use squirrel_core::secrets::Secret;
use squirrel_core::templates::ImageRef;
use squirrel_core::updates::{
    newest_tag, RegistryCredentials, RegistryError, RegistryPort, UpdatePolicy,
};
use squirrel_registry::RegistryClient;

const USER: &str = "squirrel";
const PASSWORD: &str = "c0rrect-h0rse";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

struct Registry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
    http: reqwest::Client,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sha(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

impl Registry {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let hash = bcrypt::hash(PASSWORD, 4).unwrap();
        std::fs::write(dir.path().join("htpasswd"), format!("{USER}:{hash}\n")).unwrap();
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {root}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\nauth:\n  htpasswd:\n    realm: basic-realm\n    path: {htpasswd}\n",
            root = dir.path().join("data").display(),
            htpasswd = dir.path().join("htpasswd").display(),
        );
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry (Debian package docker-registry) must be installed");
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::new();
        let registry = Self {
            child,
            port,
            _dir: dir,
            http,
        };
        // The registry has no readiness signal: its API answering is the signal.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let answer = registry.http.get(registry.url("/v2/")).send().await;
            if answer.is_ok_and(|r| r.status() == 401) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the registry did not start within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        registry
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn image(&self, reference: &str) -> ImageRef {
        ImageRef::parse(&format!("127.0.0.1:{}/{reference}", self.port)).unwrap()
    }

    async fn push_blob(&self, name: &str, bytes: &[u8]) -> String {
        let digest = sha(bytes);
        let started = self
            .http
            .post(self.url(&format!("/v2/{name}/blobs/uploads/")))
            .basic_auth(USER, Some(PASSWORD))
            .send()
            .await
            .unwrap();
        assert_eq!(started.status(), 202, "blob upload refused");
        let location = started.headers()["location"].to_str().unwrap().to_string();
        let location = if location.starts_with("http") {
            location
        } else {
            self.url(&location)
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        let put = self
            .http
            .put(format!("{location}{sep}digest={digest}"))
            .basic_auth(USER, Some(PASSWORD))
            .header("content-type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), 201, "blob not stored");
        digest
    }

    async fn put_manifest(
        &self,
        name: &str,
        reference: &str,
        media_type: &str,
        body: &[u8],
    ) -> String {
        let put = self
            .http
            .put(self.url(&format!("/v2/{name}/manifests/{reference}")))
            .basic_auth(USER, Some(PASSWORD))
            .header("content-type", media_type)
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let status = put.status();
        assert_eq!(
            status,
            201,
            "manifest not stored: {}",
            put.text().await.unwrap_or_default()
        );
        sha(body)
    }

    /// Pushes an image whose config says `label` (so each push has its own digest); returns
    /// the manifest's bytes' digest and its size.
    async fn push_image(&self, name: &str, tag: &str, label: &str, arch: &str) -> (String, usize) {
        let config = format!(
            r#"{{"architecture":"{arch}","os":"linux","config":{{"Labels":{{"v":"{label}"}}}},"rootfs":{{"type":"layers","diff_ids":["{layer}"]}}}}"#,
            layer = sha(label.as_bytes())
        );
        let config_digest = self.push_blob(name, config.as_bytes()).await;
        let layer_digest = self.push_blob(name, label.as_bytes()).await;
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"{DOCKER_MANIFEST}","config":{{"mediaType":"application/vnd.docker.container.image.v1+json","size":{},"digest":"{config_digest}"}},"layers":[{{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":{},"digest":"{layer_digest}"}}]}}"#,
            config.len(),
            label.len()
        );
        let digest = self
            .put_manifest(name, tag, DOCKER_MANIFEST, manifest.as_bytes())
            .await;
        (digest, manifest.len())
    }
}

fn credentials(password: &str) -> RegistryCredentials {
    RegistryCredentials {
        username: USER.into(),
        secret: Secret::new(password),
    }
}

async fn bounded<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .unwrap_or_else(|_| panic!("{what} took over 60 s"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digests_tags_and_credentials_against_a_real_registry() {
    let registry = bounded("starting the registry", Registry::start()).await;
    let name = "homelab/app";
    let mut pushed = Vec::new();
    for tag in ["1.0.0", "1.0.1", "1.1.0", "2.0.0"] {
        pushed.push(bounded("a push", registry.push_image(name, tag, tag, "amd64")).await);
    }
    // A multi-arch index over two platform manifests, pushed by digest then tagged.
    let (amd, amd_size) = bounded(
        "a push",
        registry.push_image(name, "amd64-only", "amd", "amd64"),
    )
    .await;
    let (arm, arm_size) = bounded(
        "a push",
        registry.push_image(name, "arm64-only", "arm", "arm64"),
    )
    .await;
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"mediaType":"{DOCKER_MANIFEST}","size":{amd_size},"digest":"{amd}","platform":{{"architecture":"amd64","os":"linux"}}}},{{"mediaType":"{DOCKER_MANIFEST}","size":{arm_size},"digest":"{arm}","platform":{{"architecture":"arm64","os":"linux"}}}}]}}"#
    );
    let index_digest = bounded(
        "the index",
        registry.put_manifest(name, "multi", OCI_INDEX, index.as_bytes()),
    )
    .await;

    let client = RegistryClient::new();
    let good = credentials(PASSWORD);

    // A tag's digest is the sha256 of the manifest pushed; an index's is the index's, never
    // a platform manifest's.
    let m = bounded(
        "a HEAD",
        client.manifest(&registry.image(&format!("{name}:1.0.0")), Some(&good)),
    )
    .await
    .unwrap();
    assert_eq!(m.digest, pushed[0].0);
    assert_eq!(m.media_type, DOCKER_MANIFEST);
    assert_eq!(
        m.rate_limit, None,
        "a registry without limits sends no ratelimit headers"
    );
    let multi = bounded(
        "a HEAD",
        client.manifest(&registry.image(&format!("{name}:multi")), Some(&good)),
    )
    .await
    .unwrap();
    assert_eq!(multi.digest, index_digest);
    assert_eq!(multi.media_type, OCI_INDEX);
    assert_ne!(multi.digest, amd);

    // Once the registry's way is known, a check is one HEAD and nothing else.
    let before = client.requests();
    let again = bounded(
        "a HEAD",
        client.manifest(&registry.image(&format!("{name}:1.0.1")), Some(&good)),
    )
    .await
    .unwrap();
    assert_eq!(again.digest, pushed[1].0);
    let after = client.requests();
    assert_eq!(
        (
            after.head - before.head,
            after.get - before.get,
            after.token - before.token
        ),
        (1, 0, 0)
    );

    // Tags, and the newest each policy allows from 1.0.0.
    let tags = bounded("the tags", client.tags(&registry.image(name), Some(&good)))
        .await
        .unwrap();
    let mut sorted = tags.tags.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "2.0.0",
            "amd64-only",
            "arm64-only",
            "multi"
        ]
    );
    let table = [
        (UpdatePolicy::Digest, None),
        (UpdatePolicy::Patch, Some("1.0.1")),
        (UpdatePolicy::Minor, Some("1.1.0")),
        (UpdatePolicy::Major, Some("2.0.0")),
    ];
    for (policy, want) in table {
        assert_eq!(
            newest_tag("1.0.0", tags.tags.iter().map(String::as_str), policy),
            want,
            "{policy:?}"
        );
    }

    // A tag pushed again with new content has a new digest.
    let (repushed, _) = bounded(
        "a push",
        registry.push_image(name, "1.0.0", "1.0.0 again", "amd64"),
    )
    .await;
    let now = bounded(
        "a HEAD",
        client.manifest(&registry.image(&format!("{name}:1.0.0")), Some(&good)),
    )
    .await
    .unwrap();
    assert_eq!(now.digest, repushed);
    assert_ne!(now.digest, pushed[0].0);

    // What is missing is said so.
    let missing = bounded(
        "a HEAD",
        client.manifest(&registry.image(&format!("{name}:9.9.9")), Some(&good)),
    )
    .await;
    assert!(
        matches!(missing, Err(RegistryError::NotFound { .. })),
        "{missing:?}"
    );
    let no_repo = bounded(
        "the tags",
        client.tags(&registry.image("homelab/nope"), Some(&good)),
    )
    .await;
    assert!(
        matches!(no_repo, Err(RegistryError::NotFound { .. })),
        "{no_repo:?}"
    );

    // A login says whether the credentials are accepted.
    let host = format!("127.0.0.1:{}", registry.port);
    bounded("a login", client.login(&host, Some(&good)))
        .await
        .unwrap();
    let refused = bounded("a login", client.login(&host, Some(&credentials("nope")))).await;
    assert!(
        matches!(refused, Err(RegistryError::Unauthorized { .. })),
        "{refused:?}"
    );
    let anonymous = bounded("a login", client.login(&host, None)).await;
    assert!(
        matches!(anonymous, Err(RegistryError::Unauthorized { .. })),
        "{anonymous:?}"
    );

    // Without credentials, or with wrong ones: refused, in words that hold no secret.
    let fresh = RegistryClient::new();
    let anonymous = bounded(
        "a HEAD",
        fresh.manifest(&registry.image(&format!("{name}:1.0.0")), None),
    )
    .await;
    assert!(
        matches!(anonymous, Err(RegistryError::Unauthorized { .. })),
        "{anonymous:?}"
    );
    let wrong = bounded(
        "a HEAD",
        fresh.manifest(
            &registry.image(&format!("{name}:1.0.0")),
            Some(&credentials("hunter2-wrong")),
        ),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(wrong, RegistryError::Unauthorized { .. }),
        "{wrong:?}"
    );
    let said = format!("{wrong} {wrong:?}");
    assert!(
        !said.contains("hunter2-wrong") && said.contains(&format!("127.0.0.1:{}", registry.port)),
        "{said}"
    );
}
