import { notifications } from "@mantine/notifications";
import { useQueryClient, type QueryKey } from "@tanstack/react-query";
import type { UnlistenFn } from "@tauri-apps/api/event";
import { useEffect, useState } from "react";
import { queryKeys } from "../api/queryKeys";
import type { Container, DeviceSummary, InventoryEvent, StatsLoads } from "../api/types";
import { commands, events } from "../bindings";
import { onVisibilityChange, windowVisible } from "../lib/visibility";
import { applyEvents, type LiveCache } from "./applyEvent";
import { createCoalescer, isLiveStatsKey, seriesDuePredicate } from "./statsRefresh";

/**
 * Container events refresh the devices' counts soon after a burst, and at least once a second
 * while events keep coming (a plain debounce would never fire during a mass restart).
 */
const DEVICES_REFRESH = { delayMs: 300, minGapMs: 1_000 };
/**
 * Events are applied in batches, at most this often: a burst (a first sync of thousands of
 * containers, a mass restart) is one cache update and one render, not one per event.
 */
const BATCH_MS = 50;
/** Stats rounds (one event per device) refresh the shown charts at most this often. */
const STATS_REFRESH = { delayMs: 1_000, minGapMs: 5_000 };

/** Tells the backend whether the window is shown; a failure only costs live data sent for nothing. */
function reportVisibility(visible: boolean): void {
  Promise.resolve()
    .then(() => commands.windowVisibilitySet(visible))
    .catch((e: unknown) => console.warn("Squirrel: cannot tell the backend whether the window is shown.", e));
}

/**
 * Subscribes once to the backend's inventory events and keeps the query cache current.
 *
 * While the window is hidden (minimised, another desktop), live data is not rendered: the
 * backend stops sending stats rounds, the ones already on their way are dropped, and no stats
 * refresh runs. Inventory events still apply (they are rare, and keep the lists right). When
 * the window is shown again, the stats queries are reloaded from the store in one step.
 *
 * Returns whether every listener is in place. The window fetches nothing before (see App):
 * a list fetched earlier could miss what was sent before the listeners were there, and would
 * have to be fetched again; at a launch with 5,000 containers, that was a second list of
 * 5,000 read, sent and thrown away.
 */
