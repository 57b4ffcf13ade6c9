// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import type { ContainerDetails } from "./api/types";
import { commands, events } from "./bindings";
import { makeContainer, makeDevice } from "./test/fixtures";
import { renderWithProviders } from "./test/render";

const XSS = "<img src=x onerror=alert(1)>";

vi.mock("./bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("./bindings")>()),
  commands: {
    containersList: vi.fn(),
    devicesList: vi.fn(),
    containerInspect: vi.fn(),
    containerAction: vi.fn(),
    containerRemove: vi.fn(),
    containerRename: vi.fn(),
    containerUpdate: vi.fn(),
    imagesList: vi.fn(),
    volumesList: vi.fn(),
    networksList: vi.fn(),
    statsLoads: vi.fn(),
    statsLatest: vi.fn(),
    statsContainerSeries: vi.fn(),
    statsFleetSeries: vi.fn(),
    statsLiveStart: vi.fn(),
    statsLiveStop: vi.fn(),
    statsRetentionGet: vi.fn(),
    statsRetentionSet: vi.fn(),
    containersCountByState: vi.fn(),
    windowVisibilitySet: vi.fn(),
  },
  events: {
    inventoryEvents: { listen: vi.fn() },
    resyncRequired: { listen: vi.fn() },
  },
}));

const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });

// jsdom has no canvas: keep uPlot out, the chart frames (test ids, data-points) still render.
vi.mock("./components/charts/UPlotChart", () => ({ UPlotChart: () => null }));

const details: ContainerDetails = {
  engineId: "0123456789abcdef",
  name: "web",
  image: "nginx:1.27",
  command: ["nginx", "-g", "daemon off;"],
  entrypoint: [],
  workingDir: "/",
  env: [{ name: "GREETING", value: XSS }],
  labels: { "com.example.evil": XSS },
  mounts: [],
  ports: [],
  networks: [{ name: "bridge", ipAddress: "172.17.0.2", gateway: "172.17.0.1", macAddress: "02:42:ac:11:00:02" }],
  restartPolicy: "unless-stopped",
  startedAt: "2024-01-01T00:00:00Z",
  finishedAt: "0001-01-01T00:00:00Z",
  restartCount: 0,
  resources: { cpus: null, memoryBytes: null },
  hostname: "abc",
};

// jsdom lays nothing out; give elements a size so the virtualized table renders rows.
Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 800 });
Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 1200 });

beforeEach(() => {
  vi.clearAllMocks();
  window.location.hash = "#/containers";
  vi.mocked(commands.statsLoads).mockImplementation(() =>
    ok({
      containers: [{ containerUuid: "u-web", ts: 1_800_000_000, cpuPercent: 250, memoryUsed: 52_000_000, memoryPercent: 12.5 }],
      devices: [],
    }),
  );
  vi.mocked(commands.statsLatest).mockImplementation(() => ok(null));
  vi.mocked(commands.statsContainerSeries).mockImplementation((containerUuid) =>
    ok({ containerUuid, from: null, to: null, step: 10, tier: "raw" as const, points: [] }),
  );
  vi.mocked(commands.statsFleetSeries).mockImplementation(() =>
    ok({ deviceUuid: null, from: null, to: null, step: 10, tier: "raw" as const, points: [] }),
  );
  vi.mocked(commands.statsLiveStart).mockImplementation(() => ok(1));
  vi.mocked(commands.statsLiveStop).mockImplementation(() => ok(null));
  vi.mocked(commands.statsRetentionGet).mockImplementation(() => ok({ rawHours: 24, minuteDays: 7, hourDays: 365 }));
  vi.mocked(commands.containersCountByState).mockImplementation(() =>
    ok([
      { state: "running" as const, count: 1, stale: false },
      { state: "exited" as const, count: 1, stale: false },
    ]),
  );
  vi.mocked(commands.containersList).mockImplementation(() =>
    ok([
      makeContainer({ uuid: "u-web", name: "web", state: "running", labels: { x: XSS } }),
      makeContainer({ uuid: "u-db", name: "db", displayName: "Database", state: "exited", exitCode: 137 }),
    ]),
  );
  vi.mocked(commands.devicesList).mockImplementation(() => ok([makeDevice()]));
  vi.mocked(commands.containerInspect).mockImplementation(() => ok(details));
  vi.mocked(commands.containerAction).mockImplementation(() => ok(null));
  vi.mocked(events.inventoryEvents.listen).mockResolvedValue(() => {});
  vi.mocked(events.resyncRequired.listen).mockResolvedValue(() => {});
});

