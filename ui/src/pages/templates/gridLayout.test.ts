import { describe, expect, it } from "vitest";
import { CARD_GAP, CARD_MIN_WIDTH, GRID_PADDING, columnsFor, moveFocus, rowsFor } from "./gridLayout";

describe("the gallery grid", () => {
  it("fits as many columns as the width takes, at least one", () => {
    expect(columnsFor(200)).toBe(1);
    expect(columnsFor(2 * GRID_PADDING + 2 * CARD_MIN_WIDTH + CARD_GAP)).toBe(2);
    expect(columnsFor(2 * GRID_PADDING + 2 * CARD_MIN_WIDTH + CARD_GAP - 1)).toBe(1);
    expect(rowsFor(10, 3)).toBe(4);
    expect(rowsFor(0, 3)).toBe(0);
  });

  it("moves focus with the arrows, pages, Home and End", () => {
    // 10 cards in 3 columns: rows 0-2, 3-5, 6-8, 9.
    expect(moveFocus("ArrowRight", 2, 10, 3, 2)).toBe(3);
    expect(moveFocus("ArrowLeft", 0, 10, 3, 2)).toBe(0);
    expect(moveFocus("ArrowDown", 1, 10, 3, 2)).toBe(4);
    expect(moveFocus("ArrowDown", 8, 10, 3, 2)).toBe(9);
    expect(moveFocus("ArrowDown", 9, 10, 3, 2)).toBe(9);
    expect(moveFocus("ArrowUp", 4, 10, 3, 2)).toBe(1);
    expect(moveFocus("ArrowUp", 1, 10, 3, 2)).toBe(1);
    expect(moveFocus("PageDown", 0, 10, 3, 2)).toBe(6);
    expect(moveFocus("PageUp", 9, 10, 3, 2)).toBe(3);
    expect(moveFocus("Home", 5, 10, 3, 2)).toBe(0);
    expect(moveFocus("End", 5, 10, 3, 2)).toBe(9);
    expect(moveFocus("x", 5, 10, 3, 2)).toBeNull();
  });
});
