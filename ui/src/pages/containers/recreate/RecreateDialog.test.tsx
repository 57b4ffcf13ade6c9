// @vitest-environment jsdom
// The safe-update dialog against a backend that speaks the recreate protocol (steps over a
// channel, then the outcome): what is asked of it, each step as it comes, a roll back told
// with the failed container's last lines as text; and the edit form, which sends only what
// changed.
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, type RecreateStep_Serialize as RecreateStep } from "../../../bindings";
import { makeContainer } from "../../../test/fixtures";
import { renderWithProviders } from "../../../test/render";
import { RecreateDialog } from "./RecreateDialog";

vi.mock("../../../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../../bindings")>()),
  commands: {
    containerRecreate: vi.fn(),
    containerRollBack: vi.fn(),
    keptImagesList: vi.fn(),
    keptImagesHoursGet: vi.fn(),
    updatesLast: vi.fn(),
    containerInspect: vi.fn(),
  },
}));

let channel: { onmessage: (e: RecreateStep) => void } | null = null;
vi.mock("@tauri-apps/api/core", () => ({
  Channel: class {
    onmessage: (e: RecreateStep) => void = () => {};
    constructor() {
      channel = this;
    }
  },
}));

const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });
const web = makeContainer({ uuid: "c1", name: "web", image: "ghcr.io/o/app:1.0.0", imageId: "sha256:old" });

beforeEach(() => {
  vi.clearAllMocks();
  channel = null;
  vi.mocked(commands.keptImagesList).mockReturnValue(ok([]));
  vi.mocked(commands.keptImagesHoursGet).mockReturnValue(ok(168));
  vi.mocked(commands.updatesLast).mockReturnValue(
    ok({
      checkedAt: 1,
      tookMs: 1,
      requests: { head: 1, tagLists: 1 },
      rateLimits: [],
      findings: [{ containerUuid: "c1", deviceUuid: "d1", reference: "ghcr.io/o/app:1.0.0", finding: { kind: "available", newDigest: null, newerTag: "1.1.0" } }],
    }),
  );
});

describe("the update dialog", () => {
  it("asks for the newer tag with the chosen gate, follows the steps, and tells a roll back with the last lines as text", async () => {
    let finish: (v: unknown) => void = () => {};
    vi.mocked(commands.containerRecreate).mockReturnValue(new Promise((r) => (finish = r)) as never);
    renderWithProviders(<RecreateDialog target={{ container: web, mode: "update" }} onClose={() => {}} />);
    await waitFor(() => expect(screen.getByTestId("recreate-to")).toHaveTextContent("ghcr.io/o/app:1.1.0"));
    expect(screen.getByText("Newer version: 1.0.0 → 1.1.0")).toBeInTheDocument();
    fireEvent.click(screen.getByTestId("recreate-start"));
    await waitFor(() => expect(commands.containerRecreate).toHaveBeenCalled());
    const [request] = vi.mocked(commands.containerRecreate).mock.calls[0];
    expect(request).toMatchObject({ containerUuid: "c1", image: "ghcr.io/o/app:1.1.0", pull: true, gate: { windowSecs: 30, healthTimeoutSecs: 120 } });

    act(() => channel?.onmessage({ step: "stopping" }));
    act(() => channel?.onmessage({ step: "creating" }));
    act(() => channel?.onmessage({ step: "starting" }));
    act(() => channel?.onmessage({ step: "checking", seconds: 25, health: null }));
    expect(screen.getByTestId("recreate-step-creating")).toHaveAttribute("data-state", "done");
    expect(screen.getByTestId("recreate-step-checking")).toHaveAttribute("data-state", "current");
    expect(screen.getByTestId("recreate-step-checking")).toHaveTextContent("at most 25 s more");
    expect(screen.getByTestId("recreate-close")).toHaveTextContent("Hide (it goes on)");

    const outcome = {
      container: "web",
      fromImage: "ghcr.io/o/app:1.0.0",
      toImage: "ghcr.io/o/app:1.1.0",
      result: { kind: "rolledBack" as const, reason: "it exited with code 3" },
      keptImage: "ghcr.io/o/app:squirrel-rollback-web",
      lastLines: ["<b>boom</b>", "config missing"],
    };
    act(() => channel?.onmessage({ step: "rollingBack", reason: "it exited with code 3" }));
    act(() => channel?.onmessage({ step: "done", outcome }));
    await act(async () => finish({ status: "ok", data: outcome }));
    const told = await screen.findByTestId("recreate-outcome");
    expect(told).toHaveAttribute("data-result", "rolledBack");
    expect(told).toHaveTextContent("Rolled back: web runs as before");
    expect(told).toHaveTextContent("it exited with code 3");
    const lines = within(told).getByTestId("recreate-last-lines");
    expect(lines.textContent).toBe("<b>boom</b>\nconfig missing");
    expect(lines.querySelector("b")).toBeNull();
    expect(screen.getByTestId("recreate-step-checking")).not.toHaveAttribute("data-state", "done");
    expect(screen.getByTestId("recreate-close")).toHaveTextContent("Close");
  });

  it("shows the backend's refusal in words and can be tried again", async () => {
    vi.mocked(commands.containerRecreate).mockReturnValue(ok(null).then(() => ({ status: "error", error: { code: "busy", message: "web is already being updated or recreated: wait for it to finish" } })) as never);
    renderWithProviders(<RecreateDialog target={{ container: web, mode: "update" }} onClose={() => {}} />);
    await waitFor(() => expect(screen.getByTestId("recreate-start")).toBeEnabled());
    fireEvent.click(screen.getByTestId("recreate-start"));
    expect(await screen.findByTestId("recreate-error")).toHaveTextContent("already being updated");
    expect(screen.getByTestId("recreate-start")).toBeEnabled();
  });
});

