// @vitest-environment jsdom
// Rows re-render only when their own data changed: a stats round touches the rows whose load
// changed, an event touches the row of its container, a new callback touches none.
import { MantineProvider } from "@mantine/core";
import { QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { createElement, type ReactElement, type ReactNode } from "react";
import { createQueryClient } from "../../api/queries";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Container, ContainerLoad, Finding } from "../../api/types";
import { formatAsOf, type Staleness } from "../../lib/staleness";
import { makeContainer } from "../../test/fixtures";
import { theme } from "../../theme";
import { ActionsProvider } from "./actions/ActionsContext";
import { ContainersTable, ROW_HEIGHT } from "./ContainersTable";
import { tagOf, updateSentence } from "./UpdateBadge";
import { checkSummary } from "./UpdatesButton";

const NOW = 1_800_000_000_000;

// Counts renders of each row (its CPU cell renders exactly when the row does).
const renders = vi.hoisted(() => new Map<string, number>());
vi.mock("./LoadBars", async (importOriginal) => {
  const real = await importOriginal<typeof import("./LoadBars")>();
  return {
    ...real,
    CpuBar: (props: Parameters<typeof real.CpuBar>[0]) => {
      renders.set(props.c.uuid, (renders.get(props.c.uuid) ?? 0) + 1);
      return createElement(real.CpuBar, props);
    },
  };
});
beforeEach(() => renders.clear());

/** How many times each row rendered while `change` ran. */
async function rowRenders(change: () => void): Promise<Record<string, number>> {
  renders.clear();
  await act(async () => change());
  return Object.fromEntries([...renders].sort());
}

// The virtualizer sizes its window from the scroll element, which jsdom does not lay out.
Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 800 });
Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 1200 });

function renderWithProviders(ui: ReactElement) {
  const client = createQueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => (
    <MantineProvider theme={theme}>
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    </MantineProvider>
  );
  return render(ui, { wrapper });
}
const names = new Map([["d-1", "local"]]);

function load(uuid: string, cpuPercent: number): ContainerLoad {
  return { containerUuid: uuid, ts: 1_800_000_000, cpuPercent, memoryUsed: 1_000_000, memoryPercent: 1 };
}

/** The uuids of the rows whose subtree changed while `change` ran. */
async function rowsTouchedBy(change: () => void): Promise<string[]> {
  const touched = new Set<string>();
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target instanceof Element ? r.target : r.target.parentElement;
      const row = el?.closest<HTMLElement>('[data-testid="container-row"]');
      touched.add(row?.dataset.uuid ?? `outside the rows: ${el?.outerHTML.slice(0, 120)}`);
    }
  });
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  await act(async () => change());
  observer.disconnect();
  return [...touched].sort();
}

