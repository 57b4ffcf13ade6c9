// A container's files (running or stopped), through the engine's archive API: a folder's
// entries with their sizes, modes, owners and link targets; a small text file previewed as
// text (never rendered); a file or folder downloaded into a folder the user picks, or saved
// as its .tar archive; files or a folder uploaded into the folder shown.
import { ActionIcon, Alert, Anchor, Breadcrumbs, Button, Group, Menu, ScrollArea, Skeleton, Stack, Table, Text, TextInput, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery } from "@tanstack/react-query";
import { IconArrowUp, IconDownload, IconFile, IconFileZip, IconFolder, IconLink, IconRefresh, IconUpload } from "@tabler/icons-react";
import { useState, type FormEvent } from "react";
import type { Container, DirEntry, FileTransfer } from "../../../api/types";
import { call, errorMessage } from "../../../api/unwrap";
import { commands } from "../../../bindings";
import { ErrorState } from "../../../components/States";
import { formatBytes, formatUnixSeconds } from "../../../lib/format";
import { crumbs, joinPath, modeString, parentOf } from "./files";

function transferred(done: FileTransfer, verb: string) {
  const [files, folders, links] = [done.files ?? 0, done.folders ?? 0, done.links ?? 0];
  const parts = [`${files} file${files === 1 ? "" : "s"}`];
  if (folders > 0) parts.push(`${folders} folder${folders === 1 ? "" : "s"}`);
  if (links > 0) parts.push(`${links} link${links === 1 ? "" : "s"}`);
  notifications.show({
    color: "green",
    title: `${verb}: ${parts.join(", ")} (${formatBytes(done.bytes)})`,
    message: done.saved.join(", "),
  });
}

function Preview({ containerUuid, path }: { containerUuid: string; path: string }) {
  const preview = useQuery({
    queryKey: ["filePreview", containerUuid, path],
    queryFn: () => call(commands.filesPreview(containerUuid, path)),
    staleTime: 0,
  });
  if (preview.isPending) return <Skeleton h={80} />;
  if (preview.isError) return <ErrorState title="Could not read the file" error={preview.error} onRetry={() => void preview.refetch()} />;
  const p = preview.data;
  return (
    <Stack gap={4} data-testid="file-preview">
      <Text size="xs" c="dimmed">
        {path} · {formatBytes(p.size)}
        {p.truncated ? " · its first 256 KiB" : ""}
      </Text>
      {p.text != null ? (
        <ScrollArea.Autosize mah={260} type="auto">
          {/* Its text as text: nothing from the container is rendered or run. */}
          <pre style={{ margin: 0, fontSize: 12, whiteSpace: "pre-wrap", wordBreak: "break-all" }} data-testid="file-preview-text">
            {p.text}
          </pre>
        </ScrollArea.Autosize>
      ) : (
        <Text size="sm" c="dimmed" data-testid="file-preview-binary">
          Not text: download it to open it.
        </Text>
      )}
    </Stack>
  );
}

function EntryIcon({ kind }: { kind: string }) {
  if (kind === "folder") return <IconFolder size={16} color="var(--mantine-color-yellow-7)" />;
  if (kind === "link") return <IconLink size={16} color="var(--mantine-color-blue-6)" />;
  return <IconFile size={16} color="var(--mantine-color-gray-6)" />;
}

