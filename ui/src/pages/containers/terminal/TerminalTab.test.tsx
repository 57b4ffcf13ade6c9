// @vitest-environment jsdom
// The terminal tab: sessions opened and closed as tabs, a one-off command's output shown as
// text with its exit code, a terminal popped out into its own window (its tab goes, the
// terminal is not closed), and a stopped container's tab saying why nothing opens.
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { useEffect } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands } from "../../../bindings";
import { makeContainer } from "../../../test/fixtures";
import { renderWithProviders } from "../../../test/render";
import { TerminalTab } from "./TerminalTab";

vi.mock("../../../bindings", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../../bindings")>()),
  commands: { containerRunCommand: vi.fn(), terminalPopOut: vi.fn() },
}));
// xterm.js needs a real browser: the terminal itself is the e2e test's.
const released: number[] = [];
let nextId = 40;
// Opens at once as terminal 41, 42, … running /bin/bash.
function FakeView({ source, onState, onOpened }: { source: unknown; onState: (s: { status: "open" }) => void; onOpened?: (o: unknown) => void }) {
  useEffect(() => {
    onOpened?.({ id: ++nextId, shell: "/bin/bash", containerUuid: "u", containerName: "c" });
    onState({ status: "open" });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return <div data-testid="terminal-view">{JSON.stringify(source)}</div>;
}
vi.mock("./TerminalView", () => ({
  TerminalView: (props: Parameters<typeof FakeView>[0]) => <FakeView {...props} />,
  endedText: () => null,
  releaseTerminal: (id: number) => released.push(id),
  keepTerminal: (id: number) => released.splice(released.indexOf(id), 1),
  shellName: (shell: string) => shell.split("/").pop(),
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
    // The tab says the shell found, not the one asked for (none).
    expect(screen.getByTestId("terminal-session-tab")).toHaveTextContent("1 · bash");
    fireEvent.click(screen.getByTestId("terminal-add"));
    expect(screen.getAllByTestId("terminal-session-tab")).toHaveLength(2);
    for (const close of screen.getAllByTestId("terminal-close")) fireEvent.click(close);
    expect(screen.queryAllByTestId("terminal-session-tab")).toHaveLength(0);
    expect(screen.getByTestId("terminal-empty")).toBeInTheDocument();
  });

  it("pops a terminal out: its tab goes and the terminal is left open for its window", async () => {
    vi.mocked(commands.terminalPopOut).mockResolvedValue({ status: "ok", data: null });
    renderWithProviders(<TerminalTab container={makeContainer({ state: "running" })} active />);
    fireEvent.click(screen.getByTestId("terminal-open"));
    fireEvent.click(screen.getByTestId("terminal-add"));
    const [first] = screen.getAllByTestId("terminal-session-tab");
    fireEvent.click(first);
    const id = nextId - 1;
    fireEvent.click(screen.getAllByTestId("terminal-pop-out")[0]);
    await waitFor(() => expect(screen.getAllByTestId("terminal-session-tab")).toHaveLength(1));
    expect(commands.terminalPopOut).toHaveBeenCalledWith(id);
    expect(released).toContain(id);
  });

  it("keeps the tab and says why when the terminal cannot pop out", async () => {
    vi.mocked(commands.terminalPopOut).mockResolvedValue({
      status: "error",
      error: { code: "window", message: "The terminal's window could not open (no display).", detail: null, hostKey: null },
    });
    renderWithProviders(<TerminalTab container={makeContainer({ state: "running" })} active />);
    fireEvent.click(screen.getByTestId("terminal-open"));
    fireEvent.click(screen.getByTestId("terminal-pop-out"));
    expect(await screen.findByText(/could not open \(no display\)/)).toBeInTheDocument();
    expect(screen.getAllByTestId("terminal-session-tab")).toHaveLength(1);
    // Kept here: its view may end it again.
    expect(released).not.toContain(nextId);
  });

  it("runs a command and shows its output as text, with its exit code", async () => {
    vi.mocked(commands.containerRunCommand).mockResolvedValue({
      status: "ok",
      data: { exitCode: 3, output: "<b>not bold</b>\n", truncated: false, timedOut: false, millis: 12 },
    });
    renderWithProviders(<TerminalTab container={makeContainer({ uuid: "u-9", state: "running" })} active />);
    fireEvent.change(screen.getByTestId("command-input"), { target: { value: "sh -c 'exit 3'" } });
    fireEvent.click(screen.getByTestId("command-run"));
    expect(await screen.findByTestId("command-exit")).toHaveTextContent("exit 3");
    expect(screen.getByTestId("command-output")).toHaveTextContent("<b>not bold</b>");
    expect(screen.getByTestId("command-output").querySelector("b")).toBeNull();
    expect(commands.containerRunCommand).toHaveBeenCalledWith("u-9", { command: "sh -c 'exit 3'", user: null, workingDir: null, timeoutSecs: 300 });
  });

  it("says a command was stopped at its limit, with what it wrote until then", async () => {
    vi.mocked(commands.containerRunCommand).mockResolvedValue({
      status: "ok",
      data: { exitCode: null, output: "before\n", truncated: false, timedOut: true, millis: 10_000 },
    });
    renderWithProviders(<TerminalTab container={makeContainer({ state: "running" })} active />);
    fireEvent.change(screen.getByTestId("command-input"), { target: { value: "tail -f /log" } });
    fireEvent.click(screen.getByTestId("command-run"));
    expect(await screen.findByTestId("command-exit")).toHaveTextContent("stopped at its limit (5 min)");
    expect(screen.getByTestId("command-output")).toHaveTextContent("before");
  });

  it("says why nothing opens in a stopped container", () => {
    renderWithProviders(<TerminalTab container={makeContainer({ state: "exited" })} active />);
    expect(screen.getByTestId("terminal-not-running")).toHaveTextContent("Start it first");
    expect(screen.getByTestId("terminal-open")).toBeDisabled();
    expect(screen.getByTestId("command-run")).toBeDisabled();
  });
});
