// End-to-end: templates in the real window. A catalogue file naming an image in the test
// registry is added as a source; its template is found in the gallery, deployed through the
// wizard to the test engine with the pull's progress shown, and the container runs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startSession } from "./webdriver.mjs";

const SHOTS = path.resolve("test-artifacts/screenshots");
const RUN = process.env.SQUIRREL_TEST_RUN ?? "/tmp/squirrel-e2e";
const docker = (...args) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const registry = `127.0.0.1:${readFileSync(path.join(RUN, "registry/port"), "utf8").trim()}`;
const IMAGE = `${registry}/e2e/hello:1`;
const NAME = "e2e-from-template";

let s;
let catalogue;

/** Fills a text input: clears what a form pre-filled, then types. */
async function fill(el, text) {
  await s.cmd("POST", `/element/${el}/clear`, {});
  await s.type(el, text);
}

before(async () => {
  for (const n of [NAME]) {
    try {
      docker("rm", "-f", n);
    } catch {
      // not there
    }
  }
  try {
    docker("rmi", IMAGE);
  } catch {
    // not pulled yet: the deploy pulls it
  }
  const dir = mkdtempSync(path.join(tmpdir(), "squirrel-e2e-catalogue-"));
  catalogue = path.join(dir, "homelab.json");
  writeFileSync(
    catalogue,
    JSON.stringify({
      version: "3",
      templates: [
        {
          id: 1,
          type: 1,
          title: "Hello E2E",
          description: "A tiny web server from the test registry",
          categories: ["Testing"],
          name: "hello",
          image: IMAGE,
          note: "<script>window.__pwned = true</script><b>Read me</b>",
          env: [{ name: "GREETING", label: "Greeting", default: "hi" }],
          labels: [{ name: "e2e.origin", value: "template" }],
          command: "sleep 600",
        },
        { id: 2, type: 3, title: "Compose Stack E2E", description: "A stack", repository: { url: "https://example.org/r.git", stackfile: "compose.yml" } },
      ],
    }),
  );
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: mkdtempSync(path.join(tmpdir(), "squirrel-e2e-data-")) },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
});

after(async () => {
  await s?.close();
  try {
    docker("rm", "-f", NAME);
  } catch {
    // gone already
  }
});

test("the gallery lists the bundled catalogue", async () => {
  await s.click(await s.waitFor('[data-testid="nav-templates"]'));
  await s.waitFor('[data-testid="template-card"]');
  const cards = await s.findAll('[data-testid="template-card"]');
  assert.ok(cards.length >= 6, `cards shown: ${cards.length}`);
  await s.screenshot(path.join(SHOTS, "templates-gallery.png"));
  await s.click(await s.waitFor('[data-testid="theme-toggle"]'));
  await s.screenshot(path.join(SHOTS, "templates-gallery-other-theme.png"));
  await s.click(await s.waitFor('[data-testid="theme-toggle"]'));
});

test("a catalogue file added as a source shows its templates, and a stack cannot deploy", async () => {
  await s.click(await s.waitFor('[data-testid="sources-open"]'));
  const pathInput = await s.waitFor('[data-testid="source-path"]');
  await fill(pathInput, catalogue);
  await s.click(await s.waitFor('[data-testid="source-add"]'));
  await s.until(async () => {
    const rows = await s.findAll('[data-testid="source-row"]');
    for (const r of rows) if ((await s.text(r)).includes("homelab.json")) return true;
    return false;
  }, "the new source to be listed");
  await s.screenshot(path.join(SHOTS, "templates-sources.png"));
  await s.press("\uE00C");
  const search = await s.waitFor('[data-testid="template-search"]');
  await fill(search, "E2E");
  await s.until(async () => (await s.findAll('[data-testid="template-card"]')).length === 2, "two cards for E2E");
  const stack = await s.waitFor('[data-testid="template-card"][data-title="Compose Stack E2E"]');
  const stackDeploy = await s.waitFor('[data-testid="template-deploy"]', { root: stack });
  assert.equal(await s.attr(stackDeploy, "disabled"), "true", "a compose template cannot be deployed");
});

test("the wizard deploys the template to the test engine with the pull's progress", async () => {
  const card = await s.waitFor('[data-testid="template-card"][data-title="Hello E2E"]');
  await s.click(await s.waitFor('[data-testid="template-deploy"]', { root: card }));
  await s.waitFor('[data-testid="wizard"]');
  const name = await s.waitFor('[data-testid="wizard-name"]');
  await fill(name, NAME);
  // The template's note is text, never markup.
  assert.equal(await s.exec("return window.__pwned === true"), false);
  await s.screenshot(path.join(SHOTS, "templates-wizard.png"));
  await s.click(await s.waitFor('[data-testid="wizard-next"]'));
  const runLine = await s.waitFor('[data-testid="run-line"]');
  await s.until(async () => (await s.text(runLine)).includes(`--name ${NAME}`), "the docker run line");
  assert.match(await s.text(runLine), /GREETING=hi/);
  await s.screenshot(path.join(SHOTS, "templates-review.png"));
  await s.click(await s.waitFor('[data-testid="wizard-deploy"]'));
  const target = await s.waitFor('[data-testid="deploy-target"]');
  await s.until(async () => (await s.attr(target, "data-state")) !== "running", "the deploy to end", 120_000);
  assert.equal(await s.attr(target, "data-state"), "done", await s.text(target));
  assert.ok((await s.findAll('[data-testid="deploy-layer"]', target)).length >= 1, "layers were shown");
  await s.screenshot(path.join(SHOTS, "templates-deployed.png"));

  const inspected = JSON.parse(docker("inspect", NAME))[0];
  assert.equal(inspected.State.Running, true);
  assert.equal(inspected.Config.Image, IMAGE);
  assert.ok(inspected.Config.Env.includes("GREETING=hi"));
  assert.equal(inspected.Config.Labels["e2e.origin"], "template");

  await s.click(await s.waitFor('[data-testid="deploy-show-container"]'));
  const row = await s.waitFor(`[data-testid="container-row"][data-name="${NAME}"]`);
  assert.equal(await s.attr(row, "data-state"), "running");
});
