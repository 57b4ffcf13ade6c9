// @vitest-environment jsdom
// The history view against an in-memory history that answers as the backend does (pages
// of the newest matching lines, oldest first within a page, a cursor for older ones):
// lines of every kept container with their names, word search, older pages, settings.
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { HistoryLine, HistoryOverview, HistoryPage, HistoryQuery, LogTimeline } from "../../api/types";
import { commands } from "../../bindings";
import { makeDevice } from "../../test/fixtures";
import { renderWithProviders } from "../../test/render";
import { binaryBytes, highlightOf, HISTORY_PAGE, HistoryLink, HistoryView, timelineOf, type HistoryApi } from "./HistoryView";
import { historyInLink, historyLink } from "./logsLink";

vi.mock("../../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../bindings")>()),
  commands: { devicesList: vi.fn() },
}));

Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });

const timeline = (id: number, name: string, lines: number, removedAt: number | null = null): LogTimeline => ({
  id,
  deviceUuid: "d-1",
  name,
  containerUuid: removedAt == null ? `u-${name}` : null,
  image: "busybox",
  firstTs: 0,
  lastTs: 0,
  lines,
  removedAt,
});

/** Lines a regular-expression page reads before it stops on time (in this test history). */
const SCAN = 300;

/** A history: `lines` in the order they were kept (ids 1..n). */
function memoryHistory(timelines: LogTimeline[], lines: { timeline: number; text: string }[]) {
  const kept: HistoryLine[] = lines.map((l, k) => ({ id: k + 1, timeline: l.timeline, line: { ts: 1_800_000_000_000 + k, source: "stdout", text: l.text, cut: false } }));
  const asked: HistoryQuery[] = [];
  let reads = 0;
  const overview: HistoryOverview = { timelines, usedBytes: 300 * 1024 * 1024, budgetBytes: 1024 * 1024 * 1024, settings: [], keptDevices: ["d-1"], ingesting: ["u-web"], waiting: 0 };
  const api: HistoryApi = {
    // Each read a little further on, as while lines are being kept.
    overview: vi.fn(() => {
      reads += 1;
      return Promise.resolve({ ...overview, usedBytes: (overview.usedBytes ?? 0) + reads, timelines: overview.timelines.map((t) => ({ ...t, lines: (t.lines ?? 0) + reads })) });
    }),
    query: vi.fn((q: HistoryQuery) => {
      asked.push(q);
      if (q.regex) {
        // Reads at most SCAN lines a page, newest first, as the backend does on time.
        const re = new RegExp(q.text, "i");
        const older = kept.filter((l) => (q.timeline == null || l.timeline === q.timeline) && (q.before == null || (l.id ?? 0) < q.before));
        const read = older.slice(-SCAN);
        const hits = read.filter((l) => re.test(l.line.text));
        const stopped = older.length > read.length;
        const lines = hits.slice(-q.limit);
        return Promise.resolve({ lines, more: stopped || hits.length > q.limit, nextBefore: stopped ? (read[0].id ?? null) : (lines[0]?.id ?? null) });
      }
      const words = q.text.toLowerCase().split(/\s+/).filter(Boolean);
      const all = kept.filter(
        (l) => (q.timeline == null || l.timeline === q.timeline) && (q.before == null || (l.id ?? 0) < q.before) && words.every((w) => l.line.text.toLowerCase().includes(w)),
      );
      const lines = all.slice(-q.limit);
      const page: HistoryPage = { lines, more: all.length > q.limit, nextBefore: lines[0]?.id ?? null };
      return Promise.resolve(page);
    }),
    setKeep: vi.fn(() => Promise.resolve(null)),
    setBudget: vi.fn(() => Promise.resolve(null)),
    forget: vi.fn(() => Promise.resolve(null)),
  };
  return { api, asked };
}

