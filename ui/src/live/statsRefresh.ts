import type { Query, QueryKey } from "@tanstack/react-query";

/**
 * Runs `run` at most once per `minGapMs`, at least `delayMs` after the first request of a burst.
 * Every device's stats round is an event, and rounds of many devices come staggered: a plain
 * debounce could wait forever, a plain call would refetch once per device. This coalesces them.
 */
export interface Coalescer {
  request(): void;
  cancel(): void;
}

export function createCoalescer(
  run: () => void,
  { delayMs, minGapMs }: { delayMs: number; minGapMs: number },
  now: () => number = Date.now,
): Coalescer {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastRun = Number.NEGATIVE_INFINITY;
  return {
    request() {
      if (timer !== undefined) return;
      const wait = Math.max(delayMs, lastRun + minGapMs - now());
      timer = setTimeout(() => {
        timer = undefined;
        lastRun = now();
        run();
      }, wait);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** Series queries: refreshed from events, each at the pace of its resolution. */
const SERIES_ROOTS: ReadonlySet<unknown> = new Set(["fleetSeries", "containerSeries"]);

export function isSeriesKey(key: QueryKey): boolean {
  return SERIES_ROOTS.has(key[0]);
}

/** Queries fed by stats rounds: what a window shown again reloads from the store. */
const LIVE_STATS_ROOTS: ReadonlySet<unknown> = new Set(["statsLoads", "statsLatest", ...SERIES_ROOTS]);

export function isLiveStatsKey(key: QueryKey): boolean {
  return LIVE_STATS_ROOTS.has(key[0]);
}

/** The longest a shown series waits for new points, whatever its resolution. */
const MAX_SERIES_AGE_S = 300;

/**
 * Whether a series fetched at `updatedAtMs` should be fetched again at `nowMs`: once per bucket
 * (`step` seconds; a 1 h chart at 10 s refreshes every round, a 30 d chart at 1 h every 5 min).
 * A second of slack keeps a 10 s step in step with 10 s rounds.
 */
export function seriesRefreshDue(step: number | null | undefined, updatedAtMs: number, nowMs: number): boolean {
  if (!updatedAtMs) return true;
  const stepS = step != null && Number.isFinite(step) && step > 0 ? step : 10;
  const everyMs = Math.min(stepS, MAX_SERIES_AGE_S) * 1000;
  return nowMs - updatedAtMs >= everyMs - 1000;
}

/** The step of a cached `Windowed` series, if the data has one. */
export function cachedStep(data: unknown): number | null {
  if (data && typeof data === "object" && "series" in data) {
    const series = (data as { series: unknown }).series;
    if (series && typeof series === "object" && "step" in series) {
      const step = (series as { step: unknown }).step;
      return typeof step === "number" ? step : null;
    }
  }
  return null;
}

/** The predicate for `invalidateQueries`: series whose next bucket is due. */
export function seriesDuePredicate(nowMs: number) {
  return (query: Query): boolean =>
    isSeriesKey(query.queryKey) && seriesRefreshDue(cachedStep(query.state.data), query.state.dataUpdatedAt, nowMs);
}
