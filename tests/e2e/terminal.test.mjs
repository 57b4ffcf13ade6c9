// End-to-end: a terminal in a running container, in the real window against a real dockerd.
// A command typed into xterm.js comes back in the terminal's buffer; a one-off command shows
// its output and exit code; closing the terminal's tab ends its shell in the container; a
// terminal popped out goes on in its own window and ends with it; the container's files are
// browsed and a text file previewed as text.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startSession } from "./webdriver.mjs";

const SHOTS = path.resolve("test-artifacts/screenshots");
const NAME = "e2e-term";
const docker = (...args) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const row = `[data-testid="container-row"][data-name="${NAME}"]`;
let s;

/** The terminal's rows as xterm.js draws them (its DOM renderer), one string a row. */
const rows = () =>
  s.exec(`return Array.from(document.querySelectorAll('[data-testid="terminal"] .xterm-rows > div')).map((d) => d.textContent.replace(/\\u00a0/g, " "))`);
/**
 * Waits for a row that reads `want`. If it never comes, fails with what the terminal showed
 * and what had the keyboard (and a screenshot, `shot`): they say whether the keys or the
 * answer went missing.
 */
async function expectRow(want, what, shot) {
  try {
    await s.until(async () => (await rows()).some((r) => r.trim() === want), what);
  } catch (e) {
    await s.screenshot(path.join(SHOTS, shot)).catch(() => {});
    const focus = await s.exec(`return document.activeElement?.className ?? null`).catch(() => null);
    throw new Error(`${e.message}; focus on ${focus}; rows: ${JSON.stringify((await rows()).filter((r) => r.trim()))}`);
  }
}
/** The shells running in the container beside its main process. */
const shells = () =>
  docker("top", NAME, "-o", "pid,args")
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/).slice(1).join(" "))
    .filter((p) => p !== "sleep 600");

before(async () => {
  try {
    docker("rm", "-f", NAME);
  } catch {
    // not there
  }
  docker("run", "-d", "--name", NAME, "busybox:local", "sleep", "600");
  s = await startSession({
    application: process.env.SQUIRREL_APP,
    env: { SQUIRREL_DATA_DIR: mkdtempSync(path.join(tmpdir(), "squirrel-e2e-terminal-")) },
  });
  await s.waitFor('[data-testid="app-ready"]', { timeout: 60_000 });
});

after(async () => {
  await s?.close();
  try {
    docker("rm", "-f", NAME);
  } catch {
    // gone
  }
});

