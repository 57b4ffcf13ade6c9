import type { QueryKey } from "@tanstack/react-query";
import { queryKeys } from "../api/queryKeys";
import type { Container, ContainerLoad, DeviceStatus, DeviceSummary, InventoryEvent, StatsLoads } from "../api/types";

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

/**
 * The containers list after a batch of events, in one pass and one copy: a burst of thousands
 * of events (a first sync, a mass start) costs one new array, not one per event. Rows the
 * batch does not touch keep their identity (their table rows need not re-render).
 */
export function reduceContainersBatch(list: Container[] | undefined, events: InventoryEvent[]): Container[] | undefined {
  if (!list) return list;
  // The final word of the batch on each container it touches: the container, or null (gone).
  const touched = new Map<string, Container | null>();
  let current: Map<string, Container> | undefined;
  for (const event of events) {
    if (event.type === "containerUpserted") {
      const c = event.container;
      current ??= new Map(list.map((x) => [x.uuid, x]));
      const before = touched.has(c.uuid) ? touched.get(c.uuid) : current.get(c.uuid);
      if (before && before.updatedAt != null && c.updatedAt != null && c.updatedAt < before.updatedAt) continue;
      touched.set(c.uuid, c);
    } else if (event.type === "containerRemoved") {
      touched.set(event.uuid, null);
    }
  }
  if (touched.size === 0) return list;
  let changed = false;
  const next: Container[] = [];
  for (const c of list) {
    if (!touched.has(c.uuid)) {
      next.push(c);
      continue;
    }
    const v = touched.get(c.uuid);
    touched.delete(c.uuid);
    if (v !== c) changed = true;
    if (v) next.push(v);
  }
  for (const v of touched.values()) {
    if (v) {
      next.push(v);
      changed = true;
    }
  }
  return changed ? next : list;
}

/** The devices list after an event. */
export function reduceDevices(list: DeviceSummary[] | undefined, event: InventoryEvent): DeviceSummary[] | undefined {
  if (event.type === "deviceStatusChanged") return patchDeviceStatus(list, event.deviceUuid, event.status);
  if (event.type === "deviceNodesChanged" && list) {
    return list.map((d) => (d.device.uuid === event.deviceUuid ? { ...d, nodes: event.nodes } : d));
  }
  return list;
}

/**
 * The loads (for the table's bars and the dashboard) after an event. A stats round replaces its
 * device's load and the loads of that device's containers: a container of that device the round
 * does not list has no current load any more. `deviceOf` maps a container to its device (from
 * the containers list); a container it does not know keeps its load until a round lists it.
 */
export function reduceLoads(
  loads: StatsLoads | undefined,
  event: InventoryEvent,
  deviceOf: (containerUuid: string) => string | undefined,
): StatsLoads | undefined {
  if (!loads) return loads;
  switch (event.type) {
    case "statsRecorded": {
      const deviceUuid = event.load.deviceUuid;
      const listed = new Set(event.containers.map((c) => c.containerUuid));
      const containers: ContainerLoad[] = loads.containers.filter(
        (c) => !listed.has(c.containerUuid) && deviceOf(c.containerUuid) !== deviceUuid,
      );
      containers.push(...event.containers);
      const index = loads.devices.findIndex((d) => d.deviceUuid === deviceUuid);
      const devices = loads.devices.slice();
      if (index === -1) devices.push(event.load);
      else devices[index] = event.load;
      return { containers, devices };
    }
    case "statsChanged": {
      // Only what looks different since the last round came: the rest keeps its load (and
      // its object, so rows that did not change do not render again). A changed load takes
      // the place of the one before it: the cache shares what is equal by position, so a load
      // moved to the end would make every load after the old place a new object.
      const gone = new Set(event.gone);
      const changed = new Map(event.changed.map((c) => [c.containerUuid, c]));
      let containers = loads.containers;
      if (gone.size > 0 || changed.size > 0) {
        containers = [];
        for (const c of loads.containers) {
          if (gone.has(c.containerUuid)) continue;
          const next = changed.get(c.containerUuid);
          containers.push(next ?? c);
          changed.delete(c.containerUuid);
        }
        containers.push(...changed.values());
      }
      const index = loads.devices.findIndex((d) => d.deviceUuid === event.load.deviceUuid);
      const devices = loads.devices.slice();
      if (index === -1) devices.push(event.load);
      else devices[index] = event.load;
      return { containers, devices };
    }
    case "containerRemoved":
      return withoutContainerLoad(loads, event.uuid);
    case "containerUpserted":
      // Only running containers have a current load; the next round brings it back.
      return event.container.state === "running" ? loads : withoutContainerLoad(loads, event.container.uuid);
    default:
      return loads;
  }
}

function withoutContainerLoad(loads: StatsLoads, uuid: string): StatsLoads {
  const containers = loads.containers.filter((c) => c.containerUuid !== uuid);
  return containers.length === loads.containers.length ? loads : { ...loads, containers };
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
  /** Patch the stats loads cache with reduceLoads. */
  patchLoads: boolean;
  /** Refresh the shown stats (series, latest samples) soon; throttled by the caller. */
  refreshStatsSoon: boolean;
  /** Something the user must be told, once (not a change of a list). */
  notice?: Notice;
}

