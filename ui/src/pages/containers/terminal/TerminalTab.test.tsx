// @vitest-environment jsdom
// The terminal tab: sessions opened and closed as tabs, a one-off command's output shown as
// text with its exit code, and a stopped container's tab saying why nothing opens.
import { fireEvent, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands } from "../../../bindings";
import { makeContainer } from "../../../test/fixtures";
import { renderWithProviders } from "../../../test/render";
import { TerminalTab } from "./TerminalTab";

vi.mock("../../../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../../bindings")>()),
  commands: { containerRunCommand: vi.fn() },
}));
// xterm.js needs a real browser: the terminal itself is the e2e test's.
vi.mock("./TerminalView", () => ({
  TerminalView: ({ request }: { request: unknown }) => <div data-testid="terminal-view">{JSON.stringify(request)}</div>,
  endedText: () => null,
}));

beforeEach(() => vi.clearAllMocks());

describe("TerminalTab", () => {
  it("opens terminals as tabs with the options chosen, and closes them", () => {
    renderWithProviders(<TerminalTab container={makeContainer({ state: "running" })} active />);
    expect(screen.getByTestId("terminal-empty")).toBeInTheDocument();
    fireEvent.change(screen.getByTestId("terminal-user"), { target: { value: " 1000 " } });
    fireEvent.click(screen.getByTestId("terminal-open"));
    expect(screen.getAllByTestId("terminal-session-tab")).toHaveLength(1);
    expect(screen.getByTestId("terminal-view")).toHaveTextContent('"user":"1000"');
    fireEvent.click(screen.getByTestId("terminal-add"));
    expect(screen.getAllByTestId("terminal-session-tab")).toHaveLength(2);
    for (const close of screen.getAllByTestId("terminal-close")) fireEvent.click(close);
    expect(screen.queryAllByTestId("terminal-session-tab")).toHaveLength(0);
    expect(screen.getByTestId("terminal-empty")).toBeInTheDocument();
  });

  it("runs a command and shows its output as text, with its exit code", async () => {
    vi.mocked(commands.containerRunCommand).mockResolvedValue({
      status: "ok",
      data: { exitCode: 3, output: "<b>not bold</b>\n", truncated: false, millis: 12 },
    });
    renderWithProviders(<TerminalTab container={makeContainer({ uuid: "u-9", state: "running" })} active />);
    fireEvent.change(screen.getByTestId("command-input"), { target: { value: "sh -c 'exit 3'" } });
    fireEvent.click(screen.getByTestId("command-run"));
    expect(await screen.findByTestId("command-exit")).toHaveTextContent("exit 3");
    expect(screen.getByTestId("command-output")).toHaveTextContent("<b>not bold</b>");
    expect(screen.getByTestId("command-output").querySelector("b")).toBeNull();
    expect(commands.containerRunCommand).toHaveBeenCalledWith("u-9", { command: "sh -c 'exit 3'", user: null, workingDir: null });
  });

  it("says why nothing opens in a stopped container", () => {
    renderWithProviders(<TerminalTab container={makeContainer({ state: "exited" })} active />);
    expect(screen.getByTestId("terminal-not-running")).toHaveTextContent("Start it first");
    expect(screen.getByTestId("terminal-open")).toBeDisabled();
    expect(screen.getByTestId("command-run")).toBeDisabled();
  });
});
