// @vitest-environment jsdom
// Rows re-render only when their own data changed: a stats round touches the rows whose load
// changed, an event touches the row of its container, a new callback touches none.
import { MantineProvider } from "@mantine/core";
import { QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen } from "@testing-library/react";
import { createElement, type ReactElement, type ReactNode } from "react";
import { createQueryClient } from "../../api/queries";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Container, ContainerLoad } from "../../api/types";
import { makeContainer } from "../../test/fixtures";
import { theme } from "../../theme";
import { ActionsProvider } from "./actions/ActionsContext";
import { ContainersTable } from "./ContainersTable";

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
