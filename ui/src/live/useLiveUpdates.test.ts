// @vitest-environment jsdom
import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { act, renderHook } from "@testing-library/react";
import { createElement, type ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { queryKeys } from "../api/queryKeys";
import type { Container, ContainerLoad, DeviceLoad, InventoryEvent, StatsLoads } from "../api/types";
import { commands, events } from "../bindings";
import { makeContainer } from "../test/fixtures";
import { useLiveUpdates } from "./useLiveUpdates";

vi.mock("../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../bindings")>()),
  commands: { windowVisibilitySet: vi.fn() },
  events: { inventoryEvents: { listen: vi.fn() }, resyncRequired: { listen: vi.fn() } },
}));

const load = (containerUuid: string, cpuPercent: number): ContainerLoad => ({
  containerUuid,
  ts: 100,
  cpuPercent,
  memoryUsed: 1,
  memoryPercent: 1,
});
const deviceLoad = (deviceUuid: string, cpuTotalPercent: number): DeviceLoad => ({
  deviceUuid,
  ts: 100,
  containers: 1,
  cpuTotalPercent,
  memoryTotal: 1,
  memoryAvgPercent: 1,
});

let visibility: DocumentVisibilityState = "visible";
function setVisibility(state: DocumentVisibilityState) {
  visibility = state;
  document.dispatchEvent(new Event("visibilitychange"));
}

