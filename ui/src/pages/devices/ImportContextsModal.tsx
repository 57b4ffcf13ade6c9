import { Alert, Badge, Button, Group, Loader, Modal, Paper, ScrollArea, Stack, Text, ThemeIcon } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { IconAlertTriangle, IconCheck, IconCircleMinus, IconCopy, IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { queryKeys } from "../../api/queryKeys";
import type { ImportResult } from "../../api/types";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { discoveredText, importOutcomeText } from "./deviceForm";

interface Props {
  opened: boolean;
  onClose: () => void;
}

/** Previews the Docker CLI contexts (and DOCKER_HOST) found here, imports them, then reports each outcome. */
export function ImportContextsModal({ opened, onClose }: Props) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={<Text fw={600}>Import Docker contexts</Text>}
      size="lg"
      centered
    >
      {opened ? <ImportBody onClose={onClose} /> : null}
    </Modal>
  );
}

const OUTCOME_STYLE: Record<ImportResult["outcome"]["outcome"], { color: string; icon: typeof IconCheck }> = {
  added: { color: "green", icon: IconPlus },
  alreadyPresent: { color: "gray", icon: IconCopy },
  skipped: { color: "orange", icon: IconCircleMinus },
};

function ImportBody({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const discovered = useQuery({
    queryKey: ["devicesDiscover"],
    queryFn: () => call(commands.devicesDiscover()),
    staleTime: 0,
    gcTime: 0,
  });
  const [results, setResults] = useState<ImportResult[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const importable = (discovered.data ?? []).filter((e) => discoveredText(e).importable).length;

  const runImport = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await call(commands.devicesImportContexts());
      setResults(r);
      const added = r.filter((x) => x.outcome.outcome === "added").length;
      if (added > 0) {
        notifications.show({ color: "green", title: "Devices imported", message: `${added} added` });
      }
      void queryClient.invalidateQueries({ queryKey: queryKeys.devices });
      void queryClient.invalidateQueries({ queryKey: queryKeys.containers });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  let body;
  if (results) {
    body = (
      <Stack gap="xs" data-testid="import-results">
        <Text size="sm" c="dimmed">
          What the import did:
        </Text>
        {results.length === 0 ? (
          <Text size="sm">Nothing to import.</Text>
        ) : (
          results.map((r, i) => {
            const style = OUTCOME_STYLE[r.outcome.outcome];
            const Icon = style.icon;
            return (
              <Paper key={`${r.source}-${i}`} withBorder radius="md" p="sm" data-testid="import-result" data-outcome={r.outcome.outcome}>
                <Group gap="sm" wrap="nowrap" align="flex-start">
                  <ThemeIcon size={26} radius="xl" variant="light" color={style.color}>
                    <Icon size={15} />
                  </ThemeIcon>
                  <div style={{ minWidth: 0, flex: 1 }}>
                    <Text size="sm" fw={600} className="sq-wrap">
                      {r.name}
                    </Text>
                    <Text size="xs" c="dimmed" className="sq-wrap">
                      {r.source}
                    </Text>
                    <Text size="sm" c={r.outcome.outcome === "skipped" ? "orange" : undefined} className="sq-wrap" mt={2}>
                      {importOutcomeText(r)}
                    </Text>
                  </div>
                </Group>
              </Paper>
            );
          })
        )}
      </Stack>
    );
  } else if (discovered.isPending) {
    body = (
      <Group gap="sm" py="md">
        <Loader size="sm" />
        <Text size="sm" c="dimmed">
          Looking for Docker contexts…
        </Text>
      </Group>
    );
  } else if (discovered.isError) {
    body = (
      <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Could not read the Docker contexts">
        <Text size="sm" className="sq-wrap">
          {errorMessage(discovered.error)}
        </Text>
      </Alert>
    );
  } else if (discovered.data.length === 0) {
    body = (
      <Text size="sm" c="dimmed" data-testid="import-none">
        No Docker context or DOCKER_HOST found on this computer. Create one with{" "}
        <Text span ff="monospace">
          docker context create
        </Text>
        , or add the device by hand.
      </Text>
    );
  } else {
    body = (
      <Stack gap="xs" data-testid="import-preview">
        <Text size="sm" c="dimmed">
          Found on this computer ({importable} of {discovered.data.length} can be imported; those already in Squirrel
          are kept as they are):
        </Text>
        {discovered.data.map((e, i) => {
          const { importable: ok, text } = discoveredText(e);
          return (
            <Paper key={`${e.source}-${i}`} withBorder radius="md" p="sm" data-testid="import-candidate" data-importable={ok}>
              <Group gap="sm" wrap="nowrap" align="flex-start">
                <ThemeIcon size={26} radius="xl" variant="light" color={ok ? "green" : "gray"}>
                  {ok ? <IconCheck size={15} /> : <IconCircleMinus size={15} />}
                </ThemeIcon>
                <div style={{ minWidth: 0, flex: 1 }}>
                  <Group gap="xs" wrap="nowrap">
                    <Text size="sm" fw={600} className="sq-ellipsis">
                      {e.name}
                    </Text>
                    {ok ? null : (
                      <Badge size="xs" variant="light" color="gray" radius="sm" tt="none" style={{ flexShrink: 0 }}>
                        cannot import
                      </Badge>
                    )}
                  </Group>
                  <Text size="xs" c="dimmed" className="sq-wrap">
                    {e.source}
                  </Text>
                  <Text size="sm" ff={ok ? "monospace" : undefined} fz={ok ? "xs" : "sm"} c={ok ? undefined : "orange"} className="sq-wrap" mt={2}>
                    {text}
                  </Text>
                </div>
              </Group>
            </Paper>
          );
        })}
      </Stack>
    );
  }

  return (
    <Stack gap="md" data-testid="import-modal">
      <ScrollArea.Autosize mah="60vh" type="auto" offsetScrollbars>
        {body}
      </ScrollArea.Autosize>
      {error ? (
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Import failed" data-testid="import-error">
          <Text size="sm" className="sq-wrap">
            {error}
          </Text>
        </Alert>
      ) : null}
      <Group justify="flex-end" gap="xs">
        {results ? (
          <Button onClick={onClose} data-testid="import-done" data-autofocus>
            Done
          </Button>
        ) : (
          <>
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              onClick={() => void runImport()}
              loading={busy}
              disabled={importable === 0}
              data-testid="import-confirm"
              data-autofocus
            >
              {importable > 0 ? `Import ${importable}` : "Import"}
            </Button>
          </>
        )}
      </Group>
    </Stack>
  );
}
