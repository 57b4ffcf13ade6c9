// @vitest-environment jsdom
// The templates screen with the backend mocked: the gallery's cards and states, the search,
// logos fetched once and never as remote URLs, and a deploy through the wizard.
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { commands } from "../../bindings";
import { makeDevice } from "../../test/fixtures";
import { renderWithProviders } from "../../test/render";
import { resetDeployRuns } from "./deployRuns";
import { TemplatesPage } from "./TemplatesPage";
import { makeCatalogue, makeEntry } from "./testTemplates";
import type { DeployChannelEvent, DeployPlan } from "./types";
import { clearLogoCache } from "./useLogo";

vi.mock("../../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../bindings")>()),
  commands: {
    templatesCatalogue: vi.fn(),
    templateLogo: vi.fn(),
    templatePlan: vi.fn(),
    deployCheck: vi.fn(),
    deployRun: vi.fn(),
    devicesList: vi.fn(),
    networksList: vi.fn(),
    myTemplateSave: vi.fn(),
    myTemplateDelete: vi.fn(),
    myTemplatesExport: vi.fn(),
  },
}));

// The deploy's channel, as the backend would feed it.
let channel: { onmessage: (e: DeployChannelEvent) => void } | null = null;
vi.mock("@tauri-apps/api/core", () => ({
  Channel: class {
    onmessage: (e: DeployChannelEvent) => void = () => {};
    constructor() {
      channel = this;
    }
  },
}));

// The virtualizer sizes its window from the scroll element, which jsdom does not lay out.
Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 800 });
Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 1200 });

const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });
const REMOTE_LOGO = "https://cdn.example.com/redis.png";
const LOGO_DATA = "data:image/png;base64,iVBORw0KGgo=";
const XSS_NOTE = '<p>Set a password.</p><img src=x onerror="alert(1)"><script>alert(2)</script>&lt;b&gt;bold&lt;/b&gt;';

const entries = [
  makeEntry("bundled/0", { title: "Redis", logo: REMOTE_LOGO, note: XSS_NOTE, categories: ["Database"] }),
  makeEntry("bundled/1", { title: "PostgreSQL", description: "Relational database", logo: REMOTE_LOGO, image: "postgres:16" }),
  makeEntry("bundled/2", { title: "Swarm monitor", kind: "swarm", image: null, categories: ["Monitoring"] }),
  makeEntry("mine/u-1", { title: "My Nginx", image: "nginx:1.27", categories: [] }, "mine"),
];

const plan: DeployPlan = {
  name: "redis",
  image: "redis:7",
  env: [],
  ports: [{ hostIp: null, hostPort: 6379, containerPort: 6379, protocol: "tcp" }],
  volumes: [],
  network: null,
  restartPolicy: "always",
  labels: [],
  command: null,
  hostname: null,
  privileged: false,
  interactive: false,
  capAdd: [],
  memoryBytes: null,
  cpus: null,
  requiredEnv: [],
};

beforeEach(() => {
  vi.clearAllMocks();
  clearLogoCache();
  resetDeployRuns();
  channel = null;
  window.location.hash = "#/templates";
  vi.mocked(commands.templatesCatalogue).mockImplementation(() => ok(makeCatalogue(entries)));
  vi.mocked(commands.templateLogo).mockImplementation(() => ok(LOGO_DATA));
  vi.mocked(commands.devicesList).mockImplementation(() => ok([makeDevice()]));
  vi.mocked(commands.networksList).mockImplementation(() => ok([]));
  vi.mocked(commands.templatePlan).mockImplementation(() => ok(plan));
  vi.mocked(commands.deployCheck).mockImplementation((targets) =>
    ok({
      problems: [],
      targets: targets.map((t) => ({
        deviceUuid: t,
        deviceName: "local",
        problems: [],
        warnings: ["the image is not on the device yet"],
      })),
      runLine: "docker run -d --name redis -p 6379:6379/tcp --restart always redis:7",
    }),
  );
});

afterEach(() => {
  window.location.hash = "";
});

const cards = () => screen.getAllByTestId("template-card");

