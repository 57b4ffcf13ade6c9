import { Alert, Button, Group, Modal, Select, Stack, TextInput } from "@mantine/core";
import { IconAlertTriangle, IconCheck, IconDownload } from "@tabler/icons-react";
import { Channel } from "@tauri-apps/api/core";
import { useState } from "react";
import type { DeviceSummary } from "../../api/types";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { PullPanel } from "../templates/DeployProgressView";
import { summarise, type PullSummary } from "../templates/deployProgress";
import type { PullProgress } from "../templates/types";

type Phase = { kind: "form" } | { kind: "pulling" } | { kind: "done" } | { kind: "failed"; message: string };

/** "Pull…": an image onto a device, layer by layer, with the registry's login if added. */
export function PullButton({ devices }: { devices: DeviceSummary[] }) {
  const online = devices.filter((d) => d.status.state === "online");
  const [open, setOpen] = useState(false);
  const [device, setDevice] = useState<string | null>(null);
  const [reference, setReference] = useState("");
  const [phase, setPhase] = useState<Phase>({ kind: "form" });
  const [progress, setProgress] = useState<PullSummary | null>(null);
  const target = device ?? online[0]?.device.uuid ?? null;
  const close = () => {
    // A pull goes on when the dialog closes; the list shows the image when it is in.
    setOpen(false);
    setPhase({ kind: "form" });
    setProgress(null);
  };
  const pull = async () => {
    if (!target) return;
    setPhase({ kind: "pulling" });
    setProgress(null);
    const channel = new Channel<PullProgress>();
    channel.onmessage = (p) => setProgress(summarise(p));
    try {
      await call(commands.imagePull(target, reference.trim(), channel));
      setPhase({ kind: "done" });
    } catch (e) {
      setPhase({ kind: "failed", message: errorMessage(e) });
    }
  };
  const pulling = phase.kind === "pulling";
  return (
    <>
      <Button size="xs" leftSection={<IconDownload size={14} />} onClick={() => setOpen(true)} disabled={online.length === 0} data-testid="images-pull">
        Pull…
      </Button>
      <Modal opened={open} onClose={close} title="Pull an image" size="lg" data-testid="pull-modal">
        <Stack gap="sm">
          <Group grow align="flex-start">
            <Select
              label="Device"
              data={online.map((d) => ({ value: d.device.uuid, label: d.device.name }))}
              value={target}
              allowDeselect={false}
              disabled={pulling}
              onChange={setDevice}
              data-testid="pull-device"
            />
            <TextInput
              label="Image"
              placeholder="nginx:1.27 or ghcr.io/owner/app:2"
              value={reference}
              disabled={pulling}
              onChange={(e) => setReference(e.currentTarget.value)}
              onKeyDown={(e) => e.key === "Enter" && reference.trim() && !pulling && void pull()}
              spellCheck={false}
              autoComplete="off"
              data-testid="pull-reference"
            />
          </Group>
          {progress ? <PullPanel pull={progress} /> : null}
          {phase.kind === "done" ? (
            <Alert color="teal" icon={<IconCheck size={16} />} data-testid="pull-done">
              {reference.trim()} is on the device.
            </Alert>
          ) : phase.kind === "failed" ? (
            <Alert color="red" icon={<IconAlertTriangle size={16} />} data-testid="pull-failed">
              {phase.message}
            </Alert>
          ) : null}
          <Group justify="flex-end" gap="xs">
            <Button variant="subtle" color="gray" onClick={close}>
              {phase.kind === "done" ? "Close" : pulling ? "Hide" : "Cancel"}
            </Button>
            <Button loading={pulling} disabled={!target || reference.trim() === ""} onClick={() => void pull()} data-testid="pull-start">
              Pull
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
