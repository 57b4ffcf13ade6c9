// End-to-end: update detection in the real window. Two tags of an image are pushed to the
// test registry; a container runs the older one; "Check for updates" asks the registry and
// the newer tag shows beside the container's image.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startSession } from "./webdriver.mjs";

const SHOTS = path.resolve("test-artifacts/screenshots");
const RUN = process.env.SQUIRREL_TEST_RUN ?? "/tmp/squirrel-e2e";
const docker = (...args) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const registry = `127.0.0.1:${readFileSync(path.join(RUN, "registry/port"), "utf8").trim()}`;
const REPO = `${registry}/e2e/upd`;
const NAME = "e2e-updatable";
// Two more on another repository, for the update of many at once.
const REPO_B = `${registry}/e2e/updb`;
const BATCH = ["e2e-batch-1", "e2e-batch-2"];
const row = (name) => `[data-testid="container-row"][data-name="${name}"]`;

let s;

/** Clicks the first option of the open drop-down whose text passes `test`. */
async function pickOption(test) {
  await s.click(
    await s.until(async () => {
      for (const o of await s.findAll('[role="option"]')) if (test(await s.text(o))) return o;
      return null;
    }, "the option wanted"),
  );
}

before(async () => {
  for (const name of [NAME, ...BATCH]) {
    try {
      docker("rm", "-f", name);
    } catch {
      // not there
    }
  }
  // The push gives the local image a RepoDigests entry for the registry's repository: what
  // a check compares.
  for (const tag of ["1.0.0", "1.1.0"]) {
    docker("tag", "busybox:local", `${REPO}:${tag}`);
    docker("push", "--quiet", `${REPO}:${tag}`);
  }
  docker("run", "-d", "--name", NAME, `${REPO}:1.0.0`, "sleep", "600");
  for (const tag of ["1.0.0", "1.0.1"]) {
    docker("tag", "busybox:local", `${REPO_B}:${tag}`);
    docker("push", "--quiet", `${REPO_B}:${tag}`);
  }
  for (const name of BATCH) docker("run", "-d", "--name", name, `${REPO_B}:1.0.0`, "sleep", "600");
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: mkdtempSync(path.join(tmpdir(), "squirrel-e2e-data-")) },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
});

after(async () => {
  await s?.close();
  try {
    docker("rm", "-f", NAME, ...BATCH);
    docker("rmi", `${REPO}:1.0.0`, `${REPO}:1.1.0`, `${REPO_B}:1.0.0`, `${REPO_B}:1.0.1`);
  } catch {
    // gone already
  }
});

test("Check for updates shows the newer tag beside the container's image", async () => {
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));
  const el = await s.waitFor(row(NAME));
  assert.deepEqual(await s.findAll('[data-testid="update-badge"]', el), [], "no badge before a check");
  await s.click(await s.waitFor('[data-testid="updates-check"]'));
  const badge = await s.waitFor(`${row(NAME)} [data-testid="update-badge"]`, { timeout: 60_000 });
  await s.screenshot(path.join(SHOTS, "updates-badge.png"));
  assert.equal(await s.attr(badge, "data-newer-tag"), "1.1.0");
  // The badge's words, as shown (innerText: what a person reads).
  const shown = await s.exec(
    `const b = document.querySelector('${row(NAME)} [data-testid="update-badge"]'); const r = b.getBoundingClientRect(); return [b.innerText.trim(), r.width > 20, b.dataset.tip];`,
  );
  assert.deepEqual(shown, ["1.1.0", true, "Newer version: 1.0.0 → 1.1.0"]);
  const summary = await s.waitFor('[data-testid="updates-summary"]');
  assert.match(await s.text(summary), /^\d+ updates? · checked/);
  await s.click(await s.waitFor('[data-testid="theme-toggle"]'));
  await s.screenshot(path.join(SHOTS, "updates-badge-other-theme.png"));
  await s.click(await s.waitFor('[data-testid="theme-toggle"]'));
});

