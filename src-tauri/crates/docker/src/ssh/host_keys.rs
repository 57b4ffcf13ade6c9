//! Host keys: checked against the system's and the user's `known_hosts` (or the files the SSH
//! config names instead) and Squirrel's own file, and the config's `RevokedHostKeys`; unknown
//! keys wait for the user's approval (trust on first use), changed, revoked or unreadable
//! entries are refused.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use russh::keys::ssh_key::Fingerprint;
use russh::keys::{Algorithm, HashAlg, PublicKey};
use squirrel_core::factory::WatcherKind;
use squirrel_core::model::HostKeyPrompt;
use squirrel_core::{CoreError, CoreResult};

use super::config::HostKeyFiles;
use super::known_hosts::{self, Found, Marker};

/// The known hosts every user of the machine shares (read, never written).
pub const SYSTEM_KNOWN_HOSTS: &str = "/etc/ssh/ssh_known_hosts";
/// How long a key shown by a server may be approved.
const PENDING_FOR: Duration = Duration::from_secs(10 * 60);
/// The start of a binary key revocation list (`ssh-keygen -k`).
const KRL_MAGIC: &[u8] = b"SSHKRL\n\0";

pub enum HostKeyCheck {
    Trusted,
    Unknown(HostKeyPrompt),
    /// Refused, with the warning to show: the key changed (or is of another algorithm than
    /// the one on file), is revoked, or a line about the host cannot be read.
    Changed(String),
}

/// The known hosts Squirrel reads (the system's, the user's, then its own) and writes (its own
/// only: Squirrel never edits the user's files).
pub struct HostKeyStore {
    own: PathBuf,
    /// The system's files, unless the config names others (`GlobalKnownHostsFile`).
    global: Vec<PathBuf>,
    /// The user's files, unless the config names others (`UserKnownHostsFile`).
    user: Vec<PathBuf>,
    /// Keys shown by servers and not yet approved, by host and port.
    pending: Mutex<HashMap<(String, u16), Pending>>,
    pending_for: Duration,
    /// One approval writes the own file at a time (each rewrites the whole file).
    writing: Mutex<()>,
    /// Syncs the own file's folder after a rename (replaced in tests).
    sync_folder: fn(&Path) -> std::io::Result<()>,
}

/// A key a server showed, the files it was checked against, and when.
#[derive(Clone)]
struct Pending {
    key: PublicKey,
    files: HostKeyFiles,
    shown: Instant,
}

/// A key on file for the host, and where.
struct OnFile<'a> {
    file: &'a Path,
    line: usize,
    key: PublicKey,
}

impl HostKeyStore {
    pub fn new(own: PathBuf, user: Option<PathBuf>) -> Self {
        let global = vec![PathBuf::from(SYSTEM_KNOWN_HOSTS)];
        Self::reading(own, global, user.into_iter().collect())
    }

    fn reading(own: PathBuf, global: Vec<PathBuf>, user: Vec<PathBuf>) -> Self {
        Self {
            own,
            global,
            user,
            pending: Mutex::new(HashMap::new()),
            pending_for: PENDING_FOR,
            writing: Mutex::new(()),
            sync_folder: |dir| std::fs::File::open(dir)?.sync_all(),
        }
    }

    /// The files to read for a host: the config's or the default global and user files, then
    /// the own file (always).
    fn files<'a>(&'a self, config: &'a HostKeyFiles) -> impl Iterator<Item = &'a Path> {
        let global = config.global.as_ref().unwrap_or(&self.global);
        let user = config.user.as_ref().unwrap_or(&self.user);
        global
            .iter()
            .chain(user)
            .chain(std::iter::once(&self.own))
            .map(PathBuf::as_path)
    }