describe("the templates gallery", () => {
  it("shows a card per template, with its key, title, kind and categories", async () => {
    renderWithProviders(<TemplatesPage />);
    await waitFor(() => expect(cards()).toHaveLength(4));
    expect(cards().map((c) => [c.dataset.key, c.dataset.title])).toEqual([
      ["bundled/0", "Redis"],
      ["bundled/1", "PostgreSQL"],
      ["bundled/2", "Swarm monitor"],
      ["mine/u-1", "My Nginx"],
    ]);
    expect(screen.getByTestId("template-count")).toHaveTextContent("4 templates");
    expect(within(cards()[0]).getByText("Database")).toBeInTheDocument();
    expect(within(cards()[0]).getByTestId("template-kind")).toHaveTextContent("Container");
    // My templates have their own actions; the others do not.
    expect(within(cards()[3]).getByTestId("template-edit")).toBeInTheDocument();
    expect(within(cards()[0]).queryByTestId("template-edit")).toBeNull();
  });

  it("lists stacks as not supported yet, and does not deploy them", async () => {
    renderWithProviders(<TemplatesPage />);
    await waitFor(() => expect(cards()).toHaveLength(4));
    const swarm = cards()[2];
    expect(within(swarm).getByTestId("template-unsupported")).toHaveTextContent("Not supported yet");
    const button = within(swarm).getByTestId("template-deploy");
    expect(button).toBeDisabled();
    expect(button).toHaveAccessibleName(/Swarm stack templates are not supported yet/);
    fireEvent.click(button);
    fireEvent.click(swarm);
    expect(commands.templatePlan).not.toHaveBeenCalled();
    expect(within(cards()[0]).getByTestId("template-deploy")).toBeEnabled();
  });

  it("filters as the search is typed, and says when nothing matches", async () => {
    renderWithProviders(<TemplatesPage />);
    await waitFor(() => expect(cards()).toHaveLength(4));
    const search = screen.getByTestId("template-search");
    fireEvent.change(search, { target: { value: "POSTGRES" } });
    await waitFor(() => expect(cards().map((c) => c.dataset.title)).toEqual(["PostgreSQL"]));
    expect(screen.getByTestId("template-count")).toHaveTextContent("1 of 4 templates");
    fireEvent.change(search, { target: { value: "monitoring" } });
    await waitFor(() => expect(cards().map((c) => c.dataset.title)).toEqual(["Swarm monitor"]));
    fireEvent.change(search, { target: { value: "no such thing" } });
    expect(await screen.findByText("No template matches")).toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Clear search and filters" }));
    await waitFor(() => expect(cards()).toHaveLength(4));
  });

  it("says so when there are no templates at all, and when the catalogue cannot be read", async () => {
    vi.mocked(commands.templatesCatalogue).mockImplementationOnce(() => ok(makeCatalogue([])));
    const { unmount } = renderWithProviders(<TemplatesPage />);
    expect(await screen.findByText("No templates")).toBeInTheDocument();
    unmount();
    vi.mocked(commands.templatesCatalogue).mockImplementationOnce(() =>
      Promise.resolve({
        status: "error" as const,
        error: { code: "store", message: "the database is locked", detail: null, hostKey: null },
      }),
    );
    renderWithProviders(<TemplatesPage />);
    expect(await screen.findByTestId("error-state")).toHaveTextContent("the database is locked");
  });

  it("fetches each logo once through the backend and never puts its URL in the page", async () => {
    const { container } = renderWithProviders(<TemplatesPage />);
    await waitFor(() => expect(screen.getAllByTestId("template-logo")).toHaveLength(2));
    expect(commands.templateLogo).toHaveBeenCalledTimes(1);
    expect(commands.templateLogo).toHaveBeenCalledWith(REMOTE_LOGO);
    for (const img of container.querySelectorAll("img")) expect(img.getAttribute("src")).toBe(LOGO_DATA);
    expect(document.body.innerHTML).not.toContain("cdn.example.com");
    // Templates without a logo show their first letter.
    expect(within(cards()[2]).getByTestId("template-logo-placeholder")).toHaveTextContent("S");
  });

  it("moves focus between cards with the arrow keys and opens the wizard with Enter", async () => {
    renderWithProviders(<TemplatesPage />);
    await waitFor(() => expect(cards()).toHaveLength(4));
    expect(cards()[0]).toHaveAttribute("tabindex", "0");
    expect(cards()[1]).toHaveAttribute("tabindex", "-1");
    act(() => cards()[0].focus());
    fireEvent.keyDown(cards()[0], { key: "ArrowRight" });
    await waitFor(() => expect(cards()[1]).toHaveFocus());
    expect(cards()[1]).toHaveAttribute("tabindex", "0");
    fireEvent.keyDown(cards()[1], { key: "End" });
    await waitFor(() => expect(cards()[3]).toHaveFocus());
    fireEvent.keyDown(cards()[3], { key: "Enter" });
    await screen.findByTestId("wizard");
    expect(commands.templatePlan).toHaveBeenCalledWith(entries[3].template, {});
  });
});

