// @vitest-environment jsdom
// The drawer of a container whose device is not online says so, and disables its actions the
// way the table does.
import { fireEvent, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands } from "../../bindings";
import { makeContainer, makeDevice } from "../../test/fixtures";
import { renderWithProviders } from "../../test/render";
import { ActionsProvider } from "./actions/ActionsContext";
import { ContainerDrawer } from "./ContainerDrawer";

vi.mock("../../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../bindings")>()),
  commands: {
    containersList: vi.fn(),
    devicesList: vi.fn(),
    containerInspect: vi.fn(),
    containerAction: vi.fn(),
    containerGuestDetails: vi.fn(),
    statsLatest: vi.fn(),
    statsContainerSeries: vi.fn(),
    statsLiveStart: vi.fn(),
  },
}));

const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });
const REASON = "nas is unreachable: connection refused.";

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(commands.containersList).mockImplementation(() =>
    ok([makeContainer({ uuid: "u-1", name: "web", deviceUuid: "d-2", state: "running" })]),
  );
  vi.mocked(commands.containerInspect).mockImplementation(() =>
    Promise.resolve({
      status: "error" as const,
      error: { code: "device_unavailable", message: "device nas is not connected: connection refused", detail: null, hostKey: null },
    }),
  );
});

function renderDrawer(status: Parameters<typeof makeDevice>[0] = {}) {
  vi.mocked(commands.devicesList).mockImplementation(() =>
    ok([makeDevice({ device: { ...makeDevice().device, uuid: "d-2", name: "nas" }, ...status })]),
  );
  renderWithProviders(
    <ActionsProvider>
      <ContainerDrawer uuid="u-1" deviceNames={new Map([["d-2", "nas"]])} onClose={() => {}} />
    </ActionsProvider>,
  );
}

describe("ContainerDrawer of a container whose device is not online", () => {
  it("shows the state as last seen and disables the actions that need the engine, with the reason", async () => {
    renderDrawer({ status: { state: "unreachable", reason: "connection refused" }, offlineSince: 1_800_000_000_000 });
    const alert = await screen.findByTestId("drawer-last-seen");
    expect(alert).toHaveTextContent(REASON);
    expect(alert).toHaveTextContent(/Last seen running, as of/);
    const drawer = screen.getByTestId("container-drawer");
    expect(within(drawer).getAllByTestId("status-badge")[0]).toHaveTextContent("last seen running");
    const stop = screen.getByTestId("drawer-action-stop");
    expect(stop).toHaveAttribute("aria-disabled", "true");
    fireEvent.click(stop);
    expect(screen.queryByRole("dialog", { name: /stop/i })).toBeNull();
    expect(commands.containerAction).not.toHaveBeenCalled();
    expect(screen.getByTestId("drawer-action-display-name")).not.toHaveAttribute("aria-disabled");
  });

  it("is unchanged while the device is online", async () => {
    renderDrawer();
    expect(await screen.findByTestId("drawer-action-stop")).not.toHaveAttribute("aria-disabled");
    expect(screen.queryByTestId("drawer-last-seen")).toBeNull();
  });
});

describe("ContainerDrawer of a Proxmox guest", () => {
  it("shows where it runs and what it was given, offers its actions in Proxmox's words, and no tab or button it has not", async () => {
    vi.mocked(commands.containersList).mockImplementation(() =>
      ok([
        makeContainer({
          uuid: "u-1",
          name: "dns",
          deviceUuid: "d-2",
          state: "running",
          kind: "lxc",
          image: "",
          created: 0,
          guest: { node: "pve1", vmid: 101, tags: ["infra", "<b>x</b>"], cpusMilli: 1500, maxMemory: 512 * 1024 * 1024, maxDisk: 8 * 1024 ** 3, template: false, lock: null, startedAt: 1_764_000_000 },
        }),
      ]),
    );
    vi.mocked(commands.containerGuestDetails).mockImplementation(() =>
      ok({
        hostname: "dns",
        osType: "debian",
        arch: "amd64",
        cores: 2,
        memoryMib: 512,
        swapMib: 512,
        unprivileged: true,
        features: ["nesting=1"],
        startOnBoot: true,
        protection: false,
        description: "<img src=x onerror=alert(1)> the lab's DNS",
        disks: [{ key: "rootfs", volume: "local-lvm:vm-101-disk-0", size: "8G", mountPath: null }],
        networks: [
          { key: "net0", name: "eth0", bridge: "vmbr0", mac: "BC:24:11:00:00:01", vlan: "20", firewall: true, ipv4: "dhcp", ipv6: null, gateway: null, addresses: ["10.0.0.5/24"] },
        ],
        snapshots: [{ name: "before-upgrade", description: "apt", takenAt: 1_764_000_000, parent: null, withMemory: false }],
        notes: [],
      }),
    );
    renderDrawer();
    expect(await screen.findByTestId("drawer-guest")).toHaveTextContent("101 on pve1");
    // Its config, read from the node: text, never markup.
    expect(await screen.findByTestId("guest-hostname")).toHaveTextContent("dns");
    expect(screen.getByTestId("guest-unprivileged")).toHaveTextContent("Unprivileged");
    expect(screen.getByTestId("guest-description")).toHaveTextContent("<img src=x onerror=alert(1)> the lab's DNS");
    expect(screen.getByTestId("container-drawer").querySelector("img")).toBeNull();
    expect(screen.getByTestId("guest-addresses")).toHaveTextContent("10.0.0.5/24");
    expect(screen.getByTestId("guest-snapshots")).toHaveTextContent("before-upgrade");
    expect(commands.containerGuestDetails).toHaveBeenCalledWith("u-1");
    const facts = screen.getByTestId("guest-facts");
    expect(facts).toHaveTextContent("Proxmox LXC container");
    expect(facts).toHaveTextContent("1.5");
    expect(facts).toHaveTextContent("537 MB");
    // A tag is text, never markup.
    expect(facts).toHaveTextContent("infra, <b>x</b>");
    expect(facts).toHaveTextContent(/Started.*\(up \d+ (d|mo|y)\)/);
    expect(screen.getByTestId("drawer-action-stop")).toHaveTextContent("Shut down");
    expect(screen.getByTestId("drawer-action-kill")).toHaveTextContent("Stop now");
    expect(screen.queryByTestId("drawer-action-remove")).toBeNull();
    expect(screen.queryByTestId("drawer-action-rename")).toBeNull();
    expect(screen.queryByTestId("drawer-tab-logs")).toBeNull();
    // No inspect is asked of Proxmox.
    expect(commands.containerInspect).not.toHaveBeenCalled();
    // Its stats: the history and the latest sample, no live stream (Proxmox has none).
    vi.mocked(commands.statsLatest).mockImplementation(() => ok(null));
    vi.mocked(commands.statsContainerSeries).mockImplementation(() =>
      ok({ containerUuid: "u-1", from: 0, to: 3600, step: 60, tier: "minute", points: [] }),
    );
    fireEvent.click(screen.getByTestId("drawer-tab-stats"));
    expect(await screen.findByTestId("stats-tab")).toBeInTheDocument();
    expect(screen.queryByTestId("live-status")).toBeNull();
    expect(commands.statsLiveStart).not.toHaveBeenCalled();
  });
});
