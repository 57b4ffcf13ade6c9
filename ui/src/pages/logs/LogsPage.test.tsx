// @vitest-environment jsdom
// The Logs screen merges the logs of the containers picked: one stream each, lines in time
// order with each container's name, every stream closed when the screen goes.
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { LogEvent, LogLine, LogQuery } from "../../api/types";
import { commands } from "../../bindings";
import { makeContainer, makeDevice } from "../../test/fixtures";
import { renderWithProviders } from "../../test/render";
import type { HistoryApi } from "./HistoryView";
import { containersInLink, historyLink, logsLink, MAX_MERGED } from "./logsLink";
import { LogsPage } from "./LogsPage";
import type { LogOpener } from "./useLogStream";
import { columnsOf } from "./logColumns";

vi.mock("../../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../bindings")>()),
  commands: { logsAck: vi.fn(), logsClose: vi.fn(), containersList: vi.fn(), devicesList: vi.fn() },
}));

Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });

const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });
const line = (ts: number, text: string): LogLine => ({ ts, source: "stdout", text, cut: false });

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(commands.logsAck).mockResolvedValue({ status: "ok", data: null });
  vi.mocked(commands.logsClose).mockResolvedValue({ status: "ok", data: null });
  vi.mocked(commands.containersList).mockImplementation(() =>
    ok([makeContainer({ uuid: "u-web", name: "web", state: "running" }), makeContainer({ uuid: "u-db", name: "db", state: "running" })]),
  );
  vi.mocked(commands.devicesList).mockImplementation(() => ok([makeDevice()]));
  vi.stubGlobal("requestAnimationFrame", (fn: FrameRequestCallback) => setTimeout(() => fn(0), 0) as unknown as number);
  vi.stubGlobal("cancelAnimationFrame", (id: number) => clearTimeout(id));
});

describe("LogsPage", () => {
  it("merges the picked containers' logs by time, each line with its container's name", async () => {
    const opened: { uuid: string; query: LogQuery; send: (e: LogEvent) => void }[] = [];
    let next = 1;
    const open: LogOpener = (uuid, query, onEvent) => {
      opened.push({ uuid, query, send: (e) => act(() => onEvent(e)) });
      return Promise.resolve(next++);
    };
    const view = renderWithProviders(<LogsPage open={open} initial={["u-web", "u-db"]} />);
    await waitFor(() => expect(opened.map((o) => o.uuid)).toEqual(["u-web", "u-db"]));
    expect(opened[0].query).toEqual({ tail: 100, since: null, until: null, follow: true, stdout: true, stderr: true });
    opened[0].send({ type: "lines", seq: 1, lines: columnsOf([line(1000, "web up"), line(3000, "web request")]) });
    opened[1].send({ type: "lines", seq: 1, lines: columnsOf([line(2000, "db ready"), line(4000, "db query")]) });
    await waitFor(() => expect(screen.getAllByTestId("log-line")).toHaveLength(4));
    const rows = screen.getAllByTestId("log-line").map((r) => [r.querySelector('[data-testid="log-origin"]')?.textContent, r.querySelector(".sq-log-text")?.textContent]);
    expect(rows).toEqual([
      ["web", "web up"],
      ["db", "db ready"],
      ["web", "web request"],
      ["db", "db query"],
    ]);
    await waitFor(() => expect(commands.logsAck).toHaveBeenCalledWith(1, 1));
    expect(commands.logsAck).toHaveBeenCalledWith(2, 1);
    expect(screen.getAllByTestId("logs-legend-item").map((b) => b.dataset.status)).toEqual(["live", "live"]);
    view.unmount();
    expect(vi.mocked(commands.logsClose).mock.calls.map((c) => c[0]).sort()).toEqual([1, 2]);
  });

  it("says what to do before anything is picked", async () => {
    renderWithProviders(<LogsPage open={() => Promise.resolve(1)} />);
    expect(await screen.findByTestId("logs-none")).toHaveTextContent("Pick one or more containers");
  });

  it("reads the containers a link names (the containers table's picks), and nothing else from a bad link", async () => {
    const opened: string[] = [];
    const open: LogOpener = (uuid) => {
      opened.push(uuid);
      return Promise.resolve(opened.length);
    };
    window.location.hash = logsLink(["u-db", "u-web"]);
    const view = renderWithProviders(<LogsPage open={open} />);
    await waitFor(() => expect(opened).toEqual(["u-db", "u-web"]));
    view.unmount();
    expect(containersInLink("#/logs?containers=a,%E0%A4%A,a,,b")).toEqual(["a", "b"]);
    expect(containersInLink("#/containers?containers=a")).toEqual([]);
    expect(containersInLink(logsLink(Array.from({ length: 20 }, (_, i) => `c${i}`)))).toHaveLength(MAX_MERGED);
    window.location.hash = "";
  });

  it("opens the history at the timeline a container's drawer links to", async () => {
    const query = vi.fn(() => Promise.resolve({ lines: [{ id: 1, timeline: 4, line: line(1000, "kept line") }], more: false, nextBefore: null }));
    const history: HistoryApi = {
      overview: () =>
        Promise.resolve({
          timelines: [{ id: 4, deviceUuid: "d-1", name: "web", containerUuid: "u-web", image: "busybox", firstTs: 1000, lastTs: 1000, lines: 1, removedAt: null }],
          usedBytes: 100,
          budgetBytes: 1 << 30,
          settings: [],
          keptDevices: ["d-1"],
          ingesting: [],
          waiting: 0,
        }),
      query,
      setKeep: vi.fn(),
      setBudget: vi.fn(),
      forget: vi.fn(),
    };
    window.location.hash = historyLink(4);
    renderWithProviders(<LogsPage open={() => Promise.resolve(1)} history={history} />);
    await waitFor(() => expect(query).toHaveBeenCalledWith(expect.objectContaining({ timeline: 4 })));
    expect(await screen.findByText("kept line")).toBeInTheDocument();
    window.location.hash = "";
  });

  it("saves the picked containers' whole logs merged, with the outputs shown", async () => {
    const save = vi.fn(() => Promise.resolve({ path: "/home/me/merged.log", lines: 12, bytes: 300 }));
    renderWithProviders(<LogsPage open={() => Promise.resolve(1)} save={save} initial={["u-web", "u-db"]} />);
    await waitFor(() => expect(screen.getAllByTestId("logs-legend-item")).toHaveLength(2));
    fireEvent.click(screen.getByText("stderr"));
    fireEvent.click(screen.getByTestId("log-download"));
    expect(save).toHaveBeenCalledWith(["u-web", "u-db"], { tail: null, since: null, until: null, follow: false, stdout: true, stderr: false }, true, "merged.log", expect.any(Function));
    expect(await screen.findByText("12 lines to /home/me/merged.log")).toBeInTheDocument();
  });
});

