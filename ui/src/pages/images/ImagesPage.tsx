import { Badge, Group, Text } from "@mantine/core";
import { IconStack2 } from "@tabler/icons-react";
import { useMemo } from "react";
import { useContainers, useDevices, useImages } from "../../api/queries";
import type { Image } from "../../api/types";
import { Cell, ResourceTable, type ResourceColumn } from "../../components/ResourceTable";
import { formatBytes, formatUnixSeconds, relativeTime, shortId } from "../../lib/format";
import { useNow } from "../../lib/useNow";
import { useDeviceNames } from "../useDeviceNames";
import { PruneButton, RemoveImageButton, TagImageButton } from "./ImageActions";
import { PullButton } from "./PullButton";
import { isDockerDevice } from "../../lib/containerKinds";

/** How many containers of its device use each image, by `device/id`. */
export function usage(containers: { deviceUuid: string; imageId: string }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of containers) {
    const key = `${c.deviceUuid}/${c.imageId}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

export function ImagesPage() {
  const query = useImages();
  const names = useDeviceNames();
  const now = useNow();
  const containers = useContainers();
  const devices = useDevices();
  // Images are Docker's: a Proxmox cluster has none to pull or prune.
  const engines = useMemo(() => (devices.data ?? []).filter(isDockerDevice), [devices.data]);
  const used = useMemo(() => usage(containers.data ?? []), [containers.data]);
  const usedBy = (i: Image) => used.get(`${i.deviceUuid}/${i.id}`) ?? 0;
  const columns: ResourceColumn<Image>[] = [
    {
      header: "Tags",
      render: (i) =>
        i.repoTags.length === 0 ? (
          <Group gap={6} wrap="nowrap">
            <Text size="sm" c="dimmed">
              &lt;none&gt;
            </Text>
            <Badge size="xs" variant="light" color="gray" radius="sm" data-testid="image-dangling" title="No tag points at it: a leftover of a rebuild or pull, removed by a prune">
              dangling
            </Badge>
          </Group>
        ) : (
          <Group gap={4} wrap="nowrap" style={{ overflow: "hidden" }}>
            <Cell>{i.repoTags[0]}</Cell>
            {i.repoTags.length > 1 ? (
              <Badge size="xs" variant="default" radius="sm" title={i.repoTags.slice(1).join("\n")}>
                +{i.repoTags.length - 1}
              </Badge>
            ) : null}
          </Group>
        ),
    },
    { header: "Device", width: "16%", render: (i) => <Cell>{names.get(i.deviceUuid) ?? "—"}</Cell> },
    { header: "ID", width: 130, render: (i) => <Cell mono>{shortId(i.id)}</Cell> },
    { header: "Size", width: 100, render: (i) => <Cell>{formatBytes(i.size)}</Cell> },
    {
      header: "Used by",
      width: 110,
      render: (i) => {
        const n = usedBy(i);
        return (
          <Text size="sm" c={n === 0 ? "dimmed" : undefined} data-testid="image-used-by">
            {n === 0 ? "unused" : `${n} container${n === 1 ? "" : "s"}`}
          </Text>
        );
      },
    },
    {
      header: "Created",
      width: 120,
      render: (i) => (
        <Text size="sm" c="dimmed" title={formatUnixSeconds(i.created)}>
          {relativeTime(i.created, now)}
        </Text>
      ),
    },
    {
      header: " ",
      width: 72,
      render: (i) => {
        const label = i.repoTags[0] ?? shortId(i.id);
        return (
          <Group gap={4} wrap="nowrap">
            <TagImageButton image={i} label={label} />
            <RemoveImageButton image={i} label={label} usedBy={usedBy(i)} />
          </Group>
        );
      },
    },
  ];
  return (
    <ResourceTable
      title="Images"
      noun="images"
      query={query}
      columns={columns}
      rowKey={(i) => `${i.deviceUuid}/${i.id}`}
      emptyIcon={<IconStack2 size={28} />}
      emptyHint="Images pulled or built on your devices appear here."
      testId="images-table"
      actions={
        <Group gap="xs">
          <PruneButton devices={engines} />
          <PullButton devices={engines} />
        </Group>
      }
    />
  );
}
