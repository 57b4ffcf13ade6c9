// @vitest-environment jsdom
// The logs panel against a stream opener that speaks the backend's protocol (lines in
// numbered batches, gaps, an end): lines shown as text, searched, filtered; batches
// answered once shown; the stream closed when the panel goes.
import { MantineProvider } from "@mantine/core";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { ReactNode } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { LogEvent, LogLine, LogQuery } from "../../api/types";
import { commands } from "../../bindings";
import { renderWithProviders } from "../../test/render";
import { theme } from "../../theme";
import { LogsPanel } from "./LogsPanel";
import type { LogOpener } from "./useLogStream";
import { columnsOf } from "./logColumns";

vi.mock("../../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../bindings")>()),
  commands: { logsAck: vi.fn(), logsClose: vi.fn() },
}));

// jsdom lays nothing out: give the scroller a size so rows render.
Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });

interface Opened {
  containerUuid: string;
  query: LogQuery;
  send: (e: LogEvent) => void;
}

function opener() {
  const opened: Opened[] = [];
  let next = 1;
  const open: LogOpener = (containerUuid, query, onEvent) => {
    opened.push({ containerUuid, query, send: (e) => act(() => onEvent(e)) });
    return Promise.resolve(next++);
  };
  return { open, opened };
}

const line = (i: number, text: string, source: LogLine["source"] = "stdout"): LogLine => ({
  ts: 1_800_000_000_000 + i,
  source,
  text,
  cut: false,
});

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(commands.logsAck).mockResolvedValue({ status: "ok", data: null });
  vi.mocked(commands.logsClose).mockResolvedValue({ status: "ok", data: null });
  // A frame comes at once.
  vi.stubGlobal("requestAnimationFrame", (fn: FrameRequestCallback) => setTimeout(() => fn(0), 0) as unknown as number);
  vi.stubGlobal("cancelAnimationFrame", (id: number) => clearTimeout(id));
});

async function shown(): Promise<string[]> {
  const rows = await screen.findAllByTestId("log-line");
  return rows.map((r) => r.querySelector(".sq-log-text")?.textContent ?? "");
}

