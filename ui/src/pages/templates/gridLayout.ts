// The gallery's geometry and keyboard moves, kept apart from React so they can be tested.

/** Narrowest a card gets before the grid drops a column. */
export const CARD_MIN_WIDTH = 280;
/** Every card has this height: rows are fixed, so scrolling never makes anything jump. */
export const CARD_HEIGHT = 200;
/** Space between cards, across and down. */
export const CARD_GAP = 12;
/** Space around the grid inside its scroll area. */
export const GRID_PADDING = 16;
/** Width assumed until the scroll area is measured (and in jsdom, which measures nothing). */
export const FALLBACK_WIDTH = 1200;

/** How many cards fit across `width` pixels of scroll area. */
export function columnsFor(width: number): number {
  const inner = width - 2 * GRID_PADDING;
  return Math.max(1, Math.floor((inner + CARD_GAP) / (CARD_MIN_WIDTH + CARD_GAP)));
}

/** Rows needed for `count` cards in `columns` columns. */
export function rowsFor(count: number, columns: number): number {
  return Math.ceil(count / Math.max(1, columns));
}

/**
 * Where focus goes from card `index` on `key`, in a grid of `count` cards and `columns`
 * columns; `pageRows` rows per Page Up/Down. Null for keys the grid does not handle. Up and
 * down stay in the column, except that down from the last full row lands on the last card.
 */
export function moveFocus(key: string, index: number, count: number, columns: number, pageRows: number): number | null {
  if (count === 0) return null;
  const last = count - 1;
  const clamp = (i: number) => Math.min(last, Math.max(0, i));
  switch (key) {
    case "ArrowLeft":
      return clamp(index - 1);
    case "ArrowRight":
      return clamp(index + 1);
    case "ArrowUp":
      return index - columns >= 0 ? index - columns : index;
    case "ArrowDown":
      if (index + columns <= last) return index + columns;
      // Only move when there is a row below (partly filled).
      return Math.floor(index / columns) < Math.floor(last / columns) ? last : index;
    case "PageUp":
      return clamp(index - columns * Math.max(1, pageRows));
    case "PageDown":
      return clamp(index + columns * Math.max(1, pageRows));
    case "Home":
      return 0;
    case "End":
      return last;
    default:
      return null;
  }
}
