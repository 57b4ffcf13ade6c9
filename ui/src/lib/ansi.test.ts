import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cssColor, parseAnsi, plainText } from "./ansi";

const ESC = "\u001b";

describe("parseAnsi", () => {
  it("turns SGR colours and styles into styled runs", () => {
    const segs = parseAnsi(`plain ${ESC}[1;31mbold red${ESC}[0m ${ESC}[38;5;208morange${ESC}[39m ${ESC}[48;2;1;2;3mrgb bg${ESC}[m end`);
    expect(segs.map((s) => s.text)).toEqual(["plain ", "bold red", " ", "orange", " ", "rgb bg", " end"]);
    expect(segs[1].style).toEqual({ bold: true, fg: { kind: "index", n: 1 } });
    expect(segs[2].style).toEqual({});
    expect(segs[3].style.fg).toEqual({ kind: "index", n: 208 });
    expect(segs[5].style.bg).toEqual({ kind: "rgb", r: 1, g: 2, b: 3 });
    expect(segs[6].style).toEqual({});
  });

  it("drops titles, hyperlinks, cursor moves, clears and device queries, keeping the text", () => {
    const line =
      `${ESC}]0;evil title${"\u0007"}a${ESC}]8;;https://evil.example/${ESC}\\link${ESC}]8;;${ESC}\\` +
      `b${ESC}[2J${ESC}[H${ESC}[10;20Hc${ESC}[6n${ESC}[?25ld${ESC}7${ESC}8e\rf\u0008g\u0007h`;
    expect(plainText(line)).toBe("alinkbcdefgh");
  });

  it("keeps markup as text: nothing becomes an element", () => {
    const line = `<img src=x onerror=alert(1)> ${ESC}[32m<script>alert(2)</script>`;
    expect(plainText(line)).toBe("<img src=x onerror=alert(1)> <script>alert(2)</script>");
  });

  it("keeps tabs and wide characters, and drops a sequence cut off at the end", () => {
    expect(plainText(`a\tb ✓ 日本 ${ESC}[31`)).toBe("a\tb ✓ 日本 ");
    expect(plainText(`x${ESC}`)).toBe("x");
  });

  it("gives every 256-colour index a colour", () => {
    for (let n = 0; n < 256; n++) expect(cssColor({ kind: "index", n })).toMatch(/^(#[0-9a-f]{6}|rgb\(\d+, \d+, \d+\))$/);
  });

  it("never throws, and what it shows holds no control character but the tab", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (line) => {
        const text = parseAnsi(line)
          .map((s) => s.text)
          .join("");
        expect(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/.test(text)).toBe(false);
        expect(plainText(line)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it("leaves a line without escapes or controls as it is", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }).filter((s) => !/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/.test(s)), (line) => {
        expect(plainText(line)).toBe(line);
        expect(parseAnsi(line).map((s) => s.text).join("")).toBe(line);
      }),
    );
  });
});
