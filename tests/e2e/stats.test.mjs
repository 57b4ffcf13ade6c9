// End-to-end: statistics in the real window against a real dockerd. The dashboard's counts
// and fleet charts fill from the collector's rounds; a busy container's drawer shows live
// (1 Hz) and stored history charts, and its row a CPU bar.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startSession } from "./webdriver.mjs";

const SHOTS = path.resolve("test-artifacts/screenshots");
const docker = (...args) => execFileSync("docker", args, { encoding: "utf8" }).trim();
// Two rounds (10 s apart) make the first sample: allow for a slow machine.
const ROUND_WAIT = 60_000;
let s;

const points = async (testid, root) => {
  const el = (await s.findAll(`[data-testid="${testid}"]`, root))[0];
  return el ? Number((await s.attr(el, "data-points")) ?? 0) : 0;
};

before(async () => {
  for (const n of ["e2e-busy", "e2e-quiet"]) {
    try {
      docker("rm", "-f", n);
    } catch {
      // not there
    }
  }
  // Limits that a lone busy loop stays under: it still reads about one core.
  docker("run", "-d", "--name", "e2e-busy", "--cpus", "1.5", "--memory", "64m", "busybox:local", "sh", "-c", "while :; do :; done");
  docker("run", "-d", "--name", "e2e-quiet", "busybox:local", "sleep", "600");
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: mkdtempSync(path.join(tmpdir(), "squirrel-e2e-stats-")) },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
});

after(async () => {
  for (const n of ["e2e-busy", "e2e-quiet"]) {
    try {
      docker("rm", "-f", n);
    } catch {
      // gone
    }
  }
  await s?.close();
});

test("the dashboard counts containers by state and charts the fleet's load", async () => {
  await s.waitFor('[data-testid="dashboard"]');
  const running = Number(docker("ps", "-q").split("\n").filter(Boolean).length);
  const count = await s.waitFor('[data-testid="dashboard-count-running"]');
  await s.until(async () => Number(await s.text(count)) === running, `running count ${running}`);
  await s.until(async () => (await points("fleet-cpu-chart")) > 0, "fleet CPU points", ROUND_WAIT);
  assert.ok((await points("fleet-memory-chart")) > 0);
  const health = await s.waitFor('[data-testid="device-health-row"]');
  const cpu = await s.waitFor('[data-testid="device-health-cpu"]', { root: health });
  // The busy loop keeps about one core busy on this device.
  await s.until(async () => Number(await s.attr(cpu, "data-value")) > 30, "device CPU above 30 %", ROUND_WAIT);
  await s.screenshot(path.join(SHOTS, "dashboard.png"));
  await s.click(await s.waitFor('[data-testid="theme-toggle"]'));
  await s.screenshot(path.join(SHOTS, "dashboard-other-theme.png"));
  await s.click(await s.waitFor('[data-testid="theme-toggle"]'));
});

test("the table shows each running container's CPU, busy above quiet", async () => {
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));
  const busy = await s.waitFor('[data-testid="container-row"][data-name="e2e-busy"]');
  const quiet = await s.waitFor('[data-testid="container-row"][data-name="e2e-quiet"]');
  const busyBar = await s.waitFor('[data-testid="container-cpu-bar"]', { root: busy, timeout: ROUND_WAIT });
  const quietBar = await s.waitFor('[data-testid="container-cpu-bar"]', { root: quiet, timeout: ROUND_WAIT });
  await s.until(
    async () => Number(await s.attr(busyBar, "data-value")) > 30 && Number(await s.attr(quietBar, "data-value")) < 5,
    "busy above 30 % and quiet below 5 %",
    ROUND_WAIT,
  );
  await s.screenshot(path.join(SHOTS, "containers-with-load.png"));
});

test("a container's drawer charts it live and from history, and keeps the last samples when it dies", async () => {
  // Open it from its name (the row's middle holds the load bars).
  const busy = await s.waitFor('[data-testid="container-row"][data-name="e2e-busy"]');
  await s.click(await s.waitFor('[role="cell"]', { root: busy }));
  const drawer = await s.waitFor('[data-testid="container-drawer"]');
  await s.click(await s.waitFor('[data-testid="drawer-tab-stats"]', { root: drawer }));
  // Live samples arrive every second.
  await s.until(async () => (await points("live-cpu-chart", drawer)) >= 3, "three live points");
  await s.until(async () => (await points("history-cpu-chart", drawer)) > 0, "stored history", ROUND_WAIT);
  assert.ok((await points("history-memory-chart", drawer)) > 0);
  const cpu = await s.waitFor('[data-testid="stat-cpu"]', { root: drawer });
  await s.until(async () => Number(await s.attr(cpu, "data-value")) > 30, "the busy loop's current CPU");
  // Its limits, from inspect: in the numbers and as dashed lines on the charts. (WebKit's
  // WebDriver gives no text for clipped, ellipsised elements: read their titles.)
  await s.until(async () => /of 1\.5 cores allowed$/.test(await s.attr(cpu, "title")), "CPU against its 1.5-core limit");
  const memory = await s.waitFor('[data-testid="stat-memory"]', { root: drawer });
  assert.match(await s.attr(memory, "title"), /\/ 67\.1 MB · \S+% of its limit$/);
  const memoryChart = await s.waitFor('[data-testid="live-memory-chart"] [role="img"]', { root: drawer });
  assert.match(await s.attr(memoryChart, "aria-label"), /Limit 67\.1 MB/);
  await s.screenshot(path.join(SHOTS, "drawer-stats.png"));

  // The container dies while its chart is open: the stream ends, and its last samples stay.
  docker("kill", "e2e-busy");
  // (The stream's end may show a moment before the inventory says the container exited.)
  await s.until(async () => {
    const ended = (await s.findAll('[data-testid="live-ended"]', drawer))[0];
    return ended && /last samples before it stopped/.test(await s.text(ended));
  }, "the live section to say the stream ended and keep the samples");
  const badge = await s.waitFor('[data-testid="live-status"]', { root: drawer });
  assert.equal(await s.attr(badge, "data-status"), "ended");
  assert.ok((await points("live-cpu-chart", drawer)) >= 3, "the last live points are kept");
  await s.screenshot(path.join(SHOTS, "drawer-stats-ended.png"));
  await s.press("\uE00C");
  await s.until(async () => (await s.findAll('[data-testid="container-drawer"]')).length === 0, "the drawer to close");
});
