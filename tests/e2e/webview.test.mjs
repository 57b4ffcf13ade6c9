// End-to-end: the window's web process ends (killed, as a crash or the kernel's OOM killer
// would end it) and the window loads its page again by itself, while the app runs on; one
// that keeps ending gives up with a page that says so; a terminal's own window loads again
// and attaches the same shell. WebKitWebDriver ends its session when a page's web process
// ends (any window's), and ends the app itself at a second one, so what follows is watched
// from outside: the processes, and the app's log file.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
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

/** The processes of the app using `data` by name: their pids (WebKit runs one web process a window). */
function processes(data = dataDir) {
  const byName = new Map();
  for (const pid of appsUsing(data)) {
    try {
      const name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      byName.set(name, [...(byName.get(name) ?? []), pid]);
    } catch {
      // gone
    }
  }
  return byName;
}

/** The app's log (under `home`, its XDG_DATA_HOME), without colours. */
function log(home = xdg) {
  const logs = path.join(home, "dev.squirrel.app", "logs");
  try {
    return readdirSync(logs)
      .filter((f) => f.startsWith("squirrel.log"))
      .map((f) => readFileSync(path.join(logs, f), "utf8"))
      .join("")
      .replace(/\x1b\[[0-9;]*m/g, "");
  } catch {
    return "";
  }
}

async function until(probe, what, timeout = 30_000, home = xdg) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; ${s?.whoIsAlive()}\n${log(home).slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const webProcesses = (data) => processes(data).get("WebKitWebProces") ?? [];
/** Whether `pid` still runs (a zombie, ended but not yet reaped, does not). */
function alive(pid) {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "latin1"));
  } catch {
    return false;
  }
}

const LOADED = "the main window's page loaded";
const RELOADING = "the window's web process ended; loading its page again";
// Logged when the page's script tells the backend whether the window is shown: the page
// runs and reaches the backend, not only its document loaded.
const RUNNING = "the window says whether it is shown";

const GAVE_UP = "the window's web process keeps ending; not loading its page again";
const ATTACHED = "a window attached its terminal";

/** The URL logged with the first page load after `from` in `text`. */
function loadedUrl(text, from = 0) {
  const at = text.indexOf(LOADED, from);
  if (at < 0) return null;
  const line = text.slice(text.lastIndexOf("\n", at) + 1, text.indexOf("\n", at) >>> 0);
  return { at, url: /url=(\S+)/.exec(line)?.[1] };
}

/** The page loaded after `from` with its script running: its load, or null. */
function loadedAndRunning(text, from = 0) {
  const loaded = loadedUrl(text, from);
  return loaded && text.indexOf(RUNNING, loaded.at) > loaded.at ? loaded : null;
}

/** The lines of `text` from `from` on that hold `message` and, if given, `field`. */
function lines(text, message, field, from = 0) {
  return text
    .slice(from)
    .split("\n")
    .filter((l) => l.includes(message) && (!field || l.includes(field)));
}

test("a window whose web process is killed loads its page again, and the app runs on", async () => {
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: dataDir, XDG_DATA_HOME: xdg },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
  const first = await until(() => loadedAndRunning(log()), "the first page load and its script in the log");
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
    const loaded = loadedAndRunning(t, ended);
    return loaded ? { text: t, loaded } : null;
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

test("a window whose web process keeps ending stops loading its page and says so; the app runs on", async () => {
  // Started directly, not over WebDriver: WebKitWebDriver ends the app at a page's second
  // crash, and this needs four.
  const data = mkdtempSync(path.join(dir, "data-"));
  const home = mkdtempSync(path.join(dir, "xdg-"));
  const app = spawn(process.env.SQUIRREL_APP, [], {
    env: { ...process.env, SQUIRREL_DATA_DIR: data, XDG_DATA_HOME: home },
    stdio: "ignore",
  });
  const exited = once(app, "exit");
  try {
    const first = await until(() => loadedAndRunning(log(home)), "the first page load and its script", 60_000, home);
    let from = first.at;
    // Three ends within the minute: the page loads again each time.
    for (let k = 1; k <= 3; k++) {
      const web = await until(() => (webProcesses(data).length ? webProcesses(data) : null), `web process ${k}`, 30_000, home);
      for (const pid of web) process.kill(pid, "SIGKILL");
      from = await until(
        () => {
          const t = log(home);
          const ended = t.indexOf(RELOADING, from);
          if (ended < 0) return null;
          const loaded = loadedAndRunning(t, ended);
          return loaded && loaded.url === first.url ? loaded.at : null;
        },
        `the page loaded again and running after end ${k}`,
        30_000,
        home,
      );
      // The new web process, not the one just killed (a zombie until WebKit reaps it).
      await until(() => webProcesses(data).some((pid) => !web.includes(pid) && alive(pid)), `a new web process after end ${k}`, 30_000, home);
    }
    // A fourth: the window gives up, shows its own page, and the app runs on.
    for (const pid of webProcesses(data)) process.kill(pid, "SIGKILL");
    const gaveUp = await until(
      () => {
        const t = log(home);
        const at = t.indexOf(GAVE_UP, from);
        if (at < 0) return null;
        const loaded = loadedUrl(t, at);
        return loaded ? { t, at, loaded } : null;
      },
      "the window to give up and load its own page",
      30_000,
      home,
    );
    assert.match(lines(gaveUp.t, GAVE_UP)[0], /times=4/);
    assert.ok(gaveUp.loaded.url && gaveUp.loaded.url !== first.url, `not the app's page: ${gaveUp.loaded.url}`);
    assert.equal(gaveUp.t.indexOf(RUNNING, gaveUp.at), -1, "the app's page does not run after giving up");
    assert.equal(app.exitCode, null, "the app runs on");
    assert.equal(app.signalCode, null, "the app runs on");
  } finally {
    app.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000).unref())]);
    if (app.exitCode === null && app.signalCode === null) app.kill("SIGKILL");
  }
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

