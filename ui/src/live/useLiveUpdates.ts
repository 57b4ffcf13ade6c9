import { useQueryClient } from "@tanstack/react-query";
import type { UnlistenFn } from "@tauri-apps/api/event";
import { useEffect } from "react";
import { queryKeys } from "../api/queryKeys";
import type { Container, DeviceSummary } from "../api/types";
import { events } from "../bindings";
import { applyEvent, type LiveCache } from "./applyEvent";

const DEVICES_REFRESH_DELAY_MS = 300;

/** Subscribes once to the backend's inventory events and keeps the query cache current. */
export function useLiveUpdates(): void {
  const queryClient = useQueryClient();

  useEffect(() => {
    let disposed = false;
    let devicesTimer: ReturnType<typeof setTimeout> | undefined;
    const unlisteners: UnlistenFn[] = [];

    const cache: LiveCache = {
      updateContainers: (fn) => queryClient.setQueryData<Container[]>(queryKeys.containers, fn),
      updateDevices: (fn) => queryClient.setQueryData<DeviceSummary[]>(queryKeys.devices, fn),
      containersFetching: () => queryClient.isFetching({ queryKey: queryKeys.containers, exact: true }) > 0,
      invalidate: (key) => void queryClient.invalidateQueries({ queryKey: key }),
      refreshDevicesSoon: () => {
        clearTimeout(devicesTimer);
        devicesTimer = setTimeout(
          () => void queryClient.invalidateQueries({ queryKey: queryKeys.devices }),
          DEVICES_REFRESH_DELAY_MS,
        );
      },
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

    keep(() => events.inventoryEvent.listen((e) => applyEvent(cache, e.payload)), "inventory events");
    keep(() => events.resyncRequired.listen(() => void queryClient.invalidateQueries()), "resync requests");

    return () => {
      disposed = true;
      clearTimeout(devicesTimer);
      for (const unlisten of unlisteners) unlisten();
    };
  }, [queryClient]);
}