test("how often images are checked, and how long a previous image is kept, are chosen on the Registries screen and kept", async () => {
  await s.click(await s.waitFor('[data-testid="nav-registries"]'));
  await s.click(await s.waitFor('[data-testid="updates-interval"]'));
  await pickOption((t) => t.includes("once a day"));
  const hours = await s.until(async () => {
    const h = await s.cmd("POST", "/execute/async", {
      script: `const done = arguments[arguments.length - 1];
        window.__TAURI_INTERNALS__.invoke("updates_interval_get", {}).then(done, (e) => done(String(e)));`,
      args: [],
    });
    return h === 24 ? h : null;
  }, "the interval to be kept as 24 h");
  assert.equal(hours, 24);
  // How long a previous image is kept for a roll back, beside it.
  await s.click(await s.waitFor('[data-testid="keep-hours"]'));
  await pickOption((t) => t === "3 days");
  const keep = await s.until(async () => {
    const h = await s.cmd("POST", "/execute/async", {
      script: `const done = arguments[arguments.length - 1];
        window.__TAURI_INTERNALS__.invoke("kept_images_hours_get", {}).then(done, (e) => done(String(e)));`,
      args: [],
    });
    return h === 72 ? h : null;
  }, "the keep time to be kept as 72 h");
  assert.equal(keep, 72);
  await s.screenshot(path.join(SHOTS, "registries-interval.png"));
});

test("an update runs from the badge: the container moves to the newer tag through the health gate", async () => {
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));
  const before = docker("inspect", "-f", "{{.Id}}", NAME);
  await s.click(await s.waitFor(`${row(NAME)} [data-testid="update-badge"]`, { timeout: 60_000 }));
  const dialog = await s.waitFor('[data-testid="recreate-body"]');
  await s.dialogOpened();
  assert.equal(await s.attr(dialog, "data-mode"), "update");
  assert.equal(await s.exec("return document.querySelector('[data-testid=\"recreate-to\"]').innerText"), `${REPO}:1.1.0`);
  // The shortest gate offered: running 10 s without exiting.
  await s.click(await s.waitFor('[data-testid="recreate-window"]', { root: dialog }));
  await pickOption((t) => t === "10 s");
  await s.click(await s.waitFor('[data-testid="recreate-start"]', { root: dialog }));
  await s.waitFor('[data-testid="recreate-step-checking"][data-state="current"]', { timeout: 60_000 });
  await s.screenshot(path.join(SHOTS, "update-gate.png"));
  const outcome = await s.waitFor('[data-testid="recreate-outcome"]', { timeout: 90_000 });
  await s.screenshot(path.join(SHOTS, "update-done.png"));
  assert.equal(await s.attr(outcome, "data-result"), "replaced", await s.exec("return arguments[0].innerText", [{ "element-6066-11e4-a52e-4f735466cecf": outcome }]));
  // The engine has a new container of the same name on the newer tag, running.
  const [id, image, running] = docker("inspect", "-f", "{{.Id}} {{.Config.Image}} {{.State.Running}}", NAME).split(" ");
  assert.notEqual(id, before);
  assert.equal(image, `${REPO}:1.1.0`);
  assert.equal(running, "true");
  await s.click(await s.waitFor('[data-testid="recreate-close"]'));
  // The updated container has no finding left: its row shows no badge.
  await s.until(async () => {
    const el = (await s.findAll(row(NAME)))[0];
    if (!el) return false;
    const uuid = await s.attr(el, "data-uuid");
    return uuid && (await s.findAll('[data-testid="update-badge"]', el)).length === 0;
  }, "the updated container's row, without a badge", 30_000);
});