    /// Every line about `host:port` in every file; `Err` is the reason to refuse the host (a
    /// file that exists but cannot be read, a line that names the host but cannot be parsed).
    fn lookup<'a>(
        &'a self,
        host: &str,
        port: u16,
        config: &'a HostKeyFiles,
    ) -> Result<Vec<(&'a Path, Found)>, String> {
        let name = known_hosts::host_name(host, port);
        let mut all = Vec::new();
        for file in self.files(config) {
            let text = match std::fs::read(file) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(format!(
                        "cannot read {} ({e}), where the SSH host keys of {host}:{port} may be: \
                         Squirrel refuses to connect until it can read the file (check its \
                         permissions)",
                        file.display()
                    ))
                }
            };
            for found in known_hosts::lookup(&text, &name) {
                if let Found::Unreadable { line, reason } = &found {
                    return Err(format!(
                        "{} line {line} is about {host}:{port} but cannot be read ({reason}): \
                         Squirrel refuses to connect until the line is fixed or removed",
                        file.display()
                    ));
                }
                all.push((file, found));
            }
        }
        Ok(all)
    }

    /// The algorithms of the host keys on file for `host:port` (not revoked), to prefer when
    /// negotiating: a server with several keys then shows the one Squirrel can check.
    pub fn known_algorithms(&self, host: &str, port: u16, config: &HostKeyFiles) -> Vec<Algorithm> {
        let mut algorithms = Vec::new();
        for (_, found) in self.lookup(host, port, config).unwrap_or_default() {
            if let Found::Key {
                marker: Marker::Plain,
                key,
                ..
            } = found
            {
                if !algorithms.contains(&key.algorithm()) {
                    algorithms.push(key.algorithm());
                }
            }
        }
        algorithms
    }

    /// Checks the key `host:port` shows against the known hosts and, if the config names
    /// one, its revoked-keys file.
    pub fn check(
        &self,
        host: &str,
        port: u16,
        key: &PublicKey,
        config: &HostKeyFiles,
    ) -> HostKeyCheck {
        let fingerprint = key.fingerprint(HashAlg::Sha256);
        if let Some(file) = &config.revoked {
            if let Some(refusal) = revoked_by(file, host, port, key, &fingerprint) {
                return HostKeyCheck::Changed(refusal);
            }
        }
        let found = match self.lookup(host, port, config) {
            Ok(found) => found,
            Err(refusal) => return HostKeyCheck::Changed(refusal),
        };
        let mut on_file = Vec::new();
        for (file, found) in found {
            if let Found::Key {
                line,
                marker,
                key: recorded,
            } = found
            {
                if marker == Marker::Revoked && recorded.key_data() == key.key_data() {
                    return HostKeyCheck::Changed(format!(
                        "the SSH host key of {host}:{port} ({fingerprint}) is REVOKED by {} \
                         line {line}: Squirrel refuses to connect. The server needs a new host \
                         key; ask its administrator",
                        file.display()
                    ));
                }
                if marker == Marker::Plain {
                    on_file.push(OnFile {
                        file,
                        line,
                        key: recorded,
                    });
                }
            }
        }
        if on_file.iter().any(|k| k.key.key_data() == key.key_data()) {
            return HostKeyCheck::Trusted;
        }
        // Name the old key of the same algorithm if there is one, else the first on file.
        let old = on_file
            .iter()
            .find(|k| k.key.algorithm() == key.algorithm())
            .or(on_file.first());
        if let Some(old) = old {
            return HostKeyCheck::Changed(format!(
                "WARNING: the SSH host key of {host}:{port} has CHANGED (it is now {} {fingerprint}, \
                 {} line {} holds a {} key). Someone may be intercepting the connection, or the \
                 server was reinstalled. Squirrel refuses to connect. If you know why it changed, \
                 remove the old key from {} line {} and connect again.",
                key.algorithm(),
                old.file.display(),
                old.line,
                old.key.algorithm(),
                old.file.display(),
                old.line
            ));
        }
        if let Ok(mut pending) = self.pending.lock() {
            pending.retain(|_, p| p.shown.elapsed() < self.pending_for);
            let shown = Instant::now();
            let (key, files) = (key.clone(), config.clone());
            pending.insert((host.to_string(), port), Pending { key, files, shown });
        }
        HostKeyCheck::Unknown(HostKeyPrompt {
            kind: WatcherKind::Docker,
            host: host.to_string(),
            port,
            algorithm: key.algorithm().to_string(),
            fingerprint: fingerprint.to_string(),
        })
    }

    /// Remembers the pending key of `prompt`'s host, if it is the one the user saw, it was
    /// shown in the last ten minutes, and the known hosts still do not know the host.
    pub fn trust(&self, prompt: &HostKeyPrompt) -> CoreResult<()> {
        let (host, port) = (prompt.host.as_str(), prompt.port);
        let forget = || {
            if let Ok(mut p) = self.pending.lock() {
                p.remove(&(host.to_string(), port));
            }
        };
        let pending = self
            .pending
            .lock()
            .ok()
            .and_then(|p| p.get(&(host.to_string(), port)).cloned())
            .filter(|p| p.key.fingerprint(HashAlg::Sha256).to_string() == prompt.fingerprint)
            .ok_or_else(|| {
                CoreError::InvalidInput(format!(
                    "{host}:{port} did not show the key {}: test the connection again and compare the new fingerprint",
                    prompt.fingerprint
                ))
            })?;
        if pending.shown.elapsed() >= self.pending_for {
            forget();
            return Err(CoreError::InvalidInput(format!(
                "the key {} of {host}:{port} was shown more than {} minutes ago: test the \
                 connection again and approve the key it shows then",
                prompt.fingerprint,
                self.pending_for.as_secs() / 60
            )));
        }
        if !known_hosts::is_plain_name(host) {
            forget();
            return Err(CoreError::InvalidInput(format!(
                "Squirrel cannot file a host key under the name {host:?}: known_hosts would read \
                 it as a pattern or a comment (it holds * ? , ! | # @, a blank or a control \
                 character). Give the host, or its HostKeyAlias in the SSH config, a plain name"
            )));
        }
        let storage = |e: String| {
            CoreError::Storage(format!(
                "cannot write {}: {e}: check that the folder is writable",
                self.own.display()
            ))
        };
        {
            let _writing = self.writing.lock().map_err(|e| storage(e.to_string()))?;
            // The files may have changed since the key was shown: approve only a host they
            // still do not know.
            match self.check(host, port, &pending.key, &pending.files) {
                HostKeyCheck::Unknown(_) => {}
                HostKeyCheck::Trusted => {
                    forget();
                    return Ok(());
                }
                HostKeyCheck::Changed(refusal) => {
                    forget();
                    return Err(CoreError::InvalidInput(refusal));
                }
            }
            let line = known_hosts::entry(&known_hosts::host_name(host, port), &pending.key)
                .ok_or_else(|| storage("the key cannot be written in OpenSSH format".into()))?;
            append_atomically(&self.own, &line, self.sync_folder)
                .map_err(|e| storage(e.to_string()))?;
        }
        forget();
        tracing::info!(%host, port, fingerprint = %prompt.fingerprint, "host key trusted");
        Ok(())
    }
}

