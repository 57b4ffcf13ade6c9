/**
 * Turning the server's stats points into chart columns.
 *
 * uPlot takes columns: one array of x values (Unix seconds) and one array per series, all the
 * same length. A `null` value breaks the line (spanGaps is off), so a stretch without samples
 * (the app was closed, the container stopped, collection was off) is drawn as a gap rather
 * than as a straight line across it.
 */

export type Value = number | null;

export interface Columns {
  /** Unix seconds, strictly increasing. */
  x: number[];
  /** One array per getter, aligned with `x`; `null` is a gap. */
  ys: Value[][];
}

/** How far apart consecutive points may be before a gap is drawn, relative to the spacing. */
export const GAP_FACTOR = 2;

function finite(v: number | null | undefined): Value {
  return v == null || !Number.isFinite(v) ? null : v;
}

/** The median of the positive differences between consecutive sorted values (0 if none). */
export function medianSpacing(xs: readonly number[]): number {
  const diffs: number[] = [];
  for (let i = 1; i < xs.length; i++) {
    const d = xs[i] - xs[i - 1];
    if (d > 0) diffs.push(d);
  }
  if (diffs.length === 0) return 0;
  diffs.sort((a, b) => a - b);
  const mid = diffs.length >> 1;
  return diffs.length % 2 === 1 ? diffs[mid] : (diffs[mid - 1] + diffs[mid]) / 2;
}

/**
 * The distance above which two consecutive points are not joined: twice the series step, or
 * twice the median spacing when that is larger (a device sampling every 60 s in a 10 s-step
 * series is not gappy). Infinity when there is nothing to compare against.
 */
export function gapThreshold(xs: readonly number[], step?: number | null): number {
  const base = Math.max(step != null && Number.isFinite(step) && step > 0 ? step : 0, medianSpacing(xs));
  return base > 0 ? GAP_FACTOR * base : Number.POSITIVE_INFINITY;
}

/**
 * Server points to uPlot columns. Points without a timestamp are dropped, the rest sorted by
 * time (a repeated timestamp keeps the last point); wherever two consecutive points are more
 * than `gapThreshold` apart, a row of nulls is inserted halfway between them.
 */
export function toColumns<P extends { ts: number | null | undefined }>(
  points: readonly P[],
  getters: readonly ((p: P) => number | null | undefined)[],
  step?: number | null,
): Columns {
  const byTs = new Map<number, P>();
  for (const p of points) {
    if (p.ts != null && Number.isFinite(p.ts)) byTs.set(p.ts, p);
  }
  const sorted = [...byTs.entries()].sort((a, b) => a[0] - b[0]);
  const times = sorted.map(([ts]) => ts);
  const threshold = gapThreshold(times, step);

  const x: number[] = [];
  const ys: Value[][] = getters.map(() => []);
  for (let i = 0; i < sorted.length; i++) {
    const [ts, point] = sorted[i];
    if (i > 0 && ts - times[i - 1] > threshold) {
      x.push((times[i - 1] + ts) / 2);
      for (const column of ys) column.push(null);
    }
    x.push(ts);
    getters.forEach((get, g) => ys[g].push(finite(get(point))));
  }
  return { x, ys };
}

/** How many x positions carry at least one value (what a chart really plots). */
export function countPoints(ys: readonly (readonly Value[])[]): number {
  const length = ys.reduce((n, column) => Math.max(n, column.length), 0);
  let count = 0;
  for (let i = 0; i < length; i++) {
    if (ys.some((column) => column[i] != null)) count++;
  }
  return count;
}

/** The last non-null value of a column, for legends when nothing is hovered. */
export function lastValue(column: readonly Value[]): Value {
  for (let i = column.length - 1; i >= 0; i--) {
    if (column[i] != null) return column[i];
  }
  return null;
}
