// Importing templates into My templates: a catalogue pasted as text or read from a file. The
// readable templates are added; the others are listed with what is wrong with them.
import { Alert, Button, FileButton, Group, Modal, Stack, Table, Text, Textarea } from "@mantine/core";
import { IconAlertTriangle, IconCircleCheck, IconFileImport, IconFileUpload } from "@tabler/icons-react";
import { useState } from "react";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { Mono } from "../../components/Mono";
import { useRefreshCatalogue } from "./catalogue";
import type { ImportReport } from "./types";

/** A catalogue is never this big; a larger file is surely the wrong one (the backend's limit too). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

export function ImportModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={<Text fw={600}>Import templates</Text>}
      size="lg"
      centered
      data-testid="import-modal"
    >
      {opened ? <ImportBody onClose={onClose} /> : null}
    </Modal>
  );
}

function ImportBody({ onClose }: { onClose: () => void }) {
  const refreshCatalogue = useRefreshCatalogue();
  const [text, setText] = useState("");
  const [fileName, setFileName] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);

  const readFile = async (file: File | null) => {
    if (!file) return;
    setError(null);
    setReport(null);
    if (file.size > MAX_FILE_BYTES) {
      setError(`${file.name} is larger than ${MAX_FILE_BYTES >> 20} MiB; a template catalogue is never that big.`);
      return;
    }
    try {
      setText(await file.text());
      setFileName(file.name);
    } catch (e) {
      setError(`Could not read ${file.name}: ${errorMessage(e)}`);
    }
  };

  const runImport = async () => {
    if (text.trim() === "" || importing) return;
    setImporting(true);
    setError(null);
    setReport(null);
    try {
      const result = await call(commands.myTemplatesImport(text));
      setReport(result);
      if (result.added > 0) void refreshCatalogue();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setImporting(false);
    }
  };

  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        Paste a catalogue (Portainer v2 or v3, or SSM&apos;s format) or read it from a file. Its templates are added to My
        templates.
      </Text>
      <Group gap="xs">
        <FileButton onChange={(f) => void readFile(f)} accept="application/json,.json">
          {(props) => (
            <Button {...props} variant="default" leftSection={<IconFileUpload size={16} />} data-testid="import-file">
              Read a file…
            </Button>
          )}
        </FileButton>
        {fileName ? (
          <Text size="sm" c="dimmed" className="sq-ellipsis">
            {fileName}
          </Text>
        ) : null}
      </Group>
      <Textarea
        label="Catalogue"
        placeholder='{ "version": "3", "templates": [ … ] }'
        autosize
        minRows={8}
        maxRows={16}
        spellCheck={false}
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
          setFileName(null);
          setReport(null);
          setError(null);
        }}
        styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: "var(--mantine-font-size-xs)" } }}
        data-testid="import-text"
      />
      {error ? (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          title="Nothing was imported"
          data-testid="import-error"
        >
          <Text size="sm" className="sq-wrap">
            {error}
          </Text>
        </Alert>
      ) : null}
      {report ? <ImportResult report={report} /> : null}
      <Group justify="flex-end" gap="xs">
        <Button variant="default" onClick={onClose}>
          {report ? "Close" : "Cancel"}
        </Button>
        <Button
          leftSection={<IconFileImport size={16} />}
          loading={importing}
          // A second click would add the same templates again.
          disabled={text.trim() === "" || report !== null}
          onClick={() => void runImport()}
          data-testid="import-run"
        >
          Import
        </Button>
      </Group>
    </Stack>
  );
}

function ImportResult({ report }: { report: ImportReport }) {
  return (
    <Alert
      color={report.problems.length > 0 ? "orange" : "green"}
      variant="light"
      icon={report.problems.length > 0 ? <IconAlertTriangle size={18} /> : <IconCircleCheck size={18} />}
      title={report.added === 1 ? "1 template added" : `${report.added} templates added`}
      data-testid="import-report"
    >
      {report.problems.length > 0 ? (
        <Stack gap="xs">
          <Text size="sm">
            {report.problems.length === 1 ? "1 template was left out:" : `${report.problems.length} templates were left out:`}
          </Text>
          <Table fz="xs" verticalSpacing={4} withTableBorder>
            <Table.Tbody>
              {report.problems.map((p, i) => (
                <Table.Tr key={i}>
                  <Table.Td w={40}>{p.index + 1}</Table.Td>
                  <Table.Td className="sq-wrap">{p.title ?? "—"}</Table.Td>
                  <Table.Td>
                    <Mono>{p.field}</Mono>
                  </Table.Td>
                  <Table.Td className="sq-wrap">{p.message}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      ) : (
        <Text size="sm">They are in My templates.</Text>
      )}
    </Alert>
  );
}
