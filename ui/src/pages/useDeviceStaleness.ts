import { useMemo, useRef } from "react";
import { useDevices } from "../api/queries";
import { nextStaleness, type Staleness } from "../lib/staleness";

const NONE: ReadonlyMap<string, Staleness> = new Map();

/**
 * deviceUuid → why its containers are last seen, for the devices not online. Entries keep
 * their identity while unchanged, so memoized rows given one do not re-render for nothing.
 */
export function useDeviceStaleness(): ReadonlyMap<string, Staleness> {
  const devices = useDevices();
  const previous = useRef(NONE);
  return useMemo(() => {
    const next = nextStaleness(previous.current, devices.data ?? []);
    previous.current = next;
    return next;
  }, [devices.data]);
}
