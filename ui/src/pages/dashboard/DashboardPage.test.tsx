// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { FleetPoint, StatsLoads } from "../../api/types";
import { commands } from "../../bindings";
import { makeDevice } from "../../test/fixtures";
import { renderWithProviders } from "../../test/render";
import { StateCounts, countCards, filterFor } from "./StateCounts";
import { draftToRetention } from "./RetentionSettings";
import { loadIsCurrent } from "./DeviceHealth";
import { DashboardPage } from "./DashboardPage";

vi.mock("../../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../bindings")>()),
  commands: {
    devicesList: vi.fn(),
    containersCountByState: vi.fn(),
    statsLoads: vi.fn(),
    statsFleetSeries: vi.fn(),
    statsRetentionGet: vi.fn(),
    statsRetentionSet: vi.fn(),
  },
  events: {
    inventoryEvents: { listen: vi.fn() },
    resyncRequired: { listen: vi.fn() },
  },
}));

// jsdom has no canvas: the chart frames render, uPlot does not.
vi.mock("../../components/charts/UPlotChart", () => ({ UPlotChart: () => null }));

const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });
const XSS = "<img src=x onerror=alert(1)>";
const NOW = Math.floor(Date.now() / 1000);

function point(ts: number, cpu: number): FleetPoint {
  return { ts, cpuAvgPercent: cpu, memoryAvgPercent: 10, cpuTotalPercent: cpu * 3, memoryTotal: 3e8, containers: 3 };
}

const loads: StatsLoads = {
  containers: [{ containerUuid: "c-1", ts: NOW - 5, cpuPercent: 40, memoryUsed: 1e8, memoryPercent: 10 }],
  devices: [
    { deviceUuid: "d-1", ts: NOW - 5, containers: 3, cpuTotalPercent: 123.4, memoryTotal: 1_500_000_000, memoryAvgPercent: 8 },
  ],
};

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(commands.devicesList).mockImplementation(() =>
    ok([
      makeDevice({ runningCount: 3, containerCount: 5 }),
      makeDevice({
        device: { ...makeDevice().device, uuid: "d-2", name: XSS, statsIntervalSecs: 0 },
        status: { state: "unreachable", reason: "refused" },
        runningCount: 0,
        containerCount: 2,
      }),
    ]),
  );
  vi.mocked(commands.containersCountByState).mockImplementation(() =>
    ok([
      { state: "running" as const, count: 3, stale: false },
      { state: "exited" as const, count: 3, stale: false },
      { state: "dead" as const, count: 1, stale: false },
    ]),
  );
  vi.mocked(commands.statsLoads).mockImplementation(() => ok(loads));
  vi.mocked(commands.statsFleetSeries).mockImplementation((deviceUuid) =>
    ok({
      deviceUuid,
      from: null,
      to: null,
      step: 10,
      tier: "raw" as const,
      // Three points, a hole, then one more: the hole is a gap, not a point.
      points: [point(NOW - 600, 10), point(NOW - 590, 12), point(NOW - 580, 11), point(NOW - 100, 30)],
    }),
  );
  vi.mocked(commands.statsRetentionGet).mockImplementation(() => ok({ rawHours: 24, minuteDays: 7, hourDays: 365 }));
  vi.mocked(commands.statsRetentionSet).mockImplementation(() => ok({ rawHours: 48, minuteDays: 7, hourDays: 365 }));
});

