import { useMemo } from "react";
import { useDevices } from "../api/queries";

/** deviceUuid → device name, from the devices query. */
export function useDeviceNames(): Map<string, string> {
  const devices = useDevices();
  return useMemo(() => new Map((devices.data ?? []).map((d) => [d.device.uuid, d.device.name])), [devices.data]);
}
