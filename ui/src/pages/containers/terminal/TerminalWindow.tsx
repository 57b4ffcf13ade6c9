// A terminal popped out into its own window: the window is the terminal, shown from what it
// showed last; a line under it says when the shell ended. Closing the window (or Ctrl+Shift+W)
// ends the shell.
import { Box, Button, Group, Text } from "@mantine/core";
import { useState } from "react";
import { commands } from "../../../bindings";
import { endedText, TerminalView, type TerminalState } from "./TerminalView";

const closeWindow = () => void commands.terminalWindowClose().catch(() => {});

export function TerminalWindow({ id }: { id: number }) {
  const [state, setState] = useState<TerminalState>({ status: "opening" });
  const ended = endedText(state);
  return (
    <Box h="100vh" p={4} style={{ display: "flex", flexDirection: "column", gap: 4 }} data-testid="terminal-window">
      <div style={{ flex: 1, minHeight: 0 }}>
        <TerminalView source={{ attach: id }} active onState={setState} onCloseKey={closeWindow} />
      </div>
      {ended ? (
        <Group gap="xs" px={6} wrap="nowrap" justify="space-between">
          <Text size="xs" c={state.status === "failed" ? "red" : "dimmed"} className="sq-wrap" data-testid="terminal-ended">
            {ended}
          </Text>
          <Button size="compact-xs" variant="light" onClick={closeWindow} data-testid="terminal-window-close">
            Close window
          </Button>
        </Group>
      ) : null}
    </Box>
  );
}
