// End-to-end: a container's log in the real window against a real dockerd. Hostile lines
// (markup, a title, an OSC 8 link, cursor moves, invalid UTF-8) show as text and leave the
// window unharmed; new lines arrive while following; search finds and counts; stderr and a
// guessed level are marked.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startSession } from "./webdriver.mjs";

const SHOTS = path.resolve("test-artifacts/screenshots");
const docker = (...args) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const NAME = "e2e-logs";
const OTHER = "e2e-logs-beat";
const KEPT = "e2e-logs-kept";
const MARKER = `kept-${process.pid}`;
let s;

const SCRIPT = [
  `echo '<img src=x onerror=alert(1)>'`,
  String.raw`printf '\033]0;owned title\007\033[31mred\033[0m and \033]8;;https://evil.example\033\\a link\033]8;;\033\\\033[2J\033[H done\n'`,
  String.raw`printf 'bad \377\376 bytes\n'`,
  `echo 'level=error msg="disk full"' >&2`,
  `i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 0.3; done`,
].join("; ");

/** Sets an input's value as typing would (React sees the change). */
const setInput = (el, value) =>
  s.exec(
    "const el = arguments[0]; Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, arguments[1]); el.dispatchEvent(new Event('input', { bubbles: true }));",
    [{ "element-6066-11e4-a52e-4f735466cecf": el }, value],
  );

/** Waits until the history view shows the answer to `text` (typing settled, nothing asked). */
async function answered(view, text, timeout = 30_000) {
  await s
    .until(
      async () => {
        const summary = await s.waitFor('[data-testid="history-summary"]', { root: view });
        return (await s.attr(summary, "data-text")) === text && (await s.attr(summary, "data-busy")) === "false";
      },
      `the history's answer to ${text}`,
      timeout,
    )
    .catch(async (e) => {
      // What the view showed instead: what the box holds, what was answered, any error.
      const shown = await s.exec(
        "const v = arguments[0]; const q = (id) => v.querySelector(`[data-testid=\"${id}\"]`); const m = q('history-summary'); return { box: q('history-search')?.value, answered: m?.dataset.text, busy: m?.dataset.busy, summary: m?.textContent, error: q('history-error')?.textContent ?? null };",
        [{ "element-6066-11e4-a52e-4f735466cecf": view }],
      );
      throw new Error(`${e.message}; the view shows ${JSON.stringify(shown)}`);
    });
}

/** The texts of the log rows in view. */
const shownLines = (root) =>
  s.exec("return [...arguments[0].querySelectorAll('[data-testid=\"log-line\"] .sq-log-text')].map((e) => e.textContent)", [
    { "element-6066-11e4-a52e-4f735466cecf": root },
  ]);

before(async () => {
  for (const n of [NAME, OTHER, KEPT]) {
    try {
      docker("rm", "-f", n);
    } catch {
      // not there
    }
  }
  docker("run", "-d", "--name", KEPT, "busybox:local", "sh", "-c", `for i in 1 2 3; do echo "${MARKER} line $i"; done; echo 'level=warn other words'; sleep 3600`);
  docker("run", "-d", "--name", NAME, "busybox:local", "sh", "-c", SCRIPT);
  docker("run", "-d", "--name", OTHER, "busybox:local", "sh", "-c", `i=0; while true; do echo "beat $i"; i=$((i+1)); sleep 0.4; done`);
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: mkdtempSync(path.join(tmpdir(), "squirrel-e2e-logs-")) },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
});

after(async () => {
  for (const n of [NAME, OTHER, KEPT]) {
    try {
      docker("rm", "-f", n);
    } catch {
      // gone
    }
  }
  await s?.close();
});

