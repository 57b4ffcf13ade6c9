// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { EngineProbe, HostKeyPrompt } from "../../api/types";
import { commands } from "../../bindings";
import { makeDevice } from "../../test/fixtures";
import { renderWithProviders } from "../../test/render";
import { DevicesPage } from "./DevicesPage";

vi.mock("../../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../bindings")>()),
  commands: {
    devicesList: vi.fn(),
    deviceAdd: vi.fn(),
    deviceUpdate: vi.fn(),
    deviceSetEnabled: vi.fn(),
    deviceRemove: vi.fn(),
    deviceTestConnection: vi.fn(),
    deviceTrustHostKey: vi.fn(),
    devicesDiscover: vi.fn(),
    devicesImportContexts: vi.fn(),
  },
  events: {
    inventoryEvents: { listen: vi.fn() },
    resyncRequired: { listen: vi.fn() },
  },
}));

const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });
const XSS = "<img src=x onerror=alert(1)>";

const hostKey: HostKeyPrompt = {
  kind: "docker",
  host: "nas.local",
  port: 22,
  algorithm: "ssh-ed25519",
  fingerprint: "SHA256:n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg",
};

const probe: EngineProbe = {
  engineVersion: "27.3.1",
  apiVersion: "1.47",
  os: "linux",
  architecture: "x86_64",
  containers: 5,
  running: 3,
  images: 12,
  notes: ["The remote user is not in the docker group; using sudo."],
};

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(commands.devicesList).mockImplementation(() => ok([makeDevice()]));
});

