// @vitest-environment jsdom
// The viewer over a large buffer: a search that only highlights counts its matches without
// building the rows shown again; "only matching" does build them, from the matches.
import { MantineProvider } from "@mantine/core";
import { act, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { LogLine, LogSource } from "../../api/types";
import { theme } from "../../theme";
import { LogBuffer, type LogSearch } from "./logBuffer";
import { LOG_ROW_HEIGHT, LogViewer, type LogViewOptions } from "./LogViewer";

Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });

const SOURCES: ReadonlySet<LogSource> = new Set(["stdout", "stderr", "tty"]);
const OPTIONS: LogViewOptions = { sources: SOURCES, timestamps: false, wrap: false };

function viewer(buffer: LogBuffer, search: LogSearch, onlyMatching = false, options = OPTIONS, version = 0) {
  return (
    <MantineProvider theme={theme}>
      <LogViewer
        buffer={buffer}
        version={version}
        options={options}
        search={search}
        onlyMatching={onlyMatching}
        following={false}
        onFollowingChange={() => {}}
        empty={<span>empty</span>}
      />
    </MantineProvider>
  );
}

describe("LogViewer", () => {
  it("counts a search's matches over 100,000 lines without building the rows shown again, unless it filters them", () => {
    const buffer = new LogBuffer();
    const lines: LogLine[] = Array.from({ length: 100_000 }, (_, i) => ({ ts: i, source: "stdout", text: `line ${i} status=${i % 100 === 0 ? 503 : 200}`, cut: false }));
    buffer.append(lines);
    const collect = vi.spyOn(buffer, "collect");
    const none: LogSearch = { text: "", regex: false, caseSensitive: false };
    const { rerender } = render(viewer(buffer, none));
    expect(collect).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("log-count").textContent).toBe("100,000 lines");

    const search: LogSearch = { text: "status=5\\d\\d", regex: true, caseSensitive: false };
    rerender(viewer(buffer, search));
    expect(screen.getByTestId("log-matches").textContent).toBe("1000 matches");
    expect(collect).toHaveBeenCalledTimes(1);

    rerender(viewer(buffer, search, true));
    expect(collect).toHaveBeenCalledTimes(2);
    expect(screen.getByTestId("log-count").textContent).toBe("1,000 lines shown of 100,000");
  });

  it("measures wrapped rows, forgets the heights when rows stop wrapping, and measures again when they wrap again", () => {
    // Every row shown is 50 px high once wrapped (jsdom lays nothing out).
    const offsetHeight = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "offsetHeight");
    Object.defineProperty(HTMLElement.prototype, "offsetHeight", {
      configurable: true,
      get(this: HTMLElement) {
        return this.dataset.row !== undefined ? 50 : 0;
      },
    });
    try {
      const buffer = new LogBuffer();
      buffer.append(Array.from({ length: 1_000 }, (_, i) => ({ ts: i, source: "stdout" as const, text: `line ${i}`, cut: false })));
      const none: LogSearch = { text: "", regex: false, caseSensitive: false };
      const wrapped = { ...OPTIONS, wrap: true };
      const rowTop = (row: number) => (document.querySelector(`[data-row="${row}"]`) as HTMLElement).style.top;
      const total = () => parseFloat((screen.getByRole("rowgroup") as HTMLElement).style.height);

      // The rows measured are those shown (how many depends on the viewport as first read):
      // each adds 30 px to the default height.
      const measuredRows = () => (total() - buffer.size * LOG_ROW_HEIGHT) / (50 - LOG_ROW_HEIGHT);
      const { rerender } = render(viewer(buffer, none, false, wrapped));
      expect(rowTop(3)).toBe("150px");
      expect(measuredRows()).toBeGreaterThanOrEqual(12);
      expect(Number.isInteger(measuredRows())).toBe(true);

      rerender(viewer(buffer, none, false, OPTIONS));
      expect(rowTop(3)).toBe(`${3 * LOG_ROW_HEIGHT}px`);
      expect(total()).toBe(1_000 * LOG_ROW_HEIGHT);

      rerender(viewer(buffer, none, false, wrapped));
      expect(rowTop(3)).toBe("150px");
      expect(measuredRows()).toBeGreaterThanOrEqual(12);
      expect(Number.isInteger(measuredRows())).toBe(true);

      // Lines that come while wrapped add their rows at the default height until shown.
      const before = measuredRows();
      act(() => buffer.append(Array.from({ length: 500 }, (_, i) => ({ ts: 1_000 + i, source: "stdout" as const, text: `more ${i}`, cut: false }))));
      rerender(viewer(buffer, none, false, wrapped, 1));
      expect(buffer.size).toBe(1_500);
      expect(measuredRows()).toBe(before);
    } finally {
      if (offsetHeight) Object.defineProperty(HTMLElement.prototype, "offsetHeight", offsetHeight);
      else delete (HTMLElement.prototype as { offsetHeight?: number }).offsetHeight;
    }
  });
});
