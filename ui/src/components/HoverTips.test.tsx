// @vitest-environment jsdom
import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HoverTips } from "./HoverTips";

function region() {
  return render(
    <HoverTips>
      <button type="button" data-tip="Stop web">
        stop
      </button>
      <button type="button" data-tip={"Remove web: office is unreachable"} data-tip-now="">
        remove
      </button>
      <span data-testid="plain">no tip</span>
    </HoverTips>,
  );
}

describe("HoverTips", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("shows an element's tip after the pointer rests on it, and hides it when the pointer leaves", () => {
    region();
    const stop = screen.getByText("stop");
    fireEvent.mouseOver(stop);
    expect(screen.queryByRole("tooltip")).toBeNull();
    act(() => vi.advanceTimersByTime(450));
    expect(screen.getByRole("tooltip")).toHaveTextContent("Stop web");
    fireEvent.mouseOut(stop, { relatedTarget: screen.getByTestId("plain") });
    expect(screen.queryByRole("tooltip")).toBeNull();
  });

  it("shows a tip marked data-tip-now at once", () => {
    region();
    fireEvent.mouseOver(screen.getByText("remove"));
    expect(screen.getByRole("tooltip")).toHaveTextContent("office is unreachable");
  });

  it("never shows a tip the pointer left before the delay", () => {
    region();
    const stop = screen.getByText("stop");
    fireEvent.mouseOver(stop);
    fireEvent.mouseOut(stop, { relatedTarget: screen.getByTestId("plain") });
    act(() => vi.advanceTimersByTime(1000));
    expect(screen.queryByRole("tooltip")).toBeNull();
  });

  it("hides on Escape and on scrolling", () => {
    region();
    fireEvent.mouseOver(screen.getByText("remove"));
    fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByRole("tooltip")).toBeNull();
    fireEvent.mouseOver(screen.getByText("stop"));
    act(() => vi.advanceTimersByTime(450));
    expect(screen.getByRole("tooltip")).toBeInTheDocument();
    fireEvent.scroll(window);
    expect(screen.queryByRole("tooltip")).toBeNull();
  });

  it("shows nothing for elements without a tip", () => {
    region();
    fireEvent.mouseOver(screen.getByTestId("plain"));
    act(() => vi.advanceTimersByTime(1000));
    expect(screen.queryByRole("tooltip")).toBeNull();
  });
});
