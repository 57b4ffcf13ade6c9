import { describe, expect, it } from "vitest";
import type { DeviceStatus } from "../api/types";
import { makeDevice } from "../test/fixtures";
import { nextStaleness, stalenessOf, unavailableReason } from "./staleness";

describe("staleness", () => {
  const nas = (status: DeviceStatus, offlineSince: number | null = 1_000) =>
    makeDevice({ device: { ...makeDevice().device, uuid: "d-2", name: "nas" }, status, offlineSince });

  it("an online device is live; any other status gives a reason naming the device", () => {
    expect(stalenessOf(makeDevice())).toBeNull();
    expect(stalenessOf(nas({ state: "unreachable", reason: "connection refused" }))).toEqual({
      reason: "nas is unreachable: connection refused.",
      since: 1_000,
    });
    expect(unavailableReason("nas", { state: "disabled" })).toMatch(/^nas is disabled/);
    expect(unavailableReason("nas", { state: "connecting" })).toMatch(/connecting to nas/);
  });

  it("keeps the identity of entries, and of the map, that did not change", () => {
    const down = nas({ state: "unreachable", reason: "connection refused" });
    const first = nextStaleness(new Map(), [makeDevice(), down]);
    expect([...first.keys()]).toEqual(["d-2"]);
    // A refetch with the same statuses: the same map.
    expect(nextStaleness(first, [makeDevice(), { ...down }])).toBe(first);
    // Another reason: a new entry.
    const other = nextStaleness(first, [nas({ state: "unreachable", reason: "no route to host" })]);
    expect(other.get("d-2")).not.toBe(first.get("d-2"));
    // Back online: gone.
    expect(nextStaleness(first, [makeDevice(), nas({ state: "online", engineVersion: "27" }, null)]).size).toBe(0);
  });
});
