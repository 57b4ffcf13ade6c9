// A terminal popped out into its own window: the window is the terminal, shown from what it
// showed last; a line under it says when the shell ended. Closing the window ends the shell.
import { Box, Text } from "@mantine/core";
import { useState } from "react";
import { endedText, TerminalView, type TerminalState } from "./TerminalView";

export function TerminalWindow({ id }: { id: number }) {
  const [state, setState] = useState<TerminalState>({ status: "opening" });
  const ended = endedText(state);
  return (
    <Box h="100vh" p={4} style={{ display: "flex", flexDirection: "column", gap: 4 }} data-testid="terminal-window">
      <div style={{ flex: 1, minHeight: 0 }}>
        <TerminalView source={{ attach: id }} active onState={setState} />
      </div>
      {ended ? (
        <Text size="xs" px={6} c={state.status === "failed" ? "red" : "dimmed"} className="sq-wrap" data-testid="terminal-ended">
          {ended} Close this window when you are done.
        </Text>
      ) : null}
    </Box>
  );
}
