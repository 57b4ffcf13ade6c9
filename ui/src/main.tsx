import "./lib/intlGuard";
import "@mantine/core/styles.css";
import "@mantine/notifications/styles.css";
import "./styles.css";

import { MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClientProvider } from "@tanstack/react-query";
import { lazy, StrictMode, Suspense } from "react";
import { createRoot } from "react-dom/client";
import { createQueryClient } from "./api/queries";
import { App } from "./App";
import { FloorTable, floorTableSize } from "./bench/FloorTable";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { theme } from "./theme";

const queryClient = createQueryClient();
const root = createRoot(document.getElementById("root")!);

// The window benchmark's floors (tests/bench/window.mjs): the same window and bundle with no
// queries and no live updates, showing an empty page, or a plain table of text to scroll.
const floorTable = /^#\/floor-table\?(.*)$/.exec(window.location.hash);
// A terminal popped out of the main window into its own (see TerminalTab).
const poppedTerminal = /^#\/terminal\/(\d+)$/.exec(window.location.hash);
if (window.location.hash === "#/floor") {
  root.render(<div data-testid="floor" />);
} else if (floorTable) {
  root.render(<FloorTable {...floorTableSize(floorTable[1])} />);
} else if (poppedTerminal) {
  const TerminalWindow = lazy(() => import("./pages/containers/terminal/TerminalWindow").then((m) => ({ default: m.TerminalWindow })));
  root.render(
    <StrictMode>
      <MantineProvider theme={theme} defaultColorScheme="auto">
        <ErrorBoundary>
          <Suspense fallback={null}>
            <TerminalWindow id={Number(poppedTerminal[1])} />
          </Suspense>
        </ErrorBoundary>
      </MantineProvider>
    </StrictMode>,
  );
} else {
  root.render(
    <StrictMode>
      <MantineProvider theme={theme} defaultColorScheme="auto">
        <Notifications position="bottom-right" limit={4} />
        <QueryClientProvider client={queryClient}>
          <ErrorBoundary>
            <App />
          </ErrorBoundary>
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>,
  );
}
