import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LogLine, LogSource } from "../../api/types";
import { plainText } from "../../lib/ansi";
import { guessLevel } from "../../lib/logLevel";
import { LogBuffer, MAX_VIEW_LINES, searchPattern, type LogEntry, type LogFilter } from "./logBuffer";
import { columnsOf, linesOf } from "./logColumns";

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

  it("puts in time order a batch whose own log stepped back (stdout and stderr stamped apart)", () => {
    const b = new LogBuffer(4);
    b.appendMerged([line(1.049, "a1"), line(1.0918, "a2"), line(1.0576, "a-err"), line(1.0981, "a3")], 0);
    b.appendMerged([line(1.06, "b1")], 1);
    const times = Array.from({ length: b.size }, (_, i) => b.at(i)).map((e) => (e?.kind === "line" ? e.line.ts : -1));
    expect(times).toEqual([1.049, 1.0576, 1.06, 1.0918, 1.0981]);
  });

  it("fills a merged view's gap by time: another log's line inside the gap's span stays in order", () => {
    const b = new LogBuffer(1);
    b.skipped(1, 58, 59, 1);
    b.appendMerged([line(58, "a58")], 0);
    const gap = b.at(0)!;
    b.fillGap(gap, [line(59, "b59")]);
    b.appendMerged([line(58, "a58 again")], 0);
    const held = Array.from({ length: b.size }, (_, i) => b.at(i)).map((e) => (e?.kind === "line" ? e.line.ts : -1));
    expect(held).toEqual([58, 58, 59]);
  });

  it("holds a million lines in a few hundred chunks, each line as it came", () => {
    const b = new LogBuffer();
    const batch = (k: number) => Array.from({ length: 2000 }, (_, i) => line(k * 2000 + i, `${k * 2000 + i} GET /items/${i} status=200`));
    for (let k = 0; k < 500; k++) b.append(batch(k));
    expect(b.lines).toBe(1_000_000);
    for (const i of [0, 8191, 8192, 500_000, 999_999]) {
      const e = b.at(i);
      expect(e?.kind === "line" && [e.line.ts, e.text]).toEqual([i, `${i} GET /items/${i % 2000} status=200`]);
    }
    const p = searchPattern({ text: String.raw`^99999\d `, regex: true, caseSensitive: true }) as RegExp;
    expect(b.matching(p)).toEqual([999_990, 999_991, 999_992, 999_993, 999_994, 999_995, 999_996, 999_997, 999_998, 999_999]);
  });
});

describe("a batch in columns", () => {
  it("is the shape the backend sends, and gives its lines back", () => {
    const lines: LogLine[] = [
      { ts: 1.5, source: "stdout", text: "one", cut: false },
      { ts: 2, source: "stderr", text: "", cut: true },
      { ts: 3.25, source: "tty", text: "a\nb\r", cut: false },
    ];
    // The same batch as the backend's own test of its side (model/logs.rs).
    const batch = columnsOf(lines);
    expect(batch).toEqual({ ts: [1.5, 2, 3.25], sources: "oet", text: "one\n\na\u2424b\r", cut: [1] });
    expect(linesOf(batch)).toEqual([lines[0], lines[1], { ...lines[2], text: "a\u2424b\r" }]);
    expect(linesOf(columnsOf([]))).toEqual([]);
    expect(linesOf(columnsOf([{ ts: 1, source: "stdout", text: "", cut: false }]))).toEqual([{ ts: 1, source: "stdout", text: "", cut: false }]);
  });

  it("goes into a buffer as its lines would, escape sequences dropped from what is shown", () => {
    const lines = [line(1, "\u001b[31mERROR\u001b[0m: boom"), line(2, "ok", "stderr"), { ...line(3, "level=warn disk"), cut: true }];
    const a = new LogBuffer();
    a.append(lines);
    const b = new LogBuffer();
    b.appendColumns(columnsOf(lines));
    expect(Array.from({ length: 3 }, (_, i) => b.at(i))).toEqual(Array.from({ length: 3 }, (_, i) => a.at(i)));
    expect(b.lines).toBe(3);
  });
});

// The buffer against a plain list of entries, under any sequence of what streams do to it,
// with chunks of a few entries so that every operation crosses chunk edges.
type Op =
  | { op: "append"; lines: LogLine[] }
  | { op: "columns"; lines: LogLine[] }
  | { op: "merged"; lines: LogLine[]; origin: number }
  | { op: "skipped"; count: number; from: number; origin?: number }
  | { op: "prepend"; lines: LogLine[]; origin: number }
  | { op: "fill"; which: number; lines: LogLine[] };

