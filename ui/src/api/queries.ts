import { QueryClient, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { commands } from "../bindings";
import { nowSeconds, rangeSeconds, type RangeKey } from "../lib/statsRange";
import { queryKeys } from "./queryKeys";
import type { ContainerLoad, ContainerSeries, Finding, FleetSeries, StatsLoads } from "./types";
import { call } from "./unwrap";

/**
 * The UI never polls: every list is kept current by backend events (see live/useLiveUpdates),
 * so results never go stale on their own.
 *
 * Every call goes to the app's own backend, never to the network, so the web view's idea of
 * being online has no say: by default a query or mutation started while the machine has no
 * network (a laptop off Wi-Fi, managing its own Docker) waits for the network, for ever.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      mutations: { networkMode: "always" },
      queries: {
        networkMode: "always",
        staleTime: Infinity,
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
        retry: false,
      },
    },
  });
}

export function useContainers() {
  return useQuery({
    queryKey: queryKeys.containers,
    queryFn: () => call(commands.containersList(null)),
  });
}

export function useDevices() {
  return useQuery({
    queryKey: queryKeys.devices,
    queryFn: () => call(commands.devicesList()),
  });
}

export function useImages() {
  return useQuery({
    queryKey: queryKeys.images,
    queryFn: () => call(commands.imagesList(null)),
  });
}

export function useVolumes() {
  return useQuery({
    queryKey: queryKeys.volumes,
    queryFn: () => call(commands.volumesList(null)),
  });
}

export function useNetworks() {
  return useQuery({
    queryKey: queryKeys.networks,
    queryFn: () => call(commands.networksList(null)),
  });
}

/** Live inspect data: always fetched fresh when the drawer opens; refreshed on container events. */
export function useContainerInspect(uuid: string | null) {
  return useQuery({
    queryKey: queryKeys.inspect(uuid ?? ""),
    queryFn: () => call(commands.containerInspect(uuid ?? "")),
    enabled: uuid !== null,
    staleTime: 0,
  });
}

/** A Proxmox guest's configuration, snapshots and addresses, read from its node when shown. */
export function useGuestDetails(uuid: string | null) {
  return useQuery({
    queryKey: queryKeys.guestDetails(uuid ?? ""),
    queryFn: () => call(commands.containerGuestDetails(uuid ?? "")),
    enabled: uuid !== null,
    staleTime: 0,
  });
}

/** How many containers are in each state, on all devices. Refreshed with the devices on container events. */
export function useStateCounts() {
  return useQuery({
    queryKey: queryKeys.stateCounts,
    queryFn: () => call(commands.containersCountByState(null)),
  });
}

/**
 * One part of the newest load of every running container and every device (patched by
 * `statsRecorded` events). A stats round patches the whole cache entry (the device's load is new
 * every round), but a part it left as it was keeps its object: a screen that reads only that
 * part does not render again. A round of idle containers changes no container's load.
 */
function useStatsLoadsPart<T>(select: (loads: StatsLoads) => T) {
  return useQuery({
    queryKey: queryKeys.statsLoads,
    queryFn: () => call(commands.statsLoads()),
    select,
  });
}

const containerLoadsOf = (loads: StatsLoads) => loads.containers;
const deviceLoadsOf = (loads: StatsLoads) => loads.devices;
const anyLoadOf = (loads: StatsLoads) => loads.devices.length > 0 || loads.containers.length > 0;

/** Each device's newest summed load. */
export function useDeviceLoads() {
  return useStatsLoadsPart(deviceLoadsOf);
}

/** Whether any stats round was recorded this session (`data` true), without the loads. */
export function useAnyLoad() {
  return useStatsLoadsPart(anyLoadOf);
}

/** Loads by container uuid, for the containers table. */
export function useRegistries() {
  return useQuery({
    queryKey: queryKeys.registries,
    queryFn: () => call(commands.registriesList()),
  });
}

/** The last update check (null before the first); refreshed by its `updatesChecked` event. */
export function useUpdates() {
  return useQuery({
    queryKey: queryKeys.updates,
    queryFn: () => call(commands.updatesLast()),
  });
}

/** The previous images kept by updates, for a roll back. */
export function useKeptImages() {
  return useQuery({
    queryKey: queryKeys.keptImages,
    queryFn: () => call(commands.keptImagesList()),
  });
}

/** Hours a previous image is kept after an update. */
export function useKeepHours() {
  return useQuery({
    queryKey: queryKeys.keepHours,
    queryFn: () => call(commands.keptImagesHoursGet()),
  });
}

/** Each container's finding in the last update check, by container uuid. */
export function useUpdateFindings(): Map<string, Finding> {
  const updates = useUpdates();
  return useMemo(
    () => new Map((updates.data?.findings ?? []).map((f) => [f.containerUuid, f.finding])),
    [updates.data],
  );
}

export function useContainerLoads(): Map<string, ContainerLoad> {
  const loads = useStatsLoadsPart(containerLoadsOf);
  return useMemo(() => new Map((loads.data ?? []).map((l) => [l.containerUuid, l])), [loads.data]);
}

export function useStatsRetention() {
  return useQuery({
    queryKey: queryKeys.statsRetention,
    queryFn: () => call(commands.statsRetentionGet()),
  });
}

/** A container's newest sample; refreshed (throttled) on `statsRecorded` events. */
export function useStatsLatest(uuid: string | null, enabled = true) {
  return useQuery({
    queryKey: queryKeys.statsLatest(uuid ?? ""),
    queryFn: () => call(commands.statsLatest(uuid ?? "")),
    enabled: enabled && uuid !== null,
  });
}

/** A series together with the window it was asked for (Unix seconds), for the chart's time axis. */
export interface Windowed<T> {
  series: T;
  from: number;
  to: number;
}

/** Series refetch when shown again after this long (events refresh them while shown). */
const SERIES_STALE_MS = 10_000;

export function useFleetSeries(deviceUuid: string | null, range: RangeKey) {
  return useQuery({
    queryKey: queryKeys.fleetSeries(deviceUuid, range),
    queryFn: async (): Promise<Windowed<FleetSeries>> => {
      const to = nowSeconds();
      const from = to - rangeSeconds(range);
      const series = await call(commands.statsFleetSeries(deviceUuid, from, null));
      return { series, from: series.from ?? from, to: Math.max(series.to ?? to, to) };
    },
    staleTime: SERIES_STALE_MS,
  });
}

export function useContainerSeries(uuid: string | null, range: RangeKey, enabled = true) {
  return useQuery({
    queryKey: queryKeys.containerSeries(uuid ?? "", range),
    queryFn: async (): Promise<Windowed<ContainerSeries>> => {
      const to = nowSeconds();
      const from = to - rangeSeconds(range);
      const series = await call(commands.statsContainerSeries(uuid ?? "", from, null));
      return { series, from: series.from ?? from, to: Math.max(series.to ?? to, to) };
    },
    enabled: enabled && uuid !== null,
    staleTime: SERIES_STALE_MS,
  });
}
