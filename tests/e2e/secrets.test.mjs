// End-to-end: a password typed in the device wizard, or a registry token, goes to the
// keyring and nowhere else.
// A failed connection test with a typed password, and a device whose auth method changed from
// password to key file, leave no trace in the database (and its WAL), the logs, the window or
// the commands' answers; the keyring entry goes with the password method.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startSession } from "./webdriver.mjs";

const RUN = process.env.SQUIRREL_TEST_RUN ?? "/tmp/squirrel-e2e";
const SHOTS = path.resolve("test-artifacts/screenshots");
const sshPort = readFileSync(path.join(RUN, "ssh/port"), "utf8").trim();
const stamp = `${process.pid}-${Date.now()}`;
const TESTED = `e2e-tested-only-${stamp}`;
const SAVED = `e2e-saved-then-dropped-${stamp}`;
const REGISTRY_TOKEN = `e2e-registry-token-${stamp}`;
const registryHost = `127.0.0.1:${readFileSync(path.join(RUN, "registry/port"), "utf8").trim()}`;
const dataDir = mkdtempSync(path.join(tmpdir(), "squirrel-e2e-secrets-"));
// The app's log folder is under XDG_DATA_HOME: its own, to scan.
const logHome = mkdtempSync(path.join(tmpdir(), "squirrel-e2e-secrets-logs-"));
let s;

async function typeInto(testid, text) {
  const el = await s.waitFor(`[data-testid="${testid}"]`);
  await s.cmd("POST", `/element/${el}/clear`, {});
  await s.type(el, text);
}

/** Clicks the element `css` finds once it is scrolled into view (the wizard scrolls inside). */
async function clickInView(css) {
  const el = await s.waitFor(css);
  await s.exec('arguments[0].scrollIntoView({ block: "center" })', [{ "element-6066-11e4-a52e-4f735466cecf": el }]);
  await s.click(el);
}

/** The clickable label of a segmented control's option (its text ignores the pointer). */
const segment = (testid) => `label:has([data-testid="${testid}"])`;

/** Calls a command through the window's IPC and returns its answer. */
async function invoke(command, args = {}) {
  return s.cmd("POST", "/execute/async", {
    script: `const done = arguments[arguments.length - 1];
      window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(done, (e) => done({ failed: String(e) }));`,
    args: [command, args],
  });
}

/** The keyring items the app stored for `account`, found by their attributes over D-Bus. */
function keyringItems(account) {
  const out = execFileSync(
    "gdbus",
    [
      "call", "--session", "--dest", "org.freedesktop.secrets", "--object-path", "/org/freedesktop/secrets",
      "--method", "org.freedesktop.Secret.Service.SearchItems", `{'service': 'dev.squirrel.app', 'username': '${account}'}`,
    ],
    { encoding: "utf8" },
  );
  return [...out.matchAll(/objectpath '([^']+)'/g)].map((m) => m[1]);
}

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : e.isFile() ? [p] : [];
  });
}

before(async () => {
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: dataDir, XDG_DATA_HOME: logHome },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
});

after(async () => {
  await s?.close();
});

test("a registry token typed in the window reaches the keyring only, and leaves it with the registry", async () => {
  await s.click(await s.waitFor('[data-testid="nav-registries"]'));
  await s.waitFor('[data-testid="empty-state"]');
  await s.click(await s.waitFor('[data-testid="registries-add"]'));
  await s.click(await s.waitFor('[data-testid="registry-provider"]'));
  await s.click(await s.until(async () => {
    for (const o of await s.findAll('[role="option"]')) if ((await s.text(o)).includes("Other registry")) return o;
    return null;
  }, "the Other registry option"));
  await typeInto("registry-host", registryHost);
  await typeInto("registry-username", "e2e");
  await typeInto("registry-secret", REGISTRY_TOKEN);
  await s.click(await s.waitFor('[data-testid="registry-test"]'));
  await s.waitFor('[data-testid="registry-test-ok"]');
  await s.screenshot(path.join(SHOTS, "registries-add.png"));
  await s.click(await s.waitFor('[data-testid="registry-add"]'));
  await s.waitFor(`[data-testid="registry-row"][data-host="${registryHost}"]`);
  await s.screenshot(path.join(SHOTS, "registries.png"));
  const [entry] = await invoke("registries_list");
  assert.equal(entry.host, registryHost);
  assert.equal(entry.secret.account, `registry/${entry.uuid}`);
  assert.equal(keyringItems(`registry/${entry.uuid}`).length, 1, "the token is in the keyring");
  const page = await s.exec("return document.documentElement.outerHTML + document.body.innerText");
  assert.ok(!page.includes(REGISTRY_TOKEN), "the token is in the window");
  assert.ok(!JSON.stringify(await invoke("registries_list")).includes(REGISTRY_TOKEN), "the token is in an answer");

  const row = await s.waitFor(`[data-testid="registry-row"][data-host="${registryHost}"]`);
  await s.click(await s.waitFor('[data-testid="registry-row-remove"]', { root: row }));
  await s.click(await s.waitFor('[data-testid="registry-remove-confirm"]'));
  await s.waitFor('[data-testid="empty-state"]');
  assert.deepEqual(keyringItems(`registry/${entry.uuid}`), [], "the token left the keyring");
});

