// @vitest-environment jsdom
// My templates and the sources, with the backend mocked: "Save as template" from a container,
// the editor's errors, deleting with a confirmation, and adding a source that fails.
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands } from "../../bindings";
import { renderWithProviders } from "../../test/render";
import { SaveAsTemplateButton } from "./SaveAsTemplateButton";
import { SourcesModal } from "./SourcesModal";
import { TemplatesPage } from "./TemplatesPage";
import { makeCatalogue, makeEntry, makeTemplate } from "./testTemplates";
import { clearLogoCache } from "./useLogo";

vi.mock("../../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../bindings")>()),
  commands: {
    templatesCatalogue: vi.fn(),
    templateLogo: vi.fn(),
    templateFromContainer: vi.fn(),
    myTemplateSave: vi.fn(),
    myTemplateDelete: vi.fn(),
    templateSourceAdd: vi.fn(),
    templateSourceRemove: vi.fn(),
    templateSourceSetEnabled: vi.fn(),
    templateSourceRefresh: vi.fn(),
    templateFilePick: vi.fn(),
  },
}));

Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 800 });
Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 1200 });

const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });
const fail = (message: string) =>
  Promise.resolve({ status: "error" as const, error: { code: "invalid_input", message, detail: null, hostKey: null } });

const mine = makeEntry("mine/u-1", { title: "My Nginx", image: "nginx:1.27" }, "mine");

beforeEach(() => {
  vi.clearAllMocks();
  clearLogoCache();
  const catalogue = makeCatalogue([makeEntry("bundled/0"), mine]);
  catalogue.sources.push({
    uuid: "s-1",
    name: "Community",
    location: { kind: "url", value: "https://example.com/templates.json" },
    builtin: false,
    enabled: true,
    format: "portainerV2",
    templateCount: 12,
    problems: [{ index: 3, title: "Broken", field: "ports[0]", message: "\"80-90\" is a port range" }],
    error: "the server answered 503",
    fetchedAt: Date.now() - 7_200_000,
  });
  vi.mocked(commands.templatesCatalogue).mockImplementation(() => ok(catalogue));
  vi.mocked(commands.templateLogo).mockImplementation(() => ok(null));
});

describe("Save as template", () => {
  it("drafts from the container, opens the editor and saves to My templates", async () => {
    vi.mocked(commands.templateFromContainer).mockImplementation(() =>
      ok(
        makeTemplate({
          title: "web",
          image: "nginx:1.27",
          ports: [{ hostIp: null, hostPort: 8080, containerPort: 80, protocol: "tcp" }],
        }),
      ),
    );
    vi.mocked(commands.myTemplateSave)
      .mockImplementationOnce(() => fail("ports[0]: host port 8080 is taken twice"))
      .mockImplementationOnce(() =>
        ok({ uuid: "u-9", template: makeTemplate({ title: "Web server" }), createdAt: 1, updatedAt: 1 }),
      );
    renderWithProviders(<SaveAsTemplateButton containerUuid="c-1" containerName="web" />);
    fireEvent.click(screen.getByTestId("save-as-template"));
    const editor = await screen.findByTestId("template-editor");
    expect(commands.templateFromContainer).toHaveBeenCalledWith("c-1");
    expect(within(editor).getByTestId("editor-title")).toHaveValue("web");
    expect(within(editor).getByTestId("editor-port")).toHaveValue("8080:80/tcp");

    fireEvent.change(within(editor).getByTestId("editor-title"), { target: { value: "Web server" } });
    fireEvent.click(within(editor).getByTestId("editor-save"));
    // The backend's refusal is shown in words, and the editor stays open.
    expect(await within(editor).findByTestId("editor-error")).toHaveTextContent("host port 8080 is taken twice");
    fireEvent.click(within(editor).getByTestId("editor-save"));
    await waitFor(() => expect(commands.myTemplateSave).toHaveBeenCalledTimes(2));
    expect(vi.mocked(commands.myTemplateSave).mock.calls[1]).toEqual([
      null,
      expect.objectContaining({
        title: "Web server",
        image: "nginx:1.27",
        ports: [{ hostIp: null, hostPort: 8080, containerPort: 80, protocol: "tcp" }],
      }),
    ]);
  });

  it("refuses a template without a title before asking the backend", async () => {
    vi.mocked(commands.templateFromContainer).mockImplementation(() => ok(makeTemplate({ title: "" })));
    renderWithProviders(<SaveAsTemplateButton containerUuid="c-1" containerName="web" />);
    fireEvent.click(screen.getByTestId("save-as-template"));
    const editor = await screen.findByTestId("template-editor");
    fireEvent.click(within(editor).getByTestId("editor-save"));
    expect(await within(editor).findByText("Give the template a title")).toBeInTheDocument();
    expect(commands.myTemplateSave).not.toHaveBeenCalled();
  });
});

