// The lines a log viewer holds, outside React: a stream appends batches of thousands of
// lines, and a render reads only the rows in view. Filters and searches keep the indexes of
// the entries they let through, extended as lines arrive rather than recomputed.
//
// A million lines are held in columns, not as a million objects: chunks of up to 8,192
// entries, each with its times in a Float64Array, its output, level and kind packed in a
// byte, and its shown texts joined in one string once the chunk is full. That is about 20
// bytes a line beside its text, a few thousand objects for the collector to walk instead of
// millions, and a search runs its regular expression over each chunk's text in one pass.
// A row's entry object is made when a render asks for it.
import type { LogColumns, LogLine, LogSource } from "../../api/types";
import { plainText } from "../../lib/ansi";
import { guessLevel, type LogLevel } from "../../lib/logLevel";
import { columnsOf, eachLine, sourceAt } from "./logColumns";

/** One row: a line, or a marker where lines were left out because the viewer fell behind. */
export type LogEntry =
  | { kind: "line"; line: LogLine; text: string; level: LogLevel | null; origin?: number }
  | { kind: "skipped"; count: number; from: number; to: number; origin?: number };

type Marker = Extract<LogEntry, { kind: "skipped" }>;

/** The most lines a viewer keeps; older ones leave it (a download has them all). */
export const MAX_VIEW_LINES = 1_000_000;

/** Entries in a chunk, at most. */
export const CHUNK_ENTRIES = 8192;
/** A chunk is closed early once its text is this long (lines may be a megabyte each). */
const CHUNK_CHARS = 8 * 1024 * 1024;
/** Entry objects kept for rows shown (a render asks for the same rows again). */
const CACHED_ENTRIES = 4096;

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

// The byte of an entry: its output (2 bits), its level (3 bits), cut, marker.
const SOURCES: readonly LogSource[] = ["stdout", "stderr", "tty"];
const LEVELS: readonly (LogLevel | null)[] = [null, "error", "warn", "info", "debug"];
const LEVEL_SHIFT = 2;
const CUT = 1 << 5;
const MARKER = 1 << 6;
const NO_ORIGIN = -1;
/** What `plainText` looks for, newlines aside (a batch's texts are joined by them). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function pack(source: LogSource, level: LogLevel | null, cut: boolean): number {
  return Math.max(0, SOURCES.indexOf(source)) | (Math.max(0, LEVELS.indexOf(level)) << LEVEL_SHIFT) | (cut ? CUT : 0);
}

/** One entry on its way between chunks (a merge or an insertion rebuilds the ones after it). */
interface Rec {
  ts: number;
  info: number;
  origin: number;
  /** The shown text (escape sequences dropped). */
  text: string;
  /** The line as sent, when it differs from the shown text. */
  raw?: string;
  marker?: Marker;
}

function lineRec(line: LogLine, origin = NO_ORIGIN): Rec {
  const text = plainText(line.text);
  const rec: Rec = { ts: line.ts ?? 0, info: pack(line.source, guessLevel(text), line.cut), origin, text };
  if (text !== line.text) rec.raw = line.text;
  return rec;
}

function markerRec(marker: Marker): Rec {
  return { ts: marker.from, info: MARKER, origin: marker.origin ?? NO_ORIGIN, text: "", marker };
}

class Chunk {
  n = 0;
  /** Lines held (markers excluded). */
  lines = 0;
  readonly ts: Float64Array;
  readonly info: Uint8Array;
  origin: Int32Array | null = null;
  /** Where each entry's text starts in the joined text; each is followed by a newline. */
  readonly offs: Uint32Array;
  /** The shown texts while the chunk fills; null once they are joined. */
  parts: string[] | null = [];
  /** The texts joined by newlines (for a filling chunk, as of `joinedN` entries). */
  private joined = "";
  private joinedN = 0;
  raw: Map<number, string> | null = null;
  markers: Map<number, Marker> | null = null;

  /** `start`: the absolute position of its first entry (drops from the front do not move it). */
  constructor(
    readonly start: number,
    private readonly capacity: number,
  ) {
    this.ts = new Float64Array(capacity);
    this.info = new Uint8Array(capacity);
    this.offs = new Uint32Array(capacity + 1);
  }

  get full(): boolean {
    return this.parts === null;
  }

  push(r: Rec): void {
    this.add(r.ts, r.info, r.origin, r.text, r.raw, r.marker);
  }