async function shown(): Promise<string[]> {
  const rows = await screen.findAllByTestId("log-line");
  return rows.map((r) => r.querySelector(".sq-log-text")?.textContent ?? "");
}

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(commands.devicesList).mockImplementation(() => Promise.resolve({ status: "ok" as const, data: [makeDevice()] }));
  vi.stubGlobal("requestAnimationFrame", (fn: FrameRequestCallback) => setTimeout(() => fn(0), 0) as unknown as number);
  vi.stubGlobal("cancelAnimationFrame", (id: number) => clearTimeout(id));
});

describe("HistoryView", () => {
  it("shows the newest kept lines of every container with its name, removed ones included", async () => {
    const { api } = memoryHistory(
      [timeline(1, "web", 2), timeline(2, "old-db", 1, 1_800_000_000)],
      [
        { timeline: 2, text: "db ready" },
        { timeline: 1, text: "GET /" },
        { timeline: 1, text: "<img src=x onerror=alert(1)>" },
      ],
    );
    renderWithProviders(<HistoryView api={api} />);
    await waitFor(async () => expect(await shown()).toEqual(["db ready", "GET /", "<img src=x onerror=alert(1)>"]));
    const badges = screen.getAllByTestId("log-origin").map((b) => b.textContent);
    expect(badges).toEqual(["old-db (removed)", "web", "web"]);
    // Text, never markup.
    expect(document.querySelector("img")).toBeNull();
    expect(screen.getByTestId("history-usage").textContent).toContain("300 MiB of 1 GiB");
  });

  it("searches by words once typing pauses, and loads older matches on demand", async () => {
    const lines = Array.from({ length: HISTORY_PAGE + 500 }, (_, k) => ({ timeline: 1, text: k % 2 ? `odd ${k}` : `even ${k} error` }));
    const { api, asked } = memoryHistory([timeline(1, "web", lines.length)], lines);
    renderWithProviders(<HistoryView api={api} />);
    await screen.findAllByTestId("log-line");
    fireEvent.change(screen.getByTestId("history-search"), { target: { value: "error" } });
    await waitFor(() => expect(asked.at(-1)?.text).toBe("error"));
    await waitFor(() => expect(screen.getByTestId("history-summary").textContent).toMatch(/^1,250 matching lines/));
    // The timelines read again with a new search (their counts moved on) do not ask for
    // the lines twice.
    await waitFor(() => expect(api.overview).toHaveBeenCalledTimes(2));
    await act(async () => {
      await new Promise((r) => setTimeout(r, 50));
    });
    expect(asked.filter((q) => q.text === "error")).toHaveLength(1);
    expect(screen.queryByTestId("history-older")).toBeNull();
    // The words are highlighted.
    expect(document.querySelector("mark")?.textContent).toBe("error");

    fireEvent.change(screen.getByTestId("history-search"), { target: { value: "" } });
    await waitFor(() => expect(screen.getByTestId("history-summary").textContent).toMatch(/^2,000 lines, newest first/));
    const firstPage = asked.at(-1)!;
    expect(firstPage.before).toBeNull();
    fireEvent.click(screen.getByTestId("history-older"));
    await waitFor(() => expect(screen.getByTestId("history-summary").textContent).toMatch(/^2,500 lines/));
    expect(asked.at(-1)?.before).toBe(501);
    expect(screen.queryByTestId("history-older")).toBeNull();
  });

  it("searches by a regular expression, which goes on from the oldest line it read", async () => {
    const lines = Array.from({ length: 1000 }, (_, k) => ({ timeline: 1, text: `GET /items/${k} status=${k % 100 === 7 ? 503 : 200}` }));
    const { api, asked } = memoryHistory([timeline(1, "web", lines.length)], lines);
    renderWithProviders(<HistoryView api={api} />);
    await screen.findAllByTestId("log-line");
    fireEvent.click(screen.getByTestId("history-regex"));
    expect(screen.getByTestId("history-regex")).toHaveAttribute("aria-pressed", "true");
    fireEvent.change(screen.getByTestId("history-search"), { target: { value: "STATUS=5\\d\\d" } });
    await waitFor(() => expect(asked.at(-1)).toMatchObject({ text: "STATUS=5\\d\\d", regex: true, before: null }));
    // The newest 300 lines were read: three matches there, and more to read.
    await waitFor(() => expect(screen.getByTestId("history-summary").textContent).toMatch(/^3 matching lines, newest first/));
    expect(await shown()).toEqual(["GET /items/707 status=503", "GET /items/807 status=503", "GET /items/907 status=503"]);
    fireEvent.click(screen.getByTestId("history-older"));
    // On from the oldest line read (id 701), not from the oldest match (708).
    await waitFor(() => expect(asked.at(-1)?.before).toBe(701));
    await waitFor(() => expect(screen.getByTestId("history-summary").textContent).toMatch(/^6 matching lines/));
  });

  it("asks for one container's timeline when it is picked", async () => {
    const { api, asked } = memoryHistory([timeline(1, "web", 1), timeline(2, "db", 1)], [
      { timeline: 1, text: "from web" },
      { timeline: 2, text: "from db" },
    ]);
    renderWithProviders(<HistoryView api={api} initialTimeline={2} />);
    await waitFor(async () => expect(await shown()).toEqual(["from db"]));
    expect(asked.at(-1)?.timeline).toBe(2);
  });

  it("says nothing is kept yet, and what would be", async () => {
    const { api } = memoryHistory([], []);
    renderWithProviders(<HistoryView api={api} />);
    expect(await screen.findByTestId("history-none")).toBeTruthy();
  });

  it("turns keeping a device's logs off from the settings", async () => {
    const { api } = memoryHistory([timeline(1, "web", 1)], [{ timeline: 1, text: "x" }]);
    renderWithProviders(<HistoryView api={api} />);
    fireEvent.click(await screen.findByTestId("history-settings"));
    const toggle = (await screen.findByTestId("history-keep-device")) as HTMLInputElement;
    await waitFor(() => expect(toggle.checked).toBe(true));
    await act(async () => {
      fireEvent.click(toggle);
    });
    expect(api.setKeep).toHaveBeenCalledWith("d-1", null, false);
  });
});