/// Why `key` must be refused by the `RevokedHostKeys` file `file`, if it must: it is listed
/// there, or the file cannot be read (OpenSSH then refuses every host key, and so does
/// Squirrel). Only the text form is read: a binary KRL is refused with a message.
fn revoked_by(
    file: &Path,
    host: &str,
    port: u16,
    key: &PublicKey,
    fingerprint: &Fingerprint,
) -> Option<String> {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            return Some(format!(
                "cannot read {} ({e}), the RevokedHostKeys file of the SSH config: Squirrel \
                 refuses every host key until it can read it, as OpenSSH does (check that it \
                 exists and its permissions)",
                file.display()
            ))
        }
    };
    if bytes.starts_with(KRL_MAGIC) {
        return Some(format!(
            "{} (RevokedHostKeys in the SSH config) is a binary key revocation list (KRL): \
             Squirrel reads only the text form and refuses every host key until then. List the \
             revoked public keys one a line in a text file instead",
            file.display()
        ));
    }
    match known_hosts::revoked_line(&String::from_utf8_lossy(&bytes), key) {
        Ok(None) => None,
        Ok(Some(line)) => Some(format!(
            "the SSH host key of {host}:{port} ({fingerprint}) is REVOKED by {} line {line} \
             (RevokedHostKeys): Squirrel refuses to connect. The server needs a new host key; \
             ask its administrator",
            file.display()
        )),
        Err((line, reason)) => Some(format!(
            "{} line {line} (RevokedHostKeys in the SSH config) cannot be read ({reason}): \
             Squirrel refuses every host key until the line is fixed or removed",
            file.display()
        )),
    }
}