test("a container's log shows hostile lines as text, follows new lines, and searches", async () => {
  const title = await s.exec("return document.title");
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));
  const row = await s.waitFor(`[data-testid="container-row"][data-name="${NAME}"]`);
  await s.click(await s.waitFor('[role="cell"]', { root: row }));
  const drawer = await s.waitFor('[data-testid="container-drawer"]');
  await s.click(await s.waitFor('[data-testid="drawer-tab-logs"]', { root: drawer }));
  const panel = await s.waitFor('[data-testid="logs-panel"]', { root: drawer });
  await s.until(async () => (await s.attr(await s.waitFor('[data-testid="log-status"]', { root: panel }), "data-status")) === "live", "a live log");

  // The hostile lines, as text.
  await s.until(async () => (await shownLines(panel)).includes("<img src=x onerror=alert(1)>"), "the markup line, as text");
  const lines = await shownLines(panel);
  assert.ok(lines.includes("red and a link done"), `escapes dropped, text kept: ${JSON.stringify(lines.slice(0, 5))}`);
  assert.ok(lines.includes("bad \ufffd\ufffd bytes"), "invalid UTF-8 replaced");
  const harmless = await s.exec(
    "const p = arguments[0]; return [p.querySelectorAll('img, a[href]:not([data-testid=\"log-open-history\"]), script, iframe').length, document.title]",
    [{ "element-6066-11e4-a52e-4f735466cecf": panel }],
  );
  assert.deepEqual(harmless, [0, title], "no element made from a line, and the window's title untouched");
  // The red run is styled, the stderr line marked with its guessed level.
  const red = await s.exec(
    "const spans = [...arguments[0].querySelectorAll('[data-testid=\"log-line\"] span[style]')]; return spans.find((e) => e.textContent === 'red')?.style.color ?? null",
    [{ "element-6066-11e4-a52e-4f735466cecf": panel }],
  );
  assert.ok(red, "the red run has a colour");
  const errRow = await s.waitFor('[data-testid="log-line"][data-source="stderr"]', { root: panel });
  assert.equal(await s.attr(errRow, "data-level"), "error");

  // Following: new ticks arrive.
  const ticks = async () => (await shownLines(panel)).filter((l) => l.startsWith("tick ")).length;
  const before = await ticks();
  await s.until(async () => (await ticks()) >= before + 3, "three new lines while following");
  await s.screenshot(path.join(SHOTS, "drawer-logs.png"));

  // Search: matches counted and highlighted, then only the matching lines.
  const search = await s.waitFor('[data-testid="log-search"]', { root: panel });
  await s.type(search, "tick 1");
  const matches = await s.waitFor('[data-testid="log-matches"]', { root: panel });
  await s.until(async () => /\d+ match/.test(await s.text(matches)), "a match count");
  assert.ok((await s.findAll(".sq-log-match", panel)).length > 0, "matches highlighted");
  // The chip's input is hidden: its label takes the click.
  await s.click(await s.waitFor('[data-testid="log-only-matching"] + label', { root: panel }));
  await s.until(async () => (await shownLines(panel)).every((l) => l.includes("tick 1")), "only matching lines");
  await s.screenshot(path.join(SHOTS, "drawer-logs-search.png"));

  // The window is unharmed: the drawer closes, the theme changes, the log opens again.
  await s.click(await s.waitFor('[aria-label="Close details"]', { root: drawer }));
  await s.until(async () => (await s.findAll('[data-testid="container-drawer"]')).length === 0, "the drawer to close");
  await s.click(await s.waitFor('[data-testid="theme-toggle"]'));
  await s.click(await s.waitFor('[role="cell"]', { root: await s.waitFor(`[data-testid="container-row"][data-name="${NAME}"]`) }));
  const again = await s.waitFor('[data-testid="logs-panel"]', { root: await s.waitFor('[data-testid="container-drawer"]') });
  await s.until(async () => (await shownLines(again)).some((l) => l.startsWith("tick ")), "the log again, in the other theme");
  await s.screenshot(path.join(SHOTS, "drawer-logs-other-theme.png"));
  await s.click(await s.waitFor('[aria-label="Close details"]'));
  await s.click(await s.waitFor('[data-testid="theme-toggle"]'));
  await s.click(await s.waitFor('[data-testid="nav-dashboard"]'));
  await s.waitFor('[data-testid="dashboard"]');
});

