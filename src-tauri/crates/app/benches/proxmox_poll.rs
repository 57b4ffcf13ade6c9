//! One poll of a Proxmox VE cluster as the watcher makes it (3 nodes, 300 guests, on the fake
//! server in a process of its own): the request, the typed read, the mapping to observations,
//! and the diff against the store (`sync_snapshot` on a real SQLite file; an unchanged cluster
//! writes nothing), beside the raw API (the same request with reqwest, parsed as a
//! `serde_json::Value`), in one run, alternating. Prints wall and CPU time per poll and ratios;
//! the target is at most 20 ms of the app's CPU a poll when nothing changed. Then a guest's
//! status is changed on the fake, again and again: the time from the start of the poll that
//! sees it to the change's event on the bus (which the window's forwarder sends on at once)
//! is what a status change costs beyond the wait for the next poll (5 s at most); the target
//! is one poll interval + 50 ms.
//!
//! `cargo bench -p squirrel-app --bench proxmox_poll [-- --polls N]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../proxmox/tests/support/fake_pve.rs"]
mod fake_pve;
#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use squirrel_core::model::{Device, DeviceConnection, InventorySnapshot, PveTrust};
use squirrel_core::ports::{ContainerRepository, DeviceRepository, InventorySink};
use squirrel_core::secrets::Secret;
use squirrel_proxmox::{observation, Fingerprint, PveClient, Trust};

const NODES: usize = 3;
const GUESTS: usize = 300;

