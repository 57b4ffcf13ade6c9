// The window as a user meets it: the real app (the e2e build) against the e2e engine with N
// containers, measured beside the floor (the same window showing an empty page, with no
// engine) in one run. Reports "app minus floor".
//
//   CPU and RSS of every process of the app (the Rust process, the web process, the network
//   process) over a rest window, on the Containers screen and on the Dashboard; frame times
//   while scrolling the containers table from top to bottom; search and sort latency; time
//   from launch to a filled table.
//
// Usage (as root, after scripts/setup.sh, with tests/services.sh started as in run-all.sh):
//   SQUIRREL_APP=target/debug/squirrel DISPLAY=:N DOCKER_HOST=unix://... \
//     bash tests/with-keyring.sh node tests/bench/window.mjs [--sizes 0,500,5000] [--rest 60]
//     [--keep] [--rest-screens none]
// The containers are made by the bench (named bench-*) and removed at the end. With --keep,
// bench containers already there in the right numbers are used as they are, and left there
// (for repeated runs at 5,000). --rest-screens none skips both rest windows (scroll, search,
// sort and launch only).
import { spawnSync } from "node:child_process";
import { docker, measureRest, openApp as open, openFloor, option, sleep } from "./procs.mjs";

const SIZES = option("sizes", "0,500,5000").split(",").map(Number);
const REST_SECS = Number(option("rest", "60"));
const RUNNING_MAX = 500;
const KEEP = process.argv.includes("--keep");
const REST_SCREENS = option("rest-screens", "all") !== "none";

