// @vitest-environment jsdom
import { QueryClientProvider } from "@tanstack/react-query";
import { act, render, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands } from "../bindings";
import { reduceLoads } from "../live/applyEvent";
import { createQueryClient, useAnyLoad, useContainerLoads, useDeviceLoads } from "./queries";
import { queryKeys } from "./queryKeys";
import type { ContainerLoad, DeviceLoad, InventoryEvent, StatsLoads } from "./types";

vi.mock("../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../bindings")>()),
  commands: { statsLoads: vi.fn() },
}));

const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });

const DEVICE = "dev-1";

function containerLoad(uuid: string, cpuPercent: number): ContainerLoad {
  return { containerUuid: uuid, ts: 100, cpuPercent, memoryUsed: 1 << 20, memoryPercent: 1 };
}

function deviceLoad(ts: number): DeviceLoad {
  return { deviceUuid: DEVICE, ts, containers: 500, cpuTotalPercent: 3, memoryTotal: 500 << 20, memoryAvgPercent: 1 };
}

/** The loads of 500 running containers of one device, as the backend lists them. */
const first: StatsLoads = {
  containers: Array.from({ length: 500 }, (_, i) => containerLoad(`c-${i}`, 0)),
  devices: [deviceLoad(100)],
};

/** A round as the window gets it: the device's load, and the container loads that changed. */
function round(ts: number, changed: ContainerLoad[]): InventoryEvent {
  return { type: "statsChanged", load: deviceLoad(ts), changed, gone: [] };
}

/** Renders one probe per part of the loads; each counts its renders and keeps what it read. */
function renderProbes() {
  const client = createQueryClient();
  const seen = { containers: [] as Map<string, ContainerLoad>[], devices: [] as (DeviceLoad[] | undefined)[], any: [] as (boolean | undefined)[] };
  function Containers() {
    seen.containers.push(useContainerLoads());
    return null;
  }
  function Devices() {
    seen.devices.push(useDeviceLoads().data);
    return null;
  }
  function Any() {
    seen.any.push(useAnyLoad().data);
    return null;
  }
  render(
    <QueryClientProvider client={client}>
      <Containers />
      <Devices />
      <Any />
    </QueryClientProvider>,
  );
  const apply = (event: InventoryEvent) =>
    act(() => {
      client.setQueryData<StatsLoads>(queryKeys.statsLoads, (old) => reduceLoads(old, event, () => DEVICE));
    });
  return { seen, apply };
}

describe("parts of the stats loads", () => {
  beforeEach(() => {
    vi.mocked(commands.statsLoads).mockImplementation(() => ok(first));
  });

  it("a round of idle containers renders only what shows the device's load", async () => {
    const { seen, apply } = renderProbes();
    await waitFor(() => expect(seen.containers.at(-1)?.size).toBe(500));
    await waitFor(() => expect(seen.any.at(-1)).toBe(true));
    const before = { containers: seen.containers.length, devices: seen.devices.length, any: seen.any.length };
    const map = seen.containers.at(-1);

    apply(round(110, []));

    // The device's load is new: its readers render once more, with it. (The cache tells its
    // observers together, in one batch: once this one rendered, the others would have.)
    await waitFor(() => expect(seen.devices.at(-1)?.[0]?.ts).toBe(110));
    expect(seen.devices.length).toBe(before.devices + 1);
    // No container's load changed: the table's map is the same object, and nothing rendered.
    expect(seen.containers.length).toBe(before.containers);
    expect(seen.containers.at(-1)).toBe(map);
    // Whether there are loads did not change either.
    expect(seen.any.length).toBe(before.any);
  });

  it("a round that changes a container's load gives the table a new map with it", async () => {
    const { seen, apply } = renderProbes();
    await waitFor(() => expect(seen.containers.at(-1)?.size).toBe(500));
    const before = seen.containers.length;
    const anyBefore = seen.any.length;

    apply(round(110, [containerLoad("c-7", 42)]));

    await waitFor(() => expect(seen.containers.at(-1)?.get("c-7")?.cpuPercent).toBe(42));
    expect(seen.containers.length).toBe(before + 1);
    const map = seen.containers.at(-1);
    expect(map?.size).toBe(500);
    expect(map?.get("c-7")?.cpuPercent).toBe(42);
    // The other loads keep their objects (their rows do not render again).
    expect(map?.get("c-8")).toBe(seen.containers[before - 1]?.get("c-8"));
    expect(seen.any.length).toBe(anyBefore);
  });
});