  add(ts: number, info: number, origin: number, text: string, raw: string | undefined, marker?: Marker): void {
    const k = this.n;
    this.ts[k] = ts;
    this.info[k] = info;
    if (origin !== NO_ORIGIN || this.origin) {
      if (!this.origin) this.origin = new Int32Array(this.capacity).fill(NO_ORIGIN);
      this.origin[k] = origin;
    }
    if (raw !== undefined) (this.raw ??= new Map()).set(k, raw);
    if (marker) (this.markers ??= new Map()).set(k, marker);
    else this.lines += 1;
    this.parts!.push(text);
    this.offs[k + 1] = this.offs[k] + text.length + 1;
    this.n = k + 1;
    if (this.n === this.capacity || this.offs[this.n] >= CHUNK_CHARS) {
      this.joined = this.parts!.join("\n");
      this.joinedN = this.n;
      this.parts = null;
    }
  }

  text(k: number): string {
    return this.parts ? this.parts[k] : this.joined.slice(this.offs[k], this.offs[k + 1] - 1);
  }

  /** Every text, joined by newlines. */
  all(): string {
    if (this.parts && this.joinedN !== this.n) {
      this.joined = this.parts.join("\n");
      this.joinedN = this.n;
    }
    return this.joined;
  }

  rec(k: number): Rec {
    const r: Rec = { ts: this.ts[k], info: this.info[k], origin: this.origin ? this.origin[k] : NO_ORIGIN, text: this.text(k) };
    const raw = this.raw?.get(k);
    if (raw !== undefined) r.raw = raw;
    const marker = this.markers?.get(k);
    if (marker) r.marker = marker;
    return r;
  }

