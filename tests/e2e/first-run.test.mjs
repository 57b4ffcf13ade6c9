// End-to-end: a new user starts Squirrel before Docker. The first screen says Docker is not
// found and offers a remote device or the Docker contexts; then a dockerd starts at
// $DOCKER_HOST and the local device appears online by itself, in the real window.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { startSession } from "./webdriver.mjs";

const SHOTS = path.resolve("test-artifacts/screenshots");
// Under /tmp with a short name: a unix socket path has at most 107 bytes.
const dir = mkdtempSync("/tmp/sqfr-");
const host = `unix://${dir}/docker.sock`;
let s;
let dockerd;

before(async () => {
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: mkdtempSync(path.join(dir, "data-")), DOCKER_HOST: host },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
});

after(async () => {
  await s?.close();
  if (dockerd && dockerd.exitCode === null) {
    dockerd.kill("SIGTERM");
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        dockerd.kill("SIGKILL");
        resolve();
      }, 20_000);
      dockerd.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
});

function engineAnswers() {
  try {
    execFileSync("docker", ["version", "--format", "{{.Server.Version}}"], {
      env: { ...process.env, DOCKER_HOST: host },
      stdio: "ignore",
      timeout: 5_000,
    });
    return true;
  } catch {
    return false;
  }
}

test("Docker started after Squirrel is found and connected by itself", async () => {
  const empty = await s.waitFor('[data-testid="empty-state"]');
  assert.match(await s.until(async () => (await s.text(empty)).trim(), "the first-run text"), /connects by itself/);
  await s.waitFor('[data-testid="empty-add-device"]');
  await s.waitFor('[data-testid="empty-import-contexts"]');
  await s.screenshot(path.join(SHOTS, "first-run-no-docker.png"));

  const log = openSync(path.join(dir, "dockerd.log"), "a");
  dockerd = spawn(
    "dockerd",
    [
      "--data-root", path.join(dir, "root"),
      "--exec-root", path.join(dir, "exec"),
      "--pidfile", path.join(dir, "docker.pid"),
      "-H", host,
      "--bridge=none", "--iptables=false", "--ip-masq=false",
    ],
    { stdio: ["ignore", log, log] },
  );
  await s.until(async () => engineAnswers() || (dockerd.exitCode !== null && "exited"), "dockerd to answer", 60_000);
  assert.equal(dockerd.exitCode, null, `dockerd exited: ${readFileSync(path.join(dir, "dockerd.log"), "utf8")}`);

  // The promise of the first screen: within 5 s of the engine answering, it is a device.
  await s.click(await s.waitFor('[data-testid="nav-devices"]'));
  await s.waitFor('[data-testid="device-row"][data-status="online"]', { timeout: 5_000 });
  await s.screenshot(path.join(SHOTS, "first-run-docker-found.png"));
});
