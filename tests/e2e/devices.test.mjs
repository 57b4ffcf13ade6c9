// End-to-end: add an SSH device through the wizard in the real window, approve its host key,
// and see its containers. The "remote" host is a real sshd on loopback (tests/services.sh).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startSession } from "./webdriver.mjs";

const RUN = process.env.SQUIRREL_TEST_RUN ?? "/tmp/squirrel-e2e";
const SHOTS = path.resolve("test-artifacts/screenshots");
const docker = (...args) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const sshPort = readFileSync(path.join(RUN, "ssh/port"), "utf8").trim();
const fingerprint = execFileSync("ssh-keygen", ["-lf", path.join(RUN, "ssh/host_key.pub")], { encoding: "utf8" }).split(" ")[1];
let s;

async function typeInto(testid, text) {
  const el = await s.waitFor(`[data-testid="${testid}"]`);
  await s.cmd("POST", `/element/${el}/clear`, {});
  await s.type(el, text);
}

before(async () => {
  try {
    docker("rm", "-f", "e2e-remote");
  } catch {
    // not there
  }
  docker("run", "-d", "--name", "e2e-remote", "busybox:local", "sleep", "600");
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: mkdtempSync(path.join(tmpdir(), "squirrel-e2e-devices-")) },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
});

after(async () => {
  await s?.close();
});

test("an SSH device is added through the wizard, its host key approved, its containers shown", async () => {
  await s.click(await s.waitFor('[data-testid="nav-devices"]'));
  await s.waitFor('[data-testid="device-row"][data-status="online"]');
  await s.screenshot(path.join(SHOTS, "devices.png"));
  await s.click(await s.waitFor('[data-testid="add-device"]'));
  await s.click(await s.waitFor('[data-testid="device-kind-ssh"]'));
  await s.click(await s.waitFor('[data-testid="wizard-next"]'));
  await typeInto("ssh-host", "127.0.0.1");
  await typeInto("ssh-port", sshPort);
  await typeInto("ssh-user", "root");
  await typeInto("ssh-socket", path.join(RUN, "docker.sock"));
  await s.click(await s.waitFor('[data-testid="ssh-auth-key"]'));
  await typeInto("ssh-key-path", path.join(RUN, "ssh/id_e2e"));
  await typeInto("device-name", "e2e-ssh");
  await s.screenshot(path.join(SHOTS, "wizard-ssh.png"));
  await s.click(await s.waitFor('[data-testid="wizard-next"]'));
  await s.click(await s.waitFor('[data-testid="test-connection"]'));

  // Trust on first use: the fingerprint the server has, shown for comparison.
  const shown = await s.waitFor('[data-testid="host-key-fingerprint"]');
  // The dialog fades in; WebDriver reports the text of a visible element only.
  const text = await s.until(async () => (await s.text(shown)).trim(), "the fingerprint to show");
  assert.equal(text, fingerprint);
  await s.screenshot(path.join(SHOTS, "host-key-dialog.png"));
  await s.click(await s.waitFor('[data-testid="approve-host-key"]'));
  await s.waitFor('[data-testid="probe-result"]');
  await s.screenshot(path.join(SHOTS, "wizard-probe.png"));
  await s.click(await s.waitFor('[data-testid="save-device"]'));

  await s.waitFor('[data-testid="device-row"][data-name="e2e-ssh"][data-status="online"]');

  // Its containers are listed: the same engine, now also seen through SSH.
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));
  await s.until(
    async () => (await s.findAll('[data-testid="container-row"][data-name="e2e-remote"]')).length === 2,
    "the container listed once per device",
  );
  await s.screenshot(path.join(SHOTS, "containers-two-devices.png"));
  await s.click(await s.waitFor('[data-testid="nav-devices"]'));
  await s.waitFor('[data-testid="device-row"][data-name="e2e-ssh"][data-status="online"]');
  await s.screenshot(path.join(SHOTS, "devices-with-ssh.png"));
});
