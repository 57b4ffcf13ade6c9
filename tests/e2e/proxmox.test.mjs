// End-to-end: a Proxmox VE cluster added through the wizard in the real window, its node's
// certificate approved on first use, its LXC containers and VM listed beside Docker's, a
// guest started from its drawer (a task followed to its end), its configuration and
// snapshots, its history charted from Proxmox's own record, the cluster's nodes and a node
// going offline on the Devices screen, the dashboard with the Docker engine and the cluster
// side by side, and a change made in Proxmox shown. Proxmox VE cannot run here: the fake server of the Rust tests, as a process
// (`cargo build -p squirrel-proxmox --example fake_pve`), which fails the run if it was sent
// anything the real API would refuse.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { startSession } from "./webdriver.mjs";

const SHOTS = path.resolve("test-artifacts/screenshots");
const FAKE = process.env.SQUIRREL_FAKE_PVE ?? path.resolve("target/debug/examples/fake_pve");
const row = (name) => `[data-testid="container-row"][data-name="${name}"]`;
let s;
let fake;
let pve;
const docker = (...args) => execFileSync("docker", args, { encoding: "utf8" }).trim();
// A Docker container beside the cluster's guests, for the dashboard.
const NEIGHBOUR = "e2e-pve-neighbour";
const removeNeighbour = () => {
  try {
    docker("rm", "-f", NEIGHBOUR);
  } catch {
    // not there
  }
};

const points = async (testid, root) => {
  const el = (await s.findAll(`[data-testid="${testid}"]`, root))[0];
  return el ? Number((await s.attr(el, "data-points")) ?? 0) : 0;
};
const textOf = (selector) => s.exec(`return document.querySelector(${JSON.stringify(selector)})?.textContent ?? null`);

async function typeInto(testid, text) {
  const el = await s.waitFor(`[data-testid="${testid}"]`);
  await s.cmd("POST", `/element/${el}/clear`, {});
  await s.type(el, text);
}

before(async () => {
  removeNeighbour();
  docker("run", "-d", "--name", NEIGHBOUR, "busybox:local", "sh", "-c", "while :; do :; done");
  fake = spawn(FAKE, [], { stdio: ["pipe", "pipe", "inherit"] });
  pve = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the fake Proxmox VE server did not start in 30 s")), 30_000);
    fake.once("error", reject);
    createInterface({ input: fake.stdout }).once("line", (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line));
    });
  });
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: mkdtempSync(path.join(tmpdir(), "squirrel-e2e-proxmox-")) },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
});

after(async () => {
  removeNeighbour();
  await s?.close();
  if (fake && fake.exitCode === null) {
    const exited = new Promise((resolve) => fake.once("exit", resolve));
    fake.stdin.end();
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 10_000))]);
    if (code === "timeout") fake.kill("SIGKILL");
    // The fake exits 1 when it was sent a request the real API would have refused.
    assert.equal(code, 0, "the fake Proxmox VE server saw requests the real API would refuse (listed above)");
  }
});