const TEXTS = ["", "a", "ab a", " b", "level=error boom", "\u001b[31mred\u001b[0m a", "x\ty", "WARN: b b", "{\"a\":1}", "é ünï", "a\u001b]0;title\u0007b"];
const arbLine = fc.record({
  ts: fc.integer({ min: 0, max: 60 }),
  source: fc.constantFrom<LogSource>("stdout", "stderr", "tty"),
  text: fc.oneof(fc.constantFrom(...TEXTS), fc.string({ maxLength: 6, unit: fc.constantFrom("a", "b", " ", "\u001b", "[", "m", "1", "é") })),
  cut: fc.boolean(),
});
const sortedLines = fc.array(arbLine, { maxLength: 12 }).map((ls) => [...ls].sort((x, y) => x.ts - y.ts));
const fillOp = fc.record({ op: fc.constant("fill" as const), which: fc.nat(), lines: sortedLines });
// What each kind of viewer does to its buffer: a container's stream appends and marks gaps; a
// merged view inserts each log's lines by time (each log's own lines come in time order); the
// history puts older pages before what it holds.
const streamOps: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant("append" as const), lines: sortedLines }),
    fc.record({ op: fc.constant("columns" as const), lines: sortedLines }),
    fc.record({ op: fc.constant("skipped" as const), count: fc.integer({ min: 1, max: 9 }), from: fc.integer({ min: 0, max: 60 }) }),
    fillOp,
  ),
  { maxLength: 25 },
);
const mergedOps: fc.Arbitrary<Op[]> = fc
  .array(
    fc.oneof(
      fc.record({ op: fc.constant("merged" as const), lines: sortedLines, origin: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ op: fc.constant("skipped" as const), count: fc.integer({ min: 1, max: 9 }), from: fc.integer({ min: 0, max: 60 }), origin: fc.integer({ min: 0, max: 3 }) }),
      fillOp,
    ),
    { maxLength: 25 },
  )
  .map((ops) => {
    const last = new Map<number, number>();
    return ops.map((o): Op => {
      if (o.op === "merged") {
        const base = last.get(o.origin) ?? 0;
        const lines = o.lines.map((l) => ({ ...l, ts: base + l.ts }));
        last.set(o.origin, lines.at(-1)?.ts ?? base);
        return { ...o, lines };
      }
      if (o.op === "skipped" && o.origin !== undefined) {
        const from = (last.get(o.origin) ?? 0) + o.from;
        last.set(o.origin, from + 1);
        return { ...o, from };
      }
      return o;
    });
  });
const historyOps: fc.Arbitrary<Op[]> = fc.array(fc.record({ op: fc.constant("prepend" as const), lines: sortedLines, origin: fc.integer({ min: 0, max: 3 }) }), { maxLength: 10 });

/** What a plain list would hold: each entry as the buffer must give it back. */
function modelEntry(l: LogLine, origin?: number): LogEntry {
  const text = plainText(l.text);
  const e: LogEntry = { kind: "line", line: l, text, level: guessLevel(text) };
  if (origin !== undefined) e.origin = origin;
  return e;
}

function applyModel(model: LogEntry[], o: Op): LogEntry[] {
  const time = (e: LogEntry) => (e.kind === "line" ? (e.line.ts ?? 0) : e.from);
  const insert = (batch: LogEntry[]) => insertInto(model, batch);
  const insertInto = (model: LogEntry[], batch: LogEntry[]) => {
    if (batch.length === 0) return model;
    const lo = model.findIndex((e) => time(e) > time(batch[0]));
    if (lo < 0) return [...model, ...batch];
    const tail = model.slice(lo);
    const merged: LogEntry[] = [];
    let a = 0;
    let b = 0;
    while (a < tail.length || b < batch.length) {
      if (b >= batch.length || (a < tail.length && time(tail[a]) <= time(batch[b]))) merged.push(tail[a++]);
      else merged.push(batch[b++]);
    }
    return [...model.slice(0, lo), ...merged];
  };
  switch (o.op) {
    case "append":
    case "columns":
      return [...model, ...o.lines.map((l) => modelEntry(l))];
    case "merged":
      return insert(o.lines.map((l) => modelEntry(l, o.origin)));
    case "skipped": {
      const m: LogEntry = { kind: "skipped", count: o.count, from: o.from, to: o.from + 1 };
      if (o.origin === undefined) return [...model, m];
      m.origin = o.origin;
      return insert([m]);
    }
    case "prepend":
      return [...o.lines.map((l) => modelEntry(l, o.origin)), ...model];
    case "fill": {
      const markers = model.filter((e) => e.kind === "skipped");
      if (markers.length === 0) return model;
      const marker = markers[o.which % markers.length] as Extract<LogEntry, { kind: "skipped" }>;
      const at = model.indexOf(marker);
      const filled = o.lines.filter((l) => (l.ts ?? 0) >= marker.from && (l.ts ?? 0) <= marker.to).map((l) => modelEntry(l, marker.origin));
      if (marker.origin === undefined) return [...model.slice(0, at), ...filled, ...model.slice(at + 1)];
      // A merged view's gap is filled by time.
      const without = [...model.slice(0, at), ...model.slice(at + 1)];
      const sorted = [...filled].sort((x, y) => time(x) - time(y));
      return insertInto(without, sorted);
    }
  }
}

