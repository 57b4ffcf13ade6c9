import { describe, expect, it } from "vitest";
import { countPoints, gapThreshold, lastValue, medianSpacing, toColumns } from "./series";

interface P {
  ts: number | null;
  v: number | null;
  w?: number | null;
}

const v = (p: P) => p.v;
const w = (p: P) => p.w;
const pts = (...list: [number | null, number | null][]): P[] => list.map(([ts, val]) => ({ ts, v: val }));

describe("medianSpacing and gapThreshold", () => {
  it("takes the median of consecutive differences", () => {
    expect(medianSpacing([0, 10, 20, 30, 1000])).toBe(10);
    expect(medianSpacing([0, 10, 30])).toBe(15);
    expect(medianSpacing([5])).toBe(0);
    expect(medianSpacing([])).toBe(0);
  });

  it("uses twice the larger of the step and the median spacing", () => {
    expect(gapThreshold([0, 10, 20], 10)).toBe(20);
    // Samples every 60 s in a 10 s-step series: not a gap.
    expect(gapThreshold([0, 60, 120], 10)).toBe(120);
    // A coarse step wins over tight samples.
    expect(gapThreshold([0, 10, 20], 3600)).toBe(7200);
    expect(gapThreshold([0, 10, 20], null)).toBe(20);
    expect(gapThreshold([0], null)).toBe(Number.POSITIVE_INFINITY);
    expect(gapThreshold([0], 60)).toBe(120);
  });
});

describe("toColumns", () => {
  it("returns empty columns for no points", () => {
    expect(toColumns([], [v, w], 10)).toEqual({ x: [], ys: [[], []] });
  });

  it("keeps evenly spaced points as they are", () => {
    const cols = toColumns(pts([0, 1], [10, 2], [20, 3]), [v], 10);
    expect(cols).toEqual({ x: [0, 10, 20], ys: [[1, 2, 3]] });
  });

  it("inserts a null halfway across a stretch longer than twice the step", () => {
    const cols = toColumns(pts([0, 1], [10, 2], [20, 3], [100, 4], [110, 5]), [v], 10);
    expect(cols.x).toEqual([0, 10, 20, 60, 100, 110]);
    expect(cols.ys).toEqual([[1, 2, 3, null, 4, 5]]);
  });

  it("does not break at exactly twice the step", () => {
    const cols = toColumns(pts([0, 1], [20, 2], [30, 3]), [v], 10);
    expect(cols.x).toEqual([0, 20, 30]);
  });

  it("inserts one null per gap, in every column", () => {
    const points: P[] = [
      { ts: 0, v: 1, w: 10 },
      { ts: 10, v: 2, w: 20 },
      { ts: 20, v: 3, w: 30 },
      { ts: 60, v: 4, w: 40 },
      { ts: 70, v: 5, w: 50 },
      { ts: 200, v: 6, w: 60 },
    ];
    const cols = toColumns(points, [v, w], 10);
    expect(cols.x).toEqual([0, 10, 20, 40, 60, 70, 135, 200]);
    expect(cols.ys).toEqual([
      [1, 2, 3, null, 4, 5, null, 6],
      [10, 20, 30, null, 40, 50, null, 60],
    ]);
  });

  it("follows the median spacing when it is larger than the step", () => {
    // A device sampling every 60 s, read at a 10 s step: only the 10-minute hole is a gap.
    const cols = toColumns(pts([0, 1], [60, 2], [120, 3], [180, 4], [780, 5], [840, 6]), [v], 10);
    expect(cols.ys[0]).toEqual([1, 2, 3, 4, null, 5, 6]);
    expect(cols.x[4]).toBe(480);
  });

  it("falls back to the median spacing without a step", () => {
    const cols = toColumns(pts([0, 1], [5, 2], [10, 3], [40, 4]), [v], null);
    expect(cols.ys[0]).toEqual([1, 2, 3, null, 4]);
  });

  it("sorts, drops points without a time and keeps the last of a repeated time", () => {
    const cols = toColumns(pts([20, 3], [null, 9], [0, 1], [10, 2], [10, 22]), [v], 10);
    expect(cols).toEqual({ x: [0, 10, 20], ys: [[1, 22, 3]] });
  });

  it("turns missing and non-finite values into nulls", () => {
    const cols = toColumns(
      [
        { ts: 0, v: null },
        { ts: 10, v: Number.NaN },
        { ts: 20, v: 5 },
      ],
      [v, w],
      10,
    );
    expect(cols.ys).toEqual([
      [null, null, 5],
      [null, null, null],
    ]);
  });

  it("never inserts a gap with a single point", () => {
    expect(toColumns(pts([100, 1]), [v], null)).toEqual({ x: [100], ys: [[1]] });
  });
});

describe("countPoints and lastValue", () => {
  it("counts x positions that carry a value in any column", () => {
    expect(countPoints([[1, null, 3, null]])).toBe(2);
    expect(
      countPoints([
        [1, null, null],
        [null, null, 2],
      ]),
    ).toBe(2);
    expect(countPoints([])).toBe(0);
    const cols = toColumns(pts([0, 1], [10, 2], [100, 3]), [v], 10);
    expect(countPoints(cols.ys)).toBe(3);
  });

  it("finds the last value", () => {
    expect(lastValue([1, 2, null])).toBe(2);
    expect(lastValue([null, null])).toBeNull();
    expect(lastValue([0])).toBe(0);
  });
});
