// End-to-end: the window's web process ends (killed, as a crash or the kernel's OOM killer
// would end it) and the window loads its page again by itself, while the app runs on.
// WebKitWebDriver ends its session when the page's process ends, so what follows is
// watched from outside: the processes, and the app's log file.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { appsUsing, startSession } from "./webdriver.mjs";

const dir = mkdtempSync("/tmp/sqwv-");
const dataDir = mkdtempSync(path.join(dir, "data-"));
// The app's log folder is under XDG_DATA_HOME (Tauri's app_log_dir).
const xdg = mkdtempSync(path.join(dir, "xdg-"));
let s;

after(async () => {
  await s?.close();
});

/** The session's processes by name: their pids (WebKit may run more than one web process). */
function processes() {
  const byName = new Map();
  for (const pid of appsUsing(dataDir)) {
    try {
      const name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      byName.set(name, [...(byName.get(name) ?? []), pid]);
    } catch {
      // gone
    }
  }
  return byName;
}

function log() {
  const logs = path.join(xdg, "dev.squirrel.app", "logs");
  try {
    return readdirSync(logs)
      .filter((f) => f.startsWith("squirrel.log"))
      .map((f) => readFileSync(path.join(logs, f), "utf8"))
      .join("");
  } catch {
    return "";
  }
}

async function until(probe, what, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; ${s?.whoIsAlive()}\n${log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const LOADED = "the main window's page loaded";
const RELOADING = "the window's web process ended; loading its page again";
// Logged when the page's script tells the backend whether the window is shown: the page
// runs and reaches the backend, not only its document loaded.
const RUNNING = "the window says whether it is shown";

/** The URL logged with the first page load after `from` in `text`. */
function loadedUrl(text, from = 0) {
  const at = text.indexOf(LOADED, from);
  if (at < 0) return null;
  const line = text.slice(text.lastIndexOf("\n", at) + 1, text.indexOf("\n", at) >>> 0);
  return { at, url: /url=(\S+)/.exec(line.replace(/\x1b\[[0-9;]*m/g, ""))?.[1] };
}

test("a window whose web process is killed loads its page again, and the app runs on", async () => {
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: dataDir, XDG_DATA_HOME: xdg },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
  const first = await until(() => {
    const t = log();
    const loaded = loadedUrl(t);
    return loaded && t.indexOf(RUNNING, loaded.at) > loaded.at ? loaded : null;
  }, "the first page load and its script in the log");
  assert.ok(first.url, "the page's URL is logged");
  const before = processes();
  const [app] = before.get("squirrel") ?? [];
  const web = before.get("WebKitWebProces") ?? [];
  assert.ok(app && web.length > 0, `the app and its web process: ${[...before.keys()]}`);

  for (const pid of web) process.kill(pid, "SIGKILL");

  const again = await until(() => {
    const t = log();
    const ended = t.indexOf(RELOADING);
    if (ended < 0) return null;
    const loaded = loadedUrl(t, ended);
    return loaded && t.indexOf(RUNNING, loaded.at) > loaded.at ? { text: t, loaded } : null;
  }, "the page loaded again after its process ended, and its script running");
  assert.match(again.text, /reason="?it crashed or was killed/);
  // The app's own page again, not the page shown when the window gives up.
  assert.equal(again.loaded.url, first.url);
  const after = await until(() => {
    const now = processes();
    return (now.get("WebKitWebProces") ?? []).some((pid) => !web.includes(pid)) ? now : null;
  }, "a new web process");
  assert.deepEqual(after.get("squirrel"), [app], "the app itself runs on, the same process");
});

test("a WebDriver server that ends fails the step at once, saying it was the server and how it ended", async () => {
  // Not the app: the test's own WebDriver server. The app and its window run on, so the
  // step must say so, with the server's exit status, instead of blaming the window.
  const otherData = mkdtempSync(path.join(dir, "data-"));
  const t = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: otherData, XDG_DATA_HOME: mkdtempSync(path.join(dir, "xdg-")) },
  });
  try {
    await t.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
    const server = appsUsing(otherData).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "WebKitWebDriver";
      } catch {
        return false;
      }
    });
    assert.equal(server.length, 1, "one WebKitWebDriver for the session");
    process.kill(server[0], "SIGKILL");
    const lost = await t.cmd("GET", "/title").then(
      () => null,
      (e) => e,
    );
    assert.ok(lost, "a command after the server ended must fail");
    assert.equal(lost.code, "lost");
    assert.match(lost.message, /WebKitWebDriver \(the test's WebDriver server, not the app\) is gone: killed by signal 9 \(SIGKILL\)/);
    assert.match(lost.message, /processes of the app still running: .*squirrel/);
  } finally {
    // The app outlives a server that ends: end it here rather than wait for close's 15 s.
    for (const pid of appsUsing(otherData)) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // gone
      }
    }
    await t.close();
  }
});
