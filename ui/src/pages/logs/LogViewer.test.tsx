// @vitest-environment jsdom
// The viewer over a large buffer: a search that only highlights counts its matches without
// building the rows shown again; "only matching" does build them, from the matches.
import { MantineProvider } from "@mantine/core";
import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { LogLine, LogSource } from "../../api/types";
import { theme } from "../../theme";
import { LogBuffer, type LogSearch } from "./logBuffer";
import { LogViewer, type LogViewOptions } from "./LogViewer";

Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });

const SOURCES: ReadonlySet<LogSource> = new Set(["stdout", "stderr", "tty"]);
const OPTIONS: LogViewOptions = { sources: SOURCES, timestamps: false, wrap: false };

function viewer(buffer: LogBuffer, search: LogSearch, onlyMatching = false) {
  return (
    <MantineProvider theme={theme}>
      <LogViewer
        buffer={buffer}
        version={0}
        options={OPTIONS}
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
});
