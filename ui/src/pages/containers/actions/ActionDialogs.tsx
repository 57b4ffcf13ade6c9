import { Button, Checkbox, Group, Modal, Select, Stack, Text, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import type { ActionKind, ActionParams } from "../../../api/actions";
import type { Container } from "../../../api/types";
import { errorMessage } from "../../../api/unwrap";
import { actionLabel } from "../../../lib/containerKinds";
import { containerLabel } from "../../../lib/format";

export interface DialogState {
  kind: ActionKind;
  container: Container;
  opened: boolean;
  /** Bumped on every request so a dialog's form starts fresh. */
  serial: number;
}

export const KILL_SIGNALS = ["SIGKILL", "SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2"];

interface DialogsProps {
  dialog: DialogState | null;
  onClose: () => void;
  /** Confirmation dialogs: close and run in the background. */
  onConfirm: (params: ActionParams) => void;
  /** Input dialogs: run and stay open (showing the error) until it succeeds. */
  onSubmit: (params: ActionParams) => Promise<void>;
}

export function ActionDialogs({ dialog, onClose, onConfirm, onSubmit }: DialogsProps) {
  const kind = dialog?.kind;
  const isInput = kind === "rename" || kind === "displayName";
  const guest = dialog != null && dialog.container.kind !== "docker";
  const title =
    kind === "rename"
      ? "Rename container"
      : kind === "displayName"
        ? "Set display name"
        : kind && dialog
          ? `${actionLabel(dialog.container.kind, kind, `${kind[0].toUpperCase()}${kind.slice(1)}`)} ${guest ? "guest" : "container"}?`
          : "";
  return (
    <Modal
      opened={dialog?.opened ?? false}
      onClose={onClose}
      title={<Text fw={600}>{title}</Text>}
      centered
      size="md"
      data-testid="action-modal"
    >
      {dialog == null ? null : isInput ? (
        <NameForm key={dialog.serial} dialog={dialog} onCancel={onClose} onSubmit={onSubmit} />
      ) : (
        <ConfirmForm key={dialog.serial} dialog={dialog} onCancel={onClose} onConfirm={onConfirm} />
      )}
    </Modal>
  );
}

function Subject({ container }: { container: Container }) {
  return (
    <Text span fw={600} className="sq-wrap">
      {containerLabel(container)}
    </Text>
  );
}

function ConfirmForm({
  dialog,
  onCancel,
  onConfirm,
}: {
  dialog: DialogState;
  onCancel: () => void;
  onConfirm: (params: ActionParams) => void;
}) {
  const { kind, container } = dialog;
  const [signal, setSignal] = useState("SIGKILL");
  const [force, setForce] = useState(false);
  const [removeVolumes, setRemoveVolumes] = useState(false);
  const running = container.state === "running" || container.state === "paused" || container.state === "restarting";

  // A Proxmox guest's actions are Proxmox's: no signals, its own words.
  const guest = container.kind !== "docker";
  const label = actionLabel(container.kind, kind, kind === "remove" ? "Remove" : kind === "kill" ? "Kill" : kind === "restart" ? "Restart" : "Stop");
  const explanation = guest
    ? kind === "stop"
      ? "Proxmox asks the guest to shut down, and stops it if it has not within the timeout."
      : kind === "restart"
        ? "Proxmox asks the guest to reboot."
        : "Proxmox stops the guest at once, as if its power were cut: what it holds in memory is lost."
    : kind === "stop"
      ? "Docker sends SIGTERM, then kills the container if it has not exited after the timeout."
      : kind === "restart"
        ? "The container is stopped, then started again. Its processes lose what they hold in memory."
        : kind === "kill"
          ? "The signal is sent to the main process right away, without a graceful shutdown."
          : "The container is deleted from its engine. Its writable layer is lost; named volumes are kept.";

  return (
    <form
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onConfirm(kind === "kill" && !guest ? { signal } : kind === "remove" ? { force, removeVolumes } : {});
      }}
    >
      <Stack gap="md">
        <Text size="sm">
          {label} <Subject container={container} />?
        </Text>
        <Text size="sm" c="dimmed">
          {explanation}
        </Text>
        {kind === "kill" && !guest ? (
          <Select
            label="Signal"
            data={KILL_SIGNALS}
            value={signal}
            onChange={(v) => setSignal(v ?? "SIGKILL")}
            allowDeselect={false}
            comboboxProps={{ withinPortal: true }}
            data-testid="kill-signal"
          />
        ) : null}
        {kind === "remove" ? (
          <Stack gap="xs">
            <Checkbox
              label="Force (kill if running)"
              checked={force}
              onChange={(e) => setForce(e.currentTarget.checked)}
              data-testid="remove-force"
              description={running && !force ? "This container is running: Docker refuses to remove it without Force." : undefined}
            />
            <Checkbox
              label="Also remove anonymous volumes"
              checked={removeVolumes}
              onChange={(e) => setRemoveVolumes(e.currentTarget.checked)}
              data-testid="remove-volumes"
            />
          </Stack>
        ) : null}
        <Group justify="flex-end" gap="xs" mt="xs">
          <Button variant="default" onClick={onCancel} data-testid="cancel-action">
            Cancel
          </Button>
          <Button type="submit" color="red" data-testid="confirm-action" data-autofocus>
            {label}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function NameForm({
  dialog,
  onCancel,
  onSubmit,
}: {
  dialog: DialogState;
  onCancel: () => void;
  onSubmit: (params: ActionParams) => Promise<void>;
}) {
  const { kind, container } = dialog;
  const isRename = kind === "rename";
  const initial = isRename ? container.name.replace(/^\//, "") : (container.displayName ?? "");
  const [value, setValue] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const trimmed = value.trim();
  const unchanged = trimmed === initial.trim();
  const invalid = isRename && trimmed === "";

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (unchanged || invalid || busy) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit(isRename ? { name: trimmed } : { displayName: trimmed });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit}>
      <Stack gap="md">
        <TextInput
          label={isRename ? "New name" : "Display name"}
          description={
            isRename
              ? "Renames the container on its Docker engine (docker rename)."
              : "Shown in Squirrel instead of the engine name; never sent to Docker. Leave empty to clear it."
          }
          placeholder={isRename ? "my-container" : container.name}
          value={value}
          onChange={(e) => {
            setValue(e.currentTarget.value);
            setError(null);
          }}
          error={error}
          data-testid={isRename ? "rename-input" : "display-name-input"}
          data-autofocus
          spellCheck={false}
          autoComplete="off"
        />
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onCancel} data-testid="cancel-action">
            Cancel
          </Button>
          <Button type="submit" loading={busy} disabled={unchanged || invalid} data-testid="confirm-action">
            {isRename ? "Rename" : trimmed === "" ? "Clear display name" : "Save"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
