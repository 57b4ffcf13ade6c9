// End-to-end: images in the real window. A dangling image (a tag moved to a newer commit) is
// marked and pruned, with the space freed said; an unused tagged image is removed from its
// row; the docker CLI confirms both.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startSession } from "./webdriver.mjs";

const SHOTS = path.resolve("test-artifacts/screenshots");
const RUN = process.env.SQUIRREL_TEST_RUN ?? "/tmp/squirrel-e2e";
const HELLO = `127.0.0.1:${readFileSync(path.join(RUN, "registry/port"), "utf8").trim()}/e2e/hello:1`;
const docker = (...args) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const gone = (ref) => {
  try {
    docker("image", "inspect", ref);
    return false;
  } catch {
    return true;
  }
};
let s;
let dangling;

/** What a person reads in an element (WebDriver's own text leaves out ellipsized cells). */
const shown = (el) => s.exec("return arguments[0].innerText", [{ "element-6066-11e4-a52e-4f735466cecf": el }]);

before(async () => {
  for (const n of ["e2e-img-a", "e2e-img-b"]) {
    try {
      docker("rm", "-f", n);
    } catch {
      // not there
    }
  }
  docker("run", "--name", "e2e-img-a", "busybox:local", "sh", "-c", "echo a > /a");
  dangling = docker("commit", "e2e-img-a", "e2e-img:1");
  docker("run", "--name", "e2e-img-b", "busybox:local", "sh", "-c", "echo b > /b");
  docker("commit", "e2e-img-b", "e2e-img:1");
  docker("rm", "e2e-img-a", "e2e-img-b");
  try {
    docker("rmi", HELLO);
  } catch {
    // not pulled: the test pulls it
  }
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: mkdtempSync(path.join(tmpdir(), "squirrel-e2e-data-")) },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
});

after(async () => {
  await s?.close();
  try {
    docker("rmi", "-f", "e2e-img:1");
  } catch {
    // removed by the test
  }
});

test("a dangling image is marked, and a prune removes it and says what it freed", async () => {
  await s.click(await s.waitFor('[data-testid="nav-images"]'));
  await s.waitFor('[data-testid="image-dangling"]');
  await s.screenshot(path.join(SHOTS, "images.png"));
  await s.click(await s.waitFor('[data-testid="images-prune"]'));
  await s.dialogOpened();
  await s.click(await s.waitFor('[data-testid="images-prune-confirm"]'));
  const note = await s.until(async () => {
    for (const n of await s.findAll(".mantine-Notification-root")) {
      const text = await shown(n);
      if (text.includes("pruned")) return text;
    }
    return null;
  }, "the prune's notification");
  assert.match(note, /Removed \d+ images? or layers, .* freed\./);
  assert.ok(gone(dangling), "the dangling image is still there");
  await s.until(async () => (await s.findAll('[data-testid="image-dangling"]')).length === 0, "the dangling row to go");
});

test("an image is tagged from its row; a name that is not one is refused under the field", async () => {
  const row = await s.until(async () => {
    for (const r of await s.findAll('[data-testid="images-table-row"]')) if ((await shown(r)).includes("e2e-img:1")) return r;
    return null;
  }, "the e2e-img:1 row");
  await s.click(await s.waitFor('[data-testid="image-tag"]', { root: row }));
  const input = await s.waitFor('[data-testid="image-tag-input"]');
  await s.dialogOpened();
  // Offered: the repository, the tag left to write.
  assert.equal(await s.exec("return arguments[0].value", [{ "element-6066-11e4-a52e-4f735466cecf": input }]), "e2e-img:");
  await s.type(input, "<B>");
  await s.click(await s.waitFor('[data-testid="image-tag-confirm"]'));
  const error = await s.until(async () => {
    const e = await s.exec("const i = document.querySelector('[data-testid=\"image-tag-input\"]'); const d = document.getElementById(i.getAttribute('aria-describedby')?.split(' ').find((x) => x.includes('error')) ?? ''); return d ? d.innerText : null;");
    return e || null;
  }, "the refusal under the field");
  assert.match(error, /not an image name/);
  await s.screenshot(path.join(SHOTS, "image-tag-refused.png"));
  await s.exec("const i = document.querySelector('[data-testid=\"image-tag-input\"]'); Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(i, ''); i.dispatchEvent(new Event('input', { bubbles: true }));");
  await s.type(input, "e2e-img:tagged");
  await s.click(await s.waitFor('[data-testid="image-tag-confirm"]'));
  await s.until(async () => !gone("e2e-img:tagged"), "the engine to have e2e-img:tagged");
  assert.equal(docker("image", "inspect", "-f", "{{.Id}}", "e2e-img:tagged"), docker("image", "inspect", "-f", "{{.Id}}", "e2e-img:1"));
  await s.until(async () => (await s.findAll('[data-testid="image-tag-input"]')).length === 0, "the dialog to close");
  // The next test removes the image by its row: one tag only.
  docker("rmi", "e2e-img:tagged");
});

test("an unused image is removed from its row", async () => {
  const row = await s.until(async () => {
    for (const r of await s.findAll('[data-testid="images-table-row"]')) if ((await shown(r)).includes("e2e-img:1")) return r;
    return null;
  }, "the e2e-img:1 row");
  assert.equal((await shown(await s.waitFor('[data-testid="image-used-by"]', { root: row }))).trim(), "unused");
  await s.click(await s.waitFor('[data-testid="image-remove"]', { root: row }));
  await s.dialogOpened();
  await s.click(await s.waitFor('[data-testid="image-remove-confirm"]'));
  await s.until(async () => gone("e2e-img:1"), "the engine to remove e2e-img:1");
  await s.until(async () => {
    for (const r of await s.findAll('[data-testid="images-table-row"]')) if ((await shown(r)).includes("e2e-img:1")) return false;
    return true;
  }, "the row to go");
});

test("an image is pulled from the window, layer by layer, and listed", async () => {
  await s.click(await s.waitFor('[data-testid="images-pull"]'));
  await s.type(await s.waitFor('[data-testid="pull-reference"]'), HELLO);
  await s.dialogOpened();
  await s.click(await s.waitFor('[data-testid="pull-start"]'));
  await s.waitFor('[data-testid="pull-done"]', { timeout: 120_000 });
  const layers = await s.findAll('[data-testid="deploy-layer"][data-done]');
  assert.ok(layers.length >= 1, "no finished layer shown");
  await s.screenshot(path.join(SHOTS, "images-pull.png"));
  assert.ok(!gone(HELLO), "the engine does not have the pulled image");
  await s.press("\uE00C");
  await s.until(async () => {
    for (const r of await s.findAll('[data-testid="images-table-row"]')) if ((await shown(r)).includes("e2e/hello:1")) return true;
    return false;
  }, "the pulled image's row");
});
