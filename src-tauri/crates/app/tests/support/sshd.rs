//! A real OpenSSH server on a loopback port, with its own config, host key and authorized
//! keys, made at test time. It forwards to the test engine's socket like any remote host.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct TestSshd {
    pub dir: PathBuf,
    pub port: u16,
    child: Option<Child>,
    extra_config: String,
}

/// `ssh-keygen` with `args`, in `dir`.
pub fn keygen(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("ssh-keygen")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("ssh-keygen (apt-get install openssh-client)");
    assert!(
        out.status.success(),
        "ssh-keygen {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A client key pair in `dir`: `name` (private, with `passphrase`) and `name.pub`.
pub fn client_key(dir: &Path, name: &str, passphrase: &str) -> PathBuf {
    keygen(
        dir,
        &[
            "-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f", name,
        ],
    );
    dir.join(name)
}

impl TestSshd {
    /// Starts sshd accepting `authorized` public keys for root; `extra_config` is appended
    /// to its config (e.g. `AllowStreamLocalForwarding no`).
    pub fn start(authorized: &[&Path], extra_config: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("sqs")
            .tempdir_in("/tmp")
            .unwrap()
            .keep();
        let keys: Vec<String> = authorized
            .iter()
            .map(|k| std::fs::read_to_string(k.with_extension("pub")).unwrap())
            .collect();
        std::fs::write(dir.join("authorized_keys"), keys.join("")).unwrap();
        let mut sshd = Self {
            port: super::free_port(),
            dir,
            child: None,
            extra_config: extra_config.to_string(),
        };
        sshd.new_host_key();
        sshd.launch();
        sshd
    }

    /// Replaces the server's host key (as a reinstalled server would have).
    pub fn new_host_key(&mut self) {
        self.new_host_key_of("ed25519");
    }

    /// Replaces the server's host key with one of `algorithm` (`ssh-keygen -t`).
    pub fn new_host_key_of(&mut self, algorithm: &str) {
        let _ = std::fs::remove_file(self.dir.join("host_key"));
        let _ = std::fs::remove_file(self.dir.join("host_key.pub"));
        keygen(
            &self.dir,
            &["-q", "-t", algorithm, "-N", "", "-f", "host_key"],
        );
    }

    /// What sshd logged so far (`LogLevel VERBOSE`: connections and accepted keys).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }

    /// `SHA256:…` of the host key, as `ssh-keygen -lf` prints it.
    pub fn fingerprint(&self) -> String {
        let line = keygen(&self.dir, &["-lf", "host_key.pub"]);
        line.split_whitespace().nth(1).unwrap().to_string()
    }

    fn launch(&mut self) {
        // sshd wants an absolute path and a privilege-separation directory.
        std::fs::create_dir_all("/run/sshd").unwrap();
        // `SHLVL=1` keeps bash from reading root's ~/.bashrc for ssh commands: the machine's
        // shell setup (a stale pyenv rehash lock hung every command once) is not under test.
        // sshd takes the first `SetEnv` line only, so the extra config's variables join it.
        let mut env = vec!["SHLVL=1".to_string()];
        let mut extra = String::new();
        for line in self.extra_config.lines() {
            match line.strip_prefix("SetEnv ") {
                Some(vars) => env.push(vars.trim().to_string()),
                None => extra.push_str(&format!("{line}\n")),
            }
        }
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {dir}/host_key\nPidFile {dir}/sshd.pid\n\
             AuthorizedKeysFile {dir}/authorized_keys\nStrictModes no\nPermitRootLogin prohibit-password\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nLogLevel VERBOSE\n\
             SetEnv {env}\n{extra}",
            port = self.port,
            dir = self.dir.display(),
            env = env.join(" "),
        );
        std::fs::write(self.dir.join("sshd_config"), config).unwrap();
        let log = std::fs::File::create(self.dir.join("sshd.log")).unwrap();
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(self.dir.join("sshd_config"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("/usr/sbin/sshd (apt-get install openssh-server)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "sshd did not start: {}",
                std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops sshd and every session it serves: the SSH connections drop.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Per-connection sshd processes start sessions of their own: end the whole tree.
            for pid in descendants(child.id()) {
                let _ = Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .stderr(Stdio::null())
                    .status();
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// Freezes sshd and every session it serves (SIGSTOP): connections stay open, nothing
    /// answers.
    pub fn pause(&self) {
        self.signal_tree("-STOP");
    }

    /// Thaws a paused sshd and its sessions.
    pub fn resume(&self) {
        self.signal_tree("-CONT");
    }

    fn signal_tree(&self, sig: &str) {
        if let Some(child) = &self.child {
            let mut pids = vec![child.id()];
            pids.extend(descendants(child.id()));
            for pid in pids {
                let _ = Command::new("kill")
                    .args([sig, &pid.to_string()])
                    .stderr(Stdio::null())
                    .status();
            }
        }
    }
}

impl Drop for TestSshd {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Every process whose chain of parents reaches `root`.
fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    let pid: u32 = e.file_name().to_str()?.parse().ok()?;
                    let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
                    // "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
                    let ppid = stat
                        .rsplit_once(')')?
                        .1
                        .split_whitespace()
                        .nth(1)?
                        .parse()
                        .ok()?;
                    Some((pid, ppid))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}
