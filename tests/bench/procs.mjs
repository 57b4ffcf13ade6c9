// What the window benchmarks share: the app's processes found by its data folder, their CPU
// and RSS read from /proc, the app opened over WebDriver, and the floor page.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startSession } from "../e2e/webdriver.mjs";

/** Clock ticks a second, the unit of /proc/PID/stat's CPU times. */
export const TICK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

export const docker = (...a) => execFileSync("docker", a, { encoding: "utf8", maxBuffer: 64 << 20 }).trim();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `--name value` from the command line, else `fallback`. */
export function option(name, fallback) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

/** The app process (by its data folder) and every process below it, with their names. */
export function processTree(dataDir) {
  const needle = `SQUIRREL_DATA_DIR=${dataDir}`;
  const all = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      all.push({ pid: Number(entry), ppid });
    } catch {
      // gone
    }
  }
  const root = all.find((p) => {
    try {
      return (
        readFileSync(`/proc/${p.pid}/environ`, "latin1").split("\0").includes(needle) &&
        readFileSync(`/proc/${p.pid}/comm`, "utf8").trim() === "squirrel"
      );
    } catch {
      return false;
    }
  });
  if (!root) throw new Error("the app process is not running");
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i].pid));
  return tree.map((p) => ({ pid: p.pid, name: readFileSync(`/proc/${p.pid}/comm`, "utf8").trim() }));
}

/** backend, web or network, by the process name (WebKitGTK truncates its names to 15 bytes). */
export const role = (name) =>
  name === "squirrel" ? "backend" : /WebProc/i.test(name) ? "web" : /Network/i.test(name) ? "network" : name;

/** Resident memory of `pid` in MiB (0 once it is gone). */
export function rssMiB(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Proportional memory of `pid` in MiB (0 once it is gone): its private pages, and its share of
 * pages shared with other processes (the WebKit and GTK libraries every process of the app maps,
 * which RSS counts once per process). Summed over the app's processes, the app's footprint.
 */
export function pssMiB(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** PSS (MiB) of each role now, and the total, as `sampleRss` gives RSS. */
export const samplePss = (dataDir) => sampleRoles(dataDir, pssMiB);

/** User and system CPU time of `pid` so far, in clock ticks (0 once it is gone). */
export function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

let restRuns = 0;

/** CPU (% of one core) and RSS (MiB, at the end) of each process over `secs`, and all together. */
export async function measureRest(dataDir, secs) {
  const procs = processTree(dataDir);
  const before = procs.map((p) => cpuTicks(p.pid));
  const t0 = performance.now();
  // SQUIRREL_BENCH_PERF=DIR: a `perf record` of each process over the window, for a profile of
  // what the rest costs (DIR/rest-N-ROLE.data; `perf report -i` reads them).
  const perfDir = process.env.SQUIRREL_BENCH_PERF;
  if (perfDir) restRuns += 1;
  const profiles = perfDir
    ? procs.map((p) => {
        const out = path.join(perfDir, `rest-${restRuns}-${role(p.name)}-${p.pid}.data`);
        return spawn("perf", ["record", "-q", "-F", "997", "-g", "-p", String(p.pid), "-o", out, "--", "sleep", String(secs)], { stdio: "ignore" });
      })
    : [];
  await sleep(secs * 1000);
  await Promise.all(profiles.map((child) => new Promise((done) => (child.exitCode != null ? done() : child.once("exit", done)))));
  const elapsed = (performance.now() - t0) / 1000;
  const rows = procs.map((p, i) => ({
    name: p.name,
    cpu: ((cpuTicks(p.pid) - before[i]) / TICK / elapsed) * 100,
    rss: rssMiB(p.pid),
  }));
  const total = { name: "all", cpu: rows.reduce((a, r) => a + r.cpu, 0), rss: rows.reduce((a, r) => a + r.rss, 0) };
  return [...rows, total];
}

/** RSS (MiB) of each role now, and the total. Processes of one role are summed. */
export const sampleRss = (dataDir) => sampleRoles(dataDir, rssMiB);

/** `measure(pid)` of each role's processes now, summed by role, and the total. */
function sampleRoles(dataDir, measure) {
  const out = { backend: 0, web: 0, network: 0, all: 0 };
  for (const p of processTree(dataDir)) {
    const r = measure(p.pid);
    out[role(p.name)] = (out[role(p.name)] ?? 0) + r;
    out.all += r;
  }
  return out;
}

/** The app (SQUIRREL_APP) in a WebDriver session, with a data folder of its own. */
export async function openApp(prefix, env) {
  const dataDir = mkdtempSync(path.join(tmpdir(), `squirrel-${prefix}-`));
  const t0 = performance.now();
  // The renderer the app picks for this machine, as its users get it.
  const s = await startSession({ application: process.env.SQUIRREL_APP, env: { SQUIRREL_DATA_DIR: dataDir, ...env }, renderer: "app" });
  return { s, dataDir, t0 };
}

/** The floor: the app with no engine, showing the empty `#/floor` page. */
export async function openFloor(prefix, env = {}) {
  const app = await openApp(prefix, { DOCKER_HOST: "unix:///nonexistent/docker.sock", ...env });
  await app.s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
  // Launch to a ready window with nothing to show: the part of any launch that is not Squirrel's.
  const readyMs = performance.now() - app.t0;
  await app.s.exec("window.location.hash = '#/floor'; window.location.reload();");
  await app.s.waitFor('[data-testid="floor"]', { timeout: 60_000 });
  return { ...app, readyMs };
}
