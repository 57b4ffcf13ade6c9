import type { QueryKey } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { queryKeys } from "../api/queryKeys";
import type { Container, ContainerLoad, DeviceLoad, DeviceSummary, InventoryEvent, StatsLoads } from "../api/types";
import { makeContainer, makeDevice } from "../test/fixtures";
import {
  applyEvents,
  patchDeviceStatus,
  planEvent,
  reduceContainers,
  reduceContainersBatch,
  reduceDevices,
  reduceLoads,
  removeContainer,
  upsertContainer,
  type LiveCache,
  type Notice,
} from "./applyEvent";

describe("upsertContainer", () => {
  it("appends an unknown container", () => {
    const a = makeContainer({ uuid: "a" });
    const b = makeContainer({ uuid: "b" });
    expect(upsertContainer([a], b)).toEqual([a, b]);
  });

  it("replaces a known container in place, without mutating the list", () => {
    const a = makeContainer({ uuid: "a" });
    const b = makeContainer({ uuid: "b" });
    const list = [a, b];
    const a2 = makeContainer({ uuid: "a", state: "exited", exitCode: 137, updatedAt: a.updatedAt! + 1 });
    const next = upsertContainer(list, a2);
    expect(next).toEqual([a2, b]);
    expect(list[0]).toBe(a);
  });

  it("ignores an update older than the cached one", () => {
    const a = makeContainer({ uuid: "a", updatedAt: 2000 });
    const list = [a];
    expect(upsertContainer(list, makeContainer({ uuid: "a", state: "exited", updatedAt: 1000 }))).toBe(list);
  });

  it("accepts an update when a timestamp is missing", () => {
    const a = makeContainer({ uuid: "a", updatedAt: null });
    const a2 = makeContainer({ uuid: "a", state: "paused", updatedAt: 5 });
    expect(upsertContainer([a], a2)).toEqual([a2]);
  });

  it("leaves a list that is not loaded yet alone", () => {
    expect(upsertContainer(undefined, makeContainer())).toBeUndefined();
  });
});

describe("removeContainer", () => {
  it("removes by uuid", () => {
    const a = makeContainer({ uuid: "a" });
    const b = makeContainer({ uuid: "b" });
    expect(removeContainer([a, b], "a")).toEqual([b]);
  });

  it("returns the same list when the uuid is unknown", () => {
    const list = [makeContainer({ uuid: "a" })];
    expect(removeContainer(list, "zzz")).toBe(list);
    expect(removeContainer(undefined, "a")).toBeUndefined();
  });
});

describe("patchDeviceStatus", () => {
  it("patches only the matching device", () => {
    const d1 = makeDevice();
    const d2 = makeDevice({ device: { ...makeDevice().device, uuid: "d-2", name: "nas" } });
    const next = patchDeviceStatus([d1, d2], "d-2", { state: "unreachable", reason: "connection refused" });
    expect(next?.[0]).toBe(d1);
    expect(next?.[1].status).toEqual({ state: "unreachable", reason: "connection refused" });
    expect(next?.[1].containerCount).toBe(d2.containerCount);
  });

  it("returns the same list for an unknown device", () => {
    const list = [makeDevice()];
    expect(patchDeviceStatus(list, "nope", { state: "disabled" })).toBe(list);
  });
});

describe("reducers", () => {
  const list = [makeContainer({ uuid: "a" }), makeContainer({ uuid: "b" })];

  it("reduceContainers handles upserts and removals, ignores the rest", () => {
    const upserted = makeContainer({ uuid: "c" });
    expect(reduceContainers(list, { type: "containerUpserted", container: upserted })).toHaveLength(3);
    expect(reduceContainers(list, { type: "containerRemoved", uuid: "a", deviceUuid: "d-1" })).toEqual([list[1]]);
    expect(reduceContainers(list, { type: "devicesChanged" })).toBe(list);
  });

  it("reduceDevices handles status changes only", () => {
    const devices: DeviceSummary[] = [makeDevice()];
    const next = reduceDevices(devices, { type: "deviceStatusChanged", deviceUuid: "d-1", status: { state: "connecting" } });
    expect(next?.[0].status).toEqual({ state: "connecting" });
    expect(reduceDevices(devices, { type: "devicesChanged" })).toBe(devices);
  });
});

