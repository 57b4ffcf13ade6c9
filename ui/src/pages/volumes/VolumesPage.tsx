import { IconDatabase } from "@tabler/icons-react";
import { useVolumes } from "../../api/queries";
import type { Volume } from "../../api/types";
import { Cell, ResourceTable, type ResourceColumn } from "../../components/ResourceTable";
import { useDeviceNames } from "../useDeviceNames";

export function VolumesPage() {
  const query = useVolumes();
  const names = useDeviceNames();
  const columns: ResourceColumn<Volume>[] = [
    { header: "Name", width: "32%", render: (v) => <Cell mono>{v.name}</Cell> },
    { header: "Device", width: "16%", render: (v) => <Cell>{names.get(v.deviceUuid) ?? "—"}</Cell> },
    { header: "Driver", width: 100, render: (v) => <Cell>{v.driver}</Cell> },
    { header: "Mountpoint", render: (v) => <Cell mono dimmed>{v.mountpoint}</Cell> },
  ];
  return (
    <ResourceTable
      title="Volumes"
      noun="volumes"
      query={query}
      columns={columns}
      rowKey={(v) => `${v.deviceUuid}/${v.name}`}
      emptyIcon={<IconDatabase size={28} />}
      emptyHint="Named and anonymous volumes of your devices appear here."
      testId="volumes-table"
    />
  );
}