describe("the deploy wizard", () => {
  it("goes from the template's plan to the review and deploys, following the progress", async () => {
    renderWithProviders(<TemplatesPage />);
    await waitFor(() => expect(cards()).toHaveLength(4));
    fireEvent.click(within(cards()[0]).getByTestId("template-deploy"));

    const wizard = await screen.findByTestId("wizard");
    const name = await within(wizard).findByTestId("wizard-name");
    expect(name).toHaveValue("redis");
    // The note is text: the payload's markup never becomes elements.
    const note = within(wizard).getByTestId("template-note");
    expect(note).toHaveTextContent("Set a password.");
    expect(note).toHaveTextContent("<b>bold</b>");
    expect(note.querySelector("img, script, b")).toBeNull();
    // The local device is the default target.
    await waitFor(() => expect(within(wizard).getByTestId("wizard-targets").dataset.selected).toBe("d-1"));

    fireEvent.change(name, { target: { value: "cache" } });
    fireEvent.click(within(wizard).getByTestId("wizard-next"));
    const runLine = await within(wizard).findByTestId("run-line");
    expect(runLine).toHaveTextContent("docker run -d --name redis");
    expect(within(wizard).getByTestId("review-warning")).toHaveTextContent("The image is not on the device yet.");
    expect(vi.mocked(commands.deployCheck).mock.calls.at(-1)?.[1]).toMatchObject({ name: "cache", image: "redis:7" });

    vi.mocked(commands.deployRun).mockImplementation(() => new Promise(() => {}));
    const deploy = within(wizard).getByTestId("wizard-deploy");
    expect(deploy).toBeEnabled();
    fireEvent.click(deploy);
    await waitFor(() => expect(commands.deployRun).toHaveBeenCalledTimes(1));
    expect(vi.mocked(commands.deployRun).mock.calls[0][0]).toMatchObject({
      targets: ["d-1"],
      pull: "always",
      plan: { name: "cache" },
    });

    const target = await within(wizard).findByTestId("deploy-target");
    expect(target).toHaveAttribute("data-state", "running");
    act(() => {
      channel?.onmessage({ kind: "step", deviceUuid: "d-1", step: "pulling" });
      channel?.onmessage({
        kind: "pull",
        deviceUuid: "d-1",
        progress: {
          layers: [
            { id: "sha256:aaaaaaaaaaaaaaaa", status: "Downloading", current: 1_000_000, total: 4_000_000, done: false },
            { id: "sha256:bbbbbbbbbbbbbbbb", status: "Pull complete", current: 2_000_000, total: 2_000_000, done: true },
          ],
          layersDone: 1,
          bytesDone: 3_000_000,
          bytesTotal: 6_000_000,
          status: null,
        },
      });
    });
    expect(within(target).getAllByTestId("deploy-layer")).toHaveLength(2);
    expect(within(target).getByTestId("deploy-pull-total")).toHaveTextContent("3 MB of 6 MB · 1 of 2 layers");
    act(() => channel?.onmessage({ kind: "done", deviceUuid: "d-1", engineId: "0123456789abcdef", containerUuid: "c-7" }));
    expect(target).toHaveAttribute("data-state", "done");
    fireEvent.click(within(target).getByTestId("deploy-show-container"));
    expect(window.location.hash).toBe("#/containers?open=c-7");
  });

  it("keeps Deploy disabled while a device has a problem", async () => {
    vi.mocked(commands.deployCheck).mockImplementation((targets) =>
      ok({
        problems: [],
        targets: targets.map((t) => ({
          deviceUuid: t,
          deviceName: "local",
          problems: [{ field: "name", message: "a container named \"redis\" already exists there; pick another name" }],
          warnings: [],
        })),
        runLine: "docker run -d --name redis redis:7",
      }),
    );
    renderWithProviders(<TemplatesPage />);
    await waitFor(() => expect(cards()).toHaveLength(4));
    fireEvent.click(within(cards()[0]).getByTestId("template-deploy"));
    const wizard = await screen.findByTestId("wizard");
    await within(wizard).findByTestId("wizard-name");
    await waitFor(() => expect(within(wizard).getByTestId("wizard-targets").dataset.selected).toBe("d-1"));
    fireEvent.click(within(wizard).getByTestId("wizard-next"));
    expect(await within(wizard).findByTestId("review-problem")).toHaveTextContent("Name:");
    expect(within(wizard).getByTestId("wizard-deploy")).toBeDisabled();
    // Back on the form, the problem sits under the name.
    fireEvent.click(within(wizard).getByTestId("wizard-back"));
    await waitFor(() => expect(within(wizard).getByText(/already exists there/)).toBeInTheDocument());
  });

  it("stays on the form while the plan itself has problems", async () => {
    vi.mocked(commands.deployCheck).mockImplementation(() =>
      ok({ problems: [{ field: "image", message: "the image reference is empty" }], targets: [], runLine: "docker run" }),
    );
    renderWithProviders(<TemplatesPage />);
    fireEvent.click(await screen.findByTestId("new-container"));
    const wizard = await screen.findByTestId("wizard");
    await within(wizard).findByTestId("wizard-name");
    fireEvent.click(within(wizard).getByTestId("wizard-next"));
    expect(await within(wizard).findByText("The image reference is empty")).toBeInTheDocument();
    expect(within(wizard).queryByTestId("run-line")).toBeNull();
    expect(commands.templatePlan).toHaveBeenCalledWith(
      expect.objectContaining({ title: "New container", kind: "container", image: "" }),
      {},
    );
  });
});