describe("useLiveUpdates and the window's visibility", () => {
  let emit: (payload: InventoryEvent) => void;
  let client: QueryClient;

  beforeEach(() => {
    vi.clearAllMocks();
    vi.useFakeTimers();
    visibility = "visible";
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => visibility });
    vi.mocked(commands.windowVisibilitySet).mockResolvedValue(undefined as never);
    vi.mocked(events.inventoryEvents.listen).mockImplementation((cb) => {
      emit = (payload) => cb({ event: "inventory-events", id: 1, payload: [payload] });
      return Promise.resolve(() => {});
    });
    vi.mocked(events.resyncRequired.listen).mockResolvedValue(() => {});
    client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    client.setQueryData<Container[]>(queryKeys.containers, [makeContainer({ uuid: "a", deviceUuid: "d-1" })]);
    client.setQueryData<StatsLoads>(queryKeys.statsLoads, { containers: [load("a", 10)], devices: [deviceLoad("d-1", 10)] });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  async function mount() {
    const wrapper = ({ children }: { children: ReactNode }) => createElement(QueryClientProvider, { client }, children);
    const hook = renderHook(() => useLiveUpdates(), { wrapper });
    await act(() => vi.advanceTimersByTimeAsync(0));
    return hook;
  }

  const cpuOf = (uuid: string) =>
    client.getQueryData<StatsLoads>(queryKeys.statsLoads)?.containers.find((c) => c.containerUuid === uuid)?.cpuPercent;

  it("tells the backend when the window is shown and hidden", async () => {
    const hook = await mount();
    expect(vi.mocked(commands.windowVisibilitySet).mock.calls).toEqual([[true]]);
    act(() => setVisibility("hidden"));
    act(() => setVisibility("visible"));
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(vi.mocked(commands.windowVisibilitySet).mock.calls).toEqual([[true], [false], [true]]);
    hook.unmount();
  });

  it("applies stats rounds while the window is shown", async () => {
    const hook = await mount();
    act(() => emit({ type: "statsRecorded", load: deviceLoad("d-1", 55), containers: [load("a", 55)] }));
    await act(() => vi.advanceTimersByTimeAsync(100));
    expect(cpuOf("a")).toBe(55);
    hook.unmount();
  });

  it("drops stats rounds while hidden, keeps inventory events, and catches up once when shown", async () => {
    const hook = await mount();
    const invalidate = vi.spyOn(client, "invalidateQueries");
    // A round already queued when the window is hidden is dropped too.
    act(() => emit({ type: "statsRecorded", load: deviceLoad("d-1", 20), containers: [load("a", 20)] }));
    act(() => setVisibility("hidden"));
    act(() => {
      emit({ type: "statsRecorded", load: deviceLoad("d-1", 55), containers: [load("a", 55)] });
      emit({ type: "containerUpserted", container: makeContainer({ uuid: "b", deviceUuid: "d-1" }) });
    });
    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(cpuOf("a")).toBe(10);
    expect(client.getQueryData<Container[]>(queryKeys.containers)?.map((c) => c.uuid)).toEqual(["a", "b"]);
    // No stats refresh ran while hidden (the inventory event only refreshes the devices' counts;
    // a list already marked for reloading is marked again when patched, which fetches nothing).
    const statsInvalidations = () =>
      invalidate.mock.calls.filter(([filters]) => {
        if (filters?.refetchType === "none") return false;
        const key = filters?.queryKey;
        return key === undefined || ["statsLoads", "statsLatest", "fleetSeries", "containerSeries"].includes(String(key[0]));
      });
    expect(statsInvalidations()).toEqual([]);

    act(() => setVisibility("visible"));
    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(statsInvalidations()).toHaveLength(1);
    const [[filters]] = statsInvalidations();
    const predicate = filters?.predicate;
    expect(predicate).toBeTypeOf("function");
    const matches = (queryKey: readonly unknown[]) => predicate!({ queryKey } as never);
    expect(matches(queryKeys.statsLoads)).toBe(true);
    expect(matches(queryKeys.statsLatest("a"))).toBe(true);
    expect(matches(queryKeys.fleetSeries(null, "1h"))).toBe(true);
    expect(matches(queryKeys.containerSeries("a", "1h"))).toBe(true);
    expect(matches(queryKeys.containers)).toBe(false);
    expect(matches(queryKeys.devices)).toBe(false);
    // The stats loads are stale now, and the next round applies again.
    expect(client.getQueryState(queryKeys.statsLoads)?.isInvalidated).toBe(true);
    act(() => emit({ type: "statsRecorded", load: deviceLoad("d-1", 70), containers: [load("a", 70)] }));
    await act(() => vi.advanceTimersByTimeAsync(100));
    expect(cpuOf("a")).toBe(70);
    hook.unmount();
  });

  it("keeps a list marked for reloading when events patch it before any screen shows it", async () => {
    let resync: (() => void) | undefined;
    vi.mocked(events.resyncRequired.listen).mockImplementation((cb) => {
      resync = () => cb({ event: "resync-required", id: 2, payload: null });
      return Promise.resolve(() => {});
    });
    const hook = await mount();
    // No screen shows the containers: a resync only marks the list, it fetches nothing.
    act(() => resync?.());
    expect(client.getQueryState(queryKeys.containers)?.isInvalidated).toBe(true);
    // Events that arrive next patch it, and it must still be fetched when a screen shows it.
    act(() => emit({ type: "containerUpserted", container: makeContainer({ uuid: "b", deviceUuid: "d-1" }) }));
    await act(() => vi.advanceTimersByTimeAsync(100));
    expect(client.getQueryData<Container[]>(queryKeys.containers)?.map((c) => c.uuid)).toEqual(["a", "b"]);
    expect(client.getQueryState(queryKeys.containers)?.isInvalidated).toBe(true);
    // A list nobody asked to reload is fresh after a patch, as before.
    client.setQueryData<Container[]>(queryKeys.containers, [makeContainer({ uuid: "a", deviceUuid: "d-1" })]);
    act(() => emit({ type: "containerUpserted", container: makeContainer({ uuid: "c", deviceUuid: "d-1" }) }));
    await act(() => vi.advanceTimersByTimeAsync(100));
    expect(client.getQueryState(queryKeys.containers)?.isInvalidated).toBe(false);
    hook.unmount();
  });

  it("fetches the list anew after a resync even while its first fetch, read before, is in flight", async () => {
    let resync: (() => void) | undefined;
    vi.mocked(events.resyncRequired.listen).mockImplementation((cb) => {
      resync = () => cb({ event: "resync-required", id: 2, payload: null });
      return Promise.resolve(() => {});
    });
    client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
    // The first fetch read the store before the first sync was written: it will answer [].
    const answers: ((list: Container[]) => void)[] = [];
    const queryFn = vi.fn(() => new Promise<Container[]>((resolve) => answers.push(resolve)));
    const wrapper = ({ children }: { children: ReactNode }) => createElement(QueryClientProvider, { client }, children);
    const hook = renderHook(
      () => {
        useLiveUpdates();
        return useQuery({ queryKey: queryKeys.containers, queryFn });
      },
      { wrapper },
    );
    await act(() => vi.advanceTimersByTimeAsync(0));
    const calls = queryFn.mock.calls.length;
    act(() => resync?.());
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(queryFn.mock.calls.length).toBe(calls + 1);
    // The first answer comes late and is not kept; the fetch started after the resync is.
    const full = [makeContainer({ uuid: "a", deviceUuid: "d-1" }), makeContainer({ uuid: "b", deviceUuid: "d-1" })];
    await act(async () => {
      answers[0]([]);
      answers.at(-1)?.(full);
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(hook.result.current.data?.map((c) => c.uuid)).toEqual(["a", "b"]);
    hook.unmount();
  });

  it("fetches everything again once every listener is in place, so nothing sent before is lost", async () => {
    let listenResync: (() => void) | undefined;
    vi.mocked(events.resyncRequired.listen).mockImplementation(
      () => new Promise((resolve) => (listenResync = () => resolve(() => {}))),
    );
    const invalidate = vi.spyOn(client, "invalidateQueries");
    const hook = await mount();
    // One listener is in place, the other not yet: a reload asked for now would be missed.
    expect(invalidate.mock.calls.filter((c) => c.length === 0 || c[0] === undefined)).toHaveLength(0);
    await act(async () => {
      listenResync?.();
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(invalidate.mock.calls.filter((c) => c.length === 0 || c[0] === undefined)).toHaveLength(1);
    hook.unmount();
  });
});
