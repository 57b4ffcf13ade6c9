// @vitest-environment jsdom
// The first-run screen's links: `#/devices?add` opens the wizard, `#/devices?import` the
// import of Docker contexts, and the hash goes back to plain `#/devices`.
import { render, screen } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands } from "../../bindings";
import { renderWithProviders } from "../../test/render";
import { NoEngineState } from "../containers/ContainersPage";
import { DevicesPage } from "./DevicesPage";

vi.mock("../../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../bindings")>()),
  commands: {
    devicesList: vi.fn(),
    devicesDiscover: vi.fn(),
  },
  events: {
    inventoryEvents: { listen: vi.fn() },
    resyncRequired: { listen: vi.fn() },
  },
}));

const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(commands.devicesList).mockImplementation(() => ok([]));
  vi.mocked(commands.devicesDiscover).mockImplementation(() => ok([]));
});

describe("first run without Docker", () => {
  it("offers a remote device and the Docker contexts", () => {
    render(
      <MantineProvider>
        <NoEngineState />
      </MantineProvider>,
    );
    expect(screen.getByText(/connects by itself/)).toBeInTheDocument();
    expect(screen.getByTestId("empty-add-device")).toHaveAttribute("href", "#/devices?add");
    expect(screen.getByTestId("empty-import-contexts")).toHaveAttribute("href", "#/devices?import");
  });

  it("opens the wizard from #/devices?add", async () => {
    window.location.hash = "#/devices?add";
    renderWithProviders(<DevicesPage />);
    expect(await screen.findByTestId("device-wizard")).toBeInTheDocument();
    expect(window.location.hash).toBe("#/devices");
  });

  it("opens the import from #/devices?import", async () => {
    window.location.hash = "#/devices?import";
    renderWithProviders(<DevicesPage />);
    expect(await screen.findByTestId("import-none")).toBeInTheDocument();
    expect(window.location.hash).toBe("#/devices");
  });
});
