import { Alert, Button, Group, Modal, Stack, Text } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useState } from "react";
import { errorMessage } from "../../api/unwrap";

/** Asks before deleting one of my templates; stays open with the error if it fails. */
export function ConfirmDelete({
  title,
  onConfirm,
  onClose,
}: {
  /** The template's title; null keeps the dialog closed. */
  title: string | null;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = () => {
    setError(null);
    onClose();
  };
  const confirm = async () => {
    setDeleting(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setDeleting(false);
    }
  };
  return (
    <Modal opened={title !== null} onClose={close} title={<Text fw={600}>Delete this template?</Text>} centered size="md">
      <Stack gap="md">
        <Text size="sm">
          <Text span fw={600} className="sq-wrap">
            {title}
          </Text>{" "}
          leaves My templates. Containers deployed from it are not touched.
        </Text>
        {error ? (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />}>
            <Text size="sm" className="sq-wrap">
              {error}
            </Text>
          </Alert>
        ) : null}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button color="red" loading={deleting} onClick={() => void confirm()} data-testid="template-delete-confirm">
            Delete
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