describe("LogsPanel", () => {
  it("opens one stream following the last 500 lines, shows lines as text, answers each batch, and closes when it goes", async () => {
    const { open, opened } = opener();
    const view = renderWithProviders(<LogsPanel containerUuid="c-1" state="running" active open={open} />);
    await waitFor(() => expect(opened).toHaveLength(1));
    expect(opened[0].containerUuid).toBe("c-1");
    expect(opened[0].query).toEqual({ tail: 500, since: null, until: null, follow: true, stdout: true, stderr: true });
    await waitFor(() => expect(screen.getByTestId("log-status").dataset.status).toBe("live"));

    opened[0].send({
      type: "lines",
      seq: 1,
      lines: columnsOf([
        line(1, "<img src=x onerror=alert(1)>"),
        line(2, "\u001b]0;title\u0007\u001b[31mred\u001b[0m and \u001b]8;;https://x\u001b\\link\u001b]8;;\u001b\\"),
        line(3, "oops", "stderr"),
      ]),
    });
    expect(await shown()).toEqual(["<img src=x onerror=alert(1)>", "red and link", "oops"]);
    const panel = screen.getByTestId("logs-panel");
    expect(panel.querySelector("img")).toBeNull();
    expect(panel.querySelector("a")).toBeNull();
    const rows = screen.getAllByTestId("log-line");
    expect(rows[2].dataset.source).toBe("stderr");
    expect(within(rows[1]).getByText("red").getAttribute("style")).toContain("color");
    await waitFor(() => expect(commands.logsAck).toHaveBeenCalledWith(1, 1));

    view.unmount();
    expect(commands.logsClose).toHaveBeenCalledWith(1);
  });

  it("searches, counts and highlights matches, and can show only the matching lines", async () => {
    const { open, opened } = opener();
    renderWithProviders(<LogsPanel containerUuid="c-1" state="running" active open={open} />);
    await waitFor(() => expect(opened).toHaveLength(1));
    opened[0].send({ type: "lines", seq: 1, lines: columnsOf([line(1, "GET /a 200"), line(2, "GET /b 500"), line(3, "POST /a 200")]) });
    await shown();
    fireEvent.change(screen.getByLabelText("Search the log"), { target: { value: "/a" } });
    expect(screen.getByTestId("log-matches")).toHaveTextContent("2 matches");
    expect([...document.querySelectorAll(".sq-log-match")].map((m) => m.textContent)).toEqual(["/a", "/a"]);
    fireEvent.click(screen.getByText("Only matching"));
    expect(await shown()).toEqual(["GET /a 200", "POST /a 200"]);
    // A regex.
    fireEvent.click(screen.getByRole("button", { name: "Regular expression" }));
    fireEvent.change(screen.getByLabelText("Search the log"), { target: { value: " [45]00$" } });
    expect(await shown()).toEqual(["GET /b 500"]);
    fireEvent.change(screen.getByLabelText("Search the log"), { target: { value: "(" } });
    expect(screen.getByText(/Not a valid regular expression/)).toBeInTheDocument();
  });

  it("hides an output on demand", async () => {
    const { open, opened } = opener();
    renderWithProviders(<LogsPanel containerUuid="c-1" state="running" active open={open} />);
    await waitFor(() => expect(opened).toHaveLength(1));
    opened[0].send({ type: "lines", seq: 1, lines: columnsOf([line(1, "out"), line(2, "err", "stderr")]) });
    await shown();
    fireEvent.click(screen.getByText("stderr"));
    expect(await shown()).toEqual(["out"]);
  });

  it("marks lines left out, and reads them again in their place on demand", async () => {
    const { open, opened } = opener();
    renderWithProviders(<LogsPanel containerUuid="c-1" state="running" active open={open} />);
    await waitFor(() => expect(opened).toHaveLength(1));
    opened[0].send({ type: "lines", seq: 1, lines: columnsOf([line(1, "before")]) });
    opened[0].send({ type: "skipped", count: 2, from: line(2, "").ts, to: line(3, "").ts });
    opened[0].send({ type: "lines", seq: 2, lines: columnsOf([line(4, "after")]) });
    const gap = await screen.findByTestId("log-gap");
    expect(gap).toHaveTextContent("2 lines skipped");
    fireEvent.click(within(gap).getByRole("button", { name: "Show them" }));
    await waitFor(() => expect(opened).toHaveLength(2));
    const range = opened[1].query;
    expect(range.follow).toBe(false);
    expect(range.tail).toBeNull();
    expect(range.since).toBe(Math.floor(line(2, "").ts! / 1000));
    opened[1].send({ type: "lines", seq: 1, lines: columnsOf([line(1, "before"), line(2, "gap 1"), line(3, "gap 2"), line(4, "after")]) });
    opened[1].send({ type: "ended", kind: "complete", message: "end of the log" });
    await waitFor(async () => expect(await shown()).toEqual(["before", "gap 1", "gap 2", "after"]));
    expect(screen.queryByTestId("log-gap")).toBeNull();
  });

  it("says why the log ended, and goes on when a stopped container runs again", async () => {
    const { open, opened } = opener();
    const wrapper = ({ children }: { children: ReactNode }) => <MantineProvider theme={theme}>{children}</MantineProvider>;
    const view = render(<LogsPanel containerUuid="c-1" state="running" updatedAt={1} active open={open} />, { wrapper });
    await waitFor(() => expect(opened).toHaveLength(1));
    // The stream can end before the inventory heard of the stop: no reopening on that.
    opened[0].send({ type: "ended", kind: "stopped", message: "the container stopped" });
    expect(await screen.findByTestId("log-status")).toHaveTextContent("The container stopped; the log goes on when it starts again.");
    await new Promise((r) => setTimeout(r, 30));
    expect(opened).toHaveLength(1);
    view.rerender(<LogsPanel containerUuid="c-1" state="exited" updatedAt={2} active open={open} />);
    expect(opened).toHaveLength(1);
    view.rerender(<LogsPanel containerUuid="c-1" state="running" updatedAt={3} active open={open} />);
    await waitFor(() => expect(opened).toHaveLength(2));
    opened[1].send({ type: "ended", kind: "removed", message: "the container was removed" });
    expect(await screen.findByTestId("log-status")).toHaveTextContent("the container was removed");
  });

  it("shows the whole selected line, pretty when it is JSON", async () => {
    const { open, opened } = opener();
    renderWithProviders(<LogsPanel containerUuid="c-1" state="running" active open={open} />);
    await waitFor(() => expect(opened).toHaveLength(1));
    opened[0].send({ type: "lines", seq: 1, lines: columnsOf([line(1, '{"level":"error","msg":"boom","n":1}')]) });
    const [row] = await screen.findAllByTestId("log-line");
    expect(row.dataset.level).toBe("error");
    fireEvent.mouseDown(row, { detail: 1 });
    const details = await screen.findByTestId("log-details");
    expect(details.querySelector("pre")?.textContent).toBe('{\n  "level": "error",\n  "msg": "boom",\n  "n": 1\n}');
  });

  it("says in words when the log cannot be opened", async () => {
    const open: LogOpener = () => Promise.reject(new Error("device box is not connected: its watcher is not running"));
    renderWithProviders(<LogsPanel containerUuid="c-1" state="running" active open={open} />);
    expect(await screen.findByTestId("log-error")).toHaveTextContent("device box is not connected");
  });

  it("saves the chosen range and outputs, whole, to a file, with progress and the outcome", async () => {
    const { open, opened } = opener();
    let progress: (n: number) => void = () => {};
    let finish: (v: { path: string; lines: number; bytes: number | null } | null) => void = () => {};
    const save = vi.fn((_uuids: string[], _q: LogQuery, _t: boolean, _name: string, onProgress: (n: number) => void) => {
      progress = onProgress;
      return new Promise<{ path: string; lines: number; bytes: number | null } | null>((resolve) => (finish = resolve));
    });
    renderWithProviders(<LogsPanel containerUuid="c-1" name="web" save={save} state="running" active open={open} />);
    await waitFor(() => expect(opened).toHaveLength(1));
    fireEvent.click(screen.getByText("stderr"));
    fireEvent.click(screen.getByTestId("log-download"));
    expect(save).toHaveBeenCalledWith(["c-1"], { tail: null, since: null, until: null, follow: false, stdout: true, stderr: false }, true, "web.log", expect.any(Function));
    act(() => progress(1234));
    expect(screen.getByTestId("log-download")).toHaveTextContent("Saving… 1,234 lines");
    await act(async () => finish({ path: "/home/me/web.log", lines: 2000, bytes: 90_000 }));
    expect(await screen.findByText("2,000 lines to /home/me/web.log")).toBeInTheDocument();
    expect(screen.getByTestId("log-download")).toHaveTextContent("Download");
  });

  it("shows whether the history keeps this container, and makes it the container's own choice", async () => {
    const { open } = opener();
    const overview = { timelines: [], usedBytes: 0, budgetBytes: 1, settings: [{ deviceUuid: "d-1", name: "other", keep: false }], keptDevices: ["d-1"], ingesting: [], waiting: 0 };
    const historyApi = {
      overview: vi.fn(() => Promise.resolve(overview)),
      query: vi.fn(),
      setKeep: vi.fn(() => Promise.resolve(null)),
      setBudget: vi.fn(),
      forget: vi.fn(),
    };
    renderWithProviders(<LogsPanel containerUuid="c-1" state="running" active open={open} keep={{ deviceUuid: "d-1", name: "web" }} historyApi={historyApi} />);
    const toggle = (await screen.findByTestId("log-keep-history")) as HTMLInputElement;
    // Its device is kept, and it has no choice of its own.
    expect(toggle.checked).toBe(true);
    await act(async () => {
      fireEvent.click(toggle);
    });
    expect(historyApi.setKeep).toHaveBeenCalledWith("d-1", "web", false);
  });
});
