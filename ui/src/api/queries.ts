import { QueryClient, useQuery } from "@tanstack/react-query";
import { commands } from "../bindings";
import { queryKeys } from "./queryKeys";
import { call } from "./unwrap";

/**
 * The UI never polls: every list is kept current by backend events (see live/useLiveUpdates),
 * so results never go stale on their own.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
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