/// This process's CPU time (user + system), from `/proc/self/stat`, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--serve") {
        // The fake, in a process of its own so that its work is not counted as the app's.
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let fake = fake_pve::FakePve::start_cluster(NODES, GUESTS).await;
            println!("{} {}", fake.url(), fake.fingerprint());
            // `status <vmid> <status>` lines change a guest; each is answered `ok` once done.
            let (tx, mut lines) = tokio::sync::mpsc::channel::<String>(4);
            std::thread::spawn(move || {
                for line in std::io::stdin().lines().map_while(Result::ok) {
                    if tx.blocking_send(line).is_err() {
                        break;
                    }
                }
            });
            while let Some(line) = lines.recv().await {
                if let ["status", vmid, status] =
                    line.split_whitespace().collect::<Vec<_>>().as_slice()
                {
                    fake.set_guest_status(vmid.parse().unwrap_or(0), status);
                }
                println!("ok");
                let _ = std::io::stdout().flush();
            }
        });
        return;
    }
    let polls: usize = args
        .iter()
        .position(|a| a == "--polls")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let mut server = Command::new(&args[0])
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server_in = server.stdin.take().unwrap();
    let mut server_out = BufReader::new(server.stdout.take().unwrap());
    let mut line = String::new();
    server_out.read_line(&mut line).unwrap();
    let (url, fingerprint) = line.trim().split_once(' ').unwrap();
    let fingerprint = Fingerprint::parse(fingerprint).unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    rt.block_on(async {
        let app = support::App::new().await;
        let device = Device {
            uuid: "bench-pve".into(),
            name: "pve".into(),
            connection: DeviceConnection::Proxmox {
                url: url.into(),
                token_id: fake_pve::TOKEN_ID.into(),
                secret: None,
                trust: PveTrust::Fingerprint {
                    fingerprint: Some(fingerprint.to_string()),
                },
            },
            enabled: true,
            resync_interval_secs: 300,
            stats_interval_secs: 10,
            created_at: 0,
        };
        app.store().insert_device(&device).await.unwrap();
        let client = PveClient::new(
            url,
            fake_pve::TOKEN_ID,
            &Secret::new(fake_pve::TOKEN_SECRET),
            Trust::Pinned(fingerprint),
        )
        .unwrap();
        let raw = reqwest::Client::builder()
            .tls_danger_accept_invalid_certs(true)
            .build()
            .unwrap();
        let raw_url = format!("{url}/api2/json/cluster/resources?type=vm");
        let header = format!("PVEAPIToken={}={}", fake_pve::TOKEN_ID, fake_pve::TOKEN_SECRET);

        let poll = || async {
            let guests = client.guests().await.unwrap();
            let snapshot = InventorySnapshot {
                containers: guests.iter().map(observation).collect(),
                images: Vec::new(),
                volumes: Vec::new(),
                networks: Vec::new(),
            };
            app.inventory.sync_snapshot(&device.uuid, snapshot).await.unwrap();
        };
        // The first poll stores every guest; the next ones find nothing changed.
        let t = Instant::now();
        poll().await;
        let first = t.elapsed().as_secs_f64();
        assert_eq!(app.store().list_device_containers(&device.uuid).await.unwrap().len(), GUESTS);
        let _ = raw.get(&raw_url).header("authorization", &header).send().await.unwrap();

        let (mut ours_wall, mut ours_cpu, mut raw_wall, mut raw_cpu) = (vec![], vec![], vec![], vec![]);
        let rounds = 10;
        let per = (polls / rounds).max(1);
        for _ in 0..rounds {
            let (c0, t0) = (cpu_seconds(), Instant::now());
            for _ in 0..per {
                poll().await;
            }
            ours_wall.push(t0.elapsed().as_secs_f64() / per as f64);
            ours_cpu.push((cpu_seconds() - c0) / per as f64);

            let (c0, t0) = (cpu_seconds(), Instant::now());
            for _ in 0..per {
                let body = raw
                    .get(&raw_url)
                    .header("authorization", &header)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(v["data"].as_array().unwrap().len(), GUESTS);
            }
            raw_wall.push(t0.elapsed().as_secs_f64() / per as f64);
            raw_cpu.push((cpu_seconds() - c0) / per as f64);
        }
        let ms = |s: f64| s * 1000.0;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (ow, oc, rw, rc) = (median(ours_wall), mean(&ours_cpu), median(raw_wall), mean(&raw_cpu));
        println!("Proxmox poll as the watcher makes it: {NODES} nodes, {GUESTS} guests, {} polls each, {rounds} rounds alternating (per poll: median wall, mean CPU)", per * rounds);
        println!("  first poll (all {GUESTS} guests stored): {:.1} ms", ms(first));
        println!("  raw API (reqwest + serde_json::Value)          : wall {:.2} ms, CPU {:.2} ms", ms(rw), ms(rc));
        println!("  Squirrel (request, read, map, diff vs SQLite)  : wall {:.2} ms, CPU {:.2} ms", ms(ow), ms(oc));
        println!("  ratio Squirrel / raw: wall {:.2}, CPU {:.2}", ow / rw, oc / rc);
        println!("  target: <= 20 ms of app CPU a poll when nothing changed: {}", if ms(oc) <= 20.0 { "met" } else { "NOT met" });

        // A status changed in Proxmox: from the start of the poll that sees it to its event.
        let mut rx = app.bus().subscribe();
        let mut seen = Vec::new();
        for i in 0..20 {
            let status = if i % 2 == 0 { "stopped" } else { "running" };
            writeln!(server_in, "status 100 {status}").unwrap();
            let mut ack = String::new();
            server_out.read_line(&mut ack).unwrap();
            let t = Instant::now();
            poll().await;
            let mut found = false;
            while let Ok(e) = rx.try_recv() {
                if matches!(&e, squirrel_core::DomainEvent::ContainerUpserted { container } if container.name == "guest-0") {
                    found = true;
                }
            }
            assert!(found, "the change was published by the poll that saw it");
            seen.push(t.elapsed().as_secs_f64());
        }
        let worst = seen.iter().copied().fold(0.0, f64::max);
        println!(
            "  status change: poll start to its event on the bus: median {:.2} ms, worst {:.2} ms ({} changes)",
            ms(median(seen.clone())),
            ms(worst),
            seen.len()
        );
        println!(
            "  => change to the window within one poll interval ({} s) + {:.1} ms; target + 50 ms: {}",
            squirrel_proxmox::POLL_PERIOD.as_secs(),
            ms(worst),
            if ms(worst) <= 50.0 { "met" } else { "NOT met" }
        );
        app.shutdown().await;
    });
    let _ = server.kill();
    let _ = server.wait();
}