describe("DashboardPage", () => {
  it("shows counts, fleet charts and each device's health", async () => {
    renderWithProviders(<DashboardPage />);
    expect(screen.getByTestId("dashboard")).toBeInTheDocument();

    expect(await screen.findByTestId("dashboard-count-total")).toHaveTextContent("7");
    expect(screen.getByTestId("dashboard-count-running")).toHaveTextContent("3");
    expect(screen.getByTestId("dashboard-count-exited")).toHaveTextContent("3");
    expect(screen.getByTestId("dashboard-count-paused")).toHaveTextContent("0");
    expect(screen.getByTestId("dashboard-count-created")).toHaveTextContent("0");
    expect(screen.getByTestId("dashboard-count-dead")).toHaveTextContent("1");
    expect(screen.queryByTestId("dashboard-count-restarting")).toBeNull();

    const cpu = screen.getByTestId("fleet-cpu-chart");
    await waitFor(() => expect(cpu).toHaveAttribute("data-points", "4"));
    expect(screen.getByTestId("fleet-memory-chart")).toHaveAttribute("data-points", "4");
    expect(commands.statsFleetSeries).toHaveBeenCalledWith(null, expect.any(Number), null);
    const [, from] = vi.mocked(commands.statsFleetSeries).mock.calls[0];
    // One hour before the moment of the call (which is at or after NOW).
    expect(from ?? 0).toBeGreaterThanOrEqual(NOW - 3600);
    expect(from ?? 0).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) - 3600);

    const rows = await screen.findAllByTestId("device-health-row");
    expect(rows.map((r) => [r.dataset.name, r.dataset.status])).toEqual([
      ["local", "online"],
      [XSS, "unreachable"],
    ]);
    expect(within(rows[0]).getByTestId("device-health-containers")).toHaveTextContent("3 / 5");
    await waitFor(() => expect(within(rows[0]).getByTestId("device-health-cpu")).toHaveTextContent("123%"));
    expect(within(rows[0]).getByTestId("device-health-cpu").dataset.value).toBe("123.4");
    expect(within(rows[0]).getByTestId("device-health-memory")).toHaveTextContent("1.5 GB");
    expect(within(rows[1]).getByTestId("device-health-cpu")).toHaveTextContent("—");
    expect(within(rows[1]).getByTestId("device-health-name").textContent).toBe(XSS);
    expect(document.querySelector("img")).toBeNull();
    expect(screen.queryByTestId("stats-empty")).toBeNull();
  });

  it("opens the containers a count card counts", async () => {
    const onShow = vi.fn();
    renderWithProviders(<DashboardPage onShowContainers={onShow} />);
    await screen.findByTestId("dashboard-count-running");
    const card = (state: string) => document.querySelector(`[data-testid="dashboard-count-card"][data-state="${state}"]`)!;
    fireEvent.click(card("running"));
    fireEvent.click(card("exited"));
    fireEvent.click(card("total"));
    expect(onShow.mock.calls).toEqual([["running"], ["stopped"], ["all"]]);
    expect(card("paused").tagName).toBe("BUTTON");
  });

  it("switches the range and the per-container / total view", async () => {
    renderWithProviders(<DashboardPage />);
    await waitFor(() => expect(screen.getByTestId("fleet-cpu-chart")).toHaveAttribute("data-points", "4"));
    expect(screen.getByTestId("range-1h")).toHaveAttribute("aria-pressed", "true");
    fireEvent.click(screen.getByTestId("range-7d"));
    expect(screen.getByTestId("range-7d")).toHaveAttribute("aria-pressed", "true");
    await waitFor(() => expect(commands.statsFleetSeries).toHaveBeenCalledTimes(2));
    const [, from] = vi.mocked(commands.statsFleetSeries).mock.calls[1];
    expect(Math.round((NOW - (from ?? 0)) / 86_400)).toBe(7);

    fireEvent.click(within(screen.getByTestId("fleet-mode")).getByText("Total"));
    expect(await screen.findByText("CPU · total")).toBeInTheDocument();
    expect(screen.getByText("Memory · total")).toBeInTheDocument();
  });

  it("says when no samples have arrived yet", async () => {
    vi.mocked(commands.statsLoads).mockImplementation(() => ok({ containers: [], devices: [] }));
    vi.mocked(commands.statsFleetSeries).mockImplementation(() =>
      ok({ deviceUuid: null, from: null, to: null, step: 10, tier: "raw" as const, points: [] }),
    );
    renderWithProviders(<DashboardPage />);
    expect(await screen.findByTestId("stats-empty")).toHaveTextContent("20 seconds");
    await waitFor(() => expect(screen.getByTestId("fleet-cpu-chart")).not.toHaveAttribute("data-loading"));
    expect(screen.getByTestId("fleet-cpu-chart")).toHaveAttribute("data-points", "0");
  });

  it("shows an error with a retry when the series fails", async () => {
    vi.mocked(commands.statsFleetSeries).mockImplementation(() =>
      Promise.resolve({
        status: "error" as const,
        error: { code: "storage", message: "The stats database is locked.", detail: null, hostKey: null },
      }),
    );
    renderWithProviders(<DashboardPage />);
    expect((await screen.findAllByText("The stats database is locked.")).length).toBe(2);
    expect(screen.getByTestId("fleet-cpu-chart")).toHaveAttribute("data-points", "0");
  });

  it("saves the history retention and shows what the backend kept", async () => {
    renderWithProviders(<DashboardPage />);
    const settings = screen.getByTestId("retention-settings");
    const raw = await within(settings).findByTestId("retention-raw-hours");
    expect(raw).toHaveValue("24");
    expect(within(settings).getByTestId("retention-save")).toBeDisabled();
    fireEvent.change(raw, { target: { value: "48" } });
    fireEvent.click(within(settings).getByTestId("retention-save"));
    await waitFor(() =>
      expect(commands.statsRetentionSet).toHaveBeenCalledWith({ rawHours: 48, minuteDays: 7, hourDays: 365 }),
    );
    await waitFor(() => expect(within(settings).getByTestId("retention-raw-hours")).toHaveValue("48"));
    expect(within(settings).getByTestId("retention-save")).toBeDisabled();
  });
});