describe("ContainersTable rows", () => {
  const a = makeContainer({ uuid: "a", name: "alpha", state: "running" });
  const b = makeContainer({ uuid: "b", name: "bravo", state: "running" });
  const c = makeContainer({ uuid: "c", name: "charlie", state: "exited" });

  function table(containers: Container[], loads: Map<string, ContainerLoad>, onOpen = () => {}): ReactElement {
    return (
      <ActionsProvider>
        <ContainersTable containers={containers} deviceNames={names} loads={loads} now={NOW} selectedUuid={null} onOpen={onOpen} />
      </ActionsProvider>
    );
  }

  it("a stats round re-renders only the rows whose load changed", async () => {
    const loads = new Map([
      ["a", load("a", 10)],
      ["b", load("b", 20)],
    ]);
    const { rerender } = renderWithProviders(table([a, b, c], loads));
    expect(await screen.findAllByTestId("container-row")).toHaveLength(3);
    const next = new Map(loads);
    next.set("a", load("a", 55));
    expect(await rowsTouchedBy(() => rerender(table([a, b, c], next)))).toEqual(["a"]);
    const again = new Map(next);
    again.set("b", load("b", 25));
    expect(await rowRenders(() => rerender(table([a, b, c], again)))).toEqual({ b: 1 });
  });

  it("sorted by CPU, the order follows each stats round", async () => {
    const loads = new Map([
      ["a", load("a", 10)],
      ["b", load("b", 20)],
    ]);
    const { rerender } = renderWithProviders(table([a, b, c], loads));
    const order = () => screen.getAllByTestId("container-row").map((r) => r.dataset.uuid);
    expect(await screen.findAllByTestId("container-row")).toHaveLength(3);
    expect(order()).toEqual(["a", "b", "c"]);
    fireEvent.click(screen.getByRole("button", { name: "Sort by CPU" }));
    expect(order()).toEqual(["b", "a", "c"]);
    const next = new Map(loads);
    next.set("a", load("a", 55));
    await act(async () => rerender(table([a, b, c], next)));
    expect(order()).toEqual(["a", "b", "c"]);
  });

  it("scrolling reuses the row elements for the rows coming into view", async () => {
    const many = Array.from({ length: 300 }, (_, i) =>
      makeContainer({ uuid: `u${String(i).padStart(3, "0")}`, name: `box-${String(i).padStart(3, "0")}`, state: "running" }),
    );
    renderWithProviders(table(many, new Map()));
    const before = await screen.findAllByTestId("container-row");
    const scroller = screen.getByTestId("containers-table");
    await act(async () => {
      scroller.scrollTop = 150 * ROW_HEIGHT;
      fireEvent.scroll(scroller);
    });
    const after = screen.getAllByTestId("container-row");
    const shownAfter = new Set(after.map((r) => r.dataset.uuid));
    expect(shownAfter.has("u000")).toBe(false);
    const reused = after.filter((r) => before.includes(r));
    expect(reused.length).toBeGreaterThan(10);
    expect(reused.every((r) => Number(r.dataset.uuid?.slice(1)) >= 100)).toBe(true);
  });

  it("leaves the action buttons out while scrolling, except in the focused row, and brings them back when it stops", async () => {
    const many = Array.from({ length: 300 }, (_, i) =>
      makeContainer({ uuid: `u${String(i).padStart(3, "0")}`, name: `box-${String(i).padStart(3, "0")}`, state: "running" }),
    );
    renderWithProviders(table(many, new Map()));
    const rows = await screen.findAllByTestId("container-row");
    const buttons = (row: HTMLElement) => within(row).queryAllByRole("button").length;
    expect(rows.every((r) => buttons(r) > 0)).toBe(true);
    rows[1].focus();
    const scroller = screen.getByTestId("containers-table");
    await act(async () => {
      scroller.scrollTop = 2;
      fireEvent.scroll(scroller);
    });
    const scrolling = screen.getAllByTestId("container-row");
    expect(scrolling.filter((r) => buttons(r) > 0).map((r) => r.dataset.uuid)).toEqual(["u001"]);
    // Back once the scrolling stops (150 ms after the last scroll event).
    await waitFor(() => expect(screen.getAllByTestId("container-row").every((r) => buttons(r) > 0)).toBe(true));
  });

  it("focus stays with its container when the rows are sorted again", async () => {
    renderWithProviders(table([a, b, c], new Map()));
    const bravo = () => screen.getAllByTestId("container-row").find((r) => r.dataset.uuid === "b");
    await act(async () => bravo()?.focus());
    expect(document.activeElement).toBe(bravo());
    fireEvent.click(screen.getByRole("button", { name: "Sort by Name" }));
    const order = screen.getAllByTestId("container-row").map((r) => r.dataset.uuid);
    expect(order).toEqual(["c", "b", "a"]);
    expect((document.activeElement as HTMLElement).dataset.uuid).toBe("b");
  });

  it("an event re-renders the row of its container only, and a new callback none", async () => {
    const loads = new Map<string, ContainerLoad>();
    const { rerender } = renderWithProviders(table([a, b, c], loads));
    expect(await screen.findAllByTestId("container-row")).toHaveLength(3);
    const paused = { ...b, state: "paused" as const };
    expect(await rowsTouchedBy(() => rerender(table([a, paused, c], loads)))).toEqual(["b"]);
    expect(await rowsTouchedBy(() => rerender(table([a, paused, c], loads, () => {})))).toEqual([]);
    expect(await rowRenders(() => rerender(table([a, paused, c], loads, () => {})))).toEqual({});
    const restarted = { ...c, state: "running" as const };
    expect(await rowRenders(() => rerender(table([a, paused, restarted], loads)))).toEqual({ c: 1 });
  });
});

