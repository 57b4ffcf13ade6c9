import { useQueryClient } from "@tanstack/react-query";
import type { UnlistenFn } from "@tauri-apps/api/event";
import { useEffect } from "react";
import { queryKeys } from "../api/queryKeys";
import type { Container, DeviceSummary, InventoryEvent, StatsLoads } from "../api/types";
import { events } from "../bindings";
import { applyEvents, type LiveCache } from "./applyEvent";
import { createCoalescer, seriesDuePredicate } from "./statsRefresh";

const DEVICES_REFRESH_DELAY_MS = 300;
/**
 * Events are applied in batches, at most this often: a burst (a first sync of thousands of
 * containers, a mass restart) is one cache update and one render, not one per event.
 */
const BATCH_MS = 50;
/** Stats rounds (one event per device) refresh the shown charts at most this often. */
const STATS_REFRESH = { delayMs: 1_000, minGapMs: 5_000 };

/** Subscribes once to the backend's inventory events and keeps the query cache current. */
export function useLiveUpdates(): void {
  const queryClient = useQueryClient();

  useEffect(() => {
    let disposed = false;
    let devicesTimer: ReturnType<typeof setTimeout> | undefined;
    const unlisteners: UnlistenFn[] = [];
    // container uuid → device uuid, rebuilt when the containers list changes.
    let deviceIndex: { list: Container[] | undefined; map: Map<string, string> } = { list: undefined, map: new Map() };
    const statsRefresh = createCoalescer(() => {
      // Only shown queries refetch; the others are marked stale and refetch when shown again.
      void queryClient.invalidateQueries({ predicate: seriesDuePredicate(Date.now()) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.statsLatestAll });
    }, STATS_REFRESH);

    const cache: LiveCache = {
      updateContainers: (fn) => queryClient.setQueryData<Container[]>(queryKeys.containers, fn),
      updateDevices: (fn) => queryClient.setQueryData<DeviceSummary[]>(queryKeys.devices, fn),
      containersFetching: () => queryClient.isFetching({ queryKey: queryKeys.containers, exact: true }) > 0,
      invalidate: (key) => void queryClient.invalidateQueries({ queryKey: key }),
      refreshDevicesSoon: () => {
        clearTimeout(devicesTimer);
        devicesTimer = setTimeout(() => {
          void queryClient.invalidateQueries({ queryKey: queryKeys.devices });
          void queryClient.invalidateQueries({ queryKey: queryKeys.stateCounts });
        }, DEVICES_REFRESH_DELAY_MS);
      },
      updateLoads: (fn) => queryClient.setQueryData<StatsLoads>(queryKeys.statsLoads, fn),
      containerDevice: (uuid) => {
        const list = queryClient.getQueryData<Container[]>(queryKeys.containers);
        if (list !== deviceIndex.list) {
          deviceIndex = { list, map: new Map((list ?? []).map((c) => [c.uuid, c.deviceUuid])) };
        }
        return deviceIndex.map.get(uuid);
      },
      refreshStatsSoon: () => statsRefresh.request(),
    };

    const keep = (subscribe: () => Promise<UnlistenFn>, what: string) => {
      let pending: Promise<UnlistenFn>;
      try {
        pending = subscribe();
      } catch (e) {
        pending = Promise.reject(e);
      }
      pending.then(
        (unlisten) => (disposed ? unlisten() : unlisteners.push(unlisten)),
        (e: unknown) => console.warn(`Squirrel: cannot listen to ${what}; live updates are off.`, e),
      );
    };

    let queue: InventoryEvent[] = [];
    let batchTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      batchTimer = undefined;
      const batch = queue;
      queue = [];
      applyEvents(cache, batch);
    };
    const enqueue = (event: InventoryEvent) => {
      // Live samples are for the open drawer, which listens to them itself (useLiveStats).
      if (event.type === "liveStats" || event.type === "liveStatsEnded") return;
      queue.push(event);
      batchTimer ??= setTimeout(flush, BATCH_MS);
    };

    keep(() => events.inventoryEvent.listen((e) => enqueue(e.payload)), "inventory events");
    keep(() => events.resyncRequired.listen(() => void queryClient.invalidateQueries()), "resync requests");

    return () => {
      disposed = true;
      clearTimeout(devicesTimer);
      clearTimeout(batchTimer);
      statsRefresh.cancel();
      for (const unlisten of unlisteners) unlisten();
    };
  }, [queryClient]);
}
