import { Badge, Group, Text } from "@mantine/core";
import { IconStack2 } from "@tabler/icons-react";
import { useImages } from "../../api/queries";
import type { Image } from "../../api/types";
import { Cell, ResourceTable, type ResourceColumn } from "../../components/ResourceTable";
import { formatBytes, formatUnixSeconds, relativeTime, shortId } from "../../lib/format";
import { useNow } from "../../lib/useNow";
import { useDeviceNames } from "../useDeviceNames";

export function ImagesPage() {
  const query = useImages();
  const names = useDeviceNames();
  const now = useNow();
  const columns: ResourceColumn<Image>[] = [
    {
      header: "Tags",
      render: (i) =>
        i.repoTags.length === 0 ? (
          <Text size="sm" c="dimmed">
            &lt;none&gt;
          </Text>
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
      header: "Created",
      width: 120,
      render: (i) => (
        <Text size="sm" c="dimmed" title={formatUnixSeconds(i.created)}>
          {relativeTime(i.created, now)}
        </Text>
      ),
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
    />
  );
}
