// Memory under churn (issue 10): the real app (the e2e build) on the Containers screen while
// 30 containers are restarted over and over, its processes' RSS sampled every 30 s, beside
// the floor (the same window showing an empty page, with no engine) measured first in the
// same run. Target: the web view's RSS stays below floor + 300 MiB throughout.
//
// Usage (as root, after scripts/setup.sh, with tests/services.sh started as in run-all.sh;
// the app built with `cd ui && npm run build` then
// `cargo build -p squirrel --bin squirrel --features custom-protocol`):
//   SQUIRREL_APP=target/debug/squirrel DISPLAY=:N DOCKER_HOST=unix://... \
//     bash tests/with-keyring.sh node tests/bench/churn.mjs [--minutes 10] [--containers 30] \
//       [--sample 30] [--target 300]
// The containers are made by the bench (named churn-*) and removed at the end. One
// `docker restart` loop runs per container, all in parallel. The app logs at `warn` unless
// RUST_LOG says otherwise. Exits 1 when the target is missed.
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { TICK, cpuTicks, docker, openApp as open, openFloor, option as opt, processTree, sampleRss, sleep } from "./procs.mjs";

const MINUTES = Number(opt("minutes", "10"));
const CONTAINERS = Number(opt("containers", "30"));
const SAMPLE_SECS = Number(opt("sample", "30"));
const TARGET_MIB = Number(opt("target", "300"));
const FLOOR_SECS = 30;
const names = Array.from({ length: CONTAINERS }, (_, k) => `churn-${String(k).padStart(3, "0")}`);

function removeChurnContainers() {
  const ids = docker("ps", "-aq", "--filter", "name=^churn-").split("\n").filter(Boolean);
  if (ids.length) docker("rm", "-f", ...ids);
}

function makeContainers() {
  removeChurnContainers();
  const script = names.map((n) => `docker run -d --network none --name ${n} busybox:local sleep 86400 >/dev/null`);
  const r = spawnSync("xargs", ["-P", "8", "-I", "{}", "sh", "-c", "{}"], { input: script.join("\n"), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`making containers: ${r.stderr}`);
  return docker("ps", "-aq").split("\n").filter(Boolean).length;
}

const cpuAll = (dataDir) => processTree(dataDir).reduce((a, p) => a + cpuTicks(p.pid), 0);

// The app logs to this run's output: under churn its debug lines would bury the table.
const LOG = { RUST_LOG: process.env.RUST_LOG ?? "warn" };
const openApp = (env) => open("churn", { ...LOG, ...env });

/** The floor: the same window on an empty page, no engine; RSS after `FLOOR_SECS` at rest. */
async function floor() {
  const { s, dataDir } = await openFloor("churn", LOG);
  try {
    await sleep(FLOOR_SECS * 1000);
    return sampleRss(dataDir);
  } finally {
    await s.close();
  }
}

/** One `docker restart` loop per container; counts the restarts. */
function startChurn() {
  let restarts = 0;
  let failures = 0;
  const loops = names.map((n) => {
    // -t 0: `sleep` as PID 1 ignores SIGTERM, a restart would otherwise wait 10 s for nothing.
    const child = spawn("sh", ["-c", `while :; do if docker restart -t 0 ${n} >/dev/null 2>&1; then echo ok; else echo fail; sleep 1; fi; done`], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      for (const line of chunk.split("\n")) {
        if (line === "ok") restarts++;
        else if (line === "fail") failures++;
      }
    });
    return child;
  });
  return {
    counts: () => ({ restarts, failures }),
    async stop() {
      await Promise.all(
        loops.map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, "exit");
          child.kill("SIGTERM");
          await Promise.race([exited, sleep(10_000)]);
        }),
      );
    },
  };
}

/** The count line of the Containers screen (also proves the web view still answers). */
async function countLine(s) {
  const el = (await s.findAll('[data-testid="container-count"]'))[0];
  return el ? s.text(el) : "";
}

const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "–");

console.log(`# Squirrel churn benchmark (${CONTAINERS} containers restarted for ${MINUTES} min, RSS every ${SAMPLE_SECS} s; ${new Date().toISOString()})`);
const floorRss = await floor();
console.log(`\nfloor (empty page, no engine): web ${fmt(floorRss.web)} MiB, all ${fmt(floorRss.all)} MiB`);

const samples = [];
let lastCount = "";
let churn;
try {
  const total = makeContainers();
  const { s, dataDir } = await openApp({});
  try {
    await s.waitFor('[data-testid="app-ready"]', { timeout: 120_000 });
    await s.exec("window.location.hash = '#/containers'");
    await s.until(async () => (await countLine(s)).includes(`${total} container`), `the table to list ${total} containers`, 120_000);
    // The first stats rounds (every 10 s by default) before the first sample.
    await sleep(20_000);

    console.log("\n| t (s) | restarts | backend MiB | web MiB | network MiB | all MiB | web − floor MiB | CPU % (all, since last) |");
    console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
    const t0 = performance.now();
    let cpuBefore = cpuAll(dataDir);
    let tBefore = t0;
    const record = () => {
      const now = performance.now();
      const cpuNow = cpuAll(dataDir);
      const cpu = ((cpuNow - cpuBefore) / TICK / Math.max((now - tBefore) / 1000, 1e-3)) * 100;
      cpuBefore = cpuNow;
      tBefore = now;
      const r = { t: (now - t0) / 1000, ...churn.counts(), ...sampleRss(dataDir), cpu: samples.length === 0 ? NaN : cpu };
      samples.push(r);
      console.log(
        `| ${fmt(r.t)} | ${r.restarts} | ${fmt(r.backend)} | ${fmt(r.web)} | ${fmt(r.network)} | ${fmt(r.all)} | ${fmt(r.web - floorRss.web)} | ${fmt(r.cpu, 1)} |`,
      );
    };
    churn = startChurn();
    record();
    const end = t0 + MINUTES * 60_000;
    while (performance.now() < end) {
      await sleep(Math.min(SAMPLE_SECS * 1000, end - performance.now()));
      record();
      lastCount = await countLine(s);
    }
    await churn.stop();
    // After the churn: the window must still list every container.
    await s.until(async () => (lastCount = await countLine(s)).includes(`${total} container`), `the table to list ${total} containers`, 60_000);
  } finally {
    await churn?.stop();
    await s.close();
  }
} finally {
  removeChurnContainers();
}

const { restarts, failures } = churn.counts();
const web = samples.map((r) => r.web);
const maxWeb = Math.max(...web);
const over = maxWeb - floorRss.web;
console.log(`\n## Summary`);
console.log(`restarts: ${restarts} in ${MINUTES} min (${fmt(restarts / (MINUTES * 60), 2)}/s), ${failures} failed; the window says "${lastCount}"`);
console.log(`web view RSS: first ${fmt(web[0])} MiB, last ${fmt(web.at(-1))} MiB, max ${fmt(maxWeb)} MiB; floor ${fmt(floorRss.web)} MiB`);
console.log(`backend RSS: first ${fmt(samples[0].backend)} MiB, last ${fmt(samples.at(-1).backend)} MiB`);
const pass = over < TARGET_MIB;
console.log(`${pass ? "PASS" : "FAIL"}: max web RSS minus floor ${fmt(over)} MiB (target < ${TARGET_MIB} MiB)`);
process.exitCode = pass ? 0 : 1;
