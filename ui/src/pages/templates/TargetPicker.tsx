import { Checkbox, Group, ScrollArea, Stack, Text } from "@mantine/core";
import type { DeviceSummary } from "../../api/types";
import { StatusDot } from "../../components/StatusDot";
import { deviceStatusText } from "../../lib/containerState";
import { errorText, type FieldErrors } from "./deployForm";

/** Online devices first, then those connecting, then the rest; by name within each. */
const STATE_ORDER: Record<DeviceSummary["status"]["state"], number> = {
  online: 0,
  connecting: 1,
  hostKeyUnknown: 2,
  unreachable: 3,
  disabled: 4,
};

/** Devices in the order the picker lists them. */
export function sortDevices(devices: readonly DeviceSummary[]): DeviceSummary[] {
  return [...devices].sort(
    (a, b) => STATE_ORDER[a.status.state] - STATE_ORDER[b.status.state] || a.device.name.localeCompare(b.device.name),
  );
}

/** What a deploy targets until the user picks: this computer's engine if online, else the first online device. */
export function defaultTargets(devices: readonly DeviceSummary[]): string[] {
  const online = sortDevices(devices).filter((d) => d.status.state === "online");
  const local = online.find((d) => d.device.connection.type === "localSocket");
  const first = local ?? online[0];
  return first ? [first.device.uuid] : [];
}

/** Tall enough for five devices; more scroll. */
const LIST_MAX_HEIGHT = 236;

/** The devices to deploy to, each with its status; several may be ticked. */
export function TargetPicker({
  devices,
  selected,
  errors,
  onChange,
}: {
  devices: readonly DeviceSummary[];
  selected: readonly string[];
  errors: FieldErrors;
  onChange: (targets: string[]) => void;
}) {
  const sorted = sortDevices(devices);
  const toggle = (uuid: string, on: boolean) =>
    onChange(on ? [...selected.filter((u) => u !== uuid), uuid] : selected.filter((u) => u !== uuid));

  if (devices.length === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid="wizard-targets" data-selected="">
        No device yet: add one on the Devices screen first.
      </Text>
    );
  }
  return (
    <ScrollArea.Autosize mah={LIST_MAX_HEIGHT} type="auto">
      <Stack
        gap={6}
        data-testid="wizard-targets"
        data-selected={selected.join(",")}
        role="group"
        aria-label="Devices to deploy to"
      >
        {sorted.map(({ device, status }) => {
          const checked = selected.includes(device.uuid);
          const problem = errorText(errors, `target:${device.uuid}`);
          return (
            <label
              key={device.uuid}
              className="tpl-target"
              data-checked={checked || undefined}
              data-testid="wizard-target"
              data-device={device.uuid}
            >
              <Checkbox
                checked={checked}
                onChange={(e) => toggle(device.uuid, e.currentTarget.checked)}
                aria-label={`Deploy to ${device.name}`}
              />
              <Stack gap={0} style={{ flex: 1, minWidth: 0 }}>
                <Group gap={8} wrap="nowrap">
                  <StatusDot status={status} />
                  <Text size="sm" fw={500} className="sq-ellipsis">
                    {device.name}
                  </Text>
                </Group>
                <Text size="xs" c={status.state === "unreachable" ? "red" : "dimmed"} lineClamp={2} className="sq-wrap">
                  {deviceStatusText(status)}
                </Text>
                {problem ? (
                  <Text size="xs" c="red" className="sq-wrap">
                    {problem}
                  </Text>
                ) : null}
              </Stack>
            </label>
          );
        })}
      </Stack>
    </ScrollArea.Autosize>
  );
}
