// The wizard's first step: how Squirrel reaches the engine.
import { Group, Radio, Stack, Text, ThemeIcon } from "@mantine/core";
import { IconDeviceDesktop, IconLock, IconServer2, IconTerminal2, type IconProps } from "@tabler/icons-react";
import { type ComponentType } from "react";
import { type DeviceKind } from "./deviceForm";

const KINDS: { kind: DeviceKind; title: string; text: string; icon: ComponentType<IconProps> }[] = [
  {
    kind: "local",
    title: "Local socket",
    text: "Docker on this computer, through its unix socket.",
    icon: IconDeviceDesktop,
  },
  {
    kind: "ssh",
    title: "SSH",
    text: "Docker on another machine, reached over SSH. Nothing to install there.",
    icon: IconTerminal2,
  },
  {
    kind: "tcp",
    title: "TCP + TLS",
    text: "An engine listening on the network with mutual TLS (dockerd --tlsverify).",
    icon: IconLock,
  },
  {
    kind: "proxmox",
    title: "Proxmox VE",
    text: "The LXC containers and virtual machines of a Proxmox cluster, with an API token.",
    icon: IconServer2,
  },
];

export function KindStep({ kind, onChange }: { kind: DeviceKind; onChange: (kind: DeviceKind) => void }) {
  return (
    <Radio.Group value={kind} onChange={(v) => onChange(v as DeviceKind)} label="What does Squirrel connect to?" mt="md">
      <Stack gap="xs" mt="xs">
        {KINDS.map(({ kind: k, title, text, icon: Icon }) => (
          <Radio.Card key={k} value={k} radius="md" p="md" data-testid={`device-kind-${k}`} data-autofocus={k === kind ? true : undefined}>
            <Group wrap="nowrap" align="flex-start" gap="md">
              <Radio.Indicator mt={4} />
              <ThemeIcon variant="light" size={36} radius="md" color={k === kind ? undefined : "gray"}>
                <Icon size={20} stroke={1.7} />
              </ThemeIcon>
              <div>
                <Text fw={600} size="sm">
                  {title}
                </Text>
                <Text size="sm" c="dimmed">
                  {text}
                </Text>
              </div>
            </Group>
          </Radio.Card>
        ))}
      </Stack>
    </Radio.Group>
  );
}
