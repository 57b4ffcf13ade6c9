// End-to-end: a window at rest does nothing. With 50 containers (10 running), every screen is
// watched for 10 s: no DOM mutation outside the places where new data arrived (elements marked
// `data-live`, e.g. the load bars a stats round refreshes), and no animation running for ever.
// A future screen that animates or re-renders on a timer fails here.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startSession } from "./webdriver.mjs";

const docker = (...args) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const RUNNING = 10;
const TOTAL = 50;
const REST_MS = 10_000;
const names = Array.from({ length: TOTAL }, (_, i) => `rest-${String(i).padStart(2, "0")}`);
let s;

function removeRestContainers() {
  const ids = docker("ps", "-aq", "--filter", "name=^rest-").split("\n").filter(Boolean);
  if (ids.length) docker("rm", "-f", ...ids);
}

before(async () => {
  removeRestContainers();
  const script = names.map((n, i) =>
    i < RUNNING
      ? `docker run -d --network none --name ${n} busybox:local sleep 600 >/dev/null`
      : `docker create --network none --name ${n} busybox:local true >/dev/null`,
  );
  const made = spawnSync("xargs", ["-P", "4", "-I", "{}", "sh", "-c", "{}"], { input: script.join("\n"), encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: mkdtempSync(path.join(tmpdir(), "squirrel-e2e-rest-")) },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
  await s.cmd("POST", "/timeouts", { script: REST_MS + 30_000 });
});

after(async () => {
  await s?.close();
  removeRestContainers();
});

/**
 * Watches the document for `ms`: every mutation outside `[data-live]`, described, and the
 * animations still running at the end.
 */
function watchRest(ms) {
  return s.cmd("POST", "/execute/async", {
    script: `const [ms, done] = arguments;
      const describe = (node) => {
        const el = node.nodeType === 1 ? node : node.parentElement;
        if (!el) return '?';
        const tagged = el.closest('[data-testid]');
        return el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '') +
          (tagged ? ' in ' + tagged.getAttribute('data-testid') : '');
      };
      const seen = [];
      const observer = new MutationObserver((records) => {
        for (const r of records) {
          const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
          if (el && el.closest('[data-live]')) continue;
          seen.push(r.type + ' ' + (r.attributeName ?? '') + ' ' + describe(r.target));
        }
      });
      observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
      setTimeout(() => {
        observer.disconnect();
        const animations = document.getAnimations()
          .filter((a) => a.playState === 'running')
          .map((a) => (a.animationName ?? a.constructor.name) + ' on ' + describe(a.effect?.target ?? document.body));
        done({ mutations: [...new Set(seen)].slice(0, 20), count: seen.length, animations });
      }, ms);`,
    args: [ms],
  });
}

const SCREENS = [
  ["containers", `[data-testid="container-row"][data-name="${names[0]}"]`],
  ["dashboard", '[data-testid="dashboard"]'],
  ["logs", '[data-testid="logs-none"]'],
  ["images", '[data-testid="nav-images"][aria-current="page"]'],
  ["volumes", '[data-testid="nav-volumes"][aria-current="page"]'],
  ["networks", '[data-testid="nav-networks"][aria-current="page"]'],
  ["devices", '[data-testid="device-row"][data-status="online"]'],
  ["templates", '[data-testid="template-card"]'],
];

for (const [route, ready] of SCREENS) {
  test(`the ${route} screen is still at rest`, async () => {
    await s.exec(`window.location.hash = '#/${route}'`);
    await s.waitFor(ready, { timeout: 60_000 });
    // What the screen asked for has arrived and been painted.
    await new Promise((r) => setTimeout(r, 2_000));
    await s.settle();
    const rest = await watchRest(REST_MS);
    assert.deepEqual(rest.animations, [], `animations running on the ${route} screen`);
    assert.equal(rest.count, 0, `the ${route} screen changed at rest: ${rest.mutations.join("; ")}`);
  });
}
