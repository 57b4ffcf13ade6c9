// @vitest-environment jsdom
import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useNow } from "./useNow";

let visibility: DocumentVisibilityState = "visible";
function setVisibility(state: DocumentVisibilityState) {
  visibility = state;
  document.dispatchEvent(new Event("visibilitychange"));
}

describe("useNow", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    visibility = "visible";
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => visibility });
  });
  afterEach(() => vi.useRealTimers());

  it("ticks while shown, stops while hidden, and is brought up to date when shown again", () => {
    let renders = 0;
    const { result, unmount } = renderHook(() => {
      renders++;
      return useNow(1_000);
    });
    const first = result.current;
    act(() => vi.advanceTimersByTime(3_000));
    expect(result.current).toBe(first + 3_000);

    act(() => setVisibility("hidden"));
    const rendersWhenHidden = renders;
    act(() => vi.advanceTimersByTime(60_000));
    expect(renders).toBe(rendersWhenHidden);
    expect(vi.getTimerCount()).toBe(0);

    act(() => setVisibility("visible"));
    expect(result.current).toBe(first + 63_000);
    act(() => vi.advanceTimersByTime(1_000));
    expect(result.current).toBe(first + 64_000);
    unmount();
    expect(vi.getTimerCount()).toBe(0);
  });
});