describe("dashboard helpers", () => {
  it("filterFor maps each state to the table's status filter", () => {
    expect(["total", "running", "restarting", "paused", "exited", "created", "dead"].map((s) => filterFor(s as never))).toEqual([
      "all",
      "running",
      "running",
      "paused",
      "stopped",
      "stopped",
      "stopped",
    ]);
  });

  it("countCards puts the total first and hides rare states at zero", () => {
    const cards = countCards([
      { state: "running", count: 2, stale: false },
      { state: "restarting", count: 1, stale: false },
    ]);
    expect(cards.map((c) => [c.key, c.count])).toEqual([
      ["total", 3],
      ["running", 2],
      ["paused", 0],
      ["exited", 0],
      ["created", 0],
      ["restarting", 1],
    ]);
  });

  it("countCards never adds containers of devices not online to live states", () => {
    const cards = countCards([
      { state: "running", count: 2, stale: false },
      { state: "running", count: 5, stale: true },
      { state: "exited", count: 1, stale: true },
      { state: "paused", count: 1, stale: true },
    ]);
    expect(cards.map((c) => [c.key, c.count])).toEqual([
      ["total", 9],
      ["running", 2],
      ["paused", 0],
      ["exited", 0],
      ["created", 0],
      ["stale", 7],
    ]);
    expect(countCards([{ state: "running", count: 2, stale: false }]).some((c) => c.key === "stale")).toBe(false);
  });

  it("shows the containers of an unreachable device apart, as last seen", async () => {
    vi.mocked(commands.containersCountByState).mockImplementation(() =>
      ok([
        { state: "running" as const, count: 3, stale: false },
        { state: "running" as const, count: 2, stale: true },
      ]),
    );
    const onOpen = vi.fn();
    renderWithProviders(<StateCounts onOpen={onOpen} />);
    expect(await screen.findByTestId("dashboard-count-running")).toHaveTextContent("3");
    expect(screen.getByTestId("dashboard-count-stale")).toHaveTextContent("2");
    expect(screen.getByTestId("dashboard-count-total")).toHaveTextContent("5");
    const card = screen.getAllByTestId("dashboard-count-card").find((c) => c.dataset.state === "stale");
    expect(card).toHaveTextContent(/last seen/i);
    fireEvent.click(card!);
    expect(onOpen).toHaveBeenCalledWith("all");
  });

  it("draftToRetention wants whole numbers of at least 1", () => {
    expect(draftToRetention({ rawHours: 24, minuteDays: "7", hourDays: 365 })).toEqual({ rawHours: 24, minuteDays: 7, hourDays: 365 });
    expect(draftToRetention({ rawHours: "", minuteDays: 7, hourDays: 365 })).toBeNull();
    expect(draftToRetention({ rawHours: 0, minuteDays: 7, hourDays: 365 })).toBeNull();
    expect(draftToRetention({ rawHours: 1.5, minuteDays: 7, hourDays: 365 })).toBeNull();
  });

  it("loadIsCurrent ignores old rounds and devices that are offline or not sampled", () => {
    const d = makeDevice();
    const load = loads.devices[0];
    const nowMs = (load.ts ?? 0) * 1000;
    expect(loadIsCurrent(d, load, nowMs)).toBe(true);
    expect(loadIsCurrent(d, load, nowMs + 120_000)).toBe(false);
    expect(loadIsCurrent({ ...d, status: { state: "connecting" } }, load, nowMs)).toBe(false);
    expect(loadIsCurrent({ ...d, device: { ...d.device, statsIntervalSecs: 0 } }, load, nowMs)).toBe(false);
    expect(loadIsCurrent(d, undefined, nowMs)).toBe(false);
  });
});
