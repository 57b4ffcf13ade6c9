import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type RefObject } from "react";
import { HoverTips } from "../../components/HoverTips";
import { MY_SOURCE } from "./catalogue";
import {
  CARD_GAP,
  CARD_HEIGHT,
  FALLBACK_WIDTH,
  GRID_PADDING,
  columnsFor,
  moveFocus,
  rowsFor,
} from "./gridLayout";
import { TemplateCard, type CardAction } from "./TemplateCard";
import { isDeployable } from "./templateKinds";
import type { CatalogueEntry } from "./types";

const ROW_HEIGHT = CARD_HEIGHT + CARD_GAP;

/** The scroll area's inner width, followed as the window or the navbar resizes. */
function useInnerWidth(ref: RefObject<HTMLDivElement | null>): number {
  const [width, setWidth] = useState(FALLBACK_WIDTH);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      // jsdom (and a hidden element) measure 0: keep the last width rather than one column.
      if (el.clientWidth > 0) setWidth(el.clientWidth);
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

interface Props {
  entries: readonly CatalogueEntry[];
  /** Source uuid → name, for each card's subtitle. */
  sourceNames: ReadonlyMap<string, string>;
  /** Changes when the search or a filter changes: the grid goes back to the top. */
  resetKey: string;
  onAction: (action: CardAction, entry: CatalogueEntry) => void;
}

/**
 * The templates as a virtual grid: rows of as many fixed-height cards as the width takes,
 * only the rows in view (and a few around) mounted, so thousands scroll smoothly. Arrow
 * keys, Page Up/Down, Home and End move focus between cards; Enter opens the deploy wizard.
 */
export const TemplateGallery = memo(function TemplateGallery({ entries, sourceNames, resetKey, onAction }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const width = useInnerWidth(scrollRef);
  const columns = columnsFor(width);
  const virtualizer = useVirtualizer({
    count: rowsFor(entries.length, columns),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 2,
    paddingStart: GRID_PADDING,
    paddingEnd: GRID_PADDING - CARD_GAP,
    // A card scrolled into view by the keyboard keeps the grid's margin around it.
    scrollPaddingStart: GRID_PADDING,
    scrollPaddingEnd: GRID_PADDING,
    // A first guess until the scroll element is measured (also what jsdom tests see).
    initialRect: { width: FALLBACK_WIDTH, height: 800 },
  });

  const [active, setActive] = useState(0);
  const activeIndex = Math.max(0, Math.min(active, entries.length - 1));
  // The card to focus once it is mounted (moving down may first have to scroll it in).
  const pendingFocus = useRef<number | null>(null);

  // A new search starts at the top, on the first card.
  const firstKey = useRef(resetKey);
  useEffect(() => {
    if (firstKey.current === resetKey) return;
    firstKey.current = resetKey;
    setActive(0);
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
  }, [resetKey]);

  useEffect(() => {
    const index = pendingFocus.current;
    if (index === null) return;
    const card = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${index}"]`);
    if (card) {
      pendingFocus.current = null;
      card.focus({ preventScroll: true });
    }
  });

  const onActionRef = useRef(onAction);
  onActionRef.current = onAction;
  const act = useCallback((action: CardAction, entry: CatalogueEntry) => onActionRef.current(action, entry), []);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const card = e.target instanceof HTMLElement && e.target.classList.contains("tpl-card") ? e.target : null;
    if (!card || e.altKey || e.ctrlKey || e.metaKey) return;
    const index = Number(card.dataset.index);
    if (!Number.isInteger(index)) return;
    if (e.key === "Enter") {
      const entry = entries[index];
      if (entry && isDeployable(entry.template.kind)) {
        e.preventDefault();
        act("deploy", entry);
      }
      return;
    }
    const viewport = scrollRef.current?.clientHeight ?? 0;
    const next = moveFocus(e.key, index, entries.length, columns, Math.floor(viewport / ROW_HEIGHT));
    if (next === null) return;
    e.preventDefault();
    setActive(next);
    pendingFocus.current = next;
    virtualizer.scrollToIndex(Math.floor(next / columns), { align: "auto" });
  };

  const gridStyle = {
    gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
    columnGap: CARD_GAP,
    paddingInline: GRID_PADDING,
    height: CARD_HEIGHT,
  };

  return (
    <HoverTips>
      <div
        ref={scrollRef}
        className="tpl-scroll"
        role="list"
        aria-label="Templates"
        data-testid="template-gallery"
        data-columns={columns}
        onKeyDown={onKeyDown}
        onFocus={(e) => {
          const index = Number((e.target as HTMLElement).dataset?.index);
          if (Number.isInteger(index) && (e.target as HTMLElement).classList.contains("tpl-card")) setActive(index);
        }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((row) => {
            const first = row.index * columns;
            const cards = entries.slice(first, first + columns);
            return (
              <div
                key={row.key}
                role="none"
                className="tpl-row"
                style={{ ...gridStyle, transform: `translateY(${row.start}px)` }}
              >
                {cards.map((entry, i) => (
                  // Keyed by column: a new search or a scroll updates the cards in place
                  // instead of mounting new ones (a keystroke re-fills every card shown).
                  <TemplateCard
                    key={i}
                    entry={entry}
                    index={first + i}
                    tabbable={first + i === activeIndex}
                    sourceName={sourceNames.get(entry.sourceUuid) ?? ""}
                    mine={entry.sourceUuid === MY_SOURCE}
                    onAction={act}
                  />
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </HoverTips>
  );
});
