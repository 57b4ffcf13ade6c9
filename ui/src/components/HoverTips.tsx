import { useCallback, useEffect, useLayoutEffect, useRef, useState, type FocusEvent, type MouseEvent, type ReactNode } from "react";
import { createPortal } from "react-dom";

/** How long the pointer rests on an element before its tip shows, unless it says `data-tip-now`. */
const OPEN_DELAY_MS = 400;
const GAP = 6;
const MARGIN = 8;

interface Tip {
  text: string;
  target: HTMLElement;
}

/** The element with a tip that `node` is in, within `root`. */
function tipTarget(node: EventTarget | null, root: HTMLElement): HTMLElement | null {
  if (!(node instanceof Element)) return null;
  const el = node.closest<HTMLElement>("[data-tip]");
  return el && root.contains(el) ? el : null;
}

/**
 * One tooltip for a whole region: any element inside with a `data-tip` attribute shows its
 * text on hover (after a short delay, at once with `data-tip-now`) or on keyboard focus.
 * A table of hundreds of rows then carries a plain attribute per button instead of a tooltip
 * component each, which is what made mounting rows while scrolling slow.
 */
export function HoverTips({ children }: { children: ReactNode }) {
  const rootRef = useRef<HTMLDivElement>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const timer = useRef<number | undefined>(undefined);
  const [tip, setTip] = useState<Tip | null>(null);

  const clearTimer = () => window.clearTimeout(timer.current);
  const hide = useCallback(() => {
    window.clearTimeout(timer.current);
    setTip(null);
  }, []);
  const show = (target: HTMLElement, delay: number) => {
    clearTimer();
    const open = () => {
      const text = target.dataset.tip;
      if (text && target.isConnected) setTip({ text, target });
    };
    if (delay <= 0) open();
    else timer.current = window.setTimeout(open, delay);
  };

  const onMouseOver = (e: MouseEvent) => {
    const root = rootRef.current;
    const target = root && tipTarget(e.target, root);
    if (!target) return;
    if (tip?.target === target) return;
    show(target, target.dataset.tipNow !== undefined || tip ? 0 : OPEN_DELAY_MS);
  };
  const onMouseOut = (e: MouseEvent) => {
    const root = rootRef.current;
    if (!root) return;
    const from = tipTarget(e.target, root);
    if (from && tipTarget(e.relatedTarget, root) !== from) hide();
  };
  const onFocus = (e: FocusEvent) => {
    const root = rootRef.current;
    const target = root && tipTarget(e.target, root);
    // Only keyboard focus: a click focuses the button too, and the pointer already has its tip.
    if (target && target.matches(":focus-visible")) show(target, 0);
  };

  // Placed after rendering, measured: above the element, below when there is no room, always
  // inside the window.
  useLayoutEffect(() => {
    const el = tipRef.current;
    if (!tip || !el) return;
    const r = tip.target.getBoundingClientRect();
    const { offsetWidth: w, offsetHeight: h } = el;
    const left = Math.min(Math.max(MARGIN, r.left + r.width / 2 - w / 2), window.innerWidth - w - MARGIN);
    const top = r.top - GAP - h >= MARGIN ? r.top - GAP - h : r.bottom + GAP;
    el.style.left = `${Math.max(MARGIN, left)}px`;
    el.style.top = `${top}px`;
    el.style.visibility = "visible";
  }, [tip]);

  // A shown tip goes with scrolling, Escape, or its element leaving the page.
  useEffect(() => {
    if (!tip) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") hide();
    };
    const check = window.setInterval(() => {
      if (!tip.target.isConnected) hide();
    }, 500);
    window.addEventListener("scroll", hide, true);
    window.addEventListener("keydown", onKey);
    return () => {
      window.clearInterval(check);
      window.removeEventListener("scroll", hide, true);
      window.removeEventListener("keydown", onKey);
    };
  }, [tip, hide]);
  useEffect(() => clearTimer, []);

  return (
    <div ref={rootRef} style={{ display: "contents" }} onMouseOver={onMouseOver} onMouseOut={onMouseOut} onFocus={onFocus} onBlur={hide}>
      {children}
      {tip
        ? createPortal(
            <div ref={tipRef} role="tooltip" className="sq-tip" style={{ visibility: "hidden" }} data-testid="hover-tip">
              {tip.text}
            </div>,
            document.body,
          )
        : null}
    </div>
  );
}
