// The log viewer at a million lines, in the real window: the whole app's memory with a
// container's million-line log loaded in its drawer (beside the same app before the log
// opened, and the floor: the same window showing an empty page), the time to load it, and a
// regular-expression search over the loaded lines, from the input to the match count on
// screen, beside `docker logs NAME | grep -cE` over the same log in the same run.
//
// Usage (as root, with tests/services.sh started as in run-all.sh):
//   SQUIRREL_APP=target/release/squirrel DISPLAY=:N DOCKER_HOST=unix://... \
//     bash tests/with-keyring.sh node tests/bench/logs1m.mjs [--lines 1000000] [--rest 60]
// Memory is sampled 5 s after the load and again `--rest` seconds later, as RSS and as PSS
// (the proportional set size, whose sum over the processes is the app's footprint).
import { execFileSync } from "node:child_process";
import { docker, openApp, openFloor, option, samplePss, sampleRss, sleep } from "./procs.mjs";

const LINES = Number(option("lines", "1000000"));
const REST = Number(option("rest", "60"));
const NAME = "bench-logs-1m";
const PATTERNS = [String.raw`items/99\d{3} `, String.raw`status=5\d\d took=8`];
const EL = "element-6066-11e4-a52e-4f735466cecf";
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "–");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function makeLog() {
  try {
    docker("rm", "-f", NAME);
  } catch {
    // not there
  }
  const awk = `awk 'BEGIN { for (i = 0; i < ${LINES}; i++) printf "%d level=info GET /api/v1/items/%d status=%d took=%dms user=u%d\\n", i, (i * 7919) % 100000, (i % 10 ? 200 : 503), i % 900, i % 50 }'`;
  docker("run", "-d", "--name", NAME, "busybox:local", "sh", "-c", `${awk}; sleep 3600`);
  const deadline = Date.now() + 300_000;
  while (!docker("logs", "--tail", "1", NAME).startsWith(`${LINES - 1} `)) {
    if (Date.now() > deadline) throw new Error("the log was not written in time");
    execFileSync("sleep", ["0.5"]);
  }
}

/** Milliseconds from setting the search to the match count for it on screen (in the page). */
async function searchMs(s, input, pattern) {
  return s.cmd("POST", "/execute/async", {
    script: `const [input, value, done] = arguments;
      const t0 = performance.now();
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(input, value);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      const poll = () => {
        const m = document.querySelector('[data-testid="log-matches"]');
        if (m && m.dataset.pattern === value) done({ ms: performance.now() - t0, text: m.textContent });
        else requestAnimationFrame(poll);
      };
      poll();`,
    args: [{ [EL]: input }, pattern],
  });
}