describe("planEvent", () => {
  it("invalidates devices and containers when devices change", () => {
    expect(planEvent({ type: "devicesChanged" }).invalidate).toEqual([
      queryKeys.devices,
      queryKeys.containers,
      queryKeys.stateCounts,
      queryKeys.statsLoads,
    ]);
  });

  it.each(["images", "volumes", "networks"] as const)("invalidates the %s query on inventoryChanged", (kind) => {
    const plan = planEvent({ type: "inventoryChanged", deviceUuid: "d-1", kind });
    expect(plan.invalidate).toEqual([[kind]]);
    expect(plan.patchContainers).toBe(false);
  });

  it("a recorded removal refetches the history's timelines (their 'removed' label)", () => {
    expect(planEvent({ type: "historyChanged" }).invalidate).toEqual([queryKeys.logHistory]);
  });

  it("an update check refetches the findings, and touches nothing else", () => {
    const plan = planEvent({ type: "updatesChecked", checkedAt: 1, available: 2 });
    expect(plan.invalidate).toEqual([queryKeys.updates]);
    expect(plan.patchContainers || plan.patchDevices || plan.patchLoads).toBe(false);
  });

  it("an update put back at start is told once, and the kept images are read again", () => {
    const recovery = { deviceUuid: "d-1", container: "web", settled: true, message: "web's update was cut short when Squirrel stopped: web was put back as it was, running." };
    const { state, cache } = fakeCache({});
    applyEvents(cache, [{ type: "recreateRecovered", recovery }]);
    expect(state.notices).toEqual([{ title: "web was put back", message: recovery.message, tone: "info" }]);
    expect(state.invalidated).toEqual([queryKeys.keptImages]);
    const failed = planEvent({ type: "recreateRecovered", recovery: { ...recovery, settled: false, message: "could not" } });
    expect(failed.notice).toMatchObject({ title: "web needs a look", tone: "warning" });
  });

  it("refreshes the open drawer's inspect data on upsert", () => {
    const plan = planEvent({ type: "containerUpserted", container: makeContainer({ uuid: "x" }) });
    expect(plan.invalidate).toEqual([queryKeys.inspect("x")]);
    expect(plan.refreshDevicesSoon).toBe(true);
  });
});

/** A LiveCache over plain variables, recording what was invalidated. */
function fakeCache(initial: {
  containers?: Container[];
  devices?: DeviceSummary[];
  loads?: StatsLoads;
  fetching?: boolean;
}) {
  const state = {
    containers: initial.containers,
    devices: initial.devices,
    loads: initial.loads,
    invalidated: [] as QueryKey[],
    devicesRefreshes: 0,
    statsRefreshes: 0,
    notices: [] as Notice[],
  };
  const cache: LiveCache = {
    updateContainers: (fn) => (state.containers = fn(state.containers)),
    updateDevices: (fn) => (state.devices = fn(state.devices)),
    containersFetching: () => initial.fetching ?? false,
    invalidate: (key) => state.invalidated.push(key),
    refreshDevicesSoon: () => state.devicesRefreshes++,
    updateLoads: (fn) => (state.loads = fn(state.loads)),
    containerDevice: (uuid) => state.containers?.find((c) => c.uuid === uuid)?.deviceUuid,
    refreshStatsSoon: () => state.statsRefreshes++,
    notify: (notice) => state.notices.push(notice),
  };
  return { state, cache };
}

