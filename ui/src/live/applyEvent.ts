import type { QueryKey } from "@tanstack/react-query";
import { queryKeys } from "../api/queryKeys";
import type { Container, DeviceStatus, DeviceSummary, InventoryEvent } from "../api/types";

/**
 * Inserts or replaces a container by uuid. A list not loaded yet stays unloaded (its fetch
 * brings the container). An update older than the cached one (by `updatedAt`) is ignored.
 */
export function upsertContainer(list: Container[] | undefined, container: Container): Container[] | undefined {
  if (!list) return list;
  const index = list.findIndex((c) => c.uuid === container.uuid);
  if (index === -1) return [...list, container];
  const current = list[index];
  if (current.updatedAt != null && container.updatedAt != null && container.updatedAt < current.updatedAt) {
    return list;
  }
  const next = list.slice();
  next[index] = container;
  return next;
}

export function removeContainer(list: Container[] | undefined, uuid: string): Container[] | undefined {
  if (!list) return list;
  const next = list.filter((c) => c.uuid !== uuid);
  return next.length === list.length ? list : next;
}

export function patchDeviceStatus(
  list: DeviceSummary[] | undefined,
  deviceUuid: string,
  status: DeviceStatus,
): DeviceSummary[] | undefined {
  if (!list) return list;
  let changed = false;
  const next = list.map((d) => {
    if (d.device.uuid !== deviceUuid) return d;
    changed = true;
    return { ...d, status };
  });
  return changed ? next : list;
}

/** The containers list after an event. */
export function reduceContainers(list: Container[] | undefined, event: InventoryEvent): Container[] | undefined {
  switch (event.type) {
    case "containerUpserted":
      return upsertContainer(list, event.container);
    case "containerRemoved":
      return removeContainer(list, event.uuid);
    default:
      return list;
  }
}

/** The devices list after an event. */
export function reduceDevices(list: DeviceSummary[] | undefined, event: InventoryEvent): DeviceSummary[] | undefined {
  return event.type === "deviceStatusChanged" ? patchDeviceStatus(list, event.deviceUuid, event.status) : list;
}

export interface EventPlan {
  /** Patch the containers cache with reduceContainers. */
  patchContainers: boolean;
  /** Patch the devices cache with reduceDevices. */
  patchDevices: boolean;
  /** Queries to invalidate (refetch) right away. */
  invalidate: QueryKey[];
  /** Refresh devices (their counts) soon; debounced by the caller. */
  refreshDevicesSoon: boolean;
}

/** What an event does to the cache, as data. */
export function planEvent(event: InventoryEvent): EventPlan {
  const plan: EventPlan = { patchContainers: false, patchDevices: false, invalidate: [], refreshDevicesSoon: false };
  switch (event.type) {
    case "containerUpserted":
      plan.patchContainers = true;
      plan.invalidate.push(queryKeys.inspect(event.container.uuid));
      plan.refreshDevicesSoon = true;
      break;
    case "containerRemoved":
      plan.patchContainers = true;
      plan.refreshDevicesSoon = true;
      break;
    case "deviceStatusChanged":
      plan.patchDevices = true;
      plan.refreshDevicesSoon = true;
      break;
    case "devicesChanged":
      plan.invalidate.push(queryKeys.devices, queryKeys.containers);
      break;
    case "inventoryChanged":
      plan.invalidate.push(queryKeys.inventory(event.kind));
      break;
  }
  return plan;
}

/** The cache operations applyEvent needs; implemented over a QueryClient in useLiveUpdates. */
export interface LiveCache {
  updateContainers(fn: (list: Container[] | undefined) => Container[] | undefined): void;
  updateDevices(fn: (list: DeviceSummary[] | undefined) => DeviceSummary[] | undefined): void;
  /** Whether the containers list is being fetched right now (an event may race the response). */
  containersFetching(): boolean;
  invalidate(key: QueryKey): void;
  refreshDevicesSoon(): void;
}

/** Applies one backend event to the cache. */
export function applyEvent(cache: LiveCache, event: InventoryEvent): void {
  const plan = planEvent(event);
  if (plan.patchContainers) {
    cache.updateContainers((list) => reduceContainers(list, event));
    // A fetch in flight may have been answered before this change: fetch again to be sure.
    if (cache.containersFetching()) cache.invalidate(queryKeys.containers);
  }
  if (plan.patchDevices) cache.updateDevices((list) => reduceDevices(list, event));
  for (const key of plan.invalidate) cache.invalidate(key);
  if (plan.refreshDevicesSoon) cache.refreshDevicesSoon();
}