test("a Proxmox VE cluster is added through the wizard, its certificate approved, its guests listed and acted on", async () => {
  await s.click(await s.waitFor('[data-testid="nav-devices"]'));
  await s.click(await s.waitFor('[data-testid="add-device"]'));
  await s.click(await s.waitFor('[data-testid="device-kind-proxmox"]'));
  await s.click(await s.waitFor('[data-testid="wizard-next"]'));
  await typeInto("pve-url", pve.url);
  await typeInto("pve-token-id", pve.tokenId);
  await typeInto("pve-secret", pve.tokenSecret);
  await typeInto("device-name", "e2e-pve");
  await s.screenshot(path.join(SHOTS, "wizard-proxmox.png"));
  await s.click(await s.waitFor('[data-testid="wizard-next"]'));
  await s.click(await s.waitFor('[data-testid="test-connection"]'));

  // First use: the node's certificate, shown for comparison, in the host-key dialog.
  const shown = await s.waitFor('[data-testid="host-key-fingerprint"]');
  // The dialog fades in over the wizard; WebDriver reports the text of a visible element only.
  const text = await s.until(async () => (await s.text(shown)).trim(), "the fingerprint to show");
  assert.equal(text, pve.fingerprint);
  await s.screenshot(path.join(SHOTS, "proxmox-certificate.png"));
  await s.click(await s.waitFor('[data-testid="approve-host-key"]'));
  const version = await s.waitFor('[data-testid="probe-version"]');
  assert.match(await s.text(version), /Proxmox VE/);
  assert.match(await s.text(await s.waitFor('[data-testid="probe-containers"]')), /2 running of 3/);
  await s.screenshot(path.join(SHOTS, "wizard-proxmox-probe.png"));
  await s.click(await s.waitFor('[data-testid="save-device"]'));
  await s.waitFor('[data-testid="device-row"][data-name="e2e-pve"][data-status="online"]', { timeout: 60_000 });

  // Its guests, in the same table as the Docker containers, each saying where it runs.
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));
  for (const name of ["dns", "media", "homeassistant"]) await s.waitFor(row(name), { timeout: 30_000 });
  const where = await s.until(
    () => s.exec(`return document.querySelector('${row("dns")} [data-testid="guest-where"]')?.textContent ?? null`),
    "where dns runs",
  );
  assert.equal(where.trim(), "LXC 101 · pve1");
  // Up since its start (the fake's guests have run for an hour).
  assert.equal((await textOf(`${row("dns")} [data-testid="guest-uptime"]`)).trim(), "up 1 h");
  await s.screenshot(path.join(SHOTS, "containers-proxmox.png"));

  // A stopped guest is started from its drawer: a task, followed to its end.
  await s.click(await s.waitFor('[role="cell"]', { root: await s.waitFor(row("media")) }));
  const drawer = await s.waitFor('[data-testid="container-drawer"]');
  const facts = await s.waitFor('[data-testid="guest-facts"]', { root: drawer });
  // The drawer slides in; WebDriver reports the text of a visible element only.
  assert.match(await s.until(async () => (await s.text(facts)).trim(), "the guest's facts"), /pve2/);
  assert.equal((await s.findAll('[data-testid="drawer-tab-logs"]', drawer)).length, 0, "a guest has no log tab");
  await s.click(await s.waitFor('[data-testid="drawer-action-start"]', { root: drawer }));
  await s.waitFor(`${row("media")}[data-state="running"]`, { timeout: 30_000 });
  // The stop button, once the new state shows, in Proxmox's word.
  const label = await s.until(
    () => s.exec(`return document.querySelector('[data-testid="drawer-action-stop"]')?.textContent ?? null`),
    "the stop button of the running guest",
  );
  assert.equal(label.trim(), "Shut down");
  // Its configuration and snapshots, read from its node.
  const hostname = await s.until(() => textOf('[data-testid="guest-hostname"]'), "the guest's configuration");
  assert.equal(hostname.trim(), "media");
  assert.match(await s.until(() => textOf('[data-testid="guest-snapshots"]'), "the snapshots"), /before-upgrade/);
  assert.match(await textOf('[data-testid="guest-disks"]'), /\/srv\/data/);
  await s.screenshot(path.join(SHOTS, "drawer-proxmox-guest.png"));
  await s.press("\uE00C");
  await s.until(async () => (await s.findAll('[data-testid="container-drawer"]')).length === 0, "the drawer to close");

  // A running guest's history, charted from what Proxmox recorded before Squirrel saw it.
  await s.click(await s.waitFor('[role="cell"]', { root: await s.waitFor(row("dns")) }));
  const dnsDrawer = await s.waitFor('[data-testid="container-drawer"]');
  await s.click(await s.waitFor('[data-testid="drawer-tab-stats"]', { root: dnsDrawer }));
  await s.waitFor('[data-testid="stats-tab"]', { root: dnsDrawer });
  await s.until(async () => (await points("history-cpu-chart", dnsDrawer)) > 30, "an hour of recorded CPU", 60_000);
  assert.ok((await points("history-memory-chart", dnsDrawer)) > 30);
  assert.equal((await s.findAll('[data-testid="live-status"]', dnsDrawer)).length, 0, "Proxmox has no live stream");
  await s.screenshot(path.join(SHOTS, "drawer-proxmox-stats.png"));
  await s.press("\uE00C");
  await s.until(async () => (await s.findAll('[data-testid="container-drawer"]')).length === 0, "the drawer to close");

  // The cluster's nodes on the Devices screen; a node that goes away shows at once.
  await s.click(await s.waitFor('[data-testid="nav-devices"]'));
  const device = '[data-testid="device-row"][data-name="e2e-pve"]';
  await s.waitFor(`${device} [data-testid="device-node"][data-name="pve1"][data-online="true"]`, { timeout: 30_000 });
  fake.stdin.write("node pve2 offline\n");
  await s.waitFor(`${device} [data-testid="device-node"][data-name="pve2"][data-online="false"]`, { timeout: 30_000 });
  await s.screenshot(path.join(SHOTS, "devices-proxmox-nodes.png"));
  fake.stdin.write("node pve2 online\n");
  await s.waitFor(`${device} [data-testid="device-node"][data-name="pve2"][data-online="true"]`, { timeout: 30_000 });

  // The dashboard: the Docker engine and the cluster side by side, their load in the fleet's charts.
  await s.click(await s.waitFor('[data-testid="nav-dashboard"]'));
  await s.waitFor('[data-testid="device-health-row"][data-name="e2e-pve"]', { timeout: 30_000 });
  await s.waitFor('[data-testid="device-health-row"][data-name="This computer"]', { timeout: 30_000 });
  await s.until(
    async () =>
      Number(
        await s.exec(
          `return document.querySelector('[data-testid="device-health-row"][data-name="This computer"] [data-testid="device-health-cpu"]')?.dataset.value ?? 0`,
        ),
      ) > 10,
    "the Docker engine's load beside the cluster's",
    60_000,
  );
  await s.until(async () => (await points("fleet-cpu-chart")) > 0, "fleet CPU points", 60_000);
  await s.screenshot(path.join(SHOTS, "dashboard-docker-and-proxmox.png"));
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));

  // A change made in Proxmox shows within a poll.
  fake.stdin.write("status 200 stopped\n");
  await s.waitFor(`${row("homeassistant")}[data-state="exited"]`, { timeout: 30_000 });
});