describe("applyEvents, one event at a time", () => {
  it("applies a sequence of events to the cache", () => {
    const { state, cache } = fakeCache({ containers: [makeContainer({ uuid: "a" })], devices: [makeDevice()] });
    const events: InventoryEvent[] = [
      { type: "containerUpserted", container: makeContainer({ uuid: "b", name: "db" }) },
      { type: "containerUpserted", container: makeContainer({ uuid: "a", state: "exited", exitCode: 0, updatedAt: 1_800_000_000_000 }) },
      { type: "containerRemoved", uuid: "b", deviceUuid: "d-1" },
      { type: "deviceStatusChanged", deviceUuid: "d-1", status: { state: "unreachable", reason: "socket gone" } },
    ];
    for (const e of events) applyEvents(cache, [e]);

    expect(state.containers?.map((c) => [c.uuid, c.state])).toEqual([["a", "exited"]]);
    expect(state.devices?.[0].status).toEqual({ state: "unreachable", reason: "socket gone" });
    expect(state.devicesRefreshes).toBe(4);
    expect(state.invalidated).toEqual([queryKeys.inspect("b"), queryKeys.inspect("a")]);
  });

  it("refetches containers when an event races an in-flight fetch", () => {
    const { state, cache } = fakeCache({ containers: undefined, fetching: true });
    applyEvents(cache, [{ type: "containerRemoved", uuid: "a", deviceUuid: "d-1" }]);
    expect(state.invalidated).toContainEqual(queryKeys.containers);
  });

  it("only invalidates on devicesChanged and inventoryChanged", () => {
    const containers = [makeContainer()];
    const { state, cache } = fakeCache({ containers });
    applyEvents(cache, [{ type: "devicesChanged" }]);
    applyEvents(cache, [{ type: "inventoryChanged", deviceUuid: "d-1", kind: "volumes" }]);
    expect(state.containers).toBe(containers);
    expect(state.invalidated).toEqual([
      queryKeys.devices,
      queryKeys.containers,
      queryKeys.stateCounts,
      queryKeys.statsLoads,
      ["volumes"],
    ]);
  });

  it("patches the loads on a stats round and asks for a stats refresh", () => {
    const containers = [
      makeContainer({ uuid: "a", deviceUuid: "d-1" }),
      makeContainer({ uuid: "b", deviceUuid: "d-1" }),
      makeContainer({ uuid: "x", deviceUuid: "d-2" }),
    ];
    const { state, cache } = fakeCache({
      containers,
      loads: { containers: [load("a", 10), load("b", 20), load("x", 30)], devices: [deviceLoad("d-1", 30), deviceLoad("d-2", 30)] },
    });
    applyEvents(cache, [{ type: "statsRecorded", load: deviceLoad("d-1", 55), containers: [load("a", 55)] }]);
    applyEvents(cache, [{ type: "statsRecorded", load: deviceLoad("d-1", 60), containers: [load("a", 60)] }]);
    expect(state.loads?.containers.map((c) => [c.containerUuid, c.cpuPercent])).toEqual([
      ["x", 30],
      ["a", 60],
    ]);
    expect(state.loads?.devices.map((d) => [d.deviceUuid, d.cpuTotalPercent])).toEqual([
      ["d-1", 60],
      ["d-2", 30],
    ]);
    expect(state.statsRefreshes).toBe(2);
    expect(state.containers).toBe(containers);
    expect(state.invalidated).toEqual([]);
  });

  it("ignores live samples (the drawer listens to them itself)", () => {
    const loads: StatsLoads = { containers: [load("a", 1)], devices: [] };
    const { state, cache } = fakeCache({ containers: [makeContainer({ uuid: "a" })], loads });
    applyEvents(cache, [{ type: "liveStats", subscription: 1, containerUuid: "a", sample: sample(5) }]);
    applyEvents(cache, [{ type: "liveStatsEnded", subscription: 1, containerUuid: "a", reason: "stopped" }]);
    expect(state.loads).toBe(loads);
    expect(state.statsRefreshes).toBe(0);
    expect(state.invalidated).toEqual([]);
  });
});

function load(containerUuid: string, cpuPercent: number, ts = 1_800_000_000): ContainerLoad {
  return { containerUuid, ts, cpuPercent, memoryUsed: 1_000_000, memoryPercent: 5 };
}

function deviceLoad(deviceUuid: string, cpuTotalPercent: number, ts = 1_800_000_000): DeviceLoad {
  return { deviceUuid, ts, containers: 1, cpuTotalPercent, memoryTotal: 1_000_000, memoryAvgPercent: 5 };
}

function sample(cpuPercent: number) {
  return {
    ts: 1_800_000_000,
    cpuPercent,
    memoryUsed: 1,
    memoryLimit: 2,
    memoryPercent: 50,
    netRxRate: 0,
    netTxRate: 0,
    blockReadRate: 0,
    blockWriteRate: 0,
    pids: 1,
    netRxBytes: null,
    netTxBytes: null,
    blockReadBytes: null,
    blockWriteBytes: null,
  };
}

