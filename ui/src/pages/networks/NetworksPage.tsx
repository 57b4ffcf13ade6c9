import { Badge } from "@mantine/core";
import { IconNetwork } from "@tabler/icons-react";
import { useNetworks } from "../../api/queries";
import type { Network } from "../../api/types";
import { Cell, ResourceTable, type ResourceColumn } from "../../components/ResourceTable";
import { shortId } from "../../lib/format";
import { useDeviceNames } from "../useDeviceNames";

export function NetworksPage() {
  const query = useNetworks();
  const names = useDeviceNames();
  const columns: ResourceColumn<Network>[] = [
    { header: "Name", render: (n) => <Cell>{n.name}</Cell> },
    { header: "Device", width: "16%", render: (n) => <Cell>{names.get(n.deviceUuid) ?? "—"}</Cell> },
    { header: "ID", width: 130, render: (n) => <Cell mono>{shortId(n.id)}</Cell> },
    { header: "Driver", width: 100, render: (n) => <Cell>{n.driver}</Cell> },
    { header: "Scope", width: 90, render: (n) => <Cell>{n.scope}</Cell> },
    {
      header: "Internal",
      width: 90,
      render: (n) => (
        <Badge size="sm" radius="sm" variant="light" color={n.internal ? "violet" : "gray"}>
          {n.internal ? "yes" : "no"}
        </Badge>
      ),
    },
  ];
  return (
    <ResourceTable
      title="Networks"
      noun="networks"
      query={query}
      columns={columns}
      rowKey={(n) => `${n.deviceUuid}/${n.id}`}
      emptyIcon={<IconNetwork size={28} />}
      emptyHint="Networks of your devices appear here."
      testId="networks-table"
    />
  );
}