export function FilesTab({ container }: { container: Container }) {
  const [path, setPath] = useState("/");
  const [typed, setTyped] = useState("/");
  const [previewing, setPreviewing] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const listing = useQuery({
    queryKey: ["files", container.uuid, path],
    queryFn: () => call(commands.filesList(container.uuid, path)),
    staleTime: 0,
  });
  const go = (to: string) => {
    setPath(to);
    setTyped(to);
    setPreviewing(null);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const to = typed.trim();
    if (to.startsWith("/")) go(to);
  };
  const run = async (label: string, action: () => Promise<FileTransfer | null>, verb: string) => {
    setBusy(label);
    try {
      const done = await action();
      if (done) {
        transferred(done, verb);
        if (verb === "Uploaded") void listing.refetch();
      }
    } catch (err) {
      notifications.show({ color: "red", title: `${label} failed`, message: errorMessage(err), autoClose: false });
    } finally {
      setBusy(null);
    }
  };
  const download = (target: string, asArchive: boolean) =>
    void run(asArchive ? "Saving the archive" : "Downloading", () => call(commands.filesDownload(container.uuid, target, asArchive)), asArchive ? "Saved" : "Downloaded");
  const upload = (folder: boolean) => void run("Uploading", () => call(commands.filesUpload(container.uuid, path, folder)), "Uploaded");
  const open = (entry: DirEntry) => {
    const target = joinPath(path, entry.name);
    if (entry.kind === "folder") go(target);
    else if (entry.kind === "file") setPreviewing(target);
  };

  return (
    <Stack gap="sm" data-testid="files-tab">
      <Group gap="xs" wrap="nowrap">
        <Tooltip label="Up a folder">
          <ActionIcon variant="default" aria-label="Up a folder" onClick={() => go(parentOf(path))} disabled={path === "/"} data-testid="files-up">
            <IconArrowUp size={16} />
          </ActionIcon>
        </Tooltip>
        <form onSubmit={submit} style={{ flex: 1 }}>
          <TextInput size="xs" value={typed} onChange={(e) => setTyped(e.currentTarget.value)} aria-label="Folder" spellCheck={false} autoComplete="off" data-testid="files-path" />
        </form>
        <Tooltip label="Read the folder again">
          <ActionIcon variant="default" aria-label="Refresh" onClick={() => void listing.refetch()} data-testid="files-refresh">
            <IconRefresh size={16} />
          </ActionIcon>
        </Tooltip>
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <Button size="xs" variant="default" leftSection={<IconUpload size={14} />} loading={busy === "Uploading"} data-testid="files-upload">
              Upload here
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item onClick={() => upload(false)}>Files…</Menu.Item>
            <Menu.Item onClick={() => upload(true)}>A folder…</Menu.Item>
          </Menu.Dropdown>
        </Menu>
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} loading={busy !== null && busy !== "Uploading"} data-testid="files-download-folder">
              Download
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item leftSection={<IconDownload size={14} />} onClick={() => download(path, false)}>
              This folder, into a folder…
            </Menu.Item>
            <Menu.Item leftSection={<IconFileZip size={14} />} onClick={() => download(path, true)}>
              This folder, as a .tar archive…
            </Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Group>
      <Breadcrumbs separator="›" data-testid="files-crumbs">
        {crumbs(path).map((c) => (
          <Anchor key={c.path} size="xs" component="button" type="button" onClick={() => go(c.path)}>
            {c.name}
          </Anchor>
        ))}
      </Breadcrumbs>
      {listing.data?.partial ? (
        <Alert color="yellow" variant="light" p="xs" data-testid="files-partial">
          This folder holds more than Squirrel reads to list it (512 MiB of its archive, or 10,000 entries): some entries are not shown.
          Open a terminal for the rest.
        </Alert>
      ) : null}
      {listing.isPending ? (
        <Skeleton h={160} data-testid="files-loading" />
      ) : listing.isError ? (
        <ErrorState title={`Could not list ${path}`} error={listing.error} onRetry={() => void listing.refetch()} />
      ) : listing.data.entries.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="files-empty">
          {path} is empty.
        </Text>
      ) : (
        <Table layout="fixed" verticalSpacing={3} horizontalSpacing="xs" fz="xs" highlightOnHover data-testid="files-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th w={80}>Size</Table.Th>
              <Table.Th w={92}>Mode</Table.Th>
              <Table.Th w={90}>Owner</Table.Th>
              <Table.Th w={140}>Modified</Table.Th>
              <Table.Th w={60} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {listing.data.entries.map((entry) => (
              <Table.Tr key={entry.name} data-testid="files-row" data-name={entry.name} data-kind={entry.kind}>
                <Table.Td style={{ overflow: "hidden" }}>
                  <Group gap={6} wrap="nowrap">
                    <EntryIcon kind={entry.kind} />
                    <Anchor
                      size="xs"
                      component="button"
                      type="button"
                      className="sq-ellipsis"
                      title={entry.linkTarget ? `${entry.name} → ${entry.linkTarget}` : entry.name}
                      onClick={() => open(entry)}
                      c={entry.kind === "folder" || entry.kind === "file" ? undefined : "dimmed"}
                      ff="monospace"
                      data-testid="files-open"
                    >
                      {entry.name}
                      {entry.linkTarget ? ` → ${entry.linkTarget}` : ""}
                    </Anchor>
                  </Group>
                </Table.Td>
                <Table.Td style={{ fontVariantNumeric: "tabular-nums" }}>{entry.kind === "file" ? formatBytes(entry.size) : "—"}</Table.Td>
                <Table.Td ff="monospace">{modeString(entry.kind, entry.mode)}</Table.Td>
                <Table.Td className="sq-ellipsis" title={`uid ${entry.uid}, gid ${entry.gid}`}>
                  {entry.owner ?? `${entry.uid}:${entry.gid}`}
                </Table.Td>
                <Table.Td>{formatUnixSeconds(entry.modified)}</Table.Td>
                <Table.Td>
                  {entry.kind === "file" || entry.kind === "folder" ? (
                    <Tooltip label={entry.kind === "folder" ? "Download this folder" : "Download this file"}>
                      <ActionIcon size="sm" variant="subtle" aria-label={`Download ${entry.name}`} onClick={() => download(joinPath(path, entry.name), false)} disabled={busy !== null}>
                        <IconDownload size={14} />
                      </ActionIcon>
                    </Tooltip>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {previewing ? <Preview containerUuid={container.uuid} path={previewing} /> : null}
    </Stack>
  );
}
