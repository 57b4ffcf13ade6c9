import { Button, Group, Tooltip } from "@mantine/core";
import { IconArrowBackUp, IconArrowUp, IconPencil } from "@tabler/icons-react";
import { useKeptImages, useUpdateFindings } from "../../../api/queries";
import type { Container } from "../../../api/types";
import type { RecreateMode } from "./RecreateDialog";

/** The drawer's "Update", "Edit" and "Roll back": each opens the recreate dialog. */
export function RecreateButtons({
  container,
  unavailable,
  onRecreate,
}: {
  container: Container;
  unavailable: string | null;
  onRecreate: (mode: RecreateMode) => void;
}) {
  const finding = useUpdateFindings().get(container.uuid);
  // A kept image the container runs again (pinned by a failed update) is nothing to go back to.
  const kept = useKeptImages().data?.some((k) => k.deviceUuid === container.deviceUuid && k.container === container.name && k.imageId !== container.imageId) ?? false;
  const available = finding?.kind === "available";
  const why = unavailable ?? undefined;
  return (
    <Group gap={6} wrap="nowrap">
      <Tooltip label={why ?? (available ? "Move to the newer image, safely: rolled back if it fails" : "Pull the image again and move to it if it changed")}>
        <Button size="xs" variant={available ? "filled" : "default"} leftSection={<IconArrowUp size={14} />} disabled={why !== undefined} onClick={() => onRecreate("update")} data-testid="drawer-update">
          Update…
        </Button>
      </Tooltip>
      <Tooltip label={why ?? "Change its environment, ports or limits: the container is recreated, and rolled back if it fails"}>
        <Button size="xs" variant="default" leftSection={<IconPencil size={14} />} disabled={why !== undefined} onClick={() => onRecreate("edit")} data-testid="drawer-edit">
          Edit…
        </Button>
      </Tooltip>
      {kept ? (
        <Tooltip label={why ?? "Back to the image it ran before its last update"}>
          <Button size="xs" variant="default" leftSection={<IconArrowBackUp size={14} />} disabled={why !== undefined} onClick={() => onRecreate("rollback")} data-testid="drawer-rollback">
            Roll back…
          </Button>
        </Tooltip>
      ) : null}
    </Group>
  );
}