function applyBuffer(b: LogBuffer, o: Op): void {
  switch (o.op) {
    case "append":
      return b.append(o.lines);
    case "columns":
      return b.appendColumns(columnsOf(o.lines));
    case "merged":
      return b.appendMerged(o.lines, o.origin);
    case "skipped":
      return b.skipped(o.count, o.from, o.from + 1, o.origin);
    case "prepend":
      return b.prepend(o.lines.map((l) => ({ line: l, origin: o.origin })));
    case "fill": {
      const markers = Array.from({ length: b.size }, (_, i) => b.at(i)!).filter((e) => e.kind === "skipped");
      if (markers.length > 0) b.fillGap(markers[o.which % markers.length], o.lines);
    }
  }
}

const PATTERNS = ["a", "b b", "^a", "a$", "^$", "\\s", "[^a]", "a\\sb", "\\bb", ".*", "x*", "(?=b)", "a(?!\\s)", "(?<=\\s)b", "\\W", "é", "[ab]{2}", "red", "(a|b)\\1"];

describe("LogBuffer, against a plain list", () => {
  it("holds and gives back what a plain list would, across any sequence of appends, merges, gaps, pages and fills", () => {
    fc.assert(
      fc.property(fc.oneof(streamOps, mergedOps, historyOps), fc.integer({ min: 1, max: 5 }), (ops, chunk) => {
        const b = new LogBuffer(chunk);
        let model: LogEntry[] = [];
        for (const o of ops) {
          applyBuffer(b, o);
          model = applyModel(model, o);
        }
        expect(b.size).toBe(model.length);
        expect(b.lines).toBe(model.filter((e) => e.kind === "line").length);
        const held = Array.from({ length: b.size }, (_, i) => b.at(i));
        expect(held).toEqual(model);
        const ALL_SOURCES: LogFilter = { sources: new Set<LogSource>(["stdout", "tty"]), onlyMatching: false };
        const passing = model.flatMap((e, i) => (e.kind === "skipped" || e.line.source !== "stderr" ? [i] : []));
        expect(b.collect(ALL_SOURCES, null)).toEqual(passing);
      }),
      { numRuns: 300 },
    );
  });

  it("finds by searching each chunk's joined text exactly the lines a search of each line alone finds", () => {
    fc.assert(
      fc.property(
        fc.array(arbLine, { maxLength: 40 }),
        fc.constantFrom(...PATTERNS),
        fc.boolean(),
        fc.integer({ min: 1, max: 9 }),
        fc.nat({ max: 40 }),
        (lines, source, caseSensitive, chunk, from) => {
          const b = new LogBuffer(chunk);
          b.append(lines.slice(0, from));
          b.skipped(2, 0, 1);
          b.append(lines.slice(from));
          const p = searchPattern({ text: source, regex: true, caseSensitive }) as RegExp;
          const held = Array.from({ length: b.size }, (_, i) => b.at(i)!);
          const alone = held.flatMap((e, i) => {
            if (e.kind !== "line") return [];
            p.lastIndex = 0;
            return p.test(e.text) ? [i] : [];
          });
          expect(b.matching(p)).toEqual(alone);
          const view = b.collect({ sources: new Set<LogSource>(["stdout", "stderr", "tty"]), onlyMatching: true }, p);
          expect(view).toEqual([...alone, held.findIndex((e) => e.kind === "skipped")].sort((x, y) => x - y));
          // From any row on, as a growing view asks.
          const all = b.collect({ sources: new Set<LogSource>(["stderr", "tty"]), onlyMatching: false }, null);
          const rows = all.flatMap((index, r) => (alone.includes(index) ? [r] : []));
          const half = Math.floor(all.length / 2);
          expect(b.matchRows(all, p, half, b.matchRows(all, p).filter((r) => r < half))).toEqual(rows);
        },
      ),
      { numRuns: 400 },
    );
  });
});