describe("ContainersTable rows of a device that is not online", () => {
  const live = makeContainer({ uuid: "a", name: "alpha", state: "running" });
  const gone = makeContainer({ uuid: "x", name: "xray", deviceUuid: "d-2", state: "running", updatedAt: NOW - 86_400_000 });
  const REASON = "nas is unreachable: connection refused.";
  const unreachable: Staleness = { reason: REASON, since: NOW - 600_000 };
  const deviceNames = new Map([
    ["d-1", "local"],
    ["d-2", "nas"],
  ]);
  const loads = new Map([
    ["a", load("a", 10)],
    ["x", load("x", 77)],
  ]);

  function table(staleness: ReadonlyMap<string, Staleness>): ReactElement {
    return (
      <ActionsProvider>
        <ContainersTable
          containers={[live, gone]}
          deviceNames={deviceNames}
          loads={loads}
          now={NOW}
          selectedUuid={null}
          staleness={staleness}
          onOpen={() => {}}
        />
      </ActionsProvider>
    );
  }

  async function rowOf(uuid: string): Promise<HTMLElement> {
    const rows = await screen.findAllByTestId("container-row");
    const row = rows.find((r) => r.dataset.uuid === uuid);
    if (!row) throw new Error(`no row ${uuid}`);
    return row;
  }

  it("reads as last seen, as of when the device was last online, with its actions disabled for the device's reason", async () => {
    renderWithProviders(table(new Map([["d-2", unreachable]])));
    const row = await rowOf("x");
    expect(row).toHaveAttribute("data-stale", "true");
    expect(within(row).getByTestId("status-badge")).toHaveTextContent("last seen running");
    expect(within(row).getByTestId("last-seen-as-of")).toHaveTextContent(`as of ${formatAsOf(NOW - 600_000, NOW)}`);
    expect(within(row).getByTestId("last-seen").title).toContain(REASON);
    // Its last load is not a current one.
    expect(within(row).queryByTestId("container-cpu-bar")).toBeNull();

    for (const id of ["action-stop", "action-restart", "action-rename", "action-remove"]) {
      const button = within(row).getByTestId(id);
      expect(button).toHaveAttribute("aria-disabled", "true");
      expect(button.getAttribute("aria-label")).toContain(REASON);
    }
    // Clicking does nothing: no confirmation asks to stop a container Squirrel cannot reach.
    fireEvent.click(within(row).getByTestId("action-stop"));
    expect(screen.queryByRole("dialog")).toBeNull();
    // The tooltip says why.
    fireEvent.mouseOver(within(row).getByTestId("action-stop"));
    expect(await screen.findByRole("tooltip")).toHaveTextContent(REASON);
    // Squirrel's own display name needs no engine.
    expect(within(row).getByTestId("action-display-name")).not.toHaveAttribute("aria-disabled");
  });

  it("leaves the rows of an online device as they were", async () => {
    renderWithProviders(table(new Map([["d-2", unreachable]])));
    const row = await rowOf("a");
    expect(row).not.toHaveAttribute("data-stale");
    expect(within(row).queryByTestId("last-seen")).toBeNull();
    expect(within(row).getByTestId("status-badge")).toHaveTextContent(/^running$/);
    expect(within(row).getByTestId("container-cpu-bar")).toHaveAttribute("data-value", "10");
    const stop = within(row).getByTestId("action-stop");
    expect(stop).not.toHaveAttribute("aria-disabled");
    expect(stop).toHaveAttribute("aria-label", "Stop alpha");
  });

  it("without a time the device was last online, a row is as of its own last change", async () => {
    renderWithProviders(table(new Map([["d-2", { reason: REASON, since: null }]])));
    const row = await rowOf("x");
    expect(within(row).getByTestId("last-seen-as-of")).toHaveTextContent(`as of ${formatAsOf(NOW - 86_400_000, NOW)}`);
  });

  it("re-renders only the rows whose device's staleness changed", async () => {
    const { rerender } = renderWithProviders(table(new Map([["d-2", unreachable]])));
    expect(await screen.findAllByTestId("container-row")).toHaveLength(2);
    // A new map holding the same entry: nothing changed.
    expect(await rowsTouchedBy(() => rerender(table(new Map([["d-2", unreachable]]))))).toEqual([]);
    // The device comes back: its row only.
    expect(await rowsTouchedBy(() => rerender(table(new Map())))).toEqual(["x"]);
    const row = await rowOf("x");
    expect(row).not.toHaveAttribute("data-stale");
    expect(within(row).getByTestId("status-badge")).toHaveTextContent(/^running$/);
  });

  it("picks rows with Ctrl+click, a range with Shift+click and Space from the keyboard, and opens on a plain click", async () => {
    const [a, b, c, d] = ["alpha", "bravo", "charlie", "delta"].map((name) => makeContainer({ uuid: name[0], name, state: "running" }));
    const onOpen = vi.fn();
    let picked = new Set<string>();
    const view = () => (
      <ActionsProvider>
        <ContainersTable
          containers={[d, c, b, a]}
          deviceNames={names}
          loads={new Map()}
          now={NOW}
          selectedUuid={null}
          onOpen={onOpen}
          picked={picked}
          onPickedChange={(next) => {
            picked = next;
            rerender(view());
          }}
        />
      </ActionsProvider>
    );
    const { rerender } = renderWithProviders(view());
    const row = (name: string) => screen.getAllByTestId("container-row").find((r) => r.dataset.name === name)!;
    const pickedNames = () => screen.getAllByTestId("container-row").filter((r) => r.getAttribute("aria-selected") === "true").map((r) => r.dataset.name);
    await screen.findAllByTestId("container-row");

    fireEvent.click(row("alpha"), { ctrlKey: true });
    expect(pickedNames()).toEqual(["alpha"]);
    expect(row("alpha")).toHaveAttribute("data-picked", "true");
    // A range runs in the order shown (sorted by name), from the row picked last.
    fireEvent.click(row("charlie"), { shiftKey: true });
    expect(pickedNames()).toEqual(["alpha", "bravo", "charlie"]);
    fireEvent.click(row("bravo"), { metaKey: true });
    expect(pickedNames()).toEqual(["alpha", "charlie"]);
    fireEvent.keyDown(row("delta"), { key: " " });
    expect(pickedNames()).toEqual(["alpha", "charlie", "delta"]);
    expect(onOpen).not.toHaveBeenCalled();

    fireEvent.click(row("bravo"));
    expect(onOpen).toHaveBeenCalledWith("b");
    fireEvent.keyDown(row("delta"), { key: "Enter" });
    expect(onOpen).toHaveBeenLastCalledWith("d");
    expect(pickedNames()).toEqual(["alpha", "charlie", "delta"]);
  });
});