describe("DevicesPage", () => {
  it("lists devices with status hooks, approves a waiting host key and removes a device", async () => {
    vi.mocked(commands.devicesList).mockImplementation(() =>
      ok([
        makeDevice(),
        makeDevice({
          device: {
            ...makeDevice().device,
            uuid: "d-2",
            name: "nas",
            connection: { type: "ssh", host: "nas.local", port: 22, user: "me", socketPath: "/var/run/docker.sock", auth: { method: "agent" } },
          },
          status: { state: "hostKeyUnknown", prompt: hostKey },
        }),
        makeDevice({
          device: { ...makeDevice().device, uuid: "d-3", name: XSS },
          status: { state: "unreachable", reason: XSS },
        }),
      ]),
    );
    vi.mocked(commands.deviceTrustHostKey).mockImplementation(() => ok(null));
    vi.mocked(commands.deviceRemove).mockImplementation(() => ok(null));
    renderWithProviders(<DevicesPage />);

    const rows = await screen.findAllByTestId("device-row");
    expect(rows.map((r) => [r.dataset.name, r.dataset.status])).toEqual([
      ["local", "online"],
      ["nas", "hostKeyUnknown"],
      [XSS, "unreachable"],
    ]);
    expect(within(rows[0]).getByTestId("device-connection")).toHaveTextContent("unix:///var/run/docker.sock");
    expect(within(rows[0]).getByTestId("device-engine-version")).toHaveTextContent("Docker 27.3.1");
    expect(within(rows[1]).getByTestId("device-connection")).toHaveTextContent("ssh://me@nas.local:22");
    expect(within(rows[2]).getByTestId("device-reason").textContent).toBe(XSS);
    expect(document.querySelector("img")).toBeNull();

    fireEvent.click(within(rows[1]).getByTestId("approve-host-key-row"));
    const dialog = await screen.findByTestId("host-key-dialog");
    expect(within(dialog).getByTestId("host-key-fingerprint")).toHaveTextContent(hostKey.fingerprint);
    fireEvent.click(within(dialog).getByTestId("approve-host-key"));
    await waitFor(() => expect(commands.deviceTrustHostKey).toHaveBeenCalledWith(hostKey));

    fireEvent.click(within(rows[0]).getByTestId("remove-device"));
    expect(await screen.findByText(/containers on the host are untouched/)).toBeInTheDocument();
    fireEvent.click(await screen.findByTestId("confirm-action"));
    await waitFor(() => expect(commands.deviceRemove).toHaveBeenCalledWith("d-1"));
  });

  it("toggles a device", async () => {
    vi.mocked(commands.deviceSetEnabled).mockImplementation(() => ok({ ...makeDevice().device, enabled: false }));
    renderWithProviders(<DevicesPage />);
    const row = await screen.findByTestId("device-row");
    fireEvent.click(within(row).getByTestId("device-enabled"));
    await waitFor(() => expect(commands.deviceSetEnabled).toHaveBeenCalledWith("d-1", false));
  });

  it("adds an SSH device: host key approval, retest, then save with the secret apart", async () => {
    vi.mocked(commands.deviceTestConnection)
      .mockImplementationOnce(() =>
        Promise.resolve({
          status: "error" as const,
          error: {
            code: "host_key_unknown",
            message: "nas.local presented an SSH host key Squirrel has never seen.",
            detail: null,
            hostKey,
          },
        }),
      )
      .mockImplementation(() => ok(probe));
    vi.mocked(commands.deviceTrustHostKey).mockImplementation(() => ok(null));
    vi.mocked(commands.deviceAdd).mockImplementation((device) =>
      ok({ ...makeDevice().device, uuid: "d-9", name: device.name, connection: makeDevice().device.connection }),
    );
    const { queryClient } = renderWithProviders(<DevicesPage />);
    const invalidate = vi.spyOn(queryClient, "invalidateQueries");
    await screen.findAllByTestId("device-row");

    fireEvent.click(screen.getByTestId("add-device"));
    fireEvent.click(await screen.findByTestId("device-kind-ssh"));
    fireEvent.click(screen.getByTestId("wizard-next"));

    fireEvent.change(await screen.findByTestId("ssh-host"), { target: { value: "nas.local" } });
    fireEvent.change(screen.getByTestId("ssh-user"), { target: { value: "me" } });
    fireEvent.click(screen.getByTestId("ssh-auth-password"));
    fireEvent.change(await screen.findByTestId("ssh-secret"), { target: { value: "s3cret" } });
    expect(screen.getByTestId("device-name")).toHaveAttribute("placeholder", "nas.local");
    fireEvent.click(screen.getByTestId("wizard-next"));

    expect(screen.getByTestId("save-device")).toBeDisabled();
    fireEvent.click(await screen.findByTestId("test-connection"));

    const dialog = await screen.findByTestId("host-key-dialog");
    expect(within(dialog).getByTestId("host-key-fingerprint")).toHaveTextContent(hostKey.fingerprint);
    expect(within(dialog).getByText("ssh-ed25519")).toBeInTheDocument();
    expect(screen.getByTestId("probe-error")).toHaveTextContent("never seen");
    fireEvent.click(within(dialog).getByTestId("approve-host-key"));

    await waitFor(() => expect(commands.deviceTrustHostKey).toHaveBeenCalledWith(hostKey));
    const result = await screen.findByTestId("probe-result");
    expect(commands.deviceTestConnection).toHaveBeenCalledTimes(2);
    const [tested, testedSecret, testedDevice] = vi.mocked(commands.deviceTestConnection).mock.calls[1];
    expect(testedSecret).toBe("s3cret");
    expect(testedDevice).toBeNull();
    expect(tested).toMatchObject({ type: "ssh", host: "nas.local", user: "me", auth: { method: "password", secret: null } });
    expect(result).toHaveTextContent("Docker 27.3.1");
    expect(result).toHaveTextContent("3 running of 5");
    expect(screen.getByTestId("probe-notes")).toHaveTextContent("docker group");

    fireEvent.click(screen.getByTestId("save-device"));
    await waitFor(() => expect(commands.deviceAdd).toHaveBeenCalledTimes(1));
    const [device, secret] = vi.mocked(commands.deviceAdd).mock.calls[0];
    expect(secret).toBe("s3cret");
    expect(device).toEqual({
      name: "nas.local",
      resyncIntervalSecs: 300,
      statsIntervalSecs: 10,
      connection: {
        type: "ssh",
        host: "nas.local",
        port: null,
        user: "me",
        socketPath: "/var/run/docker.sock",
        auth: { method: "password", secret: null },
      },
    });
    expect(JSON.stringify(device)).not.toContain("s3cret");
    await waitFor(() => expect(screen.queryByTestId("save-device")).toBeNull());
    expect(invalidate).toHaveBeenCalledWith({ queryKey: ["devices"] });
    expect(invalidate).toHaveBeenCalledWith({ queryKey: ["containers"] });
  });

  it("shows a failed test and a save error inline", async () => {
    vi.mocked(commands.deviceTestConnection).mockImplementation(() =>
      Promise.resolve({
        status: "error" as const,
        error: { code: "device_unavailable", message: "Connection refused by 10.0.0.2:2375.", detail: null, hostKey: null },
      }),
    );
    vi.mocked(commands.deviceAdd).mockImplementation(() =>
      Promise.resolve({
        status: "error" as const,
        error: { code: "invalid_input", message: "a device name needs 1 to 64 characters", detail: null, hostKey: null },
      }),
    );
    renderWithProviders(<DevicesPage />);
    await screen.findAllByTestId("device-row");
    fireEvent.click(screen.getByTestId("add-device"));
    fireEvent.click(await screen.findByTestId("device-kind-tcp"));
    fireEvent.click(screen.getByTestId("wizard-next"));
    fireEvent.change(await screen.findByTestId("tcp-host"), { target: { value: "10.0.0.2" } });
    fireEvent.click(screen.getByTestId("tcp-tls"));
    fireEvent.click(screen.getByTestId("wizard-next"));
    // Plain TCP needs the acknowledgement before going on.
    expect(screen.queryByTestId("test-connection")).toBeNull();
    fireEvent.click(screen.getByTestId("tcp-insecure-ack"));
    fireEvent.click(screen.getByTestId("wizard-next"));
    fireEvent.click(await screen.findByTestId("test-connection"));
    expect(await screen.findByTestId("probe-error")).toHaveTextContent("Connection refused by 10.0.0.2:2375.");
    expect(vi.mocked(commands.deviceTestConnection).mock.calls[0][0]).toMatchObject({ tls: null, insecureAcknowledged: true });

    fireEvent.click(screen.getByTestId("save-device-untested"));
    expect(await screen.findByTestId("save-error")).toHaveTextContent("1 to 64 characters");
  });

  it("previews Docker contexts, imports them and shows each outcome", async () => {
    vi.mocked(commands.devicesDiscover).mockImplementation(() =>
      ok([
        { name: "nas", source: 'docker context "nas"', connection: { connection: { type: "ssh", host: "nas", port: null, user: null, socketPath: "/var/run/docker.sock", auth: { method: "agent" } }, reason: null } },
        { name: "k8s", source: 'docker context "k8s"', connection: { connection: null, reason: "Kubernetes endpoints are not supported" } },
      ]),
    );
    vi.mocked(commands.devicesImportContexts).mockImplementation(() =>
      ok([
        { name: "nas", source: 'docker context "nas"', outcome: { outcome: "added", deviceUuid: "d-5" } },
        { name: "k8s", source: 'docker context "k8s"', outcome: { outcome: "skipped", reason: "Kubernetes endpoints are not supported" } },
      ]),
    );
    renderWithProviders(<DevicesPage />);
    await screen.findAllByTestId("device-row");
    fireEvent.click(screen.getByTestId("import-contexts"));
    const candidates = await screen.findAllByTestId("import-candidate");
    expect(candidates.map((c) => c.dataset.importable)).toEqual(["true", "false"]);
    expect(candidates[0]).toHaveTextContent("ssh://nas");
    expect(candidates[1]).toHaveTextContent("Kubernetes endpoints are not supported");
    fireEvent.click(screen.getByTestId("import-confirm"));
    const results = await screen.findAllByTestId("import-result");
    expect(results.map((r) => r.dataset.outcome)).toEqual(["added", "skipped"]);
    expect(results[1]).toHaveTextContent("Skipped: Kubernetes endpoints are not supported");
  });
});