describe("reduceLoads", () => {
  const deviceOf = (uuid: string) => ({ a: "d-1", b: "d-1", x: "d-2" })[uuid];
  const loads: StatsLoads = {
    containers: [load("a", 10), load("b", 20), load("x", 30)],
    devices: [deviceLoad("d-1", 30), deviceLoad("d-2", 30)],
  };

  it("replaces the round's device and its containers; unlisted containers of that device lose their load", () => {
    const next = reduceLoads(
      loads,
      { type: "statsRecorded", load: deviceLoad("d-1", 12), containers: [load("a", 12), load("new", 3)] },
      deviceOf,
    );
    expect(next?.containers.map((c) => [c.containerUuid, c.cpuPercent])).toEqual([
      ["x", 30],
      ["a", 12],
      ["new", 3],
    ]);
    expect(next?.devices.map((d) => [d.deviceUuid, d.cpuTotalPercent])).toEqual([
      ["d-1", 12],
      ["d-2", 30],
    ]);
    expect(loads.containers).toHaveLength(3);
  });

  it("a round of changes replaces what changed in place, drops what left, and keeps the rest as it was", () => {
    const next = reduceLoads(
      loads,
      { type: "statsChanged", load: deviceLoad("d-1", 12), changed: [load("a", 12), load("new", 3)], gone: ["b"] },
      deviceOf,
    );
    // In place: the cache's structural sharing compares by position, so a load that moved would
    // make those after it new objects (and their rows render again).
    expect(next?.containers.map((c) => [c.containerUuid, c.cpuPercent])).toEqual([
      ["a", 12],
      ["x", 30],
      ["new", 3],
    ]);
    expect(next?.containers.find((c) => c.containerUuid === "x")).toBe(loads.containers.find((c) => c.containerUuid === "x"));
    expect(next?.devices.map((d) => [d.deviceUuid, d.cpuTotalPercent])).toEqual([
      ["d-1", 12],
      ["d-2", 30],
    ]);
  });

  it("a round with nothing new keeps the containers' loads as they were, objects included", () => {
    const next = reduceLoads(loads, { type: "statsChanged", load: deviceLoad("d-1", 1), changed: [], gone: [] }, deviceOf);
    expect(next?.containers).toBe(loads.containers);
    expect(next?.devices[0].cpuTotalPercent).toBe(1);
  });

  it("adds a device seen for the first time and keeps containers it cannot place", () => {
    const next = reduceLoads(
      { containers: [load("unknown", 7)], devices: [] },
      { type: "statsRecorded", load: deviceLoad("d-3", 0), containers: [] },
      deviceOf,
    );
    expect(next?.containers.map((c) => c.containerUuid)).toEqual(["unknown"]);
    expect(next?.devices.map((d) => d.deviceUuid)).toEqual(["d-3"]);
  });

  it("a round of a device with nothing running clears its containers", () => {
    const next = reduceLoads(loads, { type: "statsRecorded", load: deviceLoad("d-1", 0), containers: [] }, deviceOf);
    expect(next?.containers.map((c) => c.containerUuid)).toEqual(["x"]);
  });

  it("drops the load of a removed or no longer running container", () => {
    expect(reduceLoads(loads, { type: "containerRemoved", uuid: "b", deviceUuid: "d-1" }, deviceOf)?.containers).toHaveLength(2);
    const stopped = makeContainer({ uuid: "a", state: "exited" });
    expect(
      reduceLoads(loads, { type: "containerUpserted", container: stopped }, deviceOf)?.containers.map((c) => c.containerUuid),
    ).toEqual(["b", "x"]);
    const running = makeContainer({ uuid: "a", state: "running" });
    expect(reduceLoads(loads, { type: "containerUpserted", container: running }, deviceOf)).toBe(loads);
    expect(reduceLoads(loads, { type: "containerRemoved", uuid: "zzz", deviceUuid: "d-1" }, deviceOf)).toBe(loads);
  });

  it("leaves loads not fetched yet alone, and ignores other events", () => {
    expect(
      reduceLoads(undefined, { type: "statsRecorded", load: deviceLoad("d-1", 1), containers: [] }, deviceOf),
    ).toBeUndefined();
    expect(reduceLoads(loads, { type: "devicesChanged" }, deviceOf)).toBe(loads);
  });

  it("planEvent patches loads and throttles a stats refresh on statsRecorded", () => {
    const plan = planEvent({ type: "statsRecorded", load: deviceLoad("d-1", 1), containers: [] });
    expect(plan).toMatchObject({ patchLoads: true, refreshStatsSoon: true, patchContainers: false, invalidate: [] });
  });
});

