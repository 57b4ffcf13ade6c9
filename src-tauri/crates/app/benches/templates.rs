//! Templates benchmark, two parts in one run:
//!
//! 1. A 2,000-template source: raw JSON parse (serde_json to a `Value`, the floor) side by
//!    side with Squirrel's parse, the catalogue view built from the store, and the view
//!    serialised as the window receives it. Target: load, parse and index ≤ 100 ms.
//! 2. Deploy to 5 devices at once, from a real registry, side by side with
//!    `docker pull && docker run` on each engine alone. Target: ≤ 1.2× the slowest single.
//!
//! `tests/with-keyring.sh cargo bench -p squirrel-app --bench templates` (root, dockerd,
//! docker-registry). Env: SQUIRREL_BENCH_TEMPLATES (2000), SQUIRREL_BENCH_DEVICES (5),
//! SQUIRREL_BENCH_LAYER_KIB (32768), SQUIRREL_BENCH_ROUNDS (20).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{env_usize, percentile};
use squirrel_core::templates::{
    bundled_catalogue, parse_catalogue, to_portainer_v3, DeployPlan, DeployRequest, PullPolicy,
    SourceLocation, Template,
};
use support::registry::TestRegistry;
use support::{App, TestEngine};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A catalogue of `n` templates: the bundled ones, repeated with their own titles.
fn big_catalogue(n: usize) -> Vec<u8> {
    let bundled = bundled_catalogue().templates;
    let templates: Vec<Template> = (0..n)
        .map(|i| {
            let mut t = bundled[i % bundled.len()].clone();
            t.title = format!("{} {i}", t.title);
            t
        })
        .collect();
    to_portainer_v3(&templates).into_bytes()
}

fn median_ms(rounds: usize, mut f: impl FnMut()) -> (f64, f64) {
    let times: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            ms(t.elapsed())
        })
        .collect();
    (percentile(times.clone(), 0.5), percentile(times, 0.95))
}

async fn catalogue_part(app: &App) {
    let n = env_usize("SQUIRREL_BENCH_TEMPLATES", 2000);
    let rounds = env_usize("SQUIRREL_BENCH_ROUNDS", 20);
    let bytes = big_catalogue(n);
    println!(
        "\n## A {n}-template source ({:.1} MiB), median (p95) of {rounds} rounds",
        bytes.len() as f64 / 1048576.0
    );
    let (raw, raw95) = median_ms(rounds, || {
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        std::hint::black_box(v);
    });
    let (parse, parse95) = median_ms(rounds, || {
        let c = parse_catalogue(&bytes).unwrap();
        assert_eq!(c.templates.len(), n);
        std::hint::black_box(c);
    });
    let file = app.dir.path().join("big.json");
    std::fs::write(&file, &bytes).unwrap();
    let t = Instant::now();
    let source = app
        .templates()
        .add_source("big", SourceLocation::File(file.display().to_string()))
        .await
        .unwrap();
    let add = ms(t.elapsed());
    assert_eq!(source.template_count as usize, n);
    let mut view_times = Vec::new();
    let mut json_times = Vec::new();
    let mut json_len = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let view = app.templates().catalogue().await.unwrap();
        view_times.push(ms(t.elapsed()));
        let t = Instant::now();
        let json = serde_json::to_string(&view).unwrap();
        json_times.push(ms(t.elapsed()));
        json_len = json.len();
    }
    let view = percentile(view_times.clone(), 0.5);
    let json = percentile(json_times.clone(), 0.5);
    println!("| step | median ms | p95 ms |");
    println!("|---|---:|---:|");
    println!("| raw JSON parse (serde_json Value, floor) | {raw:.1} | {raw95:.1} |");
    println!("| Squirrel parse (typed, checked) | {parse:.1} | {parse95:.1} |");
    println!("| add the source (read file, parse, store) | {add:.1} | – |");
    println!(
        "| catalogue view from the store (cached parse) | {view:.1} | {:.1} |",
        percentile(view_times, 0.95)
    );
    println!(
        "| view serialised for the window ({:.1} MiB) | {json:.1} | {:.1} |",
        json_len as f64 / 1048576.0,
        percentile(json_times, 0.95)
    );
    println!(
        "parse / raw JSON: {:.2}x; load+parse+index (add) {add:.0} ms against a 100 ms target",
        parse / raw
    );
}

/// The plan a one-container template of `image` makes, without a network.
fn plan_for(image: &str) -> DeployPlan {
    let file = format!(
        r#"{{"version":"3","templates":[{{"id":1,"type":1,"title":"Bench","name":"bench-app","image":"{image}","command":"sleep 600"}}]}}"#
    );
    let mut plan = DeployPlan::from_template(
        &parse_catalogue(file.as_bytes()).unwrap().templates[0],
        &BTreeMap::new(),
    )
    .unwrap();
    plan.network = Some("none".into());
    plan
}

