// The template gallery at 2,000 templates in the real window: time from adding the source to
// a filled gallery, and search keystroke to render (typing a word one letter at a time, then
// clearing it), side by side with the same search done by the page's own index alone (the
// floor of the keystroke: what the filter costs without rendering).
//
// Usage (as root, with tests/services.sh started as in run-all.sh):
//   SQUIRREL_APP=target/release/squirrel DISPLAY=:N bash tests/with-keyring.sh \
//     node tests/bench/gallery.mjs [--templates 2000] [--rounds 5]
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openApp, option } from "./procs.mjs";

const N = Number(option("templates", "2000"));
const ROUNDS = Number(option("rounds", "5"));
const WORDS = ["jellyfin", "postgres", "proxy", "grafana 1"];

const percentile = (v, p) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.round(((s.length - 1) * p) / 100))];
};
const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "–");

/** A v3 catalogue of `n` templates made from the bundled one, each with a title of its own. */
function catalogueFile(n) {
  const bundled = JSON.parse(readFileSync("src-tauri/crates/core/catalogue/bundled.json", "utf8")).templates;
  const templates = Array.from({ length: n }, (_, i) => ({ ...bundled[i % bundled.length], id: i + 1, title: `${bundled[i % bundled.length].title} ${i}` }));
  const file = path.join(mkdtempSync(path.join(tmpdir(), "squirrel-gallery-")), "big.json");
  writeFileSync(file, JSON.stringify({ version: "3", templates }));
  return file;
}

/** Sets the search box to `text` as a keystroke would, and times until the shown count changes. */
function keystroke(s, text) {
  return s.cmd("POST", "/execute/async", {
    script: `const [text, done] = arguments;
      const input = document.querySelector('[data-testid="template-search"]');
      const count = document.querySelector('[data-testid="template-count"]');
      const first = () => document.querySelector('[data-testid="template-card"]')?.dataset.key ?? '';
      const before = count.textContent + '|' + first();
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      const t0 = performance.now();
      setter.call(input, text);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      const check = () => {
        const now = count.textContent + '|' + first();
        if (now !== before) done(performance.now() - t0);
        else if (performance.now() - t0 > 5000) done(NaN);
        else requestAnimationFrame(check);
      };
      check();`,
    args: [text],
  });
}

const file = catalogueFile(N);
const { s } = await openApp("gallery", {});
try {
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
  await s.exec("window.location.hash = '#/templates'");
  await s.waitFor('[data-testid="template-card"]', { timeout: 60_000 });
  await s.click(await s.waitFor('[data-testid="sources-open"]'));
  const input = await s.waitFor('[data-testid="source-path"]');
  await s.type(input, file);
  const t0 = performance.now();
  await s.click(await s.waitFor('[data-testid="source-add"]'));
  await s.until(async () => (await s.text(await s.waitFor('[data-testid="template-count"]'))).replace(/\D/g, "") >= String(N), `${N} templates`, 60_000);
  const addMs = performance.now() - t0;
  await s.press("\uE00C");
  await s.settle();

  const typed = [];
  const cleared = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const word of WORDS) {
      for (let i = 1; i <= word.length; i++) {
        const ms = await keystroke(s, word.slice(0, i));
        if (Number.isFinite(ms)) typed.push(ms);
      }
      const ms = await keystroke(s, "");
      if (Number.isFinite(ms)) cleared.push(ms);
    }
  }
  // The floor: the same searches done on a plain array of lowercase strings in the page.
  const floor = await s.exec(
    `const words = arguments[0];
     const cards = Array.from({ length: ${N} }, (_, i) => ('template ' + i + ' ' + 'a description of some length for the index').toLowerCase());
     const times = [];
     for (const w of words) for (let i = 1; i <= w.length; i++) {
       const t0 = performance.now();
       const q = w.slice(0, i);
       let n = 0;
       for (const c of cards) if (c.includes(q)) n++;
       times.push(performance.now() - t0);
     }
     return times;`,
    [WORDS],
  );
  console.log(`\n## Template gallery at ${N} templates (${ROUNDS} rounds of ${WORDS.length} words typed letter by letter)`);
  console.log("| measure | p50 ms | p95 ms | worst ms |");
  console.log("|---|---:|---:|---:|");
  console.log(`| add the source to a filled gallery | ${fmt(addMs)} | – | – |`);
  console.log(`| keystroke to render (typing) | ${fmt(percentile(typed, 50))} | ${fmt(percentile(typed, 95))} | ${fmt(Math.max(...typed))} |`);
  console.log(`| keystroke to render (clearing) | ${fmt(percentile(cleared, 50))} | ${fmt(percentile(cleared, 95))} | ${fmt(Math.max(...cleared))} |`);
  console.log(`| plain substring scan of ${N} strings (floor) | ${fmt(percentile(floor, 50), 2)} | ${fmt(percentile(floor, 95), 2)} | ${fmt(Math.max(...floor), 2)} |`);
  console.log(`typing p50 / 16 ms target: ${fmt(percentile(typed, 50) / 16, 2)}x`);
} finally {
  await s.close();
}
