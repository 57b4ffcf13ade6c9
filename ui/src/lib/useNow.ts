import { useEffect, useState } from "react";
import { onVisibilityChange, windowVisible } from "./visibility";

/**
 * The current time, refreshed every `intervalMs` (for relative times; no backend call). The
 * timer stops while the window is hidden (nothing re-renders for nobody) and the time is
 * brought up to date at once when it is shown again.
 */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    let id: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      id ??= setInterval(() => setNow(Date.now()), intervalMs);
    };
    const stop = () => {
      clearInterval(id);
      id = undefined;
    };
    if (windowVisible()) start();
    const off = onVisibilityChange((visible) => {
      if (!visible) return stop();
      setNow(Date.now());
      start();
    });
    return () => {
      stop();
      off();
    };
  }, [intervalMs]);
  return now;
}
