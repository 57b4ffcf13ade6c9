// End-to-end: every container shown, always. 5,000 containers created before launch, then
// 5,000 more while the window is open: the count the window shows reaches the engine's own
// count (`docker ps -aq`), whatever the burst, within seconds.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { startSession } from "./webdriver.mjs";

const SHOTS = path.resolve("test-artifacts/screenshots");
const BATCH = 5_000;
const socketPath = (process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock").replace(/^unix:\/\//, "");
let s;

/** One Engine API call over the unix socket (no CLI process per container). */
function api(method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, method, path: urlPath, headers: { "content-type": "application/json" }, timeout: 60_000 },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => (res.statusCode < 300 ? resolve(text) : reject(new Error(`${method} ${urlPath}: ${res.statusCode} ${text}`))));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Runs `work(i)` for i in [0, n), `width` at a time. */
async function pool(n, width, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

function createMany(prefix, n) {
  return pool(n, 16, (i) =>
    api("POST", `/containers/create?name=${prefix}-${String(i).padStart(5, "0")}`, {
      Image: "busybox:local",
      Cmd: ["true"],
      HostConfig: { NetworkMode: "none" },
    }),
  );
}

async function removeScaleContainers() {
  const list = JSON.parse(await api("GET", `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ name: ["^scale-"] }))}`));
  await pool(list.length, 16, (i) => api("DELETE", `/containers/${list[i].Id}?force=1`));
}

const engineCount = () => execFileSync("docker", ["ps", "-aq"], { encoding: "utf8", maxBuffer: 64 << 20 }).split("\n").filter(Boolean).length;

async function shownCount() {
  const el = (await s.findAll('[data-testid="container-count"]'))[0];
  const text = el ? await s.text(el) : "";
  const m = text.match(/of (\d+) containers/);
  return m ? Number(m[1]) : -1;
}

before(async () => {
  await removeScaleContainers();
  await createMany("scale-a", BATCH);
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: mkdtempSync(path.join(tmpdir(), "squirrel-e2e-scale-")) },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 120_000 });
});

after(async () => {
  await s?.close();
  await removeScaleContainers();
});

test("5,000 containers made before launch are all shown", async () => {
  await s.exec("window.location.hash = '#/containers'");
  const want = engineCount();
  const got = await s.until(async () => ((await shownCount()) === want ? want : 0), `the window to show ${want} containers`, 60_000).catch(async (e) => {
    throw new Error(`${e.message}; it shows ${await shownCount()}`);
  });
  assert.equal(got, want);
});

test("5,000 more made while the window is open are all shown", async () => {
  await createMany("scale-b", BATCH);
  const want = engineCount();
  const got = await s.until(async () => ((await shownCount()) === want ? want : 0), `the window to show ${want} containers`, 60_000).catch(async (e) => {
    throw new Error(`${e.message}; it shows ${await shownCount()}`);
  });
  assert.equal(got, want);
  await s.screenshot(path.join(SHOTS, "containers-10000.png"));
});
