import { AppShell } from "@mantine/core";
import { useState } from "react";
import { useContainers } from "./api/queries";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { AppNavbar } from "./layout/AppNavbar";
import { useHashRoute } from "./layout/useHashRoute";
import { EMPTY_FILTERS, type ContainerFilters } from "./lib/filter";
import { useLiveUpdates } from "./live/useLiveUpdates";
import { ContainersPage } from "./pages/containers/ContainersPage";
import { DashboardPage } from "./pages/dashboard/DashboardPage";
import { DevicesPage } from "./pages/devices/DevicesPage";
import { LogsPage } from "./pages/logs/LogsPage";
import { ImagesPage } from "./pages/images/ImagesPage";
import { NetworksPage } from "./pages/networks/NetworksPage";
import { RegistriesPage } from "./pages/registries/RegistriesPage";
import { TemplatesPage } from "./pages/templates/TemplatesPage";
import { VolumesPage } from "./pages/volumes/VolumesPage";

export function App() {
  // Nothing is fetched before the live updates listen: what a fetch read before could be
  // missing what was sent in between, and would have to be fetched again.
  return useLiveUpdates() ? <Shell /> : null;
}

function Shell() {
  const [route, navigate] = useHashRoute();
  const [filters, setFilters] = useState<ContainerFilters>(EMPTY_FILTERS);
  const containers = useContainers();
  const ready = !containers.isPending;

  return (
    <AppShell
      navbar={{ width: 240, breakpoint: 0 }}
      padding={0}
      {...(ready ? { "data-testid": "app-ready" } : {})}
    >
      <AppShell.Navbar>
        <AppNavbar
          route={route}
          onNavigate={navigate}
          onSelectDevice={(deviceUuid) => {
            setFilters((f) => ({ ...f, deviceUuid }));
            navigate("containers");
          }}
        />
      </AppShell.Navbar>
      <AppShell.Main h="100dvh" style={{ display: "flex", flexDirection: "column" }}>
        <div style={{ flex: 1, minHeight: 0 }}>
          <ErrorBoundary resetKey={route}>
          {route === "dashboard" ? (
            <DashboardPage
              onShowContainers={(status) => {
                setFilters({ ...EMPTY_FILTERS, status });
                navigate("containers");
              }}
            />
          ) : route === "containers" ? (
            <ContainersPage filters={filters} onFiltersChange={setFilters} />
          ) : route === "logs" ? (
            <LogsPage />
          ) : route === "templates" ? (
            <TemplatesPage />
          ) : route === "images" ? (
            <ImagesPage />
          ) : route === "volumes" ? (
            <VolumesPage />
          ) : route === "networks" ? (
            <NetworksPage />
          ) : route === "registries" ? (
            <RegistriesPage />
          ) : (
            <DevicesPage />
          )}
          </ErrorBoundary>
        </div>
      </AppShell.Main>
    </AppShell>
  );
}
