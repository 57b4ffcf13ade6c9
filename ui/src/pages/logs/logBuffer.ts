// The lines a log viewer holds, outside React: a stream appends batches of thousands of
// lines, and a render reads only the rows in view. Filters and searches keep the indexes of
// the entries they let through, extended as lines arrive rather than recomputed.
import type { LogLine, LogSource } from "../../api/types";
import { plainText } from "../../lib/ansi";
import { guessLevel, type LogLevel } from "../../lib/logLevel";

/** One row: a line, or a marker where lines were left out because the viewer fell behind. */
export type LogEntry =
  | { kind: "line"; line: LogLine; text: string; level: LogLevel | null; origin?: number }
  | { kind: "skipped"; count: number; from: number; to: number; origin?: number };

/** The most lines a viewer keeps; older ones leave it (a download has them all). */
export const MAX_VIEW_LINES = 1_000_000;

export interface LogFilter {
  sources: ReadonlySet<LogSource>;
  /** Only lines matching the search. */
  onlyMatching: boolean;
}

export interface LogSearch {
  text: string;
  regex: boolean;
  caseSensitive: boolean;
}

/** The search as a RegExp (global, for highlighting), or an error in words. */
export function searchPattern(search: LogSearch): RegExp | string | null {
  if (search.text === "") return null;
  const source = search.regex ? search.text : search.text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  try {
    return new RegExp(source, search.caseSensitive ? "g" : "gi");
  } catch (e) {
    return `Not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function matches(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  const found = pattern.test(text);
  pattern.lastIndex = 0;
  return found;
}

export class LogBuffer {
  private entries: LogEntry[] = [];
  /** Entries dropped from the start (so that absolute positions stay comparable). */
  private dropped = 0;
  private lineCount = 0;
  /** Bumped when entries are replaced in place (a gap filled): views are recomputed. */
  version = 0;

  get size(): number {
    return this.entries.length;
  }

  /** Lines held (markers excluded). */
  get lines(): number {
    return this.lineCount;
  }

  /** How many entries left the start since the buffer began (they were over the cap). */
  get droppedCount(): number {
    return this.dropped;
  }

  at(index: number): LogEntry | undefined {
    return this.entries[index];
  }

  append(lines: readonly LogLine[]): void {
    for (const line of lines) {
      const text = plainText(line.text);
      this.entries.push({ kind: "line", line, text, level: guessLevel(text) });
    }
    this.lineCount += lines.length;
    this.trim();
  }

  skipped(count: number, from: number, to: number, origin?: number): void {
    if (origin === undefined) this.entries.push({ kind: "skipped", count, from, to });
    else this.insertByTime([{ kind: "skipped", count, from, to, origin }], from);
  }

  /**
   * Lines of one of several logs (a merged view), in time order among the others'. A batch
   * is in its own log's order; most land after everything held (live lines), and are
   * appended; older ones (another log's first lines, arriving later) are merged in place.
   */
  appendMerged(lines: readonly LogLine[], origin: number): void {
    if (lines.length === 0) return;
    const entries: LogEntry[] = lines.map((line) => {
      const text = plainText(line.text);
      return { kind: "line", line, text, level: guessLevel(text), origin };
    });
    this.insertByTime(entries, lines[0].ts ?? 0);
    this.lineCount += lines.length;
    this.trim();
  }

  private insertByTime(sorted: LogEntry[], firstTs: number): void {
    const time = (e: LogEntry) => (e.kind === "line" ? (e.line.ts ?? 0) : e.from);
    // The first entry held that is later than the batch's first: everything before stays.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (time(this.entries[mid]) <= firstTs) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.entries.length) {
      for (const e of sorted) this.entries.push(e);
      return;
    }
    // Merge the batch with what is held after that point (both in time order).
    const tail = this.entries.slice(lo);
    const merged: LogEntry[] = [];
    let a = 0;
    let b = 0;
    while (a < tail.length || b < sorted.length) {
      if (b >= sorted.length || (a < tail.length && time(tail[a]) <= time(sorted[b]))) merged.push(tail[a++]);
      else merged.push(sorted[b++]);
    }
    this.entries.length = lo;
    for (const e of merged) this.entries.push(e);
    // Rows moved: views are built again.
    this.version += 1;
  }

  /**
   * Older lines before everything held, each with its origin (a page of the history:
   * several timelines, in the order they were kept). Views are recomputed.
   */
  prepend(lines: readonly { line: LogLine; origin: number }[]): void {
    if (lines.length === 0) return;
    const older: LogEntry[] = lines.map(({ line, origin }) => {
      const text = plainText(line.text);
      return { kind: "line", line, text, level: guessLevel(text), origin };
    });
    this.entries = older.concat(this.entries);
    this.lineCount += older.length;
    this.version += 1;
  }

  /** Puts lines read again for a gap in place of its marker (if it is still held). */
  fillGap(marker: LogEntry, lines: readonly LogLine[]): void {
    const markerIndex = this.entries.indexOf(marker);
    if (markerIndex < 0 || marker.kind !== "skipped") return;
    const filled: LogEntry[] = lines
      .filter((l) => (l.ts ?? 0) >= marker.from && (l.ts ?? 0) <= marker.to)
      .map((line) => {
        const text = plainText(line.text);
        return { kind: "line", line, text, level: guessLevel(text) };
      });
    // Spread in chunks: a gap may hold more lines than a call takes arguments.
    this.entries = [...this.entries.slice(0, markerIndex), ...filled, ...this.entries.slice(markerIndex + 1)];
    this.version += 1;
    this.lineCount += filled.length;
    this.trim();
  }

  clear(): void {
    this.dropped += this.entries.length;
    this.entries = [];
    this.lineCount = 0;
  }

  private trim(): void {
    const over = this.lineCount - MAX_VIEW_LINES;
    if (over <= 0) return;
    // Drop whole chunks at once: splicing a million-entry array per batch is what costs.
    const cut = Math.max(over, Math.floor(MAX_VIEW_LINES / 20));
    const removed = this.entries.splice(0, Math.min(cut, this.entries.length));
    this.dropped += removed.length;
    this.lineCount -= removed.filter((e) => e.kind === "line").length;
  }

  /** Whether an entry passes the filter (markers always do). */
  passes(entry: LogEntry, filter: LogFilter, pattern: RegExp | null): boolean {
    if (entry.kind === "skipped") return true;
    if (!filter.sources.has(entry.line.source)) return false;
    if (filter.onlyMatching && pattern) return matches(pattern, entry.text);
    return true;
  }

  /**
   * The indexes of the entries that pass, from `from` on, appended to `into` (a view kept
   * across appends). Returns `into`.
   */
  collect(filter: LogFilter, pattern: RegExp | null, into: number[] = [], from = 0): number[] {
    for (let i = from; i < this.entries.length; i++) {
      if (this.passes(this.entries[i], filter, pattern)) into.push(i);
    }
    return into;
  }

  /** Indexes (into `view`) of the rows whose text matches, in order. */
  matchRows(view: readonly number[], pattern: RegExp): number[] {
    const out: number[] = [];
    for (let r = 0; r < view.length; r++) {
      const e = this.entries[view[r]];
      if (e?.kind === "line" && matches(pattern, e.text)) out.push(r);
    }
    return out;
  }
}
