// A small W3C WebDriver client over fetch, for tauri-driver (which proxies to WebKitWebDriver).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

async function freePort() {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  return port;
}

/**
 * Starts tauri-driver and opens a session on the app at `application` with `env`.
 *
 * `renderer`: "webkit-default" (the tests) keeps WebKit's own renderer by setting
 * WEBKIT_DISABLE_DMABUF_RENDERER=0, which the app takes as the user's choice. Without a GPU
 * the app would turn compositing off (src-tauri/src/webview_env.rs), and under Xvfb
 * WebKitWebDriver's window snapshots then stall for a minute after some interactions: the
 * tests take pictures. "app" (the benchmarks) leaves the choice to the app, as users get it.
 */
export async function startSession({ application, env, renderer = "webkit-default" }) {
  const port = await freePort();
  const nativePort = await freePort();
  const webkit = renderer === "webkit-default" ? { WEBKIT_DISABLE_DMABUF_RENDERER: "0" } : {};
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env: { ...process.env, ...webkit, ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  // tauri-driver has no readiness signal but its port: retry the first request. Every request
  // is bounded: an app that dies while WebKitWebDriver waits for it would otherwise hang it.
  let session;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${base}/session`, {
        method: "POST",
        signal: AbortSignal.timeout(60_000),
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application } } },
        }),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(JSON.stringify(body));
      session = body.value.sessionId;
      break;
    } catch (e) {
      if (Date.now() > deadline || driver.exitCode !== null) {
        driver.kill();
        throw new Error(`no WebDriver session (is the display up? see the app's output above): ${e}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return new Session(base, session, driver, env?.SQUIRREL_DATA_DIR ?? null);
}

/** Pids of running processes whose environment has `SQUIRREL_DATA_DIR=dir`: the session's app. */
export function appsUsing(dir) {
  const needle = `SQUIRREL_DATA_DIR=${dir}`;
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(needle)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/**
 * How the children of `pid` named `comm` that have ended went: tauri-driver never reaps
 * WebKitWebDriver, so one that ended stays a zombie whose /proc/<pid>/stat still holds its
 * exit status (field 52). Empty when none has ended.
 */
export function endedChildren(pid, comm) {
  const signals = { 1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 15: "SIGTERM" };
  const ended = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue;
    }
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    const name = stat.slice(open + 1, close);
    // Fields from the third on (state, ppid, ...): field n is at n - 3.
    const fields = stat.slice(close + 2).trim().split(" ");
    if (name !== comm || Number(fields[1]) !== pid || fields[0] !== "Z") continue;
    const status = Number(fields[52 - 3]);
    const signal = status & 0x7f;
    const core = status & 0x80 ? ", core dumped" : "";
    ended.push(signal ? `killed by signal ${signal} (${signals[signal] ?? "?"}${core})` : `exited with code ${(status >> 8) & 0xff}`);
  }
  return ended;
}

export class Session {
  constructor(base, id, driver, dataDir) {
    this.base = base;
    this.id = id;
    this.driver = driver;
    this.dataDir = dataDir;
  }

  /** One WebDriver command; `timeoutMs` bounds the whole request (a long script needs more). */
  async cmd(method, path, body, timeoutMs = 60_000) {
    let res;
    try {
      res = await fetch(`${this.base}/session/${this.id}${path}`, {
        method,
        signal: AbortSignal.timeout(timeoutMs),
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      // A lost web view fails the test at once, saying which process is gone.
      const err = new Error(`${method} ${path}: the connection to the window was lost (${e.cause?.code ?? e.message}); ${this.whoIsAlive()}`);
      err.code = "lost";
      throw err;
    }
    const json = await res.json();
    if (!res.ok) {
      // WebKitWebDriver ends the session when the page's web process ends (a crash, a kill):
      // say which processes still run, as for a lost connection.
      const crashed = json.value?.error === "invalid session id" ? `; ${this.whoIsAlive()}` : "";
      const err = new Error(`${method} ${path}: ${json.value?.error}: ${json.value?.message}${crashed}`);
      err.code = json.value?.error;
      throw err;
    }
    return json.value;
  }

  /** Which of the session's processes still run: the driver, the app, its web processes. */
  whoIsAlive() {
    const driver = this.driver.exitCode === null && this.driver.signalCode === null ? "running" : `exited (${this.driver.exitCode ?? this.driver.signalCode})`;
    if (!this.dataDir) return `tauri-driver ${driver}`;
    const names = appsUsing(this.dataDir).map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      } catch {
        return "gone";
      }
    });
    // Measured by killing each in turn: only the loss of WebKitWebDriver (or tauri-driver)
    // resets the connection; a web process or an app that ends gives "invalid session id".
    const how = this.driver.pid ? endedChildren(this.driver.pid, "WebKitWebDriver") : [];
    const server = names.includes("WebKitWebDriver")
      ? ""
      : `; WebKitWebDriver (the test's WebDriver server, not the app) is gone${how.length ? `: ${how.join(", ")}` : ""}`;
    return `tauri-driver ${driver}; processes of the app still running: ${names.length ? names.join(", ") : "none"}${server}`;
  }

  async findAll(css, root) {
    const path = root ? `/element/${root}/elements` : "/elements";
    const found = await this.cmd("POST", path, { using: "css selector", value: css });
    return found.map((e) => e[ELEMENT]);
  }

  /** Waits until `css` matches (WebDriver has no DOM events: it polls, bounded). */
  async waitFor(css, { timeout = 30_000, root } = {}) {
    return this.until(async () => (await this.findAll(css, root))[0], `element ${css}`, timeout);
  }

  async until(probe, what, timeout = 30_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      let value;
      try {
        value = await probe();
      } catch (e) {
        if (e.code !== "stale element reference" && e.code !== "no such element") throw e;
      }
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Resolves once no finite CSS transition or animation runs on the page (a dialog scaling in,
   * a drawer sliding in, a menu fading out), bounded at 3 s: WebDriver aims a click at where an
   * element is when the command arrives, and an element still moving is missed. Endless
   * animations (a spinner) are not waited for.
   */
  transitionsDone() {
    return this.cmd("POST", "/execute/async", {
      script: `const done = arguments[arguments.length - 1];
        const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
        const running = () => (document.getAnimations ? document.getAnimations() : []).filter((a) => {
          if (a.playState !== "running" && a.playState !== "pending") return false;
          const end = a.effect && a.effect.getComputedTiming().endTime;
          return typeof end === "number" && isFinite(end);
        });
        (async () => {
          const deadline = Date.now() + 3000;
          await frame();
          for (let left = running(); left.length && Date.now() < deadline; left = running()) {
            await Promise.race([Promise.all(left.map((a) => a.finished.catch(() => {}))), new Promise((r) => setTimeout(r, 250))]);
            await frame();
          }
          done(true);
        })();`,
      args: [],
    });
  }
  /**
   * Clicks `el`; while a dialog is still fading in over it, or a drawer still sliding it
   * into view, tries again (bounded).
   */
  async click(el) {
    await this.transitionsDone();
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        return await this.cmd("POST", `/element/${el}/click`, {});
      } catch (e) {
        const animating = e.code === "element click intercepted" || e.code === "element not interactable";
        if (!animating || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  text(el) {
    return this.cmd("GET", `/element/${el}/text`);
  }
  attr(el, name) {
    return this.cmd("GET", `/element/${el}/attribute/${name}`);
  }
  type(el, text) {
    return this.cmd("POST", `/element/${el}/value`, { text });
  }
  /**
   * Clicks the middle of `el` with a key held (WebDriver key codes: "\uE009" Control,
   * "\uE008" Shift), as real input events.
   */
  async clickWith(el, key) {
    const origin = { "element-6066-11e4-a52e-4f735466cecf": el };
    await this.cmd("POST", "/actions", {
      actions: [
        { type: "key", id: "keyboard", actions: [{ type: "keyDown", value: key }, { type: "pause", duration: 0 }, { type: "pause", duration: 0 }, { type: "pause", duration: 0 }, { type: "keyUp", value: key }] },
        {
          type: "pointer",
          id: "mouse",
          parameters: { pointerType: "mouse" },
          actions: [{ type: "pause", duration: 0 }, { type: "pointerMove", origin, x: 0, y: 0 }, { type: "pointerDown", button: 0 }, { type: "pointerUp", button: 0 }, { type: "pause", duration: 0 }],
        },
      ],
    });
    await this.cmd("DELETE", "/actions");
  }
  /** Presses a key (WebDriver key codes, e.g. "\uE00C" for Escape) as a real key event. */
  async press(key) {
    await this.cmd("POST", "/actions", {
      actions: [{ type: "key", id: "keyboard", actions: [{ type: "keyDown", value: key }, { type: "keyUp", value: key }] }],
    });
    await this.cmd("DELETE", "/actions");
  }
  exec(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }
  /**
   * Resolves once the open dialog has finished its opening transition: a click aimed at a
   * button while the dialog still scales in can land beside it, and nothing happens.
   */
  async dialogOpened() {
    await this.until(
      () =>
        this.exec(`const c = document.querySelector('.mantine-Modal-content');
          if (!c) return false;
          const st = getComputedStyle(c);
          return st.opacity === "1" && (st.transform === "none" || st.transform === "matrix(1, 0, 0, 1, 0, 0)");`),
      "the dialog to finish opening",
    );
  }
  /** Resolves once the page has painted twice more: what the DOM says is then on screen. */
  settle() {
    return this.cmd("POST", "/execute/async", {
      script: "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
      args: [],
    });
  }
  /** The windows the session can drive (the main one and any the app opened). */
  windows() {
    return this.cmd("GET", "/window/handles");
  }
  /** Commands go to the window `handle` from now on. */
  switchTo(handle) {
    return this.cmd("POST", "/window", { handle });
  }
  async screenshot(file) {
    const { writeFile } = await import("node:fs/promises");
    await this.settle();
    const png = await this.cmd("GET", "/screenshot");
    await writeFile(file, Buffer.from(png, "base64"));
  }

  async close() {
    try {
      await this.cmd("DELETE", "");
    } catch {
      // the app may already be gone
    }
    // A driver that already exited emits no second "exit": waiting for one would hang the run.
    if (this.driver.exitCode === null && this.driver.signalCode === null) {
      const exited = once(this.driver, "exit").catch(() => {});
      this.driver.kill();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
    }
    // The app must not outlive its session: one left running holds the test runner's output
    // pipe open and the run hangs until its time limit. It gets a moment to finish its own
    // orderly shutdown (watchers, database); one still running after that is reported, then
    // ended.
    if (this.dataDir) {
      const deadline = Date.now() + 15_000;
      while (appsUsing(this.dataDir).length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const pid of appsUsing(this.dataDir)) {
        console.error(`# the app (pid ${pid}) outlived its WebDriver session by 15 s; ending it`);
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  }
}