test("a terminal's own window whose web process is killed loads again and shows the same shell", async () => {
  const NAME = "e2e-webview-term";
  const docker = (...args) => execFileSync("docker", args, { encoding: "utf8" }).trim();
  // The shells running in the container beside its main process, as "pid args".
  const shells = () =>
    docker("top", NAME, "-o", "pid,args")
      .split("\n")
      .slice(1)
      .map((l) => l.trim().split(/\s+/).join(" "))
      .filter((p) => !p.endsWith(" sleep 600"));
  try {
    docker("rm", "-f", NAME);
  } catch {
    // not there
  }
  docker("run", "-d", "--name", NAME, "busybox:local", "sleep", "600");
  const data = mkdtempSync(path.join(dir, "data-"));
  const home = mkdtempSync(path.join(dir, "xdg-"));
  const t = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: data, XDG_DATA_HOME: home },
  });
  try {
    await t.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
    await t.click(await t.waitFor('[data-testid="nav-containers"]'));
    const row = await t.waitFor(`[data-testid="container-row"][data-name="${NAME}"]`, { timeout: 30_000 });
    await t.click(await t.waitFor('[role="cell"]', { root: row }));
    const drawer = await t.waitFor('[data-testid="container-drawer"]');
    await t.click(await t.waitFor('[data-testid="drawer-tab-terminal"]', { root: drawer }));
    await t.click(await t.waitFor('[data-testid="terminal-open"]', { root: drawer }));
    await t.until(() => shells().length === 1, "the terminal's shell in the container");
    const shell = shells();
    const mainWeb = webProcesses(data);
    assert.equal(mainWeb.length, 1, "one web process, the main window's");
    await t.click(await t.waitFor('[data-testid="terminal-pop-out"]:not([disabled])', { root: drawer }));
    const attached = await until(() => lines(log(home), ATTACHED, "window=terminal-")[0], "the terminal's window attaching it", 30_000, home);
    const label = /window=(terminal-\d+)/.exec(attached)[1];
    const popped = await until(() => {
      const more = webProcesses(data).filter((pid) => !mainWeb.includes(pid));
      return more.length ? more : null;
    }, "the terminal's window's own web process", 30_000, home);
    assert.equal(popped.length, 1, "the terminal's window has one web process of its own");

    // Killed: WebKitWebDriver ends the session here, so the rest is watched from outside.
    process.kill(popped[0], "SIGKILL");
    const again = await until(
      () => {
        const text = log(home);
        const reloading = lines(text, RELOADING, `window=${label}`)[0];
        if (!reloading) return null;
        return lines(text, ATTACHED, `window=${label}`, text.indexOf(reloading)).length ? text : null;
      },
      "the terminal's window to load again and attach its terminal",
      30_000,
      home,
    );
    assert.match(lines(again, RELOADING, `window=${label}`)[0], /reason="?it crashed or was killed/);
    await until(
      () => webProcesses(data).some((pid) => !mainWeb.includes(pid) && !popped.includes(pid) && alive(pid)),
      "a new web process for the terminal's window",
      30_000,
      home,
    );
    assert.ok(mainWeb.every(alive), "the main window's web process is untouched");
    assert.deepEqual(shells(), shell, "the same one shell runs on");
  } finally {
    for (const pid of appsUsing(data)) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // gone
      }
    }
    await t.close();
    try {
      docker("rm", "-f", NAME);
    } catch {
      // gone
    }
  }
});
