// End-to-end: the real Squirrel window under Xvfb, driven over WebDriver, against a real dockerd.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import readline from "node:readline";
import { startSession } from "./webdriver.mjs";

const SHOTS = path.resolve("test-artifacts/screenshots");
const docker = (...args) => execFileSync("docker", args, { encoding: "utf8" }).trim();

/** Resolves when the engine reports `event` for container `name` (docker events, no polling). */
function engineEvent(name, event) {
  const proc = spawn("docker", ["events", "--filter", `container=${name}`, "--filter", `event=${event}`, "--format", "{{.Action}}"]);
  const lines = readline.createInterface({ input: proc.stdout });
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} event for ${name}`)), 30_000);
    lines.on("line", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return { done: done.finally(() => proc.kill()) };
}

const row = (name) => `[data-testid="container-row"][data-name="${name}"]`;
let s;

before(async () => {
  for (const n of ["e2e-web", "e2e-stop", "e2e-xss"]) {
    try {
      docker("rm", "-f", n);
    } catch {
      // not there
    }
  }
  docker("run", "-d", "--name", "e2e-web", "-p", "18080:80", "busybox:local", "sleep", "600");
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: mkdtempSync(path.join(tmpdir(), "squirrel-e2e-data-")) },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
});

after(async () => {
  await s?.close();
});

test("the local engine is a device and its containers are listed", async () => {
  // The dashboard is the first screen; the containers are one click away.
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));
  const device = await s.waitFor('[data-testid="device-item"][data-status="online"]');
  assert.ok(device);
  const el = await s.waitFor(row("e2e-web"));
  assert.equal(await s.attr(el, "data-state"), "running");
  await s.screenshot(path.join(SHOTS, "containers.png"));
});

test("a container created with the docker CLI appears without a reload", async () => {
  docker("run", "-d", "--name", "e2e-stop", "busybox:local", "sleep", "600");
  const el = await s.waitFor(row("e2e-stop"));
  await s.until(async () => (await s.attr(el, "data-state")) === "running", "e2e-stop running");
});

test("clicking Stop stops the container, and the docker CLI confirms it", async () => {
  const el = await s.waitFor(row("e2e-stop"));
  const stopButton = await s.waitFor('[data-testid="action-stop"]', { root: el });
  const died = engineEvent("e2e-stop", "die");
  await s.click(stopButton);
  const confirm = await s.waitFor('[data-testid="confirm-action"]');
  // The dialog fades in: take its picture once it is fully shown.
  await s.until(
    () => s.exec(`const el = document.querySelector('.mantine-Modal-content'); return !!el && getComputedStyle(el).opacity === "1"`),
    "the confirmation dialog to be shown",
  );
  await s.screenshot(path.join(SHOTS, "confirm-stop.png"));
  await s.click(confirm);
  await died.done;
  assert.equal(docker("inspect", "-f", "{{.State.Status}}", "e2e-stop"), "exited");
  const after = await s.waitFor(row("e2e-stop"));
  await s.until(async () => (await s.attr(after, "data-state")) === "exited", "row shows exited");
});

test("markup in labels and environment is shown as plain text in the drawer", async () => {
  const evil = `<img src=x onerror="document.title='pwned'">`;
  docker("run", "-d", "--name", "e2e-xss", "--label", `evil=${evil}`, "-e", `EVIL=${evil}`, "-e", `DB_PASSWORD=${evil}`, "busybox:local", "sleep", "600");
  const el = await s.waitFor(row("e2e-xss"));
  await s.click(el);
  const drawer = await s.waitFor('[data-testid="container-drawer"]');
  // The drawer may show sections as tabs: open each one that exists.
  for (const tab of ["Labels", "Environment"]) {
    const tabs = await s.findAll(`[role="tab"]`, drawer);
    for (const t of tabs) if ((await s.text(t)).includes(tab)) await s.click(t);
    if (tab === "Labels") {
      const v = await s.waitFor('[data-testid="label-value"]', { root: drawer });
      await s.until(async () => {
        const values = await Promise.all((await s.findAll('[data-testid="label-value"]', drawer)).map((x) => s.text(x)));
        return values.includes(evil);
      }, "the label value as text");
      assert.ok(v);
      await s.screenshot(path.join(SHOTS, "drawer-labels.png"));
    } else {
      await s.until(async () => {
        const values = await Promise.all((await s.findAll('[data-testid="env-value"]', drawer)).map((x) => s.text(x)));
        return values.includes(evil);
      }, "the env value as text");
      // A value whose name looks secret is masked until its own button reveals it, as text.
      const masked = await s.waitFor('[data-testid="env-value"][data-masked="true"]', { root: drawer });
      assert.equal((await s.text(masked)).trim(), "•••••");
      await s.screenshot(path.join(SHOTS, "drawer-env.png"));
      await s.click(await s.waitFor('[aria-label="Show the value of DB_PASSWORD"]', { root: drawer }));
      await s.until(async () => {
        const shown = await s.findAll('[data-testid="env-value"][data-masked="false"]', drawer);
        return shown.length === 1 && (await s.text(shown[0])) === evil;
      }, "the revealed secret as text");
    }
  }
  const injected = await s.exec(`return document.querySelectorAll('[data-testid="container-drawer"] img[src="x"]').length`);
  assert.equal(injected, 0, "no <img> was created from the label");
  assert.notEqual(await s.exec("return document.title"), "pwned");
});

test("every screen renders, in light and dark", async () => {
  await s.press("\uE00C"); // Escape closes the drawer
  await s.until(async () => (await s.findAll('[data-testid="container-drawer"]')).length === 0, "the drawer to close");
  for (const screen of ["images", "volumes", "networks", "containers"]) {
    await s.click(await s.waitFor(`[data-testid="nav-${screen}"]`));
    await s.screenshot(path.join(SHOTS, `${screen}.png`));
  }
  await s.click(await s.waitFor('[data-testid="theme-toggle"]'));
  await s.screenshot(path.join(SHOTS, "containers-other-theme.png"));
});