/// `docker pull && docker run -d` of `image` on `engine` alone, in seconds.
fn cli_pull_and_run(engine: &TestEngine, image: &str, name: &str) -> f64 {
    let t = Instant::now();
    engine.cli(&["pull", "--quiet", image]);
    engine.cli(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        name,
        image,
        "sleep",
        "600",
    ]);
    let secs = t.elapsed().as_secs_f64();
    engine.cli(&["rm", "-f", name]);
    engine.cli(&["rmi", image]);
    secs
}

async fn deploy_part(app: &App) {
    let devices = env_usize("SQUIRREL_BENCH_DEVICES", 5);
    let layer_kib = env_usize("SQUIRREL_BENCH_LAYER_KIB", 32768) as u32;
    let registry = TestRegistry::start();
    let engines: Vec<TestEngine> = (0..devices).map(|_| TestEngine::start()).collect();
    let image = registry.push_with_layer(&engines[0], "bench/app:1", layer_kib);
    let mut uuids = Vec::new();
    for (i, e) in engines.iter().enumerate() {
        uuids.push(app.add_engine(e, &format!("bench-{i}")).await.uuid);
    }
    println!(
        "\n## Deploy to {devices} devices at once ({} MiB layer from a loopback registry)",
        layer_kib / 1024
    );
    let singles: Vec<f64> = engines
        .iter()
        .map(|e| cli_pull_and_run(e, &image, "single"))
        .collect();
    let slowest = singles.iter().copied().fold(0.0, f64::max);
    // Squirrel's deploy to one engine alone, beside the CLI's: its own cost per device.
    let one = {
        let mut single = plan_for(&image);
        single.name = "single-squirrel".into();
        let t = Instant::now();
        let outcome = app
            .templates()
            .deploy(
                DeployRequest {
                    targets: vec![uuids[0].clone()],
                    plan: single,
                    pull: PullPolicy::Always,
                },
                Arc::new(|_| {}),
            )
            .await
            .unwrap();
        assert_eq!(outcome[0].error, None, "{outcome:#?}");
        let secs = t.elapsed().as_secs_f64();
        engines[0].cli(&["rm", "-f", "single-squirrel"]);
        engines[0].cli(&["rmi", &image]);
        secs
    };
    // The same CLI work on every engine at once: what this one machine can do in parallel.
    let t = Instant::now();
    std::thread::scope(|scope| {
        for e in &engines {
            let image = &image;
            scope.spawn(move || cli_pull_and_run(e, image, "parallel"));
        }
    });
    let cli_parallel = t.elapsed().as_secs_f64();
    let plan = plan_for(&image);
    let events = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = events.clone();
    let t = Instant::now();
    let marks = Arc::new(std::sync::Mutex::new(Vec::<(f64, &'static str)>::new()));
    let marker = marks.clone();
    let outcomes = app
        .templates()
        .deploy(
            DeployRequest {
                targets: uuids.clone(),
                plan,
                pull: PullPolicy::Always,
            },
            Arc::new(move |e: squirrel_core::templates::DeployEvent| {
                use squirrel_core::templates::{DeployEvent, DeployStep};
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let mark = match e {
                    DeployEvent::Step {
                        step: DeployStep::Creating,
                        ..
                    } => Some("pulled"),
                    DeployEvent::Done { .. } => Some("running and in the inventory"),
                    _ => None,
                };
                if let Some(m) = mark {
                    marker.lock().unwrap().push((t.elapsed().as_secs_f64(), m));
                }
            }),
        )
        .await
        .unwrap();
    let all = t.elapsed().as_secs_f64();
    for o in &outcomes {
        assert_eq!(o.error, None, "{o:#?}");
    }
    println!("| run | seconds |");
    println!("|---|---:|");
    for (i, s) in singles.iter().enumerate() {
        println!("| docker pull && docker run, engine {i} alone | {s:.2} |");
    }
    println!("| Squirrel deploy to engine 0 alone | {one:.2} |");
    println!("| docker pull && docker run on all {devices} at once (CLI, parallel) | {cli_parallel:.2} |");
    for what in ["pulled", "running and in the inventory"] {
        let last = marks
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, m)| *m == what)
            .map(|(s, _)| *s)
            .fold(0.0, f64::max);
        println!("| Squirrel: all {what} | {last:.2} |");
    }
    println!("| Squirrel deploy to all {devices} at once | {all:.2} |");
    println!(
        "Squirrel / slowest single: {:.2}x (target ≤ 1.2x; the {devices} engines share this machine's cores); \
         Squirrel / CLI in parallel: {:.2}x; Squirrel alone / CLI alone on engine 0: {:.2}x; {} progress events",
        all / slowest,
        all / cli_parallel,
        one / singles[0],
        events.load(std::sync::atomic::Ordering::Relaxed)
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let app = App::new().await;
    catalogue_part(&app).await;
    deploy_part(&app).await;
}
