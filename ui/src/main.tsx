import "./lib/intlGuard";
import "@mantine/core/styles.css";
import "@mantine/notifications/styles.css";
import "./styles.css";

import { MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createQueryClient } from "./api/queries";
import { App } from "./App";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { theme } from "./theme";

const queryClient = createQueryClient();
const root = createRoot(document.getElementById("root")!);

// The window benchmark's floor: the same window and bundle, an empty page, no queries and no
// live updates (tests/bench/window.mjs).
if (window.location.hash === "#/floor") {
  root.render(<div data-testid="floor" />);
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
