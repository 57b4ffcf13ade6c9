// ANSI escape sequences in log lines, turned into styled text. Only SGR (colours and text
// styles) is kept, as styles of plain text runs: nothing from a container becomes markup.
// Every other sequence (cursor moves, screen clears, window titles, OSC 8 hyperlinks,
// device queries) and every other control character except the tab is dropped.

/** A colour: one of the 16 named ones (0–15), a 256-colour index, or RGB. */
export type AnsiColor = { kind: "index"; n: number } | { kind: "rgb"; r: number; g: number; b: number };

export interface AnsiStyle {
  fg?: AnsiColor;
  bg?: AnsiColor;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
  strike?: boolean;
}

export interface AnsiSegment {
  text: string;
  style: AnsiStyle;
}

const ESC = 0x1b;
const BEL = 0x07;

/** Text runs of `line` with their styles; styles carry over from `start` (none by default). */
export function parseAnsi(line: string, start: AnsiStyle = {}): AnsiSegment[] {
  const out: AnsiSegment[] = [];
  let style: AnsiStyle = start;
  let text = "";
  const flush = () => {
    if (text) out.push({ text, style });
    text = "";
  };
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === ESC) {
      const next = line.charCodeAt(i + 1);
      if (next === 0x5b /* [ */) {
        // CSI: parameter bytes 0x30–0x3F, intermediates 0x20–0x2F, a final byte 0x40–0x7E.
        let j = i + 2;
        while (j < n && line.charCodeAt(j) >= 0x30 && line.charCodeAt(j) <= 0x3f) j++;
        const params = line.slice(i + 2, j);
        while (j < n && line.charCodeAt(j) >= 0x20 && line.charCodeAt(j) <= 0x2f) j++;
        if (j >= n) break; // cut off: drop the rest of the sequence
        const final = line[j];
        if (final === "m" && /^[\d;:]*$/.test(params)) {
          flush();
          style = applySgr(style, params);
        }
        i = j + 1;
      } else if (next === 0x5d /* ] */ || next === 0x50 /* P */ || next === 0x5f /* _ */ || next === 0x5e /* ^ */ || next === 0x58 /* X */) {
        // OSC, DCS, APC, PM, SOS: a string up to BEL or ESC \ (titles, hyperlinks...): dropped whole.
        let j = i + 2;
        while (j < n) {
          const d = line.charCodeAt(j);
          if (d === BEL) {
            j += 1;
            break;
          }
          if (d === ESC && line.charCodeAt(j + 1) === 0x5c) {
            j += 2;
            break;
          }
          j++;
        }
        i = j;
      } else if (i + 1 < n) {
        // Any other escape: ESC, optional intermediates, one final byte.
        let j = i + 1;
        while (j < n && line.charCodeAt(j) >= 0x20 && line.charCodeAt(j) <= 0x2f) j++;
        i = j + 1;
      } else {
        i += 1;
      }
    } else if (c === 0x9b) {
      // The one-byte CSI: dropped with its parameters.
      let j = i + 1;
      while (j < n && line.charCodeAt(j) >= 0x20 && line.charCodeAt(j) <= 0x3f) j++;
      i = j + 1;
    } else if ((c < 0x20 && c !== 0x09) || c === 0x7f || (c >= 0x80 && c < 0xa0)) {
      i += 1; // other control characters (a carriage return, a bell, a backspace) are dropped
    } else {
      text += line[i];
      i += 1;
    }
  }
  flush();
  return out;
}

/** The text of a line as shown: its escape sequences and control characters dropped. */
export function plainText(line: string): string {
  // Fast path: most lines have nothing to drop.
  if (!/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/.test(line)) return line;
  return parseAnsi(line)
    .map((s) => s.text)
    .join("");
}

function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  // `38:5:n` (colon form) is read like `38;5;n`.
  const codes = (params === "" ? "0" : params).split(/[;:]/).map((p) => (p === "" ? 0 : Number(p)));
  let s: AnsiStyle = { ...style };
  for (let k = 0; k < codes.length; k++) {
    const code = codes[k];
    if (code === 0) s = {};
    else if (code === 1) s.bold = true;
    else if (code === 2) s.dim = true;
    else if (code === 3) s.italic = true;
    else if (code === 4) s.underline = true;
    else if (code === 7) s.inverse = true;
    else if (code === 9) s.strike = true;
    else if (code === 22) s.bold = s.dim = undefined;
    else if (code === 23) s.italic = undefined;
    else if (code === 24) s.underline = undefined;
    else if (code === 27) s.inverse = undefined;
    else if (code === 29) s.strike = undefined;
    else if (code >= 30 && code <= 37) s.fg = { kind: "index", n: code - 30 };
    else if (code === 39) s.fg = undefined;
    else if (code >= 40 && code <= 47) s.bg = { kind: "index", n: code - 40 };
    else if (code === 49) s.bg = undefined;
    else if (code >= 90 && code <= 97) s.fg = { kind: "index", n: code - 90 + 8 };
    else if (code >= 100 && code <= 107) s.bg = { kind: "index", n: code - 100 + 8 };
    else if (code === 38 || code === 48) {
      const [color, used] = extendedColor(codes, k + 1);
      if (color) s[code === 38 ? "fg" : "bg"] = color;
      k += used;
    }
  }
  return s;
}

/** A `5;n` or `2;r;g;b` colour at `at`, and how many codes it took. */
function extendedColor(codes: number[], at: number): [AnsiColor | undefined, number] {
  const byte = (v: number | undefined) => (v !== undefined && Number.isInteger(v) && v >= 0 && v <= 255 ? v : undefined);
  if (codes[at] === 5) {
    const n = byte(codes[at + 1]);
    return [n === undefined ? undefined : { kind: "index", n }, 2];
  }
  if (codes[at] === 2) {
    const [r, g, b] = [byte(codes[at + 1]), byte(codes[at + 2]), byte(codes[at + 3])];
    return [r === undefined || g === undefined || b === undefined ? undefined : { kind: "rgb", r, g, b }, 4];
  }
  return [undefined, 0];
}

/** The xterm palette's 16 named colours, readable on both themes. */
const NAMED = [
  "#4d4d4d", "#d0463c", "#3f9a3a", "#b58a00", "#3b7fd4", "#a755c2", "#1f9aa8", "#bfbfbf",
  "#7f7f7f", "#ef5b50", "#56c14f", "#d9aa1e", "#5d9cf0", "#c678dd", "#37b9c7", "#e8e8e8",
];

/** A CSS colour for an ANSI colour. */
export function cssColor(c: AnsiColor): string {
  if (c.kind === "rgb") return `rgb(${c.r}, ${c.g}, ${c.b})`;
  const n = c.n;
  if (n < 16) return NAMED[n];
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v}, ${v}, ${v})`;
  }
  const k = n - 16;
  const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${level(Math.floor(k / 36))}, ${level(Math.floor(k / 6) % 6)}, ${level(k % 6)})`;
}