describe("My templates in the gallery", () => {
  it("deletes one of mine after a confirmation", async () => {
    vi.mocked(commands.myTemplateDelete).mockImplementation(() => ok(null));
    renderWithProviders(<TemplatesPage />);
    const card = await screen.findByRole("listitem", { name: /My Nginx/ });
    fireEvent.click(within(card).getByTestId("template-delete"));
    fireEvent.click(await screen.findByTestId("template-delete-confirm"));
    await waitFor(() => expect(commands.myTemplateDelete).toHaveBeenCalledWith("u-1"));
    await waitFor(() => expect(commands.templatesCatalogue).toHaveBeenCalledTimes(2));
  });

  it("duplicates one of mine as a copy", async () => {
    vi.mocked(commands.myTemplateSave).mockImplementation(() =>
      ok({ uuid: "u-2", template: makeTemplate({ title: "My Nginx (copy)" }), createdAt: 1, updatedAt: 1 }),
    );
    renderWithProviders(<TemplatesPage />);
    const card = await screen.findByRole("listitem", { name: /My Nginx/ });
    fireEvent.click(within(card).getByTestId("template-duplicate"));
    await waitFor(() =>
      expect(commands.myTemplateSave).toHaveBeenCalledWith(
        null,
        expect.objectContaining({ title: "My Nginx (copy)", id: null }),
      ),
    );
  });
});

describe("the sources", () => {
  it("lists each source with its state and problems, and says why an add failed", async () => {
    vi.mocked(commands.templateSourceAdd).mockImplementation(() => fail("https://nope.example/t.json: the server answered 404"));
    renderWithProviders(<SourcesModal opened onClose={() => {}} />);
    await waitFor(() => expect(screen.getAllByTestId("source-row")).toHaveLength(3));
    const community = screen.getAllByTestId("source-row")[2];
    expect(community).toHaveTextContent("Portainer v2");
    expect(community).toHaveTextContent("12 templates");
    expect(community).toHaveTextContent("Read 2 h ago");
    expect(within(community).getByTestId("source-error")).toHaveTextContent("The server answered 503.");
    fireEvent.click(within(community).getByTestId("source-problems-toggle"));
    expect(within(community).getByTestId("source-problems")).toHaveTextContent("ports[0]");
    // The builtin ones cannot be switched off or removed.
    expect(within(screen.getAllByTestId("source-row")[0]).queryByTestId("source-remove")).toBeNull();

    fireEvent.change(screen.getByTestId("source-path"), { target: { value: "ftp://x" } });
    fireEvent.click(screen.getByTestId("source-add"));
    expect(await screen.findByText("A web address must start with http:// or https://.")).toBeInTheDocument();
    fireEvent.change(screen.getByTestId("source-path"), { target: { value: "templates.json" } });
    expect(await screen.findByText(/Give the file's full path/)).toBeInTheDocument();
    expect(commands.templateSourceAdd).not.toHaveBeenCalled();

    fireEvent.change(screen.getByTestId("source-path"), { target: { value: "https://nope.example/t.json" } });
    fireEvent.click(screen.getByTestId("source-add"));
    expect(await screen.findByTestId("source-add-error")).toHaveTextContent("the server answered 404");
    expect(commands.templateSourceAdd).toHaveBeenCalledWith("", { kind: "url", value: "https://nope.example/t.json" });
  });

  it("adds a file picked in the system's dialog", async () => {
    vi.mocked(commands.templateFilePick).mockImplementation(() => ok("/home/me/homelab.json"));
    vi.mocked(commands.templateSourceAdd).mockImplementation((name, location) =>
      ok({
        uuid: "s-2",
        name: name || "homelab.json",
        location,
        builtin: false,
        enabled: true,
        format: "portainerV3",
        templateCount: 2,
        problems: [],
        error: null,
        fetchedAt: Date.now(),
      }),
    );
    renderWithProviders(<SourcesModal opened onClose={() => {}} />);
    fireEvent.click(await screen.findByTestId("source-browse"));
    await waitFor(() => expect(screen.getByTestId("source-path")).toHaveValue("/home/me/homelab.json"));
    fireEvent.click(screen.getByTestId("source-add"));
    await waitFor(() =>
      expect(commands.templateSourceAdd).toHaveBeenCalledWith("", { kind: "file", value: "/home/me/homelab.json" }),
    );
    await waitFor(() => expect(commands.templatesCatalogue).toHaveBeenCalledTimes(2));
  });

  it("removes a source after a confirmation", async () => {
    vi.mocked(commands.templateSourceRemove).mockImplementation(() => ok(null));
    renderWithProviders(<SourcesModal opened onClose={() => {}} />);
    await waitFor(() => expect(screen.getAllByTestId("source-row")).toHaveLength(3));
    const community = screen.getAllByTestId("source-row")[2];
    fireEvent.click(within(community).getByTestId("source-remove"));
    expect(commands.templateSourceRemove).not.toHaveBeenCalled();
    fireEvent.click(within(community).getByTestId("source-remove-confirm-button"));
    await waitFor(() => expect(commands.templateSourceRemove).toHaveBeenCalledWith("s-1"));
  });
});
