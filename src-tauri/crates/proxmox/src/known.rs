//! The Proxmox nodes' certificates the user approved, as `known_hosts` is for SSH: one line
//! per node, `host:port SHA-256`, in a file of Squirrel's data folder. A node's certificate
//! is approved once, and any other certificate it shows later is refused.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::tls::Fingerprint;

pub struct KnownCertificates {
    path: PathBuf,
    /// Serialises the read-modify-write of an approval.
    write: Mutex<()>,
}

impl KnownCertificates {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            write: Mutex::new(()),
        }
    }

    /// The approved certificate of `host:port`, if any.
    pub fn get(&self, host: &str, port: u16) -> Option<Fingerprint> {
        self.read().remove(&key(host, port))
    }

    /// Approves `fingerprint` for `host:port`, replacing what was approved before.
    pub fn trust(&self, host: &str, port: u16, fingerprint: Fingerprint) -> Result<(), String> {
        let _one = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let mut all = self.read();
        all.insert(key(host, port), fingerprint);
        let mut text = String::from(
            "# Proxmox VE node certificates approved in Squirrel: host:port SHA-256\n",
        );
        for (node, fp) in &all {
            text.push_str(&format!("{node} {fp}\n"));
        }
        let tmp = self.path.with_extension("tmp");
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| format!("{}: {e}", self.path.display()))
    }

    /// Every line that reads; a damaged line is left out, not fatal.
    fn read(&self) -> BTreeMap<String, Fingerprint> {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return BTreeMap::new();
        };
        text.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| {
                let (node, fp) = l.trim().split_once(' ')?;
                Some((node.to_owned(), Fingerprint::parse(fp).ok()?))
            })
            .collect()
    }
}

fn key(host: &str, port: u16) -> String {
    squirrel_core::model::authority(&host.to_ascii_lowercase(), port)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_approval_is_kept_per_node_and_replaced_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let known = KnownCertificates::new(dir.path().join("known_pve_certificates"));
        assert_eq!(known.get("pve.lan", 8006), None);
        let one = Fingerprint::of(b"one");
        let two = Fingerprint::of(b"two");
        known.trust("PVE.lan", 8006, one).unwrap();
        known.trust("10.0.0.2", 8006, two).unwrap();
        assert_eq!(known.get("pve.lan", 8006), Some(one));
        assert_eq!(known.get("pve.lan", 8007), None);
        assert_eq!(known.get("10.0.0.2", 8006), Some(two));
        known.trust("pve.lan", 8006, two).unwrap();
        assert_eq!(known.get("pve.lan", 8006), Some(two));
        // A damaged line costs only itself.
        let path = dir.path().join("known_pve_certificates");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("garbage\n{text}nohost\n")).unwrap();
        assert_eq!(known.get("10.0.0.2", 8006), Some(two));
    }
}
