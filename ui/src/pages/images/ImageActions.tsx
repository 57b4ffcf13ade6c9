import { ActionIcon, Button, Checkbox, Group, Modal, Select, Stack, Text, TextInput, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconEraser, IconTag, IconTrash } from "@tabler/icons-react";
import { type FormEvent, useState } from "react";
import type { DeviceSummary, Image } from "../../api/types";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { formatBytes } from "../../lib/format";

/** What a prune did across devices, in a sentence. */
export function pruneSummary(deleted: number, reclaimed: number, failed: string[]): string {
  const done = deleted === 0 ? "Nothing to remove." : `Removed ${deleted} image${deleted === 1 ? "" : "s"} or layers, ${formatBytes(reclaimed)} freed.`;
  return failed.length ? `${done} Not pruned: ${failed.join("; ")}.` : done;
}

/** The trash button of an image row, with a confirmation that says what force does. */
export function RemoveImageButton({ image, label, usedBy }: { image: Image; label: string; usedBy: number }) {
  const [open, setOpen] = useState(false);
  const [force, setForce] = useState(false);
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    setBusy(true);
    try {
      await call(commands.imageRemove(image.deviceUuid, image.id, force));
      setOpen(false);
    } catch (e) {
      notifications.show({ color: "red", title: `${label} was not removed`, message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Tooltip label="Remove">
        <ActionIcon variant="subtle" color="red" size="sm" onClick={() => setOpen(true)} aria-label={`Remove ${label}`} data-testid="image-remove">
          <IconTrash size={15} />
        </ActionIcon>
      </Tooltip>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Remove ${label}?`} size="sm">
        <Stack gap="sm">
          <Text size="sm">
            {usedBy > 0
              ? `${usedBy} container${usedBy === 1 ? " uses" : "s use"} it: the engine refuses unless forced, and never removes an image a running container uses.`
              : "Its layers are freed unless another image shares them."}
          </Text>
          <Checkbox
            label="Force: remove it from all its tags and from under stopped containers"
            checked={force}
            onChange={(e) => setForce(e.currentTarget.checked)}
            data-testid="image-remove-force"
          />
          <Group justify="flex-end" gap="xs">
            <Button variant="subtle" color="gray" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button color="red" loading={busy} onClick={() => void remove()} data-testid="image-remove-confirm">
              Remove
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** A name offered for a new tag: the image's first tag with its tag part left to change. */
export function suggestedTag(repoTags: string[]): string {
  const first = repoTags.find((t) => t !== "<none>:<none>");
  if (!first) return "";
  const slash = first.lastIndexOf("/");
  const colon = first.lastIndexOf(":");
  return colon > slash ? `${first.slice(0, colon)}:` : `${first}:`;
}

/** "Tag…": another name for an image on its device, as `docker tag`; the engine's or the
 *  name's error is said under the field and nothing is tagged. */
export function TagImageButton({ image, label }: { image: Image; label: string }) {
  const [open, setOpen] = useState(false);
  const [reference, setReference] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const show = () => {
    setReference(suggestedTag(image.repoTags));
    setError(null);
    setOpen(true);
  };
  const tag = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const written = await call(commands.imageTag(image.deviceUuid, image.id, reference));
      setOpen(false);
      notifications.show({ color: "teal", title: "Image tagged", message: `${label} is now also ${written}.` });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Tooltip label="Tag">
        <ActionIcon variant="subtle" color="gray" size="sm" onClick={show} aria-label={`Tag ${label}`} data-testid="image-tag">
          <IconTag size={15} />
        </ActionIcon>
      </Tooltip>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Tag ${label}`} size="md">
        <form onSubmit={(e) => void tag(e)}>
          <Stack gap="sm">
            <TextInput
              label="New name"
              description="repository:tag, with the registry in front to push it there (registry.lan:5000/apps/web:1.2); latest when no tag is given"
              placeholder="registry.lan:5000/apps/web:1.2"
              value={reference}
              onChange={(e) => setReference(e.currentTarget.value)}
              error={error}
              data-autofocus
              spellCheck={false}
              autoCapitalize="off"
              data-testid="image-tag-input"
            />
            <Group justify="flex-end" gap="xs">
              <Button variant="subtle" color="gray" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" loading={busy} disabled={reference.trim() === ""} data-testid="image-tag-confirm">
                Tag
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}

/** "Prune…": dangling images, or every unused one, on one device or all of them. */
export function PruneButton({ devices }: { devices: DeviceSummary[] }) {
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState("all");
  const [all, setAll] = useState(false);
  const [busy, setBusy] = useState(false);
  const online = devices.filter((d) => d.status.state === "online");
  const prune = async () => {
    setBusy(true);
    const targets = target === "all" ? online : online.filter((d) => d.device.uuid === target);
    let deleted = 0;
    let reclaimed = 0;
    const failed: string[] = [];
    for (const d of targets) {
      try {
        const r = await call(commands.imagesPrune(d.device.uuid, all));
        deleted += r.deleted;
        reclaimed += r.reclaimedBytes ?? 0;
      } catch (e) {
        failed.push(`${d.device.name}: ${errorMessage(e)}`);
      }
    }
    setBusy(false);
    setOpen(false);
    notifications.show({
      color: failed.length ? "yellow" : "teal",
      title: "Images pruned",
      message: pruneSummary(deleted, reclaimed, failed),
      autoClose: 8000,
    });
  };
  return (
    <>
      <Button size="xs" variant="default" leftSection={<IconEraser size={14} />} onClick={() => setOpen(true)} disabled={online.length === 0} data-testid="images-prune">
        Prune…
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Prune images" size="sm">
        <Stack gap="sm">
          <Select
            label="On"
            data={[{ value: "all", label: "Every online device" }, ...online.map((d) => ({ value: d.device.uuid, label: d.device.name }))]}
            value={target}
            allowDeselect={false}
            onChange={(v) => setTarget(v ?? "all")}
          />
          <Checkbox
            label="Also tagged images that no container uses"
            description="Otherwise only dangling images (untagged leftovers of rebuilds and pulls) go"
            checked={all}
            onChange={(e) => setAll(e.currentTarget.checked)}
            data-testid="images-prune-all"
          />
          <Group justify="flex-end" gap="xs">
            <Button variant="subtle" color="gray" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button color="red" loading={busy} onClick={() => void prune()} data-testid="images-prune-confirm">
              Prune
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
