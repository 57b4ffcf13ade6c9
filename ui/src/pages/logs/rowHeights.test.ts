import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RowHeights } from "./rowHeights";

describe("RowHeights", () => {
  it("agrees with plain sums, whatever the counts and heights set, and finds the row at any offset", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ count: fc.integer({ min: 0, max: 600 }) }),
            fc.record({ row: fc.integer({ min: 0, max: 600 }), height: fc.integer({ min: 1, max: 400 }) }),
          ),
          { maxLength: 60 },
        ),
        (ops) => {
          const h = new RowHeights(20);
          let plain: number[] = [];
          for (const op of ops) {
            if ("count" in op) {
              h.setCount(op.count);
              plain = Array.from({ length: op.count }, (_, i) => plain[i] ?? 20);
            } else if (op.row < plain.length) {
              h.set(op.row, op.height);
              plain[op.row] = op.height;
            }
          }
          let start = 0;
          for (let i = 0; i < plain.length; i++) {
            expect(h.start(i)).toBe(start);
            // The middle of each row is in that row.
            expect(h.indexAt(start + plain[i] / 2)).toBe(i);
            start += plain[i];
          }
          expect(h.total()).toBe(start);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("keeps a million rows cheap: appends do not recompute the others", () => {
    const h = new RowHeights(20);
    for (let n = 1000; n <= 1_000_000; n += 1000) h.setCount(n);
    h.set(999_999, 100);
    expect(h.total()).toBe(999_999 * 20 + 100);
    expect(h.indexAt(999_999 * 20 + 50)).toBe(999_999);
  });
});
