import type { DeviceStatus, DeviceSummary } from "../api/types";
import { LOCALE } from "./intl";

/**
 * Why a device's containers are shown as last seen rather than live: Squirrel does not reach
 * its engine now, so their state is the last one seen and no action can reach them.
 */
export interface Staleness {
  /** A sentence naming the device and saying why, for tooltips and disabled actions. */
  reason: string;
  /** Unix milliseconds at which the device stopped being online; null when not known. */
  since: number | null;
}

/** Why actions cannot reach a device in this status; empty while it is online. */
export function unavailableReason(name: string, status: DeviceStatus): string {
  switch (status.state) {
    case "online":
      return "";
    case "connecting":
      return `Squirrel is still connecting to ${name}; try again in a moment.`;
    case "unreachable": {
      const reason = status.reason.trim().replace(/[.!]$/, "");
      return reason ? `${name} is unreachable: ${reason}.` : `${name} is unreachable.`;
    }
    case "hostKeyUnknown":
      return `${name} waits for its SSH host key to be approved in Devices.`;
    case "disabled":
      return `${name} is disabled: enable it in Devices to act on its containers.`;
  }
}

/** A device's staleness; null while it is online (its containers are live). */
export function stalenessOf(summary: DeviceSummary): Staleness | null {
  if (summary.status.state === "online") return null;
  return {
    reason: unavailableReason(summary.device.name, summary.status),
    since: summary.offlineSince ?? null,
  };
}

/**
 * Device uuid → staleness, for the devices not online. Entries that did not change keep their
 * identity, and so does the whole map when nothing changed: memoized rows given an entry
 * re-render only when their device's staleness really changed (the devices list is refetched
 * after every burst of container events).
 */
export function nextStaleness(
  previous: ReadonlyMap<string, Staleness>,
  summaries: readonly DeviceSummary[],
): ReadonlyMap<string, Staleness> {
  const next = new Map<string, Staleness>();
  let same = true;
  for (const summary of summaries) {
    const fresh = stalenessOf(summary);
    if (!fresh) continue;
    const uuid = summary.device.uuid;
    const old = previous.get(uuid);
    const kept = old && old.reason === fresh.reason && old.since === fresh.since ? old : fresh;
    if (kept !== old) same = false;
    next.set(uuid, kept);
  }
  return same && next.size === previous.size ? previous : next;
}

const TIME = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit" });
const DATE_TIME = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short" });
const FULL = new Intl.DateTimeFormat(LOCALE, { dateStyle: "full", timeStyle: "medium" });

/** A past moment, short: the time alone when it is today, else the date and time. */
export function formatAsOf(ms: number, nowMs: number): string {
  const at = new Date(ms);
  return at.toDateString() === new Date(nowMs).toDateString() ? TIME.format(at) : DATE_TIME.format(at);
}

/** A past moment in full, for a title. */
export function formatAsOfFull(ms: number): string {
  return FULL.format(new Date(ms));
}
