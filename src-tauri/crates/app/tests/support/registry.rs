//! A real image registry (Debian's `docker-registry`, the CNCF distribution) on a loopback
//! port, with its storage in a temporary folder. Engines push to it without TLS: loopback
//! registries are insecure by default.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{free_port, TestEngine};

pub struct TestRegistry {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl TestRegistry {
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// A registry that asks for `user` and `password` (htpasswd, bcrypt: all that
    /// distribution accepts) for everything, pulls included.
    pub fn start_with_login(user: &str, password: &str) -> Self {
        Self::start_with(Some((user, password)))
    }

    fn start_with(login: Option<(&str, &str)>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = dir.path().join("config.yml");
        let mut auth = String::new();
        if let Some((user, password)) = login {
            let htpasswd = dir.path().join("htpasswd");
            let hash = bcrypt::hash(password, 4).unwrap();
            std::fs::write(&htpasswd, format!("{user}:{hash}\n")).unwrap();
            auth = format!(
                "auth:\n  htpasswd:\n    realm: test-realm\n    path: {}\n",
                htpasswd.display()
            );
        }
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{auth}",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("docker-registry is missing: apt-get install docker-registry");
        let registry = Self { port, dir, child };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the registry did not listen within 20 s: {}",
                registry.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    /// `127.0.0.1:<port>`
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Pushes `busybox:local` of `engine` as `<registry>/<name>` and returns that reference.
    pub fn push_busybox(&self, engine: &TestEngine, name: &str) -> String {
        let reference = format!("{}/{name}", self.host());
        engine.cli(&["tag", "busybox:local", &reference]);
        engine.cli(&["push", "--quiet", &reference]);
        engine.cli(&["rmi", &reference]);
        reference
    }

    /// Pushes an image made of `busybox:local` plus a layer of `kib` KiB of random data as
    /// `<registry>/<name>`: engines that have busybox still download that layer, so a pull
    /// shows progress. The image is removed from `engine` again.
    pub fn push_with_layer(&self, engine: &TestEngine, name: &str, kib: u32) -> String {
        let reference = format!("{}/{name}", self.host());
        let builder = format!("layer-{}", super::free_port());
        engine.cli(&[
            "run",
            "--name",
            &builder,
            "busybox:local",
            "dd",
            "if=/dev/urandom",
            "of=/payload",
            "bs=1024",
            &format!("count={kib}"),
        ]);
        engine.cli(&["commit", &builder, &reference]);
        engine.cli(&["rm", &builder]);
        engine.cli(&["push", "--quiet", &reference]);
        engine.cli(&["rmi", &reference]);
        reference
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
