import { describe, expect, it } from "vitest";
import type { LogLine, LogSource } from "../../api/types";
import { LogBuffer, MAX_VIEW_LINES, searchPattern, type LogFilter } from "./logBuffer";

const line = (i: number, text = `line ${i}`, source: LogSource = "stdout"): LogLine => ({ ts: i, source, text, cut: false });
const ALL: LogFilter = { sources: new Set(["stdout", "stderr", "tty"]), onlyMatching: false };

describe("LogBuffer", () => {
  it("keeps each line's shown text and level, and filters by output and by search", () => {
    const b = new LogBuffer();
    b.append([line(1, "\u001b[31mERROR\u001b[0m: boom"), line(2, "ok", "stderr"), line(3, "level=warn disk")]);
    const first = b.at(0);
    expect(first?.kind === "line" && [first.text, first.level]).toEqual(["ERROR: boom", "error"]);
    expect(b.collect(ALL, null)).toEqual([0, 1, 2]);
    expect(b.collect({ ...ALL, sources: new Set(["stdout"]) }, null)).toEqual([0, 2]);
    const p = searchPattern({ text: "o", regex: false, caseSensitive: false }) as RegExp;
    expect(b.collect({ ...ALL, onlyMatching: true }, p)).toEqual([0, 1]);
    expect(b.matchRows([0, 1, 2], p)).toEqual([0, 1]);
  });

  it("extends a view from where it stopped", () => {
    const b = new LogBuffer();
    b.append([line(1), line(2)]);
    const view = b.collect(ALL, null);
    b.append([line(3)]);
    b.collect(ALL, null, view, 2);
    expect(view).toEqual([0, 1, 2]);
  });

  it("searches literally unless asked for a regex, and says what is wrong with a bad one", () => {
    const literal = searchPattern({ text: "a.b(", regex: false, caseSensitive: true }) as RegExp;
    expect(literal.test("xa.b(y")).toBe(true);
    expect(searchPattern({ text: "a(", regex: true, caseSensitive: false })).toMatch(/^Not a valid regular expression/);
    expect(searchPattern({ text: "", regex: true, caseSensitive: false })).toBeNull();
  });

  it("puts the lines read again for a gap in its place, and only those of its range", () => {
    const b = new LogBuffer();
    b.append([line(1)]);
    b.skipped(3, 10, 12);
    b.append([line(20)]);
    const marker = b.at(1)!;
    b.fillGap(marker, [line(9), line(10), line(11), line(12), line(13)]);
    expect(Array.from({ length: b.size }, (_, i) => b.at(i)).map((e) => (e?.kind === "line" ? e.line.ts : e?.kind))).toEqual([1, 10, 11, 12, 20]);
    expect(b.lines).toBe(5);
  });

  it("keeps at most a million lines, dropping the oldest in chunks", () => {
    const b = new LogBuffer();
    const batch = Array.from({ length: 100_000 }, (_, i) => line(i));
    for (let k = 0; k < 11; k++) b.append(batch);
    expect(b.lines).toBeLessThanOrEqual(MAX_VIEW_LINES);
    expect(b.lines).toBeGreaterThan(MAX_VIEW_LINES * 0.9);
    expect(b.droppedCount).toBe(1_100_000 - b.lines);
  });

  it("interleaves several logs by time, merging a late batch of older lines in place", () => {
    const b = new LogBuffer();
    b.appendMerged([line(1, "a1"), line(5, "a5")], 0);
    b.appendMerged([line(6, "b6")], 1);
    const before = b.version;
    // B's first lines came after A's newer ones.
    b.appendMerged([line(2, "b2"), line(3, "b3")], 1);
    b.appendMerged([line(7, "a7")], 0);
    const shown = Array.from({ length: b.size }, (_, i) => b.at(i)).map((e) => (e?.kind === "line" ? `${e.origin}:${e.text}` : "?"));
    expect(shown).toEqual(["0:a1", "1:b2", "1:b3", "0:a5", "1:b6", "0:a7"]);
    expect(b.version).toBeGreaterThan(before);
    expect(b.lines).toBe(6);
  });
});
