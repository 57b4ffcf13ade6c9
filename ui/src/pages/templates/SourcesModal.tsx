// Where templates come from: the bundled catalogue, My templates, and the catalogues the user
// added by URL or file. Each can be refreshed, hidden or removed (the builtin ones cannot).
import { Alert, Button, Group, Modal, Paper, Skeleton, Stack, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle, IconFolderOpen, IconPlus } from "@tabler/icons-react";
import { useState, type FormEvent } from "react";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { ErrorState } from "../../components/States";
import { useNow } from "../../lib/useNow";
import { useCatalogue, useRefreshCatalogue } from "./catalogue";
import { FormSection } from "./FormSection";
import { SourceRow } from "./SourceRow";
import type { SourceLocation } from "./types";

/** Lines the Browse button up with the input beside it, below the input's label. */
const BUTTON_OFFSET = 25;

export function SourcesModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const catalogue = useCatalogue();
  const refresh = useRefreshCatalogue();
  const now = useNow();
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={<Text fw={600}>Template sources</Text>}
      size="xl"
      centered
      data-testid="sources-modal"
    >
      <Stack gap="lg">
        <FormSection title="Sources">
          {catalogue.isPending ? (
            <Stack gap="xs">
              <Skeleton h={64} />
              <Skeleton h={64} />
            </Stack>
          ) : catalogue.isError ? (
            <ErrorState title="Could not load the sources" error={catalogue.error} onRetry={() => void catalogue.refetch()} />
          ) : (
            <Stack gap="xs">
              {catalogue.data.sources.map((s) => (
                <SourceRow key={s.uuid} source={s} now={now} onChanged={refresh} />
              ))}
            </Stack>
          )}
        </FormSection>
        <AddSourceForm onAdded={refresh} />
      </Stack>
    </Modal>
  );
}

/**
 * Where the typed text points: a web address, or a file by its absolute path; what is
 * wrong with it, in words, when it is neither.
 */
export function parseLocation(text: string): { location: SourceLocation } | { problem: string } {
  const value = text.trim();
  if (value === "") return { problem: "Give the catalogue's web address, or choose its file." };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    return /^https?:\/\/\S+$/i.test(value)
      ? { location: { kind: "url", value } }
      : { problem: "A web address must start with http:// or https://." };
  }
  if (value.startsWith("/")) return { location: { kind: "file", value } };
  return { problem: "Give the file's full path, such as /home/me/templates.json, or a web address." };
}

function AddSourceForm({ onAdded }: { onAdded: () => Promise<void> }) {
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [showProblem, setShowProblem] = useState(false);
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const parsed = parseLocation(value);

  const browse = async () => {
    setError(null);
    try {
      const path = await call(commands.templateFilePick());
      if (path) setValue(path);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setShowProblem(true);
    if ("problem" in parsed || adding) return;
    setAdding(true);
    setError(null);
    try {
      const added = await call(commands.templateSourceAdd(name, parsed.location));
      notifications.show({
        color: "green",
        title: "Source added",
        message:
          added.problems.length > 0
            ? `${added.name}: ${added.templateCount} templates, ${added.problems.length} left out (see the list).`
            : `${added.name}: ${added.templateCount} templates.`,
      });
      setName("");
      setValue("");
      setShowProblem(false);
      await onAdded();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setAdding(false);
    }
  };

  return (
    <Paper withBorder radius="sm" p="sm" component="form" onSubmit={submit} noValidate data-testid="source-add-form">
      <FormSection title="Add a catalogue" hint="A Portainer template file (v2 or v3), or one in SSM's format.">
        <Group gap="xs" align="flex-start" wrap="nowrap">
          <TextInput
            style={{ flex: 1 }}
            label="Web address or file"
            placeholder="https://example.com/templates.json or /home/me/templates.json"
            value={value}
            error={showProblem && "problem" in parsed ? parsed.problem : undefined}
            onChange={(e) => {
              setValue(e.currentTarget.value);
              setError(null);
            }}
            spellCheck={false}
            autoComplete="off"
            data-testid="source-path"
          />
          <Button
            variant="default"
            mt={BUTTON_OFFSET}
            leftSection={<IconFolderOpen size={16} />}
            onClick={() => void browse()}
            data-testid="source-browse"
          >
            Browse…
          </Button>
        </Group>
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <TextInput
            style={{ flex: 1 }}
            label="Name"
            description="Optional: the address's host or the file's name otherwise"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            data-testid="source-name"
          />
          <Button type="submit" loading={adding} leftSection={<IconPlus size={16} />} data-testid="source-add">
            Add source
          </Button>
        </Group>
        {error ? (
          <Alert
            color="red"
            variant="light"
            icon={<IconAlertTriangle size={18} />}
            title="Could not add the source"
            data-testid="source-add-error"
          >
            <Text size="sm" className="sq-wrap">
              {error}
            </Text>
          </Alert>
        ) : null}
      </FormSection>
    </Paper>
  );
}