/// Writes `path` plus `line` to a temporary file beside it (mode 0600), syncs it and renames it
/// over `path`: a crash leaves the old file or the new one, never half of one. (A symbolic
/// link at `path` is replaced by a regular file: Squirrel owns that file.) Once renamed, the
/// line is written: a folder that cannot be synced is logged, not an error.
fn append_atomically(
    path: &Path,
    line: &str,
    sync_folder: fn(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let mut text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    if text.last().is_some_and(|&b| b != b'\n') {
        text.push(b'\n');
    }
    text.extend_from_slice(line.as_bytes());
    text.push(b'\n');
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "known_hosts".into());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp)?;
        file.write_all(&text)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
        return written;
    }
    // The rename itself survives a crash once the folder is synced.
    if let Err(e) = sync_folder(dir) {
        tracing::warn!(folder = %dir.display(), error = %e, "the approved host key is written, but its folder could not be synced: a crash now may lose it");
    }
    Ok(())
}

/// `preferred` reordered with the algorithms of `known` first (RSA counts as one algorithm
/// whatever the signature hash), otherwise in the same order.
pub fn prefer_known(preferred: &[Algorithm], known: &[Algorithm]) -> Vec<Algorithm> {
    fn is_rsa(a: &Algorithm) -> bool {
        matches!(a, Algorithm::Rsa { .. })
    }
    let on_file = |a: &Algorithm| known.iter().any(|k| k == a || (is_rsa(k) && is_rsa(a)));
    let (mut first, rest): (Vec<Algorithm>, Vec<Algorithm>) =
        preferred.iter().cloned().partition(on_file);
    first.extend(rest);
    first
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use russh::keys::EcdsaCurve;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAma0NcYpR8DQtilwn273wt3LyA0JD8Wwmvi76XpFsiJ";
    const ED2: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHUg07cNFskLzg6NTTlwOjtoQgSyjT9Qa1Lt8zD9V+kE";
    const ECDSA: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFDk2mLZy/GRGHuDdANWYyAcSrdx4Ly5SRW3uqQgPSG/+mCHJtn+bTobjEMd9vnWwHqa00u0zNiN7TLdmfAsdt0=";

    /// No host-key option in the SSH config.
    const DEFAULT: HostKeyFiles = HostKeyFiles {
        user: None,
        global: None,
        revoked: None,
    };

    fn key(openssh: &str) -> PublicKey {
        PublicKey::from_openssh(openssh).unwrap()
    }

    /// A fresh folder under the system's temporary directory, removed on drop.
    struct Dir(PathBuf);

    impl Dir {
        fn new() -> Self {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let dir = std::env::temp_dir().join(format!(
                "squirrel-host-keys-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A store whose system and user files are `system` and `user` (written in `dir`).
    fn store(dir: &Dir, system: &str, user: &str) -> HostKeyStore {
        std::fs::write(dir.0.join("system"), system).unwrap();
        std::fs::write(dir.0.join("user"), user).unwrap();
        HostKeyStore::reading(
            dir.0.join("own/known_hosts"),
            vec![dir.0.join("system")],
            vec![dir.0.join("user")],
        )
    }

    fn refusal(check: HostKeyCheck) -> String {
        match check {
            HostKeyCheck::Changed(warning) => warning,
            HostKeyCheck::Trusted => panic!("trusted"),
            HostKeyCheck::Unknown(p) => panic!("unknown: {p:?}"),
        }
    }

    #[test]
    fn any_file_and_any_of_several_keys_accepts() {
        let dir = Dir::new();
        let keys = store(
            &dir,
            &format!("h {ECDSA}\n"),
            &format!("[h]:2222 {ED2}\n[h]:2222 {ED}\n"),
        );
        assert!(matches!(
            keys.check("h", 22, &key(ECDSA), &DEFAULT),
            HostKeyCheck::Trusted
        ));
        assert!(matches!(
            keys.check("h", 2222, &key(ED), &DEFAULT),
            HostKeyCheck::Trusted
        ));
        assert!(matches!(
            keys.check("other", 22, &key(ED), &DEFAULT),
            HostKeyCheck::Unknown(_)
        ));
    }

    #[test]
    fn a_key_of_another_algorithm_is_a_changed_key() {
        let dir = Dir::new();
        let keys = store(&dir, "", &format!("# mine\nh {ED}\n"));
        let warning = refusal(keys.check("h", 22, &key(ECDSA), &DEFAULT));
        assert!(warning.contains("CHANGED"), "{warning}");
        assert!(warning.contains("refuses to connect"), "{warning}");
        assert!(warning.contains("user line 2"), "{warning}");
        assert!(warning.contains("ecdsa-sha2-nistp256"), "{warning}");
        let warning = refusal(keys.check("h", 22, &key(ED2), &DEFAULT));
        assert!(warning.contains("CHANGED"), "{warning}");
    }

    #[test]
    fn a_revoked_key_is_refused_even_when_another_line_accepts_it() {
        let dir = Dir::new();
        let keys = store(
            &dir,
            &format!("@revoked * {ED}\n"),
            &format!("h {ED}\nh {ECDSA}\n"),
        );
        let warning = refusal(keys.check("h", 22, &key(ED), &DEFAULT));
        assert!(warning.contains("REVOKED"), "{warning}");
        assert!(warning.contains("system line 1"), "{warning}");
        assert!(matches!(
            keys.check("h", 22, &key(ECDSA), &DEFAULT),
            HostKeyCheck::Trusted
        ));
        assert_eq!(
            keys.known_algorithms("h", 22, &DEFAULT),
            vec![
                Algorithm::Ed25519,
                Algorithm::Ecdsa {
                    curve: EcdsaCurve::NistP256
                }
            ]
        );
    }

    #[test]
    fn a_cert_authority_is_not_a_host_key() {
        let dir = Dir::new();
        let keys = store(&dir, &format!("@cert-authority h {ED}\n"), "");
        assert!(matches!(
            keys.check("h", 22, &key(ED), &DEFAULT),
            HostKeyCheck::Unknown(_)
        ));
        assert!(keys.known_algorithms("h", 22, &DEFAULT).is_empty());
    }

    #[test]
    fn an_unreadable_line_about_the_host_fails_closed() {
        let dir = Dir::new();
        let keys = store(
            &dir,
            "",
            &format!("h {ED}\nh ssh-ed25519 AAAA!!\nelse ssh-bad x\n"),
        );
        let warning = refusal(keys.check("h", 22, &key(ED), &DEFAULT));
        assert!(warning.contains("user line 2"), "{warning}");
        assert!(warning.contains("cannot be read"), "{warning}");
        // Other hosts are not held hostage by it.
        assert!(matches!(
            keys.check("h2", 22, &key(ED), &DEFAULT),
            HostKeyCheck::Unknown(_)
        ));
    }

    #[test]
    fn a_file_that_exists_but_cannot_be_read_fails_closed() {
        let dir = Dir::new();
        std::fs::create_dir_all(dir.0.join("a-folder")).unwrap();
        let keys = HostKeyStore::reading(dir.0.join("own"), vec![], vec![dir.0.join("a-folder")]);
        let warning = refusal(keys.check("h", 22, &key(ED), &DEFAULT));
        assert!(warning.contains("cannot read"), "{warning}");
        assert!(warning.contains("a-folder"), "{warning}");
    }

    #[test]
    fn approval_appends_atomically_to_the_own_file_only() {
        let dir = Dir::new();
        let keys = store(&dir, "", &format!("x {ED}\n"));
        let prompt = match keys.check("h", 2222, &key(ED), &DEFAULT) {
            HostKeyCheck::Unknown(p) => p,
            _ => panic!("expected unknown"),
        };
        let mut forged = prompt.clone();
        forged.fingerprint = "SHA256:forged".into();
        assert!(matches!(
            keys.trust(&forged),
            Err(CoreError::InvalidInput(_))
        ));
        keys.trust(&prompt).unwrap();
        assert!(matches!(
            keys.check("h", 2222, &key(ED), &DEFAULT),
            HostKeyCheck::Trusted
        ));
        let own = dir.0.join("own/known_hosts");
        // A second approval keeps the first, even after a line without a final newline.
        std::fs::write(
            &own,
            format!("{}# hand edit", std::fs::read_to_string(&own).unwrap()),
        )
        .unwrap();
        let prompt = match keys.check("h", 22, &key(ECDSA), &DEFAULT) {
            HostKeyCheck::Unknown(p) => p,
            _ => panic!("expected unknown"),
        };
        keys.trust(&prompt).unwrap();
        assert_eq!(
            std::fs::read_to_string(&own).unwrap(),
            format!("[h]:2222 {ED}\n# hand edit\nh {ECDSA}\n")
        );
        assert_eq!(
            std::fs::read_to_string(dir.0.join("user")).unwrap(),
            format!("x {ED}\n")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&own), 0o600);
            assert_eq!(mode(&dir.0.join("own")), 0o700);
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.0.join("own"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }

    #[test]
    fn a_failed_write_is_a_storage_error_naming_the_file() {
        let dir = Dir::new();
        let keys = HostKeyStore::reading(dir.0.join("own/known_hosts"), vec![], vec![]);
        let prompt = unknown(keys.check("h", 22, &key(ED), &DEFAULT));
        // A folder where the temporary file goes: the write fails (even as root), the own
        // file stays readable (absent).
        let temp = format!("own/.known_hosts.{}.tmp", std::process::id());
        std::fs::create_dir_all(dir.0.join(temp)).unwrap();
        match keys.trust(&prompt) {
            Err(CoreError::Storage(m)) => assert!(m.contains("own/known_hosts"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(!dir.0.join("own/known_hosts").exists());
    }

    fn unknown(check: HostKeyCheck) -> HostKeyPrompt {
        match check {
            HostKeyCheck::Unknown(p) => p,
            HostKeyCheck::Trusted => panic!("trusted"),
            HostKeyCheck::Changed(w) => panic!("refused: {w}"),
        }
    }

    #[test]
    fn the_configs_known_hosts_files_replace_the_defaults_and_the_own_file_stays() {
        let dir = Dir::new();
        let keys = store(&dir, &format!("h {ED}\n"), &format!("u {ED}\n"));
        std::fs::write(dir.0.join("team"), format!("t {ED2}\n")).unwrap();
        std::fs::create_dir_all(dir.0.join("own")).unwrap();
        std::fs::write(dir.0.join("own/known_hosts"), format!("o {ECDSA}\n")).unwrap();
        let team = HostKeyFiles {
            user: Some(vec![dir.0.join("team")]),
            global: Some(vec![]),
            revoked: None,
        };
        let trusted = |host, k, config: &HostKeyFiles| {
            matches!(keys.check(host, 22, &key(k), config), HostKeyCheck::Trusted)
        };
        assert!(trusted("h", ED, &DEFAULT) && trusted("u", ED, &DEFAULT));
        assert!(!trusted("t", ED2, &DEFAULT));
        assert!(trusted("t", ED2, &team));
        assert!(
            !trusted("h", ED, &team),
            "GlobalKnownHostsFile none: no system file"
        );
        assert!(
            !trusted("u", ED, &team),
            "UserKnownHostsFile replaces the user's file"
        );
        assert!(
            trusted("o", ECDSA, &team),
            "Squirrel's own file is always read"
        );
        assert_eq!(
            keys.known_algorithms("t", 22, &team),
            vec![Algorithm::Ed25519]
        );
        assert!(keys.known_algorithms("t", 22, &DEFAULT).is_empty());
    }

    #[test]
    fn revoked_host_keys_are_refused_and_an_unusable_list_fails_closed() {
        let dir = Dir::new();
        let keys = store(&dir, "", &format!("h {ED}\nh {ECDSA}\n"));
        let revoked = dir.0.join("revoked");
        let config = HostKeyFiles {
            revoked: Some(revoked.clone()),
            ..DEFAULT
        };
        std::fs::write(&revoked, format!("# retired keys\n{ED2}\n{ED} web-1\n")).unwrap();
        let warning = refusal(keys.check("h", 22, &key(ED), &config));
        assert!(
            warning.contains("is REVOKED by") && warning.contains("revoked line 3"),
            "{warning}"
        );
        assert!(matches!(
            keys.check("h", 22, &key(ECDSA), &config),
            HostKeyCheck::Trusted
        ));
        // Unknown hosts are checked too: a revoked key is never offered for approval.
        let warning = refusal(keys.check("new", 22, &key(ED2), &config));
        assert!(warning.contains("revoked line 2"), "{warning}");

        let fails_closed = |text: &[u8], why: &str| {
            std::fs::write(&revoked, text).unwrap();
            let warning = refusal(keys.check("h", 22, &key(ECDSA), &config));
            assert!(warning.contains(why), "{warning}");
            assert!(warning.contains("refuses every host key"), "{warning}");
        };
        fails_closed(b"SSHKRL\n\0\0\0\0\x01", "binary key revocation list (KRL)");
        fails_closed(format!("{ED2}\nnot a key\n").as_bytes(), "revoked line 2");
        std::fs::remove_file(&revoked).unwrap();
        let warning = refusal(keys.check("h", 22, &key(ECDSA), &config));
        assert!(warning.contains("cannot read"), "{warning}");
    }

    #[test]
    fn an_approval_checks_the_files_again_and_the_name() {
        let dir = Dir::new();
        let keys = store(&dir, "", "");
        let own = dir.0.join("own/known_hosts");

        // Since the key was shown, the user's file has gained another key for the host.
        let prompt = unknown(keys.check("h", 22, &key(ED), &DEFAULT));
        std::fs::write(dir.0.join("user"), format!("h {ED2}\n")).unwrap();
        match keys.trust(&prompt) {
            Err(CoreError::InvalidInput(m)) => assert!(m.contains("CHANGED"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(!own.exists());
        // ... or that very key: trusted already, nothing to write.
        let prompt = unknown(keys.check("h2", 22, &key(ED), &DEFAULT));
        std::fs::write(dir.0.join("user"), format!("h2 {ED}\n")).unwrap();
        keys.trust(&prompt).unwrap();
        assert!(!own.exists());

        for name in ["*", "a,b", "!x", "x y", "h\u{7}"] {
            let prompt = unknown(keys.check(name, 22, &key(ED), &DEFAULT));
            match keys.trust(&prompt) {
                Err(CoreError::InvalidInput(m)) => assert!(m.contains("a plain name"), "{m}"),
                other => panic!("{name:?}: {other:?}"),
            }
        }
        assert!(!own.exists());
    }

    #[test]
    fn a_shown_key_can_be_approved_for_ten_minutes() {
        let dir = Dir::new();
        let mut keys = store(&dir, "", "");
        assert_eq!(keys.pending_for, Duration::from_secs(600));
        keys.pending_for = Duration::ZERO;
        let prompt = unknown(keys.check("h", 22, &key(ED), &DEFAULT));
        match keys.trust(&prompt) {
            Err(CoreError::InvalidInput(m)) => assert!(m.contains("was shown more than"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(
            keys.pending.lock().unwrap().is_empty(),
            "expired entries go"
        );
        keys.check("h", 22, &key(ED), &DEFAULT);
        keys.check("h2", 22, &key(ED), &DEFAULT);
        assert_eq!(keys.pending.lock().unwrap().len(), 1, "and do not pile up");
    }

    #[test]
    fn a_folder_that_cannot_be_synced_after_the_rename_does_not_fail_the_approval() {
        let dir = Dir::new();
        let mut keys = store(&dir, "", "");
        keys.sync_folder = |_| Err(std::io::Error::other("sync refused"));
        let prompt = unknown(keys.check("h", 22, &key(ED), &DEFAULT));
        keys.trust(&prompt).unwrap();
        assert!(matches!(
            keys.check("h", 22, &key(ED), &DEFAULT),
            HostKeyCheck::Trusted
        ));
        assert!(
            keys.pending.lock().unwrap().is_empty(),
            "the approval is done"
        );
    }

    #[test]
    fn known_algorithms_come_first() {
        let default = russh::Preferred::DEFAULT.key.to_vec();
        assert_eq!(prefer_known(&default, &[]), default);
        let ecdsa = Algorithm::Ecdsa {
            curve: EcdsaCurve::NistP256,
        };
        let ordered = prefer_known(&default, std::slice::from_ref(&ecdsa));
        assert_eq!(ordered[0], ecdsa);
        assert_eq!(ordered[1], Algorithm::Ed25519);
        assert_eq!(ordered.len(), default.len());
        let ordered = prefer_known(&default, &[Algorithm::Rsa { hash: None }]);
        assert!(
            ordered[..3]
                .iter()
                .all(|a| matches!(a, Algorithm::Rsa { .. })),
            "{ordered:?}"
        );
        assert_eq!(ordered[3], Algorithm::Ed25519);
    }
}