test("the Logs screen merges two containers' logs by time, each line with its container's name", async () => {
  await s.click(await s.waitFor('[data-testid="nav-logs"]'));
  const page = await s.waitFor('[data-testid="logs-page"]');
  await s.waitFor('[data-testid="logs-none"]', { root: page });
  const pick = await s.waitFor('[data-testid="logs-pick"]', { root: page });
  for (const name of [NAME, OTHER]) {
    await s.click(pick);
    await s.type(pick, name);
    const option = await s.until(async () => {
      for (const o of await s.findAll('[role="option"]')) if ((await s.text(o)).trim() === name) return o;
      return null;
    }, `the option ${name}`);
    await s.click(option);
  }
  await s.until(
    async () => {
      const items = await s.findAll('[data-testid="logs-legend-item"]', page);
      return items.length === 2 && (await Promise.all(items.map((i) => s.attr(i, "data-status")))).every((st) => st === "live");
    },
    "two live logs in the legend",
  );
  // Lines of both, badged, in time order.
  const rows = async () =>
    s.exec(
      "return [...arguments[0].querySelectorAll('[data-testid=\"log-line\"]')].map((r) => [r.querySelector('[data-testid=\"log-origin\"]')?.textContent ?? '', r.querySelector('.sq-log-text').textContent])",
      [{ "element-6066-11e4-a52e-4f735466cecf": page }],
    );
  await s.until(async () => {
    const r = await rows();
    return r.some(([o, t]) => o === NAME && t.startsWith("tick ")) && r.some(([o, t]) => o === OTHER && t.startsWith("beat "));
  }, "lines of both containers");
  const r = await rows();
  assert.ok(r.every(([o]) => o === NAME || o === OTHER), `every line has its container's name: ${JSON.stringify(r.slice(0, 4))}`);
  const times = await s.exec(
    "return [...arguments[0].querySelectorAll('[data-testid=\"log-line\"]')].map((e) => Number(e.dataset.ts))",
    [{ "element-6066-11e4-a52e-4f735466cecf": page }],
  );
  assert.deepEqual([...times].sort((a, b) => a - b), times, "in time order");
  // The picker's list closed, the legend shows each log's state.
  await s.press("\uE00C");
  await s.screenshot(path.join(SHOTS, "logs-merged.png"));
});

test("containers picked in the table (Ctrl+click) open their logs together", async () => {
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));
  const table = await s.waitFor('[data-testid="containers-table"]');
  for (const name of [NAME, OTHER]) {
    const row = await s.waitFor(`[data-testid="container-row"][data-name="${name}"]`, { root: table });
    // On the name cell: the row's buttons are elsewhere.
    await s.clickWith(await s.waitFor('[role="cell"]', { root: row }), "\uE009");
  }
  const bar = await s.waitFor('[data-testid="pick-bar"]');
  await s.until(async () => (await s.text(await s.waitFor('[data-testid="pick-count"]', { root: bar }))) === "2 picked", "two picked");
  // Picking opened nothing.
  assert.equal((await s.findAll('[data-testid="container-drawer"]')).length, 0);
  await s.screenshot(path.join(SHOTS, "containers-picked.png"));
  await s.click(await s.waitFor('[data-testid="pick-logs"]', { root: bar }));
  const page = await s.waitFor('[data-testid="logs-page"]');
  let names = [];
  await s.until(async () => {
    names = await s.exec("return [...arguments[0].querySelectorAll('[data-testid=\"logs-legend-item\"]')].map((e) => e.textContent)", [
      { "element-6066-11e4-a52e-4f735466cecf": page },
    ]);
    return names.length === 2 && names.some((n) => n.startsWith(`${NAME} `)) && names.some((n) => n.startsWith(OTHER));
  }, "both picked containers in the legend").catch(async (e) => {
    throw new Error(`${e.message}: the legend shows ${JSON.stringify(names)} at ${await s.exec("return location.hash")}`);
  });
  await s.until(async () => {
    const origins = await s.exec("return [...arguments[0].querySelectorAll('[data-testid=\"log-origin\"]')].map((e) => e.textContent)", [
      { "element-6066-11e4-a52e-4f735466cecf": page },
    ]);
    return origins.includes(NAME) && origins.includes(OTHER);
  }, "lines of both");
});