  /** The entry whose text holds character `at` of the joined text (or its newline). */
  entryAt(at: number): number {
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.offs[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** The same expression, with `^` and `$` at each line of a joined text (cached per pattern). */
const joinedPatterns = new WeakMap<RegExp, RegExp>();
function overLines(pattern: RegExp): RegExp {
  let p = joinedPatterns.get(pattern);
  if (!p) {
    const flags = pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`;
    p = new RegExp(pattern.source, flags.includes("m") ? flags : `${flags}m`);
    joinedPatterns.set(pattern, p);
  }
  return p;
}

/**
 * Whether an expression may decide differently on a joined text than on a line alone: a
 * lookaround at a line's edge sees the newline and the next line there, not the text's end.
 */
const LOOKAROUND = /\(\?<?[=!]/;

export class LogBuffer {
  /** `chunkEntries`: entries a chunk holds (tests make it small, to cross chunks often). */
  constructor(private readonly chunkEntries = CHUNK_ENTRIES) {}

  private chunks: Chunk[] = [];
  /** Entries dropped from the start (so that absolute positions stay comparable). */
  private dropped = 0;
  private count = 0;
  private lineCount = 0;
  /** Entry objects made for renders, by absolute position. */
  private made = new Map<number, LogEntry>();
  /** The chunk found last (renders and scans ask for neighbours). */
  private hint = 0;
  /** Bumped when entries are replaced in place (a gap filled): views are recomputed. */
  version = 0;

  get size(): number {
    return this.count;
  }

  /** Lines held (markers excluded). */
  get lines(): number {
    return this.lineCount;
  }

  /** How many entries left the start since the buffer began (they were over the cap). */
  get droppedCount(): number {
    return this.dropped;
  }

  /** The chunk holding entry `index` (which must be held), and its place in it. */
  private locate(index: number): [Chunk, number] {
    const abs = this.dropped + index;
    const chunks = this.chunks;
    let c = chunks[this.hint];
    if (!c || abs < c.start || abs >= c.start + c.n) {
      let lo = 0;
      let hi = chunks.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (chunks[mid].start <= abs) lo = mid;
        else hi = mid - 1;
      }
      this.hint = lo;
      c = chunks[lo];
    }
    return [c, abs - c.start];
  }

  at(index: number): LogEntry | undefined {
    if (!(index >= 0 && index < this.count)) return undefined;
    const abs = this.dropped + index;
    const made = this.made.get(abs);
    if (made) return made;
    const [c, k] = this.locate(index);
    const info = c.info[k];
    let entry: LogEntry;
    if (info & MARKER) {
      entry = c.markers!.get(k)!;
    } else {
      const text = c.text(k);
      const origin = c.origin ? c.origin[k] : NO_ORIGIN;
      entry = {
        kind: "line",
        line: { ts: c.ts[k], source: SOURCES[info & 3], text: c.raw?.get(k) ?? text, cut: (info & CUT) !== 0 },
        text,
        level: LEVELS[(info >> LEVEL_SHIFT) & 7] ?? null,
      };
      if (origin !== NO_ORIGIN) entry.origin = origin;
    }
    if (this.made.size >= CACHED_ENTRIES) this.made.clear();
    this.made.set(abs, entry);
    return entry;
  }

  /** The time an entry sorts by (a marker's: the first line it stands for). */
  private timeAt(index: number): number {
    const [c, k] = this.locate(index);
    return c.ts[k];
  }

  private open(): Chunk {
    let c = this.chunks[this.chunks.length - 1];
    if (!c || c.full) {
      c = new Chunk(this.dropped + this.count, this.chunkEntries);
      this.chunks.push(c);
    }
    return c;
  }

  private push(r: Rec): void {
    this.open().push(r);
    this.count += 1;
    if (!r.marker) this.lineCount += 1;
  }

  /** Takes every entry from `index` on out of the buffer, in order. */
  private takeFrom(index: number): Rec[] {
    if (index >= this.count) return [];
    const [c, k] = this.locate(index);
    const ci = this.chunks.indexOf(c);
    const out: Rec[] = [];
    for (let i = ci; i < this.chunks.length; i++) {
      const chunk = this.chunks[i];
      for (let j = i === ci ? k : 0; j < chunk.n; j++) out.push(chunk.rec(j));
    }
    // The chunk is built again from what stays of it; those after it go.
    const kept: Rec[] = [];
    for (let j = 0; j < k; j++) kept.push(c.rec(j));
    this.chunks.length = ci;
    this.count = index - k;
    this.lineCount -= out.filter((r) => !r.marker).length + kept.filter((r) => !r.marker).length;
    this.hint = 0;
    this.made.clear();
    for (const r of kept) this.push(r);
    return out;
  }

  /** Lines of one log, after those held: as the backend would send them (see `appendColumns`). */
  append(lines: readonly LogLine[]): void {
    this.appendColumns(columnsOf(lines));
  }

  /**
   * A batch as the backend sends it, with no object made a line: each text is cut from the
   * batch's and goes straight into the columns. A batch with no control character (most) has
   * none of its lines read for escape sequences.
   */
  appendColumns(batch: LogColumns): void {
    const text = batch.text;
    const plain = !CONTROL.test(text);
    eachLine(batch, (k, start, end, cut) => {
      const raw = text.slice(start, end);
      const shown = plain ? raw : plainText(raw);
      this.open().add(batch.ts[k] ?? 0, pack(sourceAt(batch, k), guessLevel(shown), cut), NO_ORIGIN, shown, shown === raw ? undefined : raw);
      this.count += 1;
      this.lineCount += 1;
    });
    this.trim();
  }

  skipped(count: number, from: number, to: number, origin?: number): void {
    const marker: Marker = origin === undefined ? { kind: "skipped", count, from, to } : { kind: "skipped", count, from, to, origin };
    if (origin === undefined) this.push(markerRec(marker));
    else this.insertByTime([markerRec(marker)], from);
  }

  /**
   * Lines of one of several logs (a merged view), in time order among the others'. A batch
   * is in its own log's order; most land after everything held (live lines), and are
   * appended; older ones (another log's first lines, arriving later) are merged in place.
   */
  appendMerged(lines: readonly LogLine[], origin: number): void {
    if (lines.length === 0) return;
    const recs = lines.map((l) => lineRec(l, origin));
    // One log's own order can step back by microseconds: the engine stamps a container's
    // stdout and stderr apart. A merged view is by time, so such a batch is put in order
    // (a stable sort: lines of the same instant keep theirs).
    if (recs.some((r, i) => i > 0 && r.ts < recs[i - 1].ts)) recs.sort((a, b) => a.ts - b.ts);
    this.insertByTime(recs, recs[0].ts);
    this.trim();
  }

  private insertByTime(sorted: Rec[], firstTs: number): void {
    // The first entry held that is later than the batch's first: everything before stays.
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timeAt(mid) <= firstTs) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.count) {
      for (const r of sorted) this.push(r);
      return;
    }
    // Merge the batch with what is held after that point (both in time order).
    const tail = this.takeFrom(lo);
    let a = 0;
    let b = 0;
    while (a < tail.length || b < sorted.length) {
      if (b >= sorted.length || (a < tail.length && tail[a].ts <= sorted[b].ts)) this.push(tail[a++]);
      else this.push(sorted[b++]);
    }
    // Rows moved: views are built again.
    this.version += 1;
  }

  /**
   * Older lines before everything held, each with its origin (a page of the history:
   * several timelines, in the order they were kept). Views are recomputed.
   */
  prepend(lines: readonly { line: LogLine; origin: number }[]): void {
    if (lines.length === 0) return;
    const held = this.takeFrom(0);
    for (const { line, origin } of lines) this.push(lineRec(line, origin));
    for (const r of held) this.push(r);
    this.version += 1;
  }

  /** Puts lines read again for a gap in place of its marker (if it is still held). */
  fillGap(marker: LogEntry, lines: readonly LogLine[]): void {
    if (marker.kind !== "skipped") return;
    let index = -1;
    for (const c of this.chunks) {
      if (!c.markers) continue;
      for (const [k, m] of c.markers) if (m === marker) index = c.start - this.dropped + k;
    }
    if (index < 0) return;
    const tail = this.takeFrom(index);
    const filled = lines.filter((line) => (line.ts ?? 0) >= marker.from && (line.ts ?? 0) <= marker.to).map((line) => lineRec(line, marker.origin));
    if (marker.origin === undefined) {
      for (const r of filled) this.push(r);
      for (const r of tail.slice(1)) this.push(r);
    } else {
      // A merged view: another log's lines may sit after the marker within its span, so the
      // lines go in by time, never at the marker's place (the view stays in time order).
      for (const r of tail.slice(1)) this.push(r);
      filled.sort((a, b) => a.ts - b.ts);
      if (filled.length > 0) this.insertByTime(filled, filled[0].ts);
    }
    this.version += 1;
    this.trim();
  }

  clear(): void {
    this.dropped += this.count;
    this.chunks = [];
    this.count = 0;
    this.lineCount = 0;
    this.hint = 0;
    this.made.clear();
  }

  private trim(): void {
    // Whole chunks leave: a million entries are never moved to drop a few.
    while (this.lineCount > MAX_VIEW_LINES && this.chunks.length > 1) {
      const c = this.chunks.shift()!;
      this.dropped += c.n;
      this.count -= c.n;
      this.lineCount -= c.lines;
      this.hint = 0;
    }
  }

  /**
   * The indexes of the entries that pass, from `from` on, appended to `into` (a view kept
   * across appends). Markers always pass. Returns `into`.
   */
  collect(filter: LogFilter, pattern: RegExp | null, into: number[] = [], from = 0): number[] {
    let mask = 0;
    for (const s of filter.sources) mask |= 1 << Math.max(0, SOURCES.indexOf(s));
    const found = filter.onlyMatching && pattern ? this.matching(pattern, from) : null;
    let f = 0;
    for (let i = from; i < this.count; ) {
      const [c, k0] = this.locate(i);
      const base = i - k0;
      for (let k = k0; k < c.n; k++) {
        const info = c.info[k];
        const index = base + k;
        if (info & MARKER) into.push(index);
        else if (mask & (1 << (info & 3))) {
          if (!found) into.push(index);
          else {
            while (f < found.length && found[f] < index) f++;
            if (found[f] === index) into.push(index);
          }
        }
      }
      i = base + c.n;
    }
    return into;
  }

  /**
   * The entries (lines, from `from` on) whose shown text matches, in order. Each chunk's
   * joined text is searched in one pass; a match that runs over a line's end is checked on
   * that line alone, and the search goes on at the next line, so no line is passed over.
   */
  matching(pattern: RegExp, from = 0): number[] {
    const out: number[] = [];
    const perLine = LOOKAROUND.test(pattern.source);
    const re = overLines(pattern);
    for (let i = Math.max(0, from); i < this.count; ) {
      const [c, k0] = this.locate(i);
      const base = i - k0;
      if (perLine) {
        for (let k = k0; k < c.n; k++) if (!(c.info[k] & MARKER) && matches(pattern, c.text(k))) out.push(base + k);
      } else {
        const text = c.all();
        // The search starts at the start of entry `at`. Where most lines match, `test` asks
        // only whether the next match ends within that entry (it starts there or after);
        // elsewhere `exec` finds where the next one starts.
        let at = k0;
        let dense = false;
        while (at < c.n) {
          const pos = c.offs[at];
          re.lastIndex = pos;
          if (dense) {
            if (!re.test(text)) break;
            if (re.lastIndex <= c.offs[at + 1] - 1) {
              if (!(c.info[at] & MARKER)) out.push(base + at);
              at += 1;
              continue;
            }
            dense = false;
            re.lastIndex = pos;
          }
          const m = re.exec(text);
          if (!m) break;
          const k = c.entryAt(m.index);
          const end = c.offs[k + 1] - 1;
          if (!(c.info[k] & MARKER) && (m.index + m[0].length <= end || matches(pattern, c.text(k)))) out.push(base + k);
          dense = k === at;
          at = k + 1;
        }
        re.lastIndex = 0;
      }
      i = base + c.n;
    }
    return out;
  }

  /**
   * Indexes (into `view`, an ascending list of entries) of the rows whose text matches, in
   * order, from row `fromRow` on, appended to `into`.
   */
  matchRows(view: readonly number[], pattern: RegExp, fromRow = 0, into: number[] = []): number[] {
    if (fromRow >= view.length) return into;
    const found = this.matching(pattern, view[fromRow]);
    let r = fromRow;
    for (const index of found) {
      while (r < view.length && view[r] < index) r++;
      if (r >= view.length) break;
      if (view[r] === index) into.push(r);
    }
    return into;
  }
}
