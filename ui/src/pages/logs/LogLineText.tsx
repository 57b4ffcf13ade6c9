import { memo, type CSSProperties, type ReactNode } from "react";
import { cssColor, parseAnsi, type AnsiSegment, type AnsiStyle } from "../../lib/ansi";

function styleOf(s: AnsiStyle): CSSProperties | undefined {
  if (!s.fg && !s.bg && !s.bold && !s.dim && !s.italic && !s.underline && !s.inverse && !s.strike) return undefined;
  let fg = s.fg ? cssColor(s.fg) : undefined;
  let bg = s.bg ? cssColor(s.bg) : undefined;
  if (s.inverse) [fg, bg] = [bg ?? "var(--mantine-color-body)", fg ?? "var(--mantine-color-text)"];
  const deco = [s.underline ? "underline" : "", s.strike ? "line-through" : ""].filter(Boolean).join(" ");
  return {
    color: fg,
    background: bg,
    fontWeight: s.bold ? 700 : undefined,
    opacity: s.dim ? 0.7 : undefined,
    fontStyle: s.italic ? "italic" : undefined,
    textDecoration: deco || undefined,
  };
}

/** Splits styled segments where `pattern` matches, marking the matches. */
function highlighted(segments: AnsiSegment[], pattern: RegExp | null): ReactNode[] {
  const out: ReactNode[] = [];
  if (!pattern) {
    segments.forEach((seg, k) => out.push(<span key={k} style={styleOf(seg.style)}>{seg.text}</span>));
    return out;
  }
  const text = segments.map((s) => s.text).join("");
  const ranges: [number, number][] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m && ranges.length < 1000; m = pattern.exec(text)) {
    if (m[0].length === 0) {
      pattern.lastIndex += 1;
      continue;
    }
    ranges.push([m.index, m.index + m[0].length]);
  }
  pattern.lastIndex = 0;
  let offset = 0;
  let r = 0;
  segments.forEach((seg, k) => {
    const style = styleOf(seg.style);
    const end = offset + seg.text.length;
    let at = offset;
    let part = 0;
    while (at < end) {
      while (r < ranges.length && ranges[r][1] <= at) r++;
      const range = ranges[r];
      if (!range || range[0] >= end) {
        out.push(<span key={`${k}.${part++}`} style={style}>{seg.text.slice(at - offset)}</span>);
        break;
      }
      if (range[0] > at) {
        out.push(<span key={`${k}.${part++}`} style={style}>{seg.text.slice(at - offset, range[0] - offset)}</span>);
        at = range[0];
      }
      const stop = Math.min(range[1], end);
      out.push(
        <mark key={`${k}.${part++}`} className="sq-log-match" style={style}>
          {seg.text.slice(at - offset, stop - offset)}
        </mark>,
      );
      at = stop;
    }
    offset = end;
  });
  return out;
}

/** The most characters a row shows; the whole line is in the line's details. */
export const ROW_TEXT_MAX = 4_000;

/** A log line as styled text: ANSI styles become inline styles of text runs, never markup. */
export const LogLineText = memo(function LogLineText({ text, pattern, full = false }: { text: string; pattern: RegExp | null; full?: boolean }) {
  const shown = full || text.length <= ROW_TEXT_MAX ? text : text.slice(0, ROW_TEXT_MAX);
  const segments = parseAnsi(shown);
  return (
    <>
      {highlighted(segments, pattern)}
      {shown.length < text.length ? (
        <span className="sq-dimmed"> … {(text.length - shown.length).toLocaleString()} more characters (select the line to see all)</span>
      ) : null}
    </>
  );
});