describe("the edit dialog", () => {
  it("sends only the changed environment, and refuses a bad limit before asking", async () => {
    vi.mocked(commands.containerInspect).mockReturnValue(
      ok({
        engineId: "e1",
        name: "web",
        image: "ghcr.io/o/app:1.0.0",
        command: [],
        entrypoint: [],
        workingDir: null,
        env: [
          { name: "FOO", value: "bar" },
          { name: "TZ", value: "UTC" },
        ],
        labels: {},
        mounts: [],
        ports: [{ ip: "0.0.0.0", privatePort: 80, publicPort: 8080, protocol: "tcp" }],
        networks: [],
        restartPolicy: "unless-stopped",
        startedAt: null,
        finishedAt: null,
        restartCount: 0,
        hostname: null,
        resources: { cpus: null, memoryBytes: null },
      }) as never,
    );
    vi.mocked(commands.containerRecreate).mockReturnValue(
      ok({ container: "web", fromImage: "x", toImage: "x", result: { kind: "replaced", why: "it ran for 30 s without exiting or restarting" }, keptImage: null, lastLines: [] }) as never,
    );
    renderWithProviders(<RecreateDialog target={{ container: web, mode: "edit" }} onClose={() => {}} />);
    const values = await screen.findAllByTestId("recreate-env-value");
    expect(screen.getByTestId("recreate-start")).toBeDisabled();
    fireEvent.change(values[0], { target: { value: "baz" } });
    fireEvent.change(screen.getByTestId("recreate-memory"), { target: { value: "3" } });
    expect(screen.getByTestId("recreate-invalid")).toHaveTextContent("6 at least");
    expect(screen.getByTestId("recreate-start")).toBeDisabled();
    fireEvent.change(screen.getByTestId("recreate-memory"), { target: { value: "" } });
    fireEvent.click(screen.getByTestId("recreate-start"));
    await waitFor(() => expect(commands.containerRecreate).toHaveBeenCalled());
    const [request] = vi.mocked(commands.containerRecreate).mock.calls[0];
    expect(request).toMatchObject({
      containerUuid: "c1",
      image: null,
      pull: false,
      edits: { env: [{ name: "FOO", value: "baz" }, { name: "TZ", value: "UTC" }], ports: null, limits: null, restartPolicy: null },
    });
    expect(await screen.findByTestId("recreate-outcome")).toHaveAttribute("data-result", "replaced");
  });
});
