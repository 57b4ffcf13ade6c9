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

/** The session's processes by name: pid. */
function processes() {
  const byName = new Map();
  for (const pid of appsUsing(dataDir)) {
    try {
      byName.set(readFileSync(`/proc/${pid}/comm`, "utf8").trim(), pid);
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

test("a window whose web process is killed loads its page again, and the app runs on", async () => {
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: dataDir, XDG_DATA_HOME: xdg },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
  await until(() => log().includes(LOADED), "the first page load in the log");
  const before = processes();
  const app = before.get("squirrel");
  const web = before.get("WebKitWebProces");
  assert.ok(app && web, `the app and its web process: ${[...before.keys()]}`);

  process.kill(web, "SIGKILL");

  const text = await until(() => {
    const t = log();
    const ended = t.indexOf(RELOADING);
    return ended >= 0 && t.indexOf(LOADED, ended) > ended ? t : null;
  }, "the page loaded again after its process ended");
  assert.match(text, /reason="?it crashed or was killed/);
  const after = await until(() => {
    const now = processes();
    const again = now.get("WebKitWebProces");
    return again && again !== web ? now : null;
  }, "a new web process");
  assert.equal(after.get("squirrel"), app, "the app itself runs on, the same process");
});
