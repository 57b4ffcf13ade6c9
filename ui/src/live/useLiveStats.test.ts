// @vitest-environment jsdom
import { act, renderHook, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { InventoryEvent, StatsSample } from "../api/types";
import { commands, events } from "../bindings";
import { appendSample, useLiveStats } from "./useLiveStats";

vi.mock("../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../bindings")>()),
  commands: { statsLiveStart: vi.fn(), statsLiveStop: vi.fn() },
  events: { inventoryEvents: { listen: vi.fn() } },
}));

const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });

function sample(ts: number | null, cpuPercent = 1): StatsSample {
  return {
    ts,
    cpuPercent,
    memoryUsed: 100,
    memoryLimit: 1000,
    memoryPercent: 10,
    netRxRate: 0,
    netTxRate: 0,
    blockReadRate: 0,
    blockWriteRate: 0,
    pids: 3,
    netRxBytes: 0,
    netTxBytes: 0,
    blockReadBytes: 0,
    blockWriteBytes: 0,
  };
}

describe("appendSample", () => {
  it("keeps samples ordered, one per second, within the window", () => {
    let list: StatsSample[] = [];
    for (const ts of [100, 101, 103, 102, 103]) list = appendSample(list, sample(ts, ts), 120);
    expect(list.map((s) => s.ts)).toEqual([100, 101, 102, 103]);
    list = appendSample(list, sample(221), 120);
    expect(list.map((s) => s.ts)).toEqual([101, 102, 103, 221]);
    list = appendSample(list, sample(400), 120);
    expect(list.map((s) => s.ts)).toEqual([400]);
  });

  it("ignores a sample without a time", () => {
    const list = [sample(1)];
    expect(appendSample(list, sample(null))).toEqual(list);
  });
});

describe("useLiveStats", () => {
  let emit: (payload: InventoryEvent) => void;
  const unlisten = vi.fn();

  beforeEach(() => {
    vi.clearAllMocks();
    vi.mocked(events.inventoryEvents.listen).mockImplementation((cb) => {
      emit = (payload) => cb({ event: "inventory-events", id: 1, payload: [payload] });
      return Promise.resolve(unlisten);
    });
    vi.mocked(commands.statsLiveStart).mockImplementation(() => ok(7));
    vi.mocked(commands.statsLiveStop).mockImplementation(() => ok(null));
  });

  it("starts, collects its own samples, ends, and stops on unmount", async () => {
    const { result, unmount } = renderHook(() => useLiveStats("c-1", true));
    expect(result.current.status).toBe("starting");
    await waitFor(() => expect(commands.statsLiveStart).toHaveBeenCalledWith("c-1"));
    await waitFor(() => expect(result.current.status).toBe("starting"));
    // Let statsLiveStart resolve.
    await act(async () => {});

    act(() => {
      emit({ type: "liveStats", subscription: 7, containerUuid: "c-1", sample: sample(10, 5) });
      emit({ type: "liveStats", subscription: 8, containerUuid: "c-1", sample: sample(11, 99) });
      emit({ type: "liveStats", subscription: 7, containerUuid: "other", sample: sample(11, 99) });
      emit({ type: "statsRecorded", load: { deviceUuid: "d", ts: 1, containers: 0, cpuTotalPercent: 0, memoryTotal: 0, memoryAvgPercent: 0 }, containers: [] });
      emit({ type: "liveStats", subscription: 7, containerUuid: "c-1", sample: sample(11, 6) });
    });
    expect(result.current.status).toBe("live");
    expect(result.current.samples.map((s) => s.cpuPercent)).toEqual([5, 6]);

    act(() => emit({ type: "liveStatsEnded", subscription: 7, containerUuid: "c-1", reason: "The container stopped." }));
    expect(result.current.status).toBe("ended");
    expect(result.current.message).toBe("The container stopped.");
    expect(result.current.samples).toHaveLength(2);

    unmount();
    expect(commands.statsLiveStop).toHaveBeenCalledWith(7);
    expect(unlisten).toHaveBeenCalled();
  });

  it("shows why the stream could not start", async () => {
    vi.mocked(commands.statsLiveStart).mockImplementation(() =>
      Promise.resolve({
        status: "error" as const,
        error: { code: "invalid_input", message: "The container is not running.", detail: null, hostKey: null },
      }),
    );
    const { result } = renderHook(() => useLiveStats("c-1", true));
    await waitFor(() => expect(result.current.status).toBe("error"));
    expect(result.current.message).toBe("The container is not running.");
  });

  it("does nothing while disabled, and stops when disabled", async () => {
    const { result, rerender } = renderHook(({ on }) => useLiveStats("c-1", on), { initialProps: { on: false } });
    expect(result.current.status).toBe("idle");
    expect(commands.statsLiveStart).not.toHaveBeenCalled();
    rerender({ on: true });
    await waitFor(() => expect(commands.statsLiveStart).toHaveBeenCalledTimes(1));
    await act(async () => {});
    rerender({ on: false });
    expect(commands.statsLiveStop).toHaveBeenCalledWith(7);
    expect(result.current.status).toBe("idle");
  });

  it("stops a stream that started after the hook went away", async () => {
    let resolve!: (v: { status: "ok"; data: number }) => void;
    vi.mocked(commands.statsLiveStart).mockImplementation(() => new Promise((r) => (resolve = r)));
    const { unmount } = renderHook(() => useLiveStats("c-1", true));
    await waitFor(() => expect(commands.statsLiveStart).toHaveBeenCalled());
    unmount();
    expect(commands.statsLiveStop).not.toHaveBeenCalled();
    await act(async () => resolve({ status: "ok", data: 9 }));
    expect(commands.statsLiveStop).toHaveBeenCalledWith(9);
  });

  it("keeps a stopped container's last samples while asked to, then drops them", async () => {
    const { result, rerender } = renderHook(({ on, keep }) => useLiveStats("c-1", on, { retain: keep }), {
      initialProps: { on: true, keep: true },
    });
    await waitFor(() => expect(commands.statsLiveStart).toHaveBeenCalled());
    await act(async () => {});
    act(() => {
      emit({ type: "liveStats", subscription: 7, containerUuid: "c-1", sample: sample(10, 5) });
      emit({ type: "liveStatsEnded", subscription: 7, containerUuid: "c-1", reason: "The container stopped." });
    });
    // The container is seen stopped: the stream is disabled, its samples stay, with the reason.
    rerender({ on: false, keep: true });
    expect(commands.statsLiveStop).toHaveBeenCalledWith(7);
    expect(result.current.status).toBe("ended");
    expect(result.current.message).toBe("The container stopped.");
    expect(result.current.samples.map((s) => s.cpuPercent)).toEqual([5]);
    // The tab closes: they are gone, and do not come back when it opens again.
    rerender({ on: false, keep: false });
    expect(result.current.status).toBe("idle");
    rerender({ on: false, keep: true });
    expect(result.current.status).toBe("idle");
    expect(result.current.samples).toEqual([]);
  });
});
