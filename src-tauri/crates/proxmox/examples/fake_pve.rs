//! The fake Proxmox VE server of the tests, as a process, for the end-to-end tests of the
//! window (Proxmox VE cannot run here). Prints one JSON line (`url`, `fingerprint`,
//! `tokenId`, `tokenSecret`), then serves until its standard input closes; at the end it
//! prints the requests the real API would have refused, and exits 1 if there were any.
//!
//! Lines on standard input change the cluster as a user would in Proxmox:
//! `status <vmid> <status>`, `remove <vmid>`, `node <name> online|offline`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/fake_pve.rs"]
mod fake_pve;

use tokio::io::AsyncBufReadExt;

#[tokio::main]
async fn main() {
    let fake = fake_pve::FakePve::start().await;
    println!(
        "{}",
        serde_json::json!({
            "url": fake.url(),
            "fingerprint": fake.fingerprint().to_string(),
            "tokenId": fake_pve::TOKEN_ID,
            "tokenSecret": fake_pve::TOKEN_SECRET,
        })
    );
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["status", vmid, status] => fake.set_guest_status(vmid.parse().unwrap_or(0), status),
            ["remove", vmid] => fake.remove_guest(vmid.parse().unwrap_or(0)),
            ["node", name, state] => fake.set_node_online(name, *state == "online"),
            _ => eprintln!("fake_pve: unknown command {line:?}"),
        }
    }
    let violations = fake.violations();
    for v in &violations {
        eprintln!("fake_pve: the real API would refuse: {v}");
    }
    std::process::exit(i32::from(!violations.is_empty()));
}