async function main() {
  makeLog();
  const floor = await openFloor("logs1m");
  await sleep(5_000);
  const floorRss = sampleRss(floor.dataDir);
  const floorPss = samplePss(floor.dataDir);
  await floor.s.close();

  const { s, dataDir } = await openApp("logs1m");
  await s.cmd("POST", "/timeouts", { script: 300_000 });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));
  const row = await s.waitFor(`[data-testid="container-row"][data-name="${NAME}"]`);
  await sleep(3_000);
  const before = sampleRss(dataDir);
  const beforePss = samplePss(dataDir);
  await s.click(await s.waitFor('[role="cell"]', { root: row }));
  const drawer = await s.waitFor('[data-testid="container-drawer"]');
  // The drawer slides in: a click on its tab before it settles is lost, so click until the tab shows.
  const panel = await s.until(async () => {
    await s.click(await s.waitFor('[data-testid="drawer-tab-logs"]', { root: drawer }));
    return (await s.findAll('[data-testid="logs-panel"]', drawer))[0];
  }, "the logs tab");
  await s.click(await s.waitFor('[aria-label="How many lines"]', { root: panel }));
  const t0 = performance.now();
  const whole = await s.until(async () => {
    for (const o of await s.findAll('[role="option"]')) if ((await s.text(o)).trim() === "Whole log") return o;
    return null;
  }, "the Whole log option");
  await s.click(whole);
  const count = await s.waitFor('[data-testid="log-count"]', { root: panel });
  let shown = "";
  let told = 0;
  await s.until(
    async () => {
      shown = await s.text(count);
      // How the load goes, every 10 s (a load that slows as it grows shows here).
      const secs = (performance.now() - t0) / 1000;
      if (secs - told >= 10) {
        told = secs;
        console.error(`  ${fmt(secs)} s: ${shown}`);
      }
      return Number(shown.split(" ")[0].replace(/[^0-9]/g, "")) >= LINES;
    },
    `${LINES} lines loaded`,
    Number(option("load-timeout", "600")) * 1000,
  ).catch((e) => {
    throw new Error(`${e.message}; the viewer said "${shown}" after ${fmt((performance.now() - t0) / 1000)} s`);
  });
  const loadMs = performance.now() - t0;
  await sleep(5_000);
  const loaded = sampleRss(dataDir);
  const loadedPss = samplePss(dataDir);
  // At rest: the engine's collector and its allocator give back what the load left behind.
  await sleep(REST * 1000);
  const rested = sampleRss(dataDir);
  const restedPss = samplePss(dataDir);

  await s.click(await s.waitFor('[aria-label="Regular expression"]', { root: panel }));
  const input = await s.waitFor('[data-testid="log-search"]', { root: panel });
  const times = [];
  let answers = [];
  for (let i = 0; i < 6; i++) {
    const r = await searchMs(s, input, PATTERNS[i % 2]);
    times.push(r.ms);
    answers[i % 2] = r.text;
  }
  const greps = PATTERNS.map((p) => {
    const t = performance.now();
    const n = execFileSync("sh", ["-c", `docker logs ${NAME} 2>&1 | grep -cE '${p.replace(/\\d/g, "[0-9]")}'`], { encoding: "utf8" }).trim();
    return { ms: performance.now() - t, n };
  });
  await s.close();
  docker("rm", "-f", NAME);

  console.log(`# The log viewer at ${LINES.toLocaleString("en-US")} lines (whole log in a container's drawer)`);
  console.log(`load to ${LINES.toLocaleString("en-US")} lines shown: ${fmt(loadMs / 1000, 1)} s`);
  // RSS counts the libraries the three processes share once in each; PSS shares them out, so
  // its sum is the whole app's memory.
  for (const [unit, floorM, beforeM, loadedM, restedM] of [
    ["RSS", floorRss, before, loaded, rested],
    ["PSS", floorPss, beforePss, loadedPss, restedPss],
  ]) {
    console.log(`${unit}, MiB                 backend      web  network      all`);
    for (const [label, r] of [
      ["floor (empty page)", floorM],
      ["app, before the log", beforeM],
      ["app, log loaded (5 s)", loadedM],
      [`app, log loaded, ${REST} s on`, restedM],
    ]) {
      console.log(`${label.padEnd(25)}${fmt(r.backend).padStart(7)}${fmt(r.web).padStart(9)}${fmt(r.network).padStart(9)}${fmt(r.all).padStart(9)}`);
    }
    console.log(
      `${unit}: the log's own cost (loaded − before): ${fmt(loadedM.all - beforeM.all)} MiB, ${fmt(restedM.all - beforeM.all)} MiB at rest; app − floor at rest: ${fmt(restedM.all - floorM.all)} MiB`,
    );
  }
  console.log(`regex search over the loaded lines, input to count on screen: median ${fmt(median(times), 1)} ms (${times.map((t) => fmt(t)).join(", ")}); answers: ${answers.join(" / ")}`);
  console.log(`docker logs | grep -cE, same patterns: ${greps.map((g) => `${fmt(g.ms)} ms (${g.n})`).join(", ")}; ratio grep ÷ Squirrel ${fmt(median(greps.map((g) => g.ms)) / median(times), 1)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