export function useLiveUpdates(): boolean {
  const queryClient = useQueryClient();
  const [listening, setListening] = useState(false);

  useEffect(() => {
    let disposed = false;
    const devicesRefresh = createCoalescer(() => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.devices });
      void queryClient.invalidateQueries({ queryKey: queryKeys.stateCounts });
    }, DEVICES_REFRESH);
    const unlisteners: UnlistenFn[] = [];
    // container uuid → device uuid, rebuilt when the containers list changes.
    let deviceIndex: { list: Container[] | undefined; map: Map<string, string> } = { list: undefined, map: new Map() };
    const statsRefresh = createCoalescer(() => {
      // Only shown queries refetch; the others are marked stale and refetch when shown again.
      void queryClient.invalidateQueries({ predicate: seriesDuePredicate(Date.now()) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.statsLatestAll });
    }, STATS_REFRESH);

    /**
     * Patches a cached list with what events changed. A list marked for reloading (by a
     * resync, or a catch-up, while no screen showed it) stays marked: `setQueryData` alone
     * makes it fresh, and the patched list, short of what the events missed, was then kept for
     * good (after a first sync of 5,000 containers overflowed the bus, the window showed 4,096
     * of them). Marked only: a fetch in flight is not restarted by every batch of a burst.
     */
    const patch = <T,>(key: QueryKey, fn: (old: T | undefined) => T | undefined) => {
      const reload = queryClient.getQueryState(key)?.isInvalidated === true;
      queryClient.setQueryData<T>(key, fn);
      if (reload) void queryClient.invalidateQueries({ queryKey: key, exact: true, refetchType: "none" });
    };

    /**
     * Fetches anew what `filters` match (all queries by default). A fetch already in flight may
     * have read the store before what prompted this, and invalidating alone joins it when the
     * query has no data yet: at a launch with 5,000 containers, the first list (read before
     * the first sync was written) came back empty after the resync, the events patched 4,096
     * into it, and nothing fetched again. So in-flight fetches are cancelled first.
     */
    const fetchAnew = (filters?: { queryKey: QueryKey; exact?: boolean }) => {
      void queryClient.cancelQueries(filters).then(() => queryClient.invalidateQueries(filters));
    };

    const cache: LiveCache = {
      updateContainers: (fn) => patch<Container[]>(queryKeys.containers, fn),
      updateDevices: (fn) => patch<DeviceSummary[]>(queryKeys.devices, fn),
      containersFetching: () => queryClient.isFetching({ queryKey: queryKeys.containers, exact: true }) > 0,
      invalidate: (key) => fetchAnew({ queryKey: key }),
      refreshDevicesSoon: () => devicesRefresh.request(),
      updateLoads: (fn) => patch<StatsLoads>(queryKeys.statsLoads, fn),
      containerDevice: (uuid) => {
        const list = queryClient.getQueryData<Container[]>(queryKeys.containers);
        if (list !== deviceIndex.list) {
          deviceIndex = { list, map: new Map((list ?? []).map((c) => [c.uuid, c.deviceUuid])) };
        }
        return deviceIndex.map.get(uuid);
      },
      refreshStatsSoon: () => statsRefresh.request(),
      notify: (notice) =>
        notifications.show({
          title: notice.title,
          message: notice.message,
          color: notice.tone === "warning" ? "orange" : "blue",
          autoClose: notice.tone === "warning" ? false : 15_000,
        }),
    };

    const keep = (subscribe: () => Promise<UnlistenFn>, what: string): Promise<unknown> => {
      let pending: Promise<UnlistenFn>;
      try {
        pending = Promise.resolve(subscribe());
      } catch (e) {
        pending = Promise.reject(e);
      }
      return pending.then(
        (unlisten) => (disposed ? unlisten() : unlisteners.push(unlisten)),
        (e: unknown) => console.warn(`Squirrel: cannot listen to ${what}; live updates are off.`, e),
      );
    };

    let hidden = !windowVisible();
    reportVisibility(!hidden);
    const stopWatchingVisibility = onVisibilityChange((visible) => {
      reportVisibility(visible);
      if (!visible) {
        hidden = true;
        statsRefresh.cancel();
      } else if (hidden) {
        hidden = false;
        // Catch up: what the hidden window was not sent is in the store.
        void queryClient.invalidateQueries({ predicate: (q) => isLiveStatsKey(q.queryKey) });
      }
    });

    let queue: InventoryEvent[] = [];
    let batchTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      batchTimer = undefined;
      // Rounds that arrived before the window was hidden are reloaded when it is shown.
      const batch = hidden ? queue.filter((e) => !isStatsRound(e)) : queue;
      queue = [];
      if (batch.length > 0) applyEvents(cache, batch);
    };
    const enqueue = (event: InventoryEvent) => {
      // Live samples are for the open drawer, which listens to them itself (useLiveStats).
      if (event.type === "liveStats" || event.type === "liveStatsEnded") return;
      if (hidden && isStatsRound(event)) return;
      queue.push(event);
      batchTimer ??= setTimeout(flush, BATCH_MS);
    };

    const listening = [
      keep(() => events.inventoryEvents.listen((e) => e.payload.forEach(enqueue)), "inventory events"),
      keep(() => events.resyncRequired.listen(() => fetchAnew()), "resync requests"),
    ];
    // Each listener starts at its own moment: what was sent before all of them listened (a
    // first sync's overflow, and the reload it asks for) is not lost, because everything
    // fetched so far is fetched again once they all do.
    void Promise.all(listening).then(() => {
      if (disposed) return;
      setListening(true);
      fetchAnew();
    });

    return () => {
      disposed = true;
      stopWatchingVisibility();
      devicesRefresh.cancel();
      clearTimeout(batchTimer);
      statsRefresh.cancel();
      for (const unlisten of unlisteners) unlisten();
    };
  }, [queryClient]);

  return listening;
}

/** A stats round, whole or as the changes the window has not seen. */
function isStatsRound(event: InventoryEvent): boolean {
  return event.type === "statsRecorded" || event.type === "statsChanged";
}