test("a terminal answers what is typed, a command shows its output, and a closed tab ends the shell", async () => {
  await s.click(await s.waitFor('[data-testid="nav-containers"]'));
  await s.click(await s.waitFor('[role="cell"]', { root: await s.waitFor(row, { timeout: 30_000 }) }));
  const drawer = await s.waitFor('[data-testid="container-drawer"]');
  await s.click(await s.waitFor('[data-testid="drawer-tab-terminal"]', { root: drawer }));
  await s.click(await s.waitFor('[data-testid="terminal-open"]', { root: drawer }));
  // The shell's prompt, then a sum only the shell can make.
  await s.until(async () => (await rows()).some((r) => /[#$] *$/.test(r.trimEnd())), "the shell's prompt");
  const input = await s.waitFor('[data-testid="terminal"] .xterm-helper-textarea');
  await s.type(input, "echo $((6*7))\uE007");
  await s.until(async () => (await rows()).some((r) => r.trim() === "42"), "42 on a line of its own");
  assert.equal(shells().length, 1, `one shell runs in the container: ${shells()}`);
  await s.screenshot(path.join(SHOTS, "terminal.png"));

  // A one-off command: its output as text, and its exit code.
  const command = await s.waitFor('[data-testid="command-input"]', { root: drawer });
  await s.type(command, "sh -c 'echo \"<b>not bold</b>\"; exit 3'");
  await s.click(await s.waitFor('[data-testid="command-run"]', { root: drawer }));
  const output = await s.until(
    () => s.exec(`return document.querySelector('[data-testid="command-output"]')?.textContent ?? null`),
    "the command's output",
  );
  assert.equal(output.trim(), "<b>not bold</b>");
  assert.equal((await s.exec(`return document.querySelector('[data-testid="command-exit"]').textContent`)).trim(), "exit 3");
  await s.screenshot(path.join(SHOTS, "terminal-command.png"));

  // The tab closed: the shell is gone from the container.
  await s.click(await s.waitFor('[data-testid="terminal-close"]', { root: drawer }));
  await s.until(async () => shells().length === 0, "the shell to end in the container", 15_000);
  await s.waitFor('[data-testid="terminal-empty"]', { root: drawer });

  // A terminal popped out: its shell goes on in a window of its own, which shows what it
  // showed; closing that window ends the shell.
  await s.click(await s.waitFor('[data-testid="terminal-open"]', { root: drawer }));
  await s.until(async () => (await rows()).some((r) => /[#$] *$/.test(r.trimEnd())), "the second shell's prompt");
  await s.type(await s.waitFor('[data-testid="terminal"] .xterm-helper-textarea'), "export MARK=kept-$((40+2)); echo $MARK\uE007");
  // Once in CI this answer did not come (the cause is not known).
  await expectRow("kept-42", "kept-42 in the main window", "terminal-second-failed.png");
  const main = (await s.windows())[0];
  await s.click(await s.waitFor('[data-testid="terminal-pop-out"]:not([disabled])', { root: drawer }));
  await s.waitFor('[data-testid="terminal-empty"]', { root: drawer });
  assert.equal(shells().length, 1, "the shell goes on after its tab left the main window");
  const popped = await s.until(async () => (await s.windows()).find((h) => h !== main), "the terminal's own window", 15_000);
  await s.switchTo(popped);
  await s.waitFor('[data-testid="terminal-window"]');
  await s.until(async () => (await rows()).some((r) => r.trim() === "kept-42"), "what the terminal showed, in its new window");
  // Clicked into first, as a user would: a new window under Xvfb (no window manager) need
  // not have the keyboard yet.
  await s.click(await s.waitFor('[data-testid="terminal"]'));
  await s.type(await s.waitFor('[data-testid="terminal"] .xterm-helper-textarea'), "echo $MARK-again\uE007");
  await expectRow("kept-42-again", "the same shell answering in its window", "terminal-window-failed.png");
  await s.screenshot(path.join(SHOTS, "terminal-window.png"));
  // Ctrl+Shift+W closes the window as its close button would; the shell ends with it.
  await s.exec(
    `document.querySelector('[data-testid="terminal"] .xterm-helper-textarea').dispatchEvent(new KeyboardEvent("keydown", { key: "W", code: "KeyW", ctrlKey: true, shiftKey: true, bubbles: true }))`,
  ).catch(() => {});
  await s.until(async () => !(await s.windows()).includes(popped), "the terminal's window to close", 15_000);
  await s.switchTo(main);
  await s.until(async () => shells().length === 0, "the shell to end with its window", 15_000);
  await s.waitFor('[data-testid="terminal-empty"]', { root: drawer });

  // Its files: the root folder, then /etc, then a file's text.
  await s.click(await s.waitFor('[data-testid="drawer-tab-files"]', { root: drawer }));
  await s.waitFor('[data-testid="files-row"][data-name="etc"][data-kind="folder"]', { root: drawer, timeout: 30_000 });
  await s.click(await s.waitFor('[data-testid="files-row"][data-name="etc"] [data-testid="files-open"]', { root: drawer }));
  await s.click(await s.waitFor('[data-testid="files-row"][data-name="hosts"] [data-testid="files-open"]', { root: drawer, timeout: 30_000 }));
  const text = await s.until(
    () => s.exec(`return document.querySelector('[data-testid="file-preview-text"]')?.textContent ?? null`),
    "the file's text",
  );
  assert.match(text, /localhost/);
  await s.screenshot(path.join(SHOTS, "files.png"));
});
