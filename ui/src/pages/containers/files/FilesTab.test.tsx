// @vitest-environment jsdom
// The Files tab: a folder's entries, a folder opened, a file's text shown as text.
import { fireEvent, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands } from "../../../bindings";
import { makeContainer } from "../../../test/fixtures";
import { renderWithProviders } from "../../../test/render";
import { FilesTab } from "./FilesTab";

vi.mock("../../../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../../bindings")>()),
  commands: { filesList: vi.fn(), filesPreview: vi.fn(), filesDownload: vi.fn(), filesUpload: vi.fn() },
}));

const entry = (name: string, kind: string, extra: object = {}) => ({
  name,
  kind,
  size: 12,
  mode: kind === "folder" ? 0o755 : 0o644,
  uid: 0,
  gid: 0,
  owner: null,
  modified: 1_700_000_000,
  linkTarget: null,
  ...extra,
});

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(commands.filesList).mockImplementation((_uuid, path) =>
    Promise.resolve({
      status: "ok",
      data:
        path === "/"
          ? { path, partial: false, entries: [entry("etc", "folder"), entry("hosts-link", "link", { linkTarget: "/etc/hosts" })] }
          : { path, partial: true, entries: [entry("<b>x</b>.conf", "file")] },
    }),
  );
  vi.mocked(commands.filesPreview).mockResolvedValue({
    status: "ok",
    data: { path: "/etc/<b>x</b>.conf", size: 12, text: "<script>alert(1)</script>", truncated: false },
  });
});

describe("FilesTab", () => {
  it("lists a folder, opens another, and shows a file's text as text", async () => {
    renderWithProviders(<FilesTab container={makeContainer({ uuid: "u-1" })} />);
    const etc = await screen.findByText("etc");
    expect(screen.getByText("hosts-link → /etc/hosts")).toBeInTheDocument();
    expect(screen.getAllByText("drwxr-xr-x")).toHaveLength(1);
    fireEvent.click(etc);
    expect(await screen.findByTestId("files-partial")).toBeInTheDocument();
    expect(commands.filesList).toHaveBeenLastCalledWith("u-1", "/etc");
    const row = screen.getByTestId("files-table").querySelector('[data-name="<b>x</b>.conf"]') as HTMLElement;
    fireEvent.click(within(row).getByTestId("files-open"));
    const text = await screen.findByTestId("file-preview-text");
    expect(text).toHaveTextContent("<script>alert(1)</script>");
    expect(document.querySelector("script")).toBeNull();
    expect(commands.filesPreview).toHaveBeenCalledWith("u-1", "/etc/<b>x</b>.conf");
    // Up again, by the crumbs.
    fireEvent.click(screen.getByTestId("files-up"));
    expect(await screen.findByText("etc")).toBeInTheDocument();
  });
});