test("the history keeps a container's lines with no viewer open, finds them by word and by regular expression after it is removed, and its drawer links to them", async () => {
  // The kept container's drawer links to its history.
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));
  await s.click(await s.waitFor('[role="cell"]', { root: await s.waitFor(`[data-testid="container-row"][data-name="${KEPT}"]`) }));
  const drawer = await s.waitFor('[data-testid="container-drawer"]');
  await s.click(await s.waitFor('[data-testid="drawer-tab-logs"]', { root: drawer }));
  await s.click(await s.waitFor('[data-testid="log-open-history"]', { root: drawer, timeout: 30_000 }));
  const page = await s.waitFor('[data-testid="logs-page"]');
  const view = await s.waitFor('[data-testid="history-view"]', { root: page });
  await s.until(async () => {
    const texts = await shownLines(view);
    return texts.length === 4 && texts[0] === `${MARKER} line 1` && texts[3] === "level=warn other words";
  }, "the kept container's own lines, and only its, from its drawer's link", 30_000);
  assert.match(await s.exec("return location.hash"), /^#\/logs\?history=\d+$/);
  // Every container's history: from the Logs screen's own switch.
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));
  await s.click(await s.waitFor('[data-testid="nav-logs"]'));
  const logs = await s.waitFor('[data-testid="logs-page"]');
  // The segmented control's input is hidden: its label takes the click.
  await s.click(await s.waitFor('label:has([data-testid="logs-mode-history"])', { root: logs }));
  await searchAll(logs);
});

/** The history of every container: by word, then, once the container is gone, by words and by regex. */
async function searchAll(page) {
  const view = await s.waitFor('[data-testid="history-view"]', { root: page });
  const rows = async () =>
    s.exec(
      "return [...arguments[0].querySelectorAll('[data-testid=\"log-line\"]')].map((r) => [r.querySelector('[data-testid=\"log-origin\"]')?.textContent ?? '', r.querySelector('.sq-log-text').textContent])",
      [{ "element-6066-11e4-a52e-4f735466cecf": view }],
    );
  const search = await s.waitFor('[data-testid="history-search"]', { root: view });
  // Kept by the backend on its own (the local engine's containers are kept by default).
  await s.until(async () => {
    await setInput(search, "");
    await s.type(search, MARKER);
    await answered(view, MARKER);
    const r = await rows();
    return r.length === 3 && r.every(([o, t], k) => o === KEPT && t === `${MARKER} line ${k + 1}`);
  }, "the kept container's three lines, found by word", 30_000);
  assert.equal((await s.findAll(".sq-log-match", view)).length, 3, "the word highlighted on each line");

  docker("rm", "-f", KEPT);
  // The last word typed is read as a prefix (the search follows the typing): "2" last would
  // also match the marker's process id when it starts with a 2, so the number comes first.
  const twoWords = `2 ${MARKER}`;
  await s.until(async () => {
    await setInput(search, "");
    await s.type(search, twoWords);
    await answered(view, twoWords);
    const r = await rows();
    return r.length === 1 && r[0][0] === `${KEPT} (removed)` && r[0][1] === `${MARKER} line 2`;
  }, "the removed container's line, found by two words");
  await s.waitFor('[data-testid="history-usage"]', { root: view });
  await s.screenshot(path.join(SHOTS, "logs-history.png"));

  // A regular expression: no index helps, every kept line is read.
  await s.click(await s.waitFor('[data-testid="history-regex"]', { root: view }));
  const pattern = `${MARKER} line [13]$`;
  await s.until(async () => {
    await setInput(search, "");
    await s.type(search, pattern);
    // Typed key by key, the pattern is an invalid one on the way ("…line ["). Once in a CI
    // run (of dozens) the answer did not come in 30 s: what the view showed is said, and the
    // pattern typed again.
    try {
      await answered(view, pattern, 15_000);
    } catch (e) {
      console.log(e.message);
      return false;
    }
    const summary = await s.waitFor('[data-testid="history-summary"]', { root: view });
    if ((await s.attr(summary, "data-regex")) !== "true") return false;
    const r = await rows();
    return r.length === 2 && r[0][1] === `${MARKER} line 1` && r[1][1] === `${MARKER} line 3`;
  }, "lines 1 and 3, found by a regular expression", 60_000);
  await s.screenshot(path.join(SHOTS, "logs-history-regex.png"));
}