describe("ContainersTable update badges", () => {
  const a = makeContainer({ uuid: "a", name: "alpha", image: "nginx:1.25.3" });
  const b = makeContainer({ uuid: "b", name: "bravo", image: "ghcr.io/me/app:latest" });
  const c = makeContainer({ uuid: "c", name: "charlie", image: "<b>x</b>:1" });
  const none = new Map<string, ContainerLoad>();

  function table(updates: Map<string, Finding>): ReactElement {
    return (
      <ActionsProvider>
        <ContainersTable containers={[a, b, c]} deviceNames={names} loads={none} updates={updates} now={NOW} selectedUuid={null} onOpen={() => {}} />
      </ActionsProvider>
    );
  }

  it("shows what is newer beside the image, only for containers with an update, and only their rows change", async () => {
    const first = new Map<string, Finding>([
      ["a", { kind: "available", newerTag: "1.26.0", newDigest: null }],
      ["b", { kind: "upToDate" }],
      ["c", { kind: "notCheckable", why: "built locally" }],
    ]);
    const { rerender } = renderWithProviders(table(first));
    const rows = await screen.findAllByTestId("container-row");
    const badge = (name: string) => within(rows.find((r) => r.dataset.name === name)!).queryByTestId("update-badge");
    expect(badge("alpha")?.textContent).toBe("1.26.0");
    expect(badge("alpha")?.dataset.tip).toBe("Newer version: 1.25.3 → 1.26.0");
    expect(badge("bravo")).toBeNull();
    expect(badge("charlie")).toBeNull();
    // The next check: bravo's tag was pushed again; alpha's finding is the same object.
    const next = new Map(first);
    next.set("b", { kind: "available", newerTag: null, newDigest: "sha256:ab" });
    expect(await rowsTouchedBy(() => rerender(table(next)))).toEqual(["b"]);
    expect(badge("bravo")?.textContent).toBe("new build");
    expect(badge("bravo")?.dataset.tip).toBe("latest was pushed again: a newer build of the same tag");
  });
});

describe("update words", () => {
  it("reads tags the way the engine writes references", () => {
    expect(tagOf("nginx")).toBe("latest");
    expect(tagOf("localhost:5000/app")).toBe("latest");
    expect(tagOf("localhost:5000/app:2.1")).toBe("2.1");
    expect(tagOf("nginx:1.25@sha256:ab")).toBe("1.25");
  });

  it("says what the last check found", () => {
    const now = 1_800_000_000_000;
    expect(checkSummary(0, now - 5 * 60_000, now)).toBe("All up to date · checked 5 min ago");
    expect(checkSummary(1, null, now)).toBe("1 update");
    expect(checkSummary(3, now, now)).toMatch(/^3 updates · checked /);
    expect(updateSentence({ kind: "available", newerTag: "2.0", newDigest: "sha256:x" }, "app:1.0")).toBe(
      "Newer version: 1.0 → 2.0 (1.0 itself was also rebuilt)",
    );
    expect(updateSentence({ kind: "upToDate" }, "app:1.0")).toBeNull();
  });
});
