import { AppShell, Group, NavLink, ScrollArea, Stack, Text, ThemeIcon } from "@mantine/core";
import {
  IconBox,
  IconBrandDocker,
  IconDatabase,
  IconFileText,
  IconGauge,
  IconKey,
  IconNetwork,
  IconServer2,
  IconStack2,
  IconTemplate,
} from "@tabler/icons-react";
import type { ComponentType } from "react";
import { DevicesSection } from "./DevicesSection";
import { ThemeToggle } from "./ThemeToggle";
import type { Route } from "./useHashRoute";

const LINKS: { route: Route; label: string; icon: ComponentType<{ size?: number; stroke?: number }> }[] = [
  { route: "dashboard", label: "Dashboard", icon: IconGauge },
  { route: "containers", label: "Containers", icon: IconBox },
  { route: "logs", label: "Logs", icon: IconFileText },
  { route: "templates", label: "Templates", icon: IconTemplate },
  { route: "images", label: "Images", icon: IconStack2 },
  { route: "volumes", label: "Volumes", icon: IconDatabase },
  { route: "networks", label: "Networks", icon: IconNetwork },
  { route: "registries", label: "Registries", icon: IconKey },
  { route: "devices", label: "Devices", icon: IconServer2 },
];

export function AppNavbar({
  route,
  onNavigate,
  onSelectDevice,
}: {
  route: Route;
  onNavigate: (route: Route) => void;
  onSelectDevice: (deviceUuid: string) => void;
}) {
  return (
    <>
      <AppShell.Section p="sm" pb="xs">
        <Group justify="space-between" wrap="nowrap">
          <Group gap={8} wrap="nowrap">
            <ThemeIcon size={28} radius="md" color="orange" variant="filled">
              <IconBrandDocker size={18} />
            </ThemeIcon>
            <Text fw={700} size="lg" style={{ letterSpacing: "-0.01em" }}>
              Squirrel
            </Text>
          </Group>
          <ThemeToggle />
        </Group>
      </AppShell.Section>
      <AppShell.Section px="xs" component="nav" aria-label="Screens">
        {LINKS.map(({ route: r, label, icon: Icon }) => (
          <NavLink
            key={r}
            href={`#/${r}`}
            label={label}
            active={route === r}
            leftSection={<Icon size={17} stroke={1.7} />}
            data-testid={`nav-${r}`}
            aria-current={route === r ? "page" : undefined}
            onClick={(e) => {
              e.preventDefault();
              onNavigate(r);
            }}
            styles={{ root: { borderRadius: "var(--mantine-radius-sm)", paddingBlock: 6 } }}
          />
        ))}
      </AppShell.Section>
      <AppShell.Section grow component={ScrollArea} px="xs" pt="md" pb="sm">
        <Stack gap={0}>
          <DevicesSection onSelect={onSelectDevice} />
        </Stack>
      </AppShell.Section>
    </>
  );
}
