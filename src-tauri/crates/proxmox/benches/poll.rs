//! One poll of a Proxmox VE cluster (3 nodes, 300 guests, on the fake server in a process of
//! its own): Squirrel's client (`guests()`: the request, the lenient typed read, the mapping)
//! beside the raw API (the same request with reqwest, parsed as a `serde_json::Value`), in
//! one run, alternating. Prints wall time and this process's CPU time per poll, and ratios.
//! The diff against the store and the store's write are not in this bench yet (the watcher is
//! not wired); they will be measured with it.
//!
//! `cargo bench -p squirrel-proxmox --bench poll [-- --polls N]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/fake_pve.rs"]
mod fake_pve;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use squirrel_core::secrets::Secret;
use squirrel_proxmox::{Fingerprint, PveClient, Trust};

const NODES: usize = 3;
const GUESTS: usize = 300;

/// This process's CPU time (user + system), from `/proc/self/stat`, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--serve") {
        // The fake, in a process of its own so that its work is not counted as ours.
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let fake = fake_pve::FakePve::start_cluster(NODES, GUESTS).await;
            println!("{} {}", fake.url(), fake.fingerprint());
            std::future::pending::<()>().await;
        });
        return;
    }
    let polls: usize = args
        .iter()
        .position(|a| a == "--polls")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let mut server = Command::new(&args[0])
        .arg("--serve")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let (url, fingerprint) = line.trim().split_once(' ').unwrap();
    let fingerprint = Fingerprint::parse(fingerprint).unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = PveClient::new(
            url,
            fake_pve::TOKEN_ID,
            &Secret::new(fake_pve::TOKEN_SECRET),
            Trust::Pinned(fingerprint),
        )
        .unwrap();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let raw = reqwest::Client::builder()
            .tls_danger_accept_invalid_certs(true)
            .build()
            .unwrap();
        let raw_url = format!("{url}/api2/json/cluster/resources?type=vm");
        let header = format!("PVEAPIToken={}={}", fake_pve::TOKEN_ID, fake_pve::TOKEN_SECRET);
        // Warm both connections up.
        assert_eq!(client.guests().await.unwrap().len(), GUESTS);
        let _ = raw.get(&raw_url).header("authorization", &header).send().await.unwrap();

        let (mut ours_wall, mut ours_cpu, mut raw_wall, mut raw_cpu) = (vec![], vec![], vec![], vec![]);
        let rounds = 10;
        for _ in 0..rounds {
            let (c0, t0) = (cpu_seconds(), Instant::now());
            for _ in 0..polls / rounds {
                let guests = client.guests().await.unwrap();
                assert_eq!(guests.len(), GUESTS);
            }
            ours_wall.push(t0.elapsed().as_secs_f64() / (polls / rounds) as f64);
            ours_cpu.push((cpu_seconds() - c0) / (polls / rounds) as f64);

            let (c0, t0) = (cpu_seconds(), Instant::now());
            for _ in 0..polls / rounds {
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
            raw_wall.push(t0.elapsed().as_secs_f64() / (polls / rounds) as f64);
            raw_cpu.push((cpu_seconds() - c0) / (polls / rounds) as f64);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let ms = |s: f64| s * 1000.0;
        // Wall time: the median round. CPU: all rounds together (the clock ticks at 10 ms).
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (ow, oc, rw, rc) = (median(ours_wall), mean(&ours_cpu), median(raw_wall), mean(&raw_cpu));
        println!("Proxmox poll: {NODES} nodes, {GUESTS} guests, {polls} polls each, {rounds} rounds alternating (per poll: median wall, mean CPU)");
        println!("  raw API (reqwest + serde_json::Value): wall {:.2} ms, CPU {:.2} ms", ms(rw), ms(rc));
        println!("  Squirrel (PveClient::guests)        : wall {:.2} ms, CPU {:.2} ms", ms(ow), ms(oc));
        println!("  ratio Squirrel / raw: wall {:.2}, CPU {:.2}", ow / rw, oc / rc);
        println!("  target: a poll <= 20 ms of app CPU when nothing changed (request + parse here; diff and store not yet)");
    });
    let _ = server.kill();
    let _ = server.wait();
}