/** A message for the user from the backend's own work. */
export interface Notice {
  title: string;
  message: string;
  tone: "info" | "warning";
}

/** What an event does to the cache, as data. */
export function planEvent(event: InventoryEvent): EventPlan {
  const plan: EventPlan = {
    patchContainers: false,
    patchDevices: false,
    invalidate: [],
    refreshDevicesSoon: false,
    patchLoads: false,
    refreshStatsSoon: false,
  };
  switch (event.type) {
    case "containerUpserted":
      plan.patchContainers = true;
      plan.invalidate.push(queryKeys.inspect(event.container.uuid));
      plan.refreshDevicesSoon = true;
      plan.patchLoads = true;
      break;
    case "containerRemoved":
      plan.patchContainers = true;
      plan.refreshDevicesSoon = true;
      plan.patchLoads = true;
      break;
    case "deviceStatusChanged":
      plan.patchDevices = true;
      plan.refreshDevicesSoon = true;
      break;
    case "devicesChanged":
      plan.invalidate.push(queryKeys.devices, queryKeys.containers, queryKeys.stateCounts, queryKeys.statsLoads);
      break;
    case "deviceNodesChanged":
      // A cluster's nodes or their health: the devices list carries them.
      plan.patchDevices = true;
      break;
    case "inventoryChanged":
      plan.invalidate.push(queryKeys.inventory(event.kind));
      break;
    case "statsRecorded":
    case "statsChanged":
      plan.patchLoads = true;
      plan.refreshStatsSoon = true;
      break;
    case "updatesChecked":
      plan.invalidate.push(queryKeys.updates);
      break;
    case "historyChanged":
      plan.invalidate.push(queryKeys.logHistory);
      break;
    case "historyBackfilled":
      // A Proxmox guest's recorded load was stored: its charts and the fleet's read again.
      plan.invalidate.push(queryKeys.containerSeriesPrefix(event.containerUuid));
      break;
    case "recreateRecovered":
      plan.invalidate.push(queryKeys.keptImages);
      plan.notice = {
        title: event.recovery.settled ? `${event.recovery.container} was put back` : `${event.recovery.container} needs a look`,
        message: event.recovery.message,
        tone: event.recovery.settled ? "info" : "warning",
      };
      break;
    // liveStats and liveStatsEnded are for the open drawer, which listens itself (useLiveStats).
  }
  return plan;
}

/** The cache operations applyEvents needs; implemented over a QueryClient in useLiveUpdates. */
export interface LiveCache {
  updateContainers(fn: (list: Container[] | undefined) => Container[] | undefined): void;
  updateDevices(fn: (list: DeviceSummary[] | undefined) => DeviceSummary[] | undefined): void;
  /** Whether the containers list is being fetched right now (an event may race the response). */
  containersFetching(): boolean;
  invalidate(key: QueryKey): void;
  refreshDevicesSoon(): void;
  updateLoads(fn: (loads: StatsLoads | undefined) => StatsLoads | undefined): void;
  /** The device of a container, from the containers list. */
  containerDevice(containerUuid: string): string | undefined;
  refreshStatsSoon(): void;
  notify(notice: Notice): void;
}

/**
 * Applies a batch of backend events to the cache: each list is patched once for the whole
 * batch (one update, one render), each query invalidated at most once.
 */
export function applyEvents(cache: LiveCache, events: InventoryEvent[]): void {
  const plans = events.map(planEvent);
  const containerEvents = events.filter((_, i) => plans[i].patchContainers);
  if (containerEvents.length > 0) {
    cache.updateContainers((list) => reduceContainersBatch(list, containerEvents));
  }
  const deviceEvents = events.filter((_, i) => plans[i].patchDevices);
  if (deviceEvents.length > 0) {
    cache.updateDevices((list) => deviceEvents.reduce(reduceDevices, list));
  }
  const invalidate = new Map<string, QueryKey>();
  // A fetch in flight may have been answered before these changes: fetch again to be sure.
  if (containerEvents.length > 0 && cache.containersFetching()) invalidate.set(JSON.stringify(queryKeys.containers), queryKeys.containers);
  for (const plan of plans) for (const key of plan.invalidate) invalidate.set(JSON.stringify(key), key);
  for (const key of invalidate.values()) cache.invalidate(key);
  if (plans.some((p) => p.refreshDevicesSoon)) cache.refreshDevicesSoon();
  const loadEvents = events.filter((_, i) => plans[i].patchLoads);
  if (loadEvents.length > 0) {
    cache.updateLoads((loads) => loadEvents.reduce((l, e) => reduceLoads(l, e, (uuid) => cache.containerDevice(uuid)), loads));
  }
  if (plans.some((p) => p.refreshStatsSoon)) cache.refreshStatsSoon();
  for (const plan of plans) if (plan.notice) cache.notify(plan.notice);
}