describe("HistoryLink", () => {
  it("links a container's drawer to its kept log, its newest timeline, read afresh", async () => {
    const { api } = memoryHistory([timeline(3, "web", 10), timeline(7, "web", 2), timeline(5, "db", 0)], []);
    renderWithProviders(
      <>
        <HistoryLink deviceUuid="d-1" name="web" api={api} />
        <HistoryLink deviceUuid="d-2" name="web" api={api} />
      </>,
    );
    const links = await screen.findAllByTestId("log-open-history");
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["#/logs?history=7"]);
    expect(historyInLink(links[0].getAttribute("href") ?? "")).toBe(7);
    expect(api.overview).toHaveBeenCalledTimes(1);
  });

  it("reads only a whole timeline number from a link", () => {
    expect(historyInLink(historyLink(42))).toBe(42);
    expect(historyInLink("#/logs?containers=a&history=9")).toBe(9);
    expect(historyInLink("#/logs?history=9x")).toBeNull();
    expect(historyInLink("#/logs?history=")).toBeNull();
    expect(historyInLink("#/containers?history=9")).toBeNull();
    expect(timelineOf(undefined, "d-1", "web")).toBeNull();
  });
});

describe("binaryBytes", () => {
  it("prints sizes as the budget is chosen", () => {
    expect([0, 1023, 12.5 * 1024 * 1024, 300 * 1024 * 1024, 1024 ** 3, 5 * 1024 ** 3].map(binaryBytes)).toEqual(["0 B", "1023 B", "12.5 MiB", "300 MiB", "1 GiB", "5 GiB"]);
  });
});

describe("highlightOf", () => {
  it("highlights any typed word, escaped, quotes dropped", () => {
    expect(highlightOf('GET "timed out" a.b')).toEqual({ text: "GET|timed|out|a\\.b", regex: true, caseSensitive: false });
    expect(highlightOf("  -- ").text).toBe("");
  });
});