describe("App", () => {
  it("renders rows with test hooks and the device list", async () => {
    renderWithProviders(<App />);
    await screen.findByTestId("app-ready");
    const rows = await screen.findAllByTestId("container-row");
    expect(rows.map((r) => [r.dataset.name, r.dataset.state])).toEqual([
      ["db", "exited"],
      ["web", "running"],
    ]);
    expect(within(rows[0]).getByText("exited (137)")).toBeInTheDocument();
    expect(within(rows[0]).getByText("Database")).toBeInTheDocument();
    expect(screen.getByTestId("device-item").dataset.status).toBe("online");
    expect(screen.getByTestId("container-count")).toHaveTextContent("2 of 2 containers");
    expect(events.inventoryEvents.listen).toHaveBeenCalledTimes(1);
  });

  it("fetches nothing before the live updates listen, then each list once", async () => {
    let listened: (() => void) | undefined;
    vi.mocked(events.resyncRequired.listen).mockImplementation(
      () => new Promise((resolve) => (listened = () => resolve(() => {}))),
    );
    renderWithProviders(<App />);
    await waitFor(() => expect(events.inventoryEvents.listen).toHaveBeenCalledTimes(1));
    await new Promise((r) => setTimeout(r, 20));
    expect(commands.containersList).not.toHaveBeenCalled();
    expect(commands.devicesList).not.toHaveBeenCalled();
    listened?.();
    await screen.findByTestId("app-ready");
    expect(await screen.findAllByTestId("container-row")).toHaveLength(2);
    // Read once: not a first read thrown away when the listeners came.
    expect(commands.containersList).toHaveBeenCalledTimes(1);
  });

  it("shows label and env values from the engine as literal text", async () => {
    renderWithProviders(<App />);
    const row = (await screen.findAllByTestId("container-row")).find((r) => r.dataset.name === "web")!;
    fireEvent.click(row);
    const drawer = await screen.findByTestId("container-drawer");
    const value = await within(drawer).findByTestId("label-value");
    expect(value.textContent).toBe(XSS);
    expect(within(drawer).getByTestId("env-value").textContent).toBe(XSS);
    expect(within(drawer).getByTestId("env-name").textContent).toBe("GREETING");
    expect(document.querySelector("img")).toBeNull();
  });

  it("asks before stopping, without opening the drawer", async () => {
    renderWithProviders(<App />);
    const row = (await screen.findAllByTestId("container-row")).find((r) => r.dataset.name === "web")!;
    expect(within(row).queryByTestId("action-start")).toBeNull();
    fireEvent.click(within(row).getByTestId("action-stop"));
    const confirm = await screen.findByTestId("confirm-action");
    expect(screen.queryByTestId("container-drawer")).toBeNull();
    fireEvent.click(confirm);
    await waitFor(() =>
      expect(commands.containerAction).toHaveBeenCalledWith("u-web", { action: "stop", timeoutSecs: null }),
    );
  });

  it("filters with the search box", async () => {
    renderWithProviders(<App />);
    await screen.findAllByTestId("container-row");
    fireEvent.change(screen.getByTestId("search"), { target: { value: "datab" } });
    const rows = await screen.findAllByTestId("container-row");
    expect(rows.map((r) => r.dataset.name)).toEqual(["db"]);
    expect(screen.getByTestId("container-count")).toHaveTextContent("1 of 2 containers");
  });

  it("opens the devices screen from the navbar", async () => {
    renderWithProviders(<App />);
    await screen.findByTestId("app-ready");
    fireEvent.click(screen.getByTestId("nav-devices"));
    const row = await screen.findByTestId("device-row");
    expect([row.dataset.name, row.dataset.status]).toEqual(["local", "online"]);
    expect(screen.getByTestId("add-device")).toBeInTheDocument();
    expect(screen.getByTestId("import-contexts")).toBeInTheDocument();
    expect(window.location.hash).toBe("#/devices");
    window.location.hash = "";
  });

  it("opens on the dashboard when the hash is empty", async () => {
    window.location.hash = "";
    renderWithProviders(<App />);
    await screen.findByTestId("dashboard");
    expect(screen.getByTestId("nav-dashboard")).toHaveAttribute("aria-current", "page");
    expect(await screen.findByTestId("dashboard-count-running")).toHaveTextContent("1");
    expect(screen.getByTestId("dashboard-count-total")).toHaveTextContent("2");
    expect(screen.getByTestId("fleet-cpu-chart")).toBeInTheDocument();
    fireEvent.click(screen.getByTestId("nav-containers"));
    expect(await screen.findAllByTestId("container-row")).toHaveLength(2);
  });

  it("shows CPU and memory bars for running containers only", async () => {
    renderWithProviders(<App />);
    const bar = await screen.findByTestId("container-cpu-bar");
    expect(bar.dataset.value).toBe("250");
    expect(bar).toHaveTextContent("250%");
    expect(screen.getByTestId("container-mem-bar").dataset.value).toBe("12.5");
    expect(screen.getAllByTestId("container-cpu-bar")).toHaveLength(1);
    const web = screen.getAllByTestId("container-row").find((r) => r.dataset.name === "web")!;
    expect(within(web).getByTestId("container-cpu-bar")).toBe(bar);
  });

  it("starts live stats on the Stats tab of a running container and stops them on close", async () => {
    renderWithProviders(<App />);
    const row = (await screen.findAllByTestId("container-row")).find((r) => r.dataset.name === "web")!;
    fireEvent.click(row);
    const drawer = await screen.findByTestId("container-drawer");
    expect(commands.statsLiveStart).not.toHaveBeenCalled();
    fireEvent.click(within(drawer).getByTestId("drawer-tab-stats"));
    expect(await within(drawer).findByTestId("live-cpu-chart")).toHaveAttribute("data-points", "0");
    expect(within(drawer).getByTestId("history-cpu-chart")).toBeInTheDocument();
    await waitFor(() => expect(commands.statsLiveStart).toHaveBeenCalledWith("u-web"));
    await waitFor(() => expect(commands.statsContainerSeries).toHaveBeenCalled());
    fireEvent.click(within(drawer).getByLabelText("Close details"));
    await waitFor(() => expect(commands.statsLiveStop).toHaveBeenCalledWith(1));
  });

  it("explains that live stats need a running container", async () => {
    renderWithProviders(<App />);
    const row = (await screen.findAllByTestId("container-row")).find((r) => r.dataset.name === "db")!;
    fireEvent.click(row);
    const drawer = await screen.findByTestId("container-drawer");
    fireEvent.click(within(drawer).getByTestId("drawer-tab-stats"));
    expect(await within(drawer).findByTestId("live-unavailable")).toHaveTextContent("exited");
    expect(within(drawer).queryByTestId("live-cpu-chart")).toBeNull();
    expect(commands.statsLiveStart).not.toHaveBeenCalled();
  });

  it("shows the error state when the backend is unavailable", async () => {
    vi.mocked(commands.containersList).mockImplementation(() => Promise.reject(new Error("IPC unavailable")));
    renderWithProviders(<App />);
    await screen.findByTestId("app-ready");
    expect(await screen.findByText("IPC unavailable")).toBeInTheDocument();
  });

  it("explains how to get an engine when there are no devices", async () => {
    vi.mocked(commands.containersList).mockImplementation(() => ok([]));
    vi.mocked(commands.devicesList).mockImplementation(() => ok([]));
    renderWithProviders(<App />);
    expect(await screen.findByText("No Docker engine found")).toBeInTheDocument();
  });
});
