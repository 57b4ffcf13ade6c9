// Saving logs to a file the user picks: one container's, or several merged by time (each
// line after its container's name). The backend streams them straight to disk; the button
// shows the lines written so far, and a notification the outcome.
import { Button, Tooltip } from "@mantine/core";
import { IconDownload } from "@tabler/icons-react";
import { notifications } from "@mantine/notifications";
import { Channel } from "@tauri-apps/api/core";
import { useState } from "react";
import type { LogQuery } from "../../api/types";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";

/** Saves containers' logs to a file the user picks; resolves to what was written, or null. */
export type LogSaver = (
  containerUuids: string[],
  query: LogQuery,
  timestamps: boolean,
  fileName: string,
  onProgress: (lines: number) => void,
) => Promise<{ path: string; lines: number; bytes: number | null } | null>;

export const tauriLogSaver: LogSaver = (containerUuids, query, timestamps, fileName, onProgress) => {
  const channel = new Channel<number>();
  channel.onmessage = onProgress;
  return call(commands.logsDownload(containerUuids, query, timestamps, fileName, channel));
};

/** A Download button: saves what `what()` names, showing the progress while it runs. */
export function LogDownloadButton({
  save = tauriLogSaver,
  what,
  tooltip,
  disabled = false,
}: {
  save?: LogSaver;
  what: () => { uuids: string[]; query: LogQuery; timestamps: boolean; fileName: string };
  tooltip: string;
  disabled?: boolean;
}) {
  const [saving, setSaving] = useState<number | null>(null);
  const download = () => {
    const { uuids, query, timestamps, fileName } = what();
    setSaving(0);
    save(uuids, query, timestamps, fileName, setSaving)
      .then((done) => {
        if (done) notifications.show({ color: "green", title: "Log saved", message: `${done.lines.toLocaleString()} lines to ${done.path}` });
      })
      .catch((e: unknown) => notifications.show({ color: "red", title: "Could not save the log", message: errorMessage(e) }))
      .finally(() => setSaving(null));
  };
  return (
    <Tooltip label={tooltip}>
      <Button
        size="compact-xs"
        variant="subtle"
        leftSection={<IconDownload size={12} />}
        onClick={download}
        disabled={saving !== null || disabled}
        data-testid="log-download"
      >
        {saving === null ? "Download" : `Saving… ${saving.toLocaleString()} lines`}
      </Button>
    </Tooltip>
  );
}