test("typed passwords reach the keyring only, and leave it with the password method", async () => {
  await s.click(await s.waitFor('[data-testid="nav-devices"]'));
  await s.click(await s.waitFor('[data-testid="add-device"]'));
  await s.click(await s.waitFor('[data-testid="device-kind-ssh"]'));
  await clickInView('[data-testid="wizard-next"]');
  await typeInto("ssh-host", "127.0.0.1");
  await typeInto("ssh-port", sshPort);
  await typeInto("ssh-user", "root");
  await typeInto("ssh-socket", path.join(RUN, "docker.sock"));
  await s.click(await s.waitFor(segment("ssh-auth-password")));
  await typeInto("ssh-secret", TESTED);
  await typeInto("device-name", "e2e-secret");
  await clickInView('[data-testid="wizard-next"]');

  // The test fails (the server takes keys only), after the host key is approved.
  await s.click(await s.waitFor('[data-testid="test-connection"]'));
  await s.click(await s.waitFor('[data-testid="approve-host-key"]'));
  const reason = await s.until(async () => {
    const shown = await s.findAll('[data-testid="probe-error-message"]');
    const text = shown.length ? (await s.text(shown[0])).trim() : "";
    return text.includes("refused") ? text : null;
  }, "the password to be refused");
  assert.ok(!reason.includes(TESTED), reason);
  await s.screenshot(path.join(SHOTS, "secrets-failed-test.png"));

  // Saved with another password, untested: that one goes to the keyring.
  await clickInView('[data-testid="wizard-back"]');
  await typeInto("ssh-secret", SAVED);
  await clickInView('[data-testid="wizard-next"]');
  await clickInView('[data-testid="save-device-untested"]');
  await s.waitFor('[data-testid="device-row"][data-name="e2e-secret"]');
  const devices = await invoke("devices_list");
  const device = devices.find((d) => d.device.name === "e2e-secret")?.device;
  assert.ok(device, JSON.stringify(devices));
  const account = `device/${device.uuid}/ssh`;
  assert.equal(device.connection.auth.secret.account, account, "the backend chose the reference");
  assert.equal(keyringItems(account).length, 1, "the saved password is in the keyring");

  // Edited to a key file: the password is dropped from the keyring.
  const row = await s.waitFor('[data-testid="device-row"][data-name="e2e-secret"]');
  await s.click(await s.waitFor('[data-testid="edit-device"]', { root: row }));
  await s.click(await s.waitFor(segment("ssh-auth-key")));
  await typeInto("ssh-key-path", path.join(RUN, "ssh/id_e2e"));
  await clickInView('[data-testid="wizard-next"]');
  await s.click(await s.waitFor('[data-testid="test-connection"]'));
  await s.waitFor('[data-testid="probe-result"]');
  await clickInView('[data-testid="save-device"]');
  await s.waitFor('[data-testid="device-row"][data-name="e2e-secret"][data-status="online"]');
  assert.deepEqual(keyringItems(account), [], "the old password left the keyring");

  // Nothing of either password in the window or the commands' answers...
  const page = await s.exec("return document.documentElement.outerHTML + document.body.innerText");
  const answers = JSON.stringify([await invoke("devices_list"), await invoke("containers_list", { deviceUuid: null })]);
  for (const secret of [TESTED, SAVED]) {
    assert.ok(!page.includes(secret), "a password is in the window");
    assert.ok(!answers.includes(secret), "a password is in a command's answer");
  }

  // ...nor in the database, its WAL, Squirrel's known_hosts or the logs, once the app is closed.
  await s.close();
  s = null;
  const files = [...filesUnder(dataDir), ...filesUnder(logHome)];
  assert.ok(files.some((f) => f.endsWith("squirrel.db")), `no database among ${files}`);
  assert.ok(files.some((f) => f.includes("squirrel.log")), `no log among ${files}`);
  for (const file of files) {
    if (statSync(file).size === 0) continue;
    const bytes = readFileSync(file);
    for (const secret of [TESTED, SAVED, REGISTRY_TOKEN]) {
      assert.ok(!bytes.includes(Buffer.from(secret)), `a password leaked into ${file}`);
    }
  }
});