/** Runs `docker <verb> ...` for many names, eight at a time. */
function dockerMany(verbArgs, names) {
  const r = spawnSync("xargs", ["-P", "8", "-n", "50", "docker", ...verbArgs], {
    input: names.join("\n"),
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`docker ${verbArgs.join(" ")}: ${r.stderr}`);
}

function removeBenchContainers() {
  const ids = docker("ps", "-aq", "--filter", "name=^bench-").split("\n").filter(Boolean);
  if (ids.length) dockerMany(["rm", "-f"], ids);
}

/** `n` containers: up to 500 running (`sleep`), the rest created and never started. */
function makeContainers(n) {
  const running = Math.min(n, RUNNING_MAX);
  if (KEEP) {
    const all = docker("ps", "-aq", "--filter", "name=^bench-").split("\n").filter(Boolean).length;
    const up = docker("ps", "-q", "--filter", "name=^bench-").split("\n").filter(Boolean).length;
    if (all === n && up === running) return Number(docker("ps", "-aq").split("\n").filter(Boolean).length);
  }
  removeBenchContainers();
  const create = (from, to, start) => {
    const script = Array.from({ length: to - from }, (_, k) => {
      const name = `bench-${String(from + k).padStart(5, "0")}`;
      return start
        ? `docker run -d --network none --name ${name} busybox:local sleep 86400 >/dev/null`
        : `docker create --network none --name ${name} busybox:local true >/dev/null`;
    });
    const r = spawnSync("xargs", ["-P", "8", "-I", "{}", "sh", "-c", "{}"], {
      input: script.join("\n"),
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0) throw new Error(`making containers: ${r.stderr}`);
  };
  create(0, running, true);
  create(running, n, false);
  return Number(docker("ps", "-aq").split("\n").filter(Boolean).length);
}

async function openApp(env) {
  const app = await open("bench", env);
  // Scrolling 5,000 rows a frame at a time takes longer than WebDriver's default 30 s.
  await app.s.cmd("POST", "/timeouts", { script: 120_000 });
  return app;
}

const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
};

/** Scrolls the containers table top to bottom, a step per frame; the frame times in ms. */
async function scrollFrames(s) {
  return s.cmd("POST", "/execute/async", {
    script: `const done = arguments[arguments.length - 1];
      const el = document.querySelector('[data-testid="containers-table"]');
      if (!el) return done({ frames: [], scripts: [], end: true });
      el.scrollTop = 0;
      const frames = [];
      // The scroll event's script (the table's render) per frame: from the window's capture
      // listener, which runs first, to a listener on the table added last, which runs last.
      const scripts = [];
      let t0;
      const before = () => (t0 = performance.now());
      const after = () => t0 !== undefined && scripts.push(performance.now() - t0);
      window.addEventListener('scroll', before, { capture: true, passive: true });
      el.addEventListener('scroll', after, { passive: true });
      const finish = (r) => {
        window.removeEventListener('scroll', before, { capture: true });
        el.removeEventListener('scroll', after);
        done({ ...r, scripts });
      };
      const started = performance.now();
      // About 300 frames whatever the length: a fixed step would take minutes at 5,000 rows.
      const stride = Math.max(360, Math.ceil(el.scrollHeight / 300));
      let last;
      const step = (t) => {
        if (last !== undefined) frames.push(t - last);
        last = t;
        const end = el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
        if (end || performance.now() - started > 100000) return finish({ frames, end, stride, top: el.scrollTop, height: el.scrollHeight });
        el.scrollTop += stride;
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);`,
    args: [],
  }, 130_000);
}

/**
 * The scroll floor: the same window showing a plain table of text (as many rows, of the same
 * height, in a scroller of the same size, rendered once), scrolled the same way. What a frame
 * costs the web view to show a screen of text, whatever the app does.
 */
async function floorScroll(s, rows, [width, height]) {
  await s.exec(`window.location.hash = '#/floor-table?rows=${rows}&width=${width}&height=${height}'; window.location.reload();`);
  await s.waitFor('[data-testid="containers-table"]', { timeout: 120_000 });
  await s.settle();
  return scrollFrames(s);
}

/** Types `text` into the search box and times until the count line changes (ms). */
async function searchLatency(s, text) {
  return s.cmd("POST", "/execute/async", {
    script: `const [text, done] = arguments;
      const input = document.querySelector('[data-testid="search"]');
      const count = document.querySelector('[data-testid="container-count"]');
      const before = count.textContent;
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      const t0 = performance.now();
      setter.call(input, text);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      const check = () => (count.textContent !== before ? done(performance.now() - t0) : requestAnimationFrame(check));
      check();`,
    args: [text],
  });
}

/** Clicks a sort header and times until the first row changes (ms). */
async function sortLatency(s, label) {
  return s.cmd("POST", "/execute/async", {
    script: `const [label, done] = arguments;
      const first = () => document.querySelector('[data-testid="container-row"]')?.dataset.uuid;
      const before = first();
      const button = document.querySelector('button[aria-label="Sort by ' + label + '"]');
      const t0 = performance.now();
      button.click();
      const check = () => (first() !== before ? done(performance.now() - t0) : performance.now() - t0 > 5000 ? done(NaN) : requestAnimationFrame(check));
      check();`,
    args: [label],
  });
}

async function goto(s, route, ready) {
  await s.exec(`window.location.hash = '#/${route}'`);
  await s.waitFor(ready, { timeout: 60_000 });
  await s.settle();
}

const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");

async function floor() {
  const { s, dataDir, readyMs } = await openFloor("bench");
  try {
    await sleep(5_000);
    return { rest: await measureRest(dataDir, REST_SECS), readyMs };
  } finally {
    await s.close();
  }
}

/** From `t0` (the session's start) to the containers table listing `total` containers (ms). */
async function launchToFilled(s, t0, total) {
  await s.waitFor('[data-testid="app-ready"]', { timeout: 120_000 });
  // The page notes the moment the count is full itself; WebDriver's polling adds nothing.
  await s.exec(
    `const total = arguments[0];
    window.__filled = null;
    const full = () => {
      const el = document.querySelector('[data-testid="container-count"]');
      if (!el || !el.textContent.includes(total + ' container')) return false;
      window.__filled = performance.now();
      return true;
    };
    if (!full()) new MutationObserver((_, mo) => full() && mo.disconnect()).observe(document.body, { subtree: true, childList: true, characterData: true });
    window.location.hash = '#/containers';`,
    [total],
  );
  const filled = await s.until(async () => {
    const [at, pageNow] = await s.exec("return [window.__filled, performance.now()]");
    return at != null ? { at, pageNow, nodeNow: performance.now() } : null;
  }, `the table to list ${total} containers`, 180_000);
  return filled.nodeNow - (filled.pageNow - filled.at) - t0;
}

async function scenario(n) {
  const total = makeContainers(n);
  const { s, dataDir, t0 } = await openApp({});
  let result;
  try {
    const launchMs = await launchToFilled(s, t0, total);
    // The same list from the Docker CLI, side by side.
    const cliStart = performance.now();
    docker("ps", "-a", "--no-trunc");
    const cliMs = performance.now() - cliStart;
    // The first stats rounds (every 10 s by default), then rest.
    await sleep(25_000);
    const containersRest = REST_SCREENS ? await measureRest(dataDir, REST_SECS) : null;
    // The Dashboard at rest before the table is scrolled: after, its memory would hold
    // the scroll's garbage until a collection.
    let dashboardRest = null;
    if (REST_SCREENS) {
      await goto(s, "dashboard", '[data-testid="dashboard"]');
      dashboardRest = await measureRest(dataDir, REST_SECS);
      if (total > 0) await goto(s, "containers", '[data-testid="container-row"]');
    }
    const size = total > 0 ? await s.exec(`const el = document.querySelector('[data-testid="containers-table"]'); return el ? [el.clientWidth, el.clientHeight] : null;`) : null;
    const scrolled = total > 0 ? await scrollFrames(s) : { frames: [], scripts: [], end: true };
    if (!scrolled.end) console.log(`(scrolling stopped at ${scrolled.top} of ${scrolled.height} px)`);
    if (scrolled.stride) console.log(`(scrolled ${scrolled.stride} px a frame)`);
    const { frames, scripts } = scrolled;
    // Five searches (each for one container, then the search cleared) and two sorts (the
    // header clicked again turns the order; a third would undo it): one alone may meet a
    // collection.
    const searches = [];
    for (let k = 1; total > 0 && k <= 5; k++) {
      searches.push(await searchLatency(s, `bench-${String(Math.max(0, total - k)).padStart(5, "0")}`));
      await searchLatency(s, "");
    }
    const sorts = [];
    for (let k = 0; total > 1 && k < 2; k++) sorts.push(await sortLatency(s, "Name"));
    const search = searches.length ? percentile(searches, 50) : NaN;
    const sort = sorts.length ? percentile(sorts, 50) : NaN;
    if (searches.length) console.log(`searches: ${searches.map((x) => fmt(x)).join(", ")} ms; sorts: ${sorts.map((x) => fmt(x)).join(", ")} ms`);
    const floorFrames = size ? (await floorScroll(s, total, size)).frames : [];
    result = { n: total, launchMs, cliMs, containersRest, dashboardRest, frames, scripts, floorFrames, search, sort };
  } finally {
    await s.close();
  }
  return { ...result, relaunchMs: await relaunch(dataDir, total) };
}

/** Launch again on the same data folder, as a user does every day: the store already lists them. */
async function relaunch(dataDir, total) {
  if (total === 0) return NaN;
  const again = await openApp({ SQUIRREL_DATA_DIR: dataDir });
  try {
    return await launchToFilled(again.s, again.t0, total);
  } finally {
    await again.s.close();
  }
}

function restTable(title, rest, floorRest) {
  if (!rest) return;
  const floorAll = floorRest.at(-1);
  const all = rest.at(-1);
  console.log(`\n### ${title}`);
  console.log("| process | CPU % of one core | RSS MiB |");
  console.log("|---|---:|---:|");
  for (const r of rest) console.log(`| ${r.name} | ${fmt(r.cpu, 2)} | ${fmt(r.rss, 0)} |`);
  console.log(`| floor (all) | ${fmt(floorAll.cpu, 2)} | ${fmt(floorAll.rss, 0)} |`);
  console.log(`| **app minus floor** | **${fmt(all.cpu - floorAll.cpu, 2)}** | **${fmt(all.rss - floorAll.rss, 0)}** |`);
}

console.log(`# Squirrel window benchmark (rest ${REST_SECS} s; ${new Date().toISOString()})`);
const { rest: floorRest, readyMs: floorReadyMs } = await floor();
console.log("\n## Floor: the same window, an empty page, no engine");
console.log(`launch to a ready window: ${fmt(floorReadyMs / 1000, 2)} s`);
console.log("| process | CPU % of one core | RSS MiB |");
console.log("|---|---:|---:|");
for (const r of floorRest) console.log(`| ${r.name} | ${fmt(r.cpu, 2)} | ${fmt(r.rss, 0)} |`);

const results = [];
try {
  for (const n of SIZES) {
    const r = await scenario(n);
    results.push(r);
    console.log(`\n## ${r.n} containers (${Math.min(r.n, RUNNING_MAX)} running)`);
    console.log(
      `launch to a filled table: ${fmt(r.launchMs / 1000, 2)} s (the floor's launch ${fmt(floorReadyMs / 1000, 2)} s; ` +
        `\`docker ps -a\` alone ${fmt(r.cliMs)} ms; launch minus floor ÷ CLI ${fmt((r.launchMs - floorReadyMs) / r.cliMs, 2)})`,
    );
    console.log(`launched again on the same data folder (the store lists them): ${fmt(r.relaunchMs / 1000, 2)} s`);
    restTable("Containers screen at rest", r.containersRest, floorRest);
    restTable("Dashboard at rest", r.dashboardRest, floorRest);
    if (r.frames.length) {
      console.log(
        `\nscrolling top to bottom: ${r.frames.length} frames, p50 ${fmt(percentile(r.frames, 50))} ms, p95 ${fmt(percentile(r.frames, 95))} ms, worst ${fmt(Math.max(...r.frames))} ms`,
      );
      if (r.scripts.length) {
        console.log(
          `  of which the table's script (scroll event to rendered rows): p50 ${fmt(percentile(r.scripts, 50))} ms, p95 ${fmt(percentile(r.scripts, 95))} ms, worst ${fmt(Math.max(...r.scripts))} ms`,
        );
      }
      if (r.floorFrames.length) {
        console.log(
          `  the scroll floor (a plain table of text, same rows and size): p50 ${fmt(percentile(r.floorFrames, 50))} ms, p95 ${fmt(percentile(r.floorFrames, 95))} ms, worst ${fmt(Math.max(...r.floorFrames))} ms; ` +
            `app minus floor: p50 ${fmt(percentile(r.frames, 50) - percentile(r.floorFrames, 50))}, p95 ${fmt(percentile(r.frames, 95) - percentile(r.floorFrames, 95))} ms`,
        );
      }
      console.log(`search keystroke to result, median of 5: ${fmt(r.search)} ms; sort by name, median of 2: ${fmt(r.sort)} ms`);
    }
  }
} finally {
  if (!KEEP) removeBenchContainers();
}

console.log("\n## Summary (app minus floor)");
console.log("| containers | launch s (floor's subtracted) | rest CPU % (containers) | rest RSS MiB (containers) | rest CPU % (dashboard) | scroll p95 ms (app / floor) | scroll worst ms (app / floor) | search ms |");
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
const floorAll = floorRest.at(-1);
const minus = (rest, key, d) => (rest ? fmt(rest.at(-1)[key] - floorAll[key], d) : "–");
for (const r of results) {
  console.log(
    `| ${r.n} | ${fmt((r.launchMs - floorReadyMs) / 1000, 2)} | ${minus(r.containersRest, "cpu", 2)} | ${minus(r.containersRest, "rss", 0)} | ${minus(r.dashboardRest, "cpu", 2)} | ${fmt(percentile(r.frames, 95))} / ${fmt(percentile(r.floorFrames, 95))} | ${fmt(r.frames.length ? Math.max(...r.frames) : NaN)} / ${fmt(r.floorFrames.length ? Math.max(...r.floorFrames) : NaN)} | ${fmt(r.search)} |`,
  );
}