describe("applyEvents (a batch)", () => {
  it("patches the containers once for a burst, and leaves untouched rows as they were", () => {
    const untouched = makeContainer({ uuid: "keep" });
    const { state, cache } = fakeCache({ containers: [untouched, makeContainer({ uuid: "a" })] });
    let updates = 0;
    const counting = { ...cache, updateContainers: (fn: Parameters<typeof cache.updateContainers>[0]) => (updates++, cache.updateContainers(fn)) };
    const burst: InventoryEvent[] = Array.from({ length: 5_000 }, (_, i) => ({
      type: "containerUpserted" as const,
      container: makeContainer({ uuid: `c-${i}`, name: `c-${i}` }),
    }));
    burst.push({ type: "containerRemoved", uuid: "a", deviceUuid: "d-1" });
    applyEvents(counting, burst);
    expect(updates).toBe(1);
    expect(state.containers).toHaveLength(5_001);
    expect(state.containers?.[0]).toBe(untouched);
    expect(state.containers?.some((c) => c.uuid === "a")).toBe(false);
  });

  it("gives the same list as the events applied one by one", () => {
    const start = [makeContainer({ uuid: "a", updatedAt: 10 }), makeContainer({ uuid: "b" })];
    const events: InventoryEvent[] = [
      { type: "containerUpserted", container: makeContainer({ uuid: "c", name: "c" }) },
      { type: "containerRemoved", uuid: "b", deviceUuid: "d-1" },
      { type: "containerUpserted", container: makeContainer({ uuid: "a", state: "exited", updatedAt: 20 }) },
      // Older than what the batch already holds: ignored, as one by one.
      { type: "containerUpserted", container: makeContainer({ uuid: "a", state: "paused", updatedAt: 15 }) },
      { type: "containerUpserted", container: makeContainer({ uuid: "b", name: "b again" }) },
      { type: "containerRemoved", uuid: "c", deviceUuid: "d-1" },
    ];
    const oneByOne = events.reduce<Container[] | undefined>(reduceContainers, start);
    expect(reduceContainersBatch(start, events)).toEqual(oneByOne);
  });

  it("returns the same list when nothing changed", () => {
    const list = [makeContainer({ uuid: "a", updatedAt: 20 })];
    const stale: InventoryEvent = { type: "containerUpserted", container: makeContainer({ uuid: "a", updatedAt: 10 }) };
    expect(reduceContainersBatch(list, [stale, { type: "devicesChanged" }])).toBe(list);
  });

  it("invalidates each query once per batch", () => {
    const { state, cache } = fakeCache({ containers: [makeContainer()] });
    applyEvents(cache, [{ type: "devicesChanged" }, { type: "devicesChanged" }]);
    expect(state.invalidated).toEqual([queryKeys.devices, queryKeys.containers, queryKeys.stateCounts, queryKeys.statsLoads]);
  });
});

describe("a cluster's nodes", () => {
  it("replace the device's nodes, leave the other devices, and refresh a guest's charts when its history is filled", () => {
    const pve = makeDevice({ device: { ...makeDevice().device, uuid: "d-pve", name: "pve" } });
    const other = makeDevice();
    const nodes = [{ name: "pve2", online: false, cpuPercent: null, cpus: null, memoryUsed: null, memoryTotal: null, uptimeSecs: null }];
    const next = reduceDevices([pve, other], { type: "deviceNodesChanged", deviceUuid: "d-pve", nodes });
    expect(next?.[0].nodes).toEqual(nodes);
    expect(next?.[1]).toBe(other);
    expect(planEvent({ type: "deviceNodesChanged", deviceUuid: "d-pve", nodes }).patchDevices).toBe(true);
    expect(planEvent({ type: "historyBackfilled", containerUuid: "u-1", samples: 1200 }).invalidate).toEqual([
      queryKeys.containerSeriesPrefix("u-1"),
    ]);
  });
});
