import type { UnlistenFn } from "@tauri-apps/api/event";
import { useEffect, useState } from "react";
import type { InventoryEvent, StatsSample } from "../api/types";
import { call, errorMessage } from "../api/unwrap";
import { commands, events } from "../bindings";
import { LIVE_WINDOW_SECS } from "../lib/statsRange";

/**
 * Adds a live sample to the window: ordered by time, one sample per timestamp, and only the
 * last `windowSecs` seconds (relative to the newest sample) kept. Returns a new array.
 */
export function appendSample(
  samples: readonly StatsSample[],
  sample: StatsSample,
  windowSecs: number = LIVE_WINDOW_SECS,
): StatsSample[] {
  if (sample.ts == null) return samples.slice();
  const ts = sample.ts;
  const next = samples.filter((s) => s.ts != null && s.ts !== ts);
  let at = next.length;
  while (at > 0 && (next[at - 1].ts ?? 0) > ts) at--;
  next.splice(at, 0, sample);
  const newest = next[next.length - 1].ts ?? ts;
  const from = newest - windowSecs;
  const first = next.findIndex((s) => (s.ts ?? 0) >= from);
  return first <= 0 ? next : next.slice(first);
}

export type LiveStatus = "idle" | "starting" | "live" | "ended" | "error";

export interface LiveStats {
  status: LiveStatus;
  /** The container the state is about. */
  containerUuid: string | null;
  samples: StatsSample[];
  /** Why the stream could not start, or why it ended. */
  message: string | null;
}

const IDLE: LiveStats = { status: "idle", containerUuid: null, samples: [], message: null };

type LiveEvent = Extract<InventoryEvent, { type: "liveStats" | "liveStatsEnded" }>;

export interface LiveOptions {
  /**
   * When the stream is disabled (say, the container stopped), keep showing its last samples as
   * "ended" for as long as this holds; once it does not, they are dropped.
   */
  retain?: boolean;
}

/**
 * A 1 Hz stream of a running container's stats while `enabled`: started with `statsLiveStart`,
 * stopped on disable, unmount or another container. Samples are kept for the live window.
 */
export function useLiveStats(containerUuid: string | null, enabled: boolean, { retain = false }: LiveOptions = {}): LiveStats {
  const [state, setState] = useState<LiveStats>(IDLE);

  // Samples kept for a stopped container are dropped once they need not be kept any more, so
  // that they never show up later as if they were recent.
  useEffect(() => {
    if (!retain && !enabled) setState((s) => (s === IDLE ? s : IDLE));
  }, [retain, enabled]);

  useEffect(() => {
    if (!enabled || containerUuid === null) return;
    let disposed = false;
    let subscription: number | null = null;
    let unlisten: UnlistenFn | null = null;
    // Samples that arrive before statsLiveStart answers with our subscription id.
    const early: LiveEvent[] = [];

    const fresh: LiveStats = { status: "starting", containerUuid, samples: [], message: null };
    setState(fresh);

    const handle = (e: LiveEvent) => {
      if (e.type === "liveStats") {
        setState((s) => ({ ...s, status: "live", samples: appendSample(s.samples, e.sample), message: null }));
      } else {
        setState((s) => ({ ...s, status: "ended", message: e.reason }));
      }
    };

    const onEvent = (payload: InventoryEvent) => {
      if (payload.type !== "liveStats" && payload.type !== "liveStatsEnded") return;
      if (payload.containerUuid !== containerUuid) return;
      if (subscription === null) early.push(payload);
      else if (payload.subscription === subscription) handle(payload);
    };

    void (async () => {
      try {
        unlisten = await events.inventoryEvents.listen((e) => e.payload.forEach(onEvent));
      } catch (e) {
        if (!disposed) setState({ ...fresh, status: "error", message: `Live updates are unavailable: ${errorMessage(e)}` });
        return;
      }
      if (disposed) {
        unlisten();
        return;
      }
      try {
        const id = await call(commands.statsLiveStart(containerUuid));
        if (disposed) {
          void commands.statsLiveStop(id).catch(() => {});
          return;
        }
        subscription = id;
        for (const e of early.splice(0)) if (e.subscription === id) handle(e);
      } catch (e) {
        if (!disposed) setState({ ...fresh, status: "error", message: errorMessage(e) });
      }
    })();

    return () => {
      disposed = true;
      unlisten?.();
      if (subscription !== null) void commands.statsLiveStop(subscription).catch(() => {});
    };
  }, [containerUuid, enabled]);

  if (containerUuid === null) return IDLE;
  if (!enabled) {
    if (retain && state.containerUuid === containerUuid && state.samples.length > 0) {
      return { ...state, status: "ended", message: state.status === "ended" ? state.message : null };
    }
    return IDLE;
  }
  // Until the effect resets it, the state may still be another container's.
  return state.containerUuid === containerUuid ? state : { ...IDLE, status: "starting", containerUuid };
}