test("edit and recreate from the drawer: a variable added, the container recreated through the same gate", async () => {
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));
  await s.click(await s.waitFor('[role="cell"]', { root: await s.waitFor(row(NAME)) }));
  const drawer = await s.waitFor('[data-testid="container-drawer"]');
  // Clicked again if the first click found the drawer still settling (a CI run once saw no
  // dialog after one click; a person clicks again too).
  let clicked = 0;
  const dialog = await s.until(async () => {
    const open = (await s.findAll('[data-testid="recreate-body"][data-mode="edit"]'))[0];
    if (open) return open;
    if (Date.now() - clicked > 5_000) {
      clicked = Date.now();
      await s.click(await s.waitFor('[data-testid="drawer-edit"]', { root: drawer })).catch(() => {});
    }
    return null;
  }, "the edit dialog", 30_000);
  const edit = await s.waitFor('[data-testid="recreate-edit"]', { root: dialog, timeout: 30_000 });
  await s.dialogOpened();
  const rowsBefore = (await s.findAll('[data-testid="recreate-env-row"]', edit)).length;
  await s.click(await s.waitFor('[data-testid="recreate-env-add"]', { root: edit }));
  const names = await s.until(async () => {
    const n = await s.findAll('[data-testid="recreate-env-name"]', edit);
    return n.length === rowsBefore + 1 ? n : null;
  }, "a new variable row");
  const values = await s.findAll('[data-testid="recreate-env-value"]', edit);
  await s.type(names[rowsBefore], "GREETING");
  await s.type(values[rowsBefore], "<b>hello</b> & bye");
  await s.click(await s.waitFor('[data-testid="recreate-window"]', { root: dialog }));
  await pickOption((t) => t === "10 s");
  await s.screenshot(path.join(SHOTS, "edit-recreate.png"));
  await s.click(await s.waitFor('[data-testid="recreate-start"]', { root: dialog }));
  const outcome = await s.waitFor('[data-testid="recreate-outcome"]', { timeout: 90_000 });
  assert.equal(await s.attr(outcome, "data-result"), "replaced");
  const env = JSON.parse(docker("inspect", "-f", "{{json .Config.Env}}", NAME));
  assert.ok(env.includes("GREETING=<b>hello</b> & bye"), JSON.stringify(env));
  assert.equal(docker("inspect", "-f", "{{.Config.Image}}", NAME), `${REPO}:1.1.0`, "on the image it had");
  await s.click(await s.waitFor('[data-testid="recreate-close"]'));
});

test("Update all: every container with an update goes through the gate, each followed in one dialog", async () => {
  // The drawer the edit was made from closes first.
  await s.until(async () => (await s.findAll('[data-testid="recreate-body"]')).length === 0, "the edit dialog to close");
  await s.press("\uE00C");
  await s.until(async () => (await s.findAll('[data-testid="container-drawer"]')).length === 0, "the drawer to close");
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));
  await s.click(await s.waitFor('[data-testid="updates-check"]'));
  for (const name of BATCH) await s.waitFor(`${row(name)} [data-testid="update-badge"]`, { timeout: 60_000 });
  const ids = BATCH.map((name) => docker("inspect", "-f", "{{.Id}}", name));
  await s.click(await s.waitFor('[data-testid="updates-all"]'));
  const dialog = await s.waitFor('[data-testid="batch-body"]');
  await s.dialogOpened();
  const listed = await s.until(async () => {
    const items = await s.findAll('[data-testid="batch-item"]', dialog);
    const names = [];
    for (const i of items) names.push(await s.attr(i, "data-name"));
    return names.length === BATCH.length ? names.sort() : null;
  }, "the two containers with an update listed");
  assert.deepEqual(listed, [...BATCH].sort());
  await s.click(await s.waitFor('[data-testid="batch-window"]', { root: dialog }));
  await pickOption((t) => t === "10 s");
  await s.screenshot(path.join(SHOTS, "batch-asked.png"));
  await s.click(await s.waitFor('[data-testid="batch-start"]', { root: dialog }));
  await s.until(async () => {
    for (const i of await s.findAll('[data-testid="batch-item"]', dialog)) {
      if ((await s.attr(i, "data-state")).startsWith("Watching")) return true;
    }
    return false;
  }, "a container watched by the gate", 60_000);
  await s.screenshot(path.join(SHOTS, "batch-running.png"));
  const summary = await s.waitFor('[data-testid="batch-summary-text"]', { timeout: 120_000 });
  await s.screenshot(path.join(SHOTS, "batch-done.png"));
  assert.equal(await s.text(summary), "2 updated.");
  for (const [i, name] of BATCH.entries()) {
    const [id, image, running] = docker("inspect", "-f", "{{.Id}} {{.Config.Image}} {{.State.Running}}", name).split(" ");
    assert.notEqual(id, ids[i], `${name} was replaced`);
    assert.equal(image, `${REPO_B}:1.0.1`);
    assert.equal(running, "true");
  }
  await s.click(await s.waitFor('[data-testid="batch-close"]'));
});
