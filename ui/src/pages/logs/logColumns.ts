// A batch of lines as the backend sends it: in columns (times, outputs, the texts joined by
// newlines, the cut lines' positions), so that the web view parses one string and two arrays
// for thousands of lines instead of an object a line.
import type { LogColumns, LogLine, LogSource } from "../../api/types";

const SOURCE_OF: Record<string, LogSource> = { o: "stdout", e: "stderr", t: "tty" };
const LETTER_OF: Record<LogSource, string> = { stdout: "o", stderr: "e", tty: "t" };

/** The output of line `k` (stdout for a letter the backend does not send). */
export function sourceAt(c: LogColumns, k: number): LogSource {
  return SOURCE_OF[c.sources[k]] ?? "stdout";
}

/**
 * Calls `each` with every line's position and where its text lies in `c.text` (from `start`,
 * up to `end`), in order, without cutting the text into strings.
 */
export function eachLine(c: LogColumns, each: (k: number, start: number, end: number, cut: boolean) => void): void {
  const n = c.ts.length;
  const text = c.text;
  let start = 0;
  let nextCut = 0;
  for (let k = 0; k < n; k++) {
    let end = k === n - 1 ? text.length : text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const cut = c.cut[nextCut] === k;
    if (cut) nextCut += 1;
    each(k, start, end, cut);
    start = end + 1;
  }
}

/** The batch as lines (a merged view, a gap read again, tests). */
export function linesOf(c: LogColumns): LogLine[] {
  const out: LogLine[] = [];
  eachLine(c, (k, start, end, cut) => out.push({ ts: c.ts[k], source: sourceAt(c, k), text: c.text.slice(start, end), cut }));
  return out;
}

/** Lines in columns, as the backend sends them. */
export function columnsOf(lines: readonly LogLine[]): LogColumns {
  return {
    ts: lines.map((l) => l.ts ?? 0),
    sources: lines.map((l) => LETTER_OF[l.source]).join(""),
    text: lines.map((l) => l.text.replaceAll("\n", "\u2424")).join("\n"),
    cut: lines.flatMap((l, k) => (l.cut ? [k] : [])),
  };
}
