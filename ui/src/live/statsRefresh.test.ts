import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cachedStep, createCoalescer, isSeriesKey, seriesRefreshDue } from "./statsRefresh";

describe("createCoalescer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("runs once for a burst of requests, after the delay", () => {
    const run = vi.fn();
    const c = createCoalescer(run, { delayMs: 1000, minGapMs: 5000 });
    c.request();
    c.request();
    vi.advanceTimersByTime(500);
    c.request();
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(500);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("keeps runs at least minGap apart, even when rounds of many devices keep coming", () => {
    const run = vi.fn();
    const c = createCoalescer(run, { delayMs: 1000, minGapMs: 5000 });
    // One stats round every 700 ms (staggered devices) for 20 s.
    for (let t = 0; t < 20_000; t += 700) {
      c.request();
      vi.advanceTimersByTime(700);
    }
    vi.advanceTimersByTime(10_000);
    // A plain debounce would never have run; a plain call would have run 29 times.
    expect(run.mock.calls.length).toBeGreaterThanOrEqual(4);
    expect(run.mock.calls.length).toBeLessThanOrEqual(5);
  });

  it("one device at 10 s rounds refreshes once per round", () => {
    const run = vi.fn();
    const c = createCoalescer(run, { delayMs: 1000, minGapMs: 5000 });
    for (let round = 0; round < 6; round++) {
      c.request();
      vi.advanceTimersByTime(10_000);
    }
    expect(run).toHaveBeenCalledTimes(6);
  });

  it("cancel drops a pending run", () => {
    const run = vi.fn();
    const c = createCoalescer(run, { delayMs: 1000, minGapMs: 5000 });
    c.request();
    c.cancel();
    vi.advanceTimersByTime(10_000);
    expect(run).not.toHaveBeenCalled();
  });
});

describe("series refresh", () => {
  it("recognises series keys", () => {
    expect(isSeriesKey(["fleetSeries", "all", "1h"])).toBe(true);
    expect(isSeriesKey(["containerSeries", "u", "7d"])).toBe(true);
    expect(isSeriesKey(["statsLoads"])).toBe(false);
    expect(isSeriesKey(["containers"])).toBe(false);
  });

  it("refreshes once per bucket, at most every 5 minutes", () => {
    const t0 = 1_000_000;
    // 1 h at a 10 s step: every 10 s round.
    expect(seriesRefreshDue(10, t0, t0 + 9_500)).toBe(true);
    expect(seriesRefreshDue(10, t0, t0 + 5_000)).toBe(false);
    // 24 h at a 2 min step.
    expect(seriesRefreshDue(120, t0, t0 + 60_000)).toBe(false);
    expect(seriesRefreshDue(120, t0, t0 + 120_000)).toBe(true);
    // 30 d at 1 h: capped at 5 min.
    expect(seriesRefreshDue(3600, t0, t0 + 299_000)).toBe(true);
    expect(seriesRefreshDue(3600, t0, t0 + 200_000)).toBe(false);
    // Never fetched, or no step.
    expect(seriesRefreshDue(60, 0, t0)).toBe(true);
    expect(seriesRefreshDue(null, t0, t0 + 10_000)).toBe(true);
  });

  it("reads the step of cached data", () => {
    expect(cachedStep({ series: { step: 60 }, from: 0, to: 1 })).toBe(60);
    expect(cachedStep({ series: { step: null } })).toBeNull();
    expect(cachedStep(undefined)).toBeNull();
    expect(cachedStep([1, 2])).toBeNull();
  });
});
