import { Alert, Button, Code, Group, Modal, Paper, Stack, Text } from "@mantine/core";
import { IconKey } from "@tabler/icons-react";
import { useState } from "react";
import type { HostKeyPrompt } from "../../api/types";
import { errorMessage } from "../../api/unwrap";

interface Props {
  /** The key to approve; null closes the dialog. */
  prompt: HostKeyPrompt | null;
  onCancel: () => void;
  /** Approves the key (deviceTrustHostKey); the dialog stays open showing the error if it throws. */
  onApprove: (prompt: HostKeyPrompt) => Promise<void>;
}

function hostLabel(prompt: HostKeyPrompt): string {
  const host = prompt.host.includes(":") ? `[${prompt.host}]` : prompt.host;
  return `${host}:${prompt.port}`;
}

/**
 * Trust on first use: shows an SSH host key's, or a Proxmox node certificate's, fingerprint for
 * the user to compare, then approves it.
 */
export function HostKeyDialog({ prompt, onCancel, onApprove }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Keep showing the last key while the modal animates out.
  const [last, setLast] = useState<HostKeyPrompt | null>(prompt);
  if (prompt && prompt !== last) {
    setLast(prompt);
    setError(null);
    setBusy(false);
  }
  const shown = prompt ?? last;
  const certificate = shown?.kind === "proxmox";

  const approve = async () => {
    if (!shown || busy) return;
    setBusy(true);
    setError(null);
    try {
      await onApprove(shown);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      opened={prompt !== null}
      onClose={onCancel}
      title={
        <Group gap="xs">
          <IconKey size={18} />
          <Text fw={600}>{certificate ? "Approve the node's certificate?" : "Approve the SSH host key?"}</Text>
        </Group>
      }
      centered
      size="lg"
      zIndex={400}
    >
      {shown ? (
        <Stack gap="md" data-testid="host-key-dialog">
          <Text size="sm">
            Squirrel has never connected to{" "}
            <Text span ff="monospace" fw={600} className="sq-wrap" data-testid="host-key-host">
              {hostLabel(shown)}
            </Text>{" "}
            before. It presents this{" "}
            <Text span ff="monospace" fw={600} style={{ whiteSpace: "nowrap" }}>
              {shown.algorithm}
            </Text>{" "}
            {certificate ? "(SHA-256):" : "key:"}
          </Text>
          <Paper withBorder radius="md" p="md" bg="var(--sq-header-bg)">
            <Text
              ff="monospace"
              fz={16}
              fw={600}
              className="sq-wrap"
              ta="center"
              data-testid="host-key-fingerprint"
              style={{ letterSpacing: "0.02em", userSelect: "all" }}
            >
              {shown.fingerprint}
            </Text>
          </Paper>
          {certificate ? (
            <Text size="sm" c="dimmed">
              Compare it with the fingerprint Proxmox shows (Node › System › Certificates, or{" "}
              <Code>pvenode cert info</Code> on the node). Approve only if they match: a changed certificate is refused afterwards.
            </Text>
          ) : (
            <Text size="sm" c="dimmed">
              Compare this fingerprint with the one the server shows (
              <Code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</Code> on the server). Approve only if they match.
            </Text>
          )}
          {error ? (
            <Alert color="red" variant="light" data-testid="host-key-error">
              <Text size="sm" className="sq-wrap">
                {error}
              </Text>
            </Alert>
          ) : null}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onCancel} data-testid="cancel-host-key" data-autofocus>
              Cancel
            </Button>
            <Button color="orange" loading={busy} onClick={() => void approve()} data-testid="approve-host-key">
              Approve
            </Button>
          </Group>
        </Stack>
      ) : null}
    </Modal>
  );
}
