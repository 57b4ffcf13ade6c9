import "./templates.css";
import { Button, Paper, Skeleton, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconFilterOff, IconTemplate } from "@tabler/icons-react";
import { useCallback, useMemo, useRef, useState } from "react";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { EmptyState, ErrorState } from "../../components/States";
import { myTemplateUuid, useCatalogue, useRefreshCatalogue } from "./catalogue";
import { ConfirmDelete } from "./ConfirmDelete";
import { blankContainerTemplate } from "./deployForm";
import { DeployWizard, type WizardRequest } from "./DeployWizard";
import { CARD_GAP, CARD_HEIGHT, GRID_PADDING } from "./gridLayout";
import { ImportModal } from "./ImportModal";
import { buildSearchIndex, EMPTY_QUERY, searchTemplates, type TemplateQuery } from "./searchIndex";
import { SourcesModal } from "./SourcesModal";
import type { CardAction } from "./TemplateCard";
import { TemplateEditor, type EditorRequest } from "./TemplateEditor";
import { duplicateTemplate } from "./templateForm";
import { TemplateGallery } from "./TemplateGallery";
import { TemplatesToolbar } from "./TemplatesToolbar";
import type { CatalogueEntry } from "./types";
import { containerLink } from "./links";

/** A dialog's request, kept while it closes; `serial` remounts it fresh on the next opening. */
interface Dialog<T> {
  request: T;
  opened: boolean;
  serial: number;
}

const SKELETON_CARDS = 9;

function GallerySkeleton() {
  return (
    <div
      data-testid="loading"
      style={{
        display: "grid",
        gridTemplateColumns: "repeat(auto-fill, minmax(280px, 1fr))",
        gap: CARD_GAP,
        padding: GRID_PADDING,
      }}
    >
      {Array.from({ length: SKELETON_CARDS }, (_, i) => (
        <Skeleton key={i} h={CARD_HEIGHT} radius="md" />
      ))}
    </div>
  );
}

/** Where the user leaves for the containers screen (after a deploy), on the new container. */
function showContainers(containerUuid: string | null) {
  window.location.hash = containerLink(containerUuid);
}

/**
 * The templates screen: the gallery of every enabled source's templates with search and
 * filters, the deploy wizard, the sources, and the user's own templates.
 */
export function TemplatesPage() {
  const catalogue = useCatalogue();
  const refreshCatalogue = useRefreshCatalogue();
  const [query, setQuery] = useState<TemplateQuery>(EMPTY_QUERY);

  const entries = catalogue.data?.entries;
  const sources = useMemo(() => catalogue.data?.sources ?? [], [catalogue.data]);
  const index = useMemo(() => buildSearchIndex(entries ?? []), [entries]);
  const visible = useMemo(() => searchTemplates(index, query), [index, query]);
  const sourceNames = useMemo(() => new Map(sources.map((s) => [s.uuid, s.name])), [sources]);

  const serial = useRef(0);
  const [wizard, setWizard] = useState<Dialog<WizardRequest> | null>(null);
  const [editor, setEditor] = useState<Dialog<EditorRequest> | null>(null);
  const [sourcesOpen, setSourcesOpen] = useState(false);
  const [importOpen, setImportOpen] = useState(false);
  const [deleting, setDeleting] = useState<CatalogueEntry | null>(null);
  const [exporting, setExporting] = useState(false);

  const openWizard = useCallback((request: WizardRequest) => {
    setWizard({ request, opened: true, serial: ++serial.current });
  }, []);
  const openEditor = useCallback((request: EditorRequest) => {
    setEditor({ request, opened: true, serial: ++serial.current });
  }, []);

  // Stable, so that the gallery (memoised) does not re-render while the search is typed.
  const onAction = useCallback(
    (action: CardAction, entry: CatalogueEntry) => {
      const t = entry.template;
      switch (action) {
        case "deploy":
          openWizard({ template: t, key: entry.key });
          return;
        case "edit":
          openEditor({ template: t, uuid: myTemplateUuid(entry.key), heading: `Edit ${t.title}` });
          return;
        case "duplicate":
          call(commands.myTemplateSave(null, duplicateTemplate(t)))
            .then((saved) => {
              notifications.show({
                color: "green",
                title: "Template duplicated",
                message: `${saved.template.title} is in My templates.`,
              });
              return refreshCatalogue();
            })
            .catch((e: unknown) =>
              notifications.show({ color: "red", title: `Could not duplicate ${t.title}`, message: errorMessage(e) }),
            );
          return;
        case "delete":
          setDeleting(entry);
          return;
      }
    },
    [openWizard, openEditor, refreshCatalogue],
  );

  const exportAll = useCallback(async () => {
    setExporting(true);
    try {
      const path = await call(commands.myTemplatesExport(null));
      if (path) notifications.show({ color: "green", title: "My templates exported", message: `Written to ${path}` });
    } catch (e) {
      notifications.show({ color: "red", title: "Could not export My templates", message: errorMessage(e) });
    } finally {
      setExporting(false);
    }
  }, []);

  const deleteTemplate = useCallback(async () => {
    const uuid = deleting ? myTemplateUuid(deleting.key) : null;
    if (!uuid) return;
    await call(commands.myTemplateDelete(uuid));
    await refreshCatalogue();
  }, [deleting, refreshCatalogue]);

  // Stable handlers and dialogs: a keystroke in the search re-renders the toolbar and the
  // grid, not the closed dialogs.
  const onNewContainer = useCallback(() => openWizard({ template: blankContainerTemplate(), key: "new" }), [openWizard]);
  const onNewTemplate = useCallback(() => openEditor({ template: null, uuid: null, heading: "New template" }), [openEditor]);
  const onImport = useCallback(() => setImportOpen(true), []);
  const onExport = useCallback(() => void exportAll(), [exportAll]);
  const onSources = useCallback(() => setSourcesOpen(true), []);
  const dialogs = useMemo(
    () => (
      <>
        <DeployWizard
          key={`wizard-${wizard?.serial ?? 0}`}
          opened={wizard?.opened ?? false}
          request={wizard?.request ?? null}
          onClose={() => setWizard((w) => (w ? { ...w, opened: false } : w))}
        />
        <TemplateEditor
          key={`editor-${editor?.serial ?? 0}`}
          opened={editor?.opened ?? false}
          request={editor?.request ?? null}
          onClose={() => setEditor((e) => (e ? { ...e, opened: false } : e))}
        />
        <SourcesModal opened={sourcesOpen} onClose={() => setSourcesOpen(false)} />
        <ImportModal opened={importOpen} onClose={() => setImportOpen(false)} />
        <ConfirmDelete title={deleting?.template.title ?? null} onConfirm={deleteTemplate} onClose={() => setDeleting(null)} />
      </>
    ),
    [wizard, editor, sourcesOpen, importOpen, deleting, deleteTemplate],
  );

  const filtered = query.text !== "" || query.category !== null || query.source !== null;
  let body;
  if (catalogue.isPending) {
    body = <GallerySkeleton />;
  } else if (catalogue.isError) {
    body = <ErrorState title="Could not load the templates" error={catalogue.error} onRetry={() => void catalogue.refetch()} />;
  } else if (catalogue.data.entries.length === 0) {
    body = (
      <EmptyState icon={<IconTemplate size={28} />} title="No templates">
        <Stack gap="sm" align="center">
          <Text size="sm" c="dimmed">
            Every source is hidden or empty. Add a catalogue, show a hidden one, or write a template of your own.
          </Text>
          <Button size="xs" variant="light" onClick={() => setSourcesOpen(true)}>
            Manage sources
          </Button>
        </Stack>
      </EmptyState>
    );
  } else if (visible.length === 0) {
    body = (
      <EmptyState icon={<IconFilterOff size={28} />} title="No template matches">
        <Stack gap="sm" align="center">
          <Text size="sm" c="dimmed">
            Nothing matches {query.text ? `“${query.text.trim()}”` : "these filters"}.
          </Text>
          {filtered ? (
            <Button size="xs" variant="light" onClick={() => setQuery(EMPTY_QUERY)}>
              Clear search and filters
            </Button>
          ) : null}
        </Stack>
      </EmptyState>
    );
  } else {
    body = (
      <TemplateGallery
        entries={visible}
        sourceNames={sourceNames}
        resetKey={`${query.text}\n${query.category ?? ""}\n${query.source ?? ""}`}
        onAction={onAction}
      />
    );
  }

  return (
    <Stack gap={0} h="100%" data-testid="templates-page">
      <TemplatesToolbar
        query={query}
        onQuery={setQuery}
        categories={index.categories}
        sources={sources}
        shown={visible.length}
        total={entries?.length ?? 0}
        loading={catalogue.isPending}
        onNewContainer={onNewContainer}
        onNewTemplate={onNewTemplate}
        onImport={onImport}
        onExport={onExport}
        exporting={exporting}
        onSources={onSources}
        onShowContainers={showContainers}
      />
      {/* Not `overflow: hidden`: clipping the scrolling grid to rounded corners made WebKit
          repaint far more on every scrolled frame (130 ms against 50 ms in software rendering). */}
      <Paper withBorder radius="md" mx="md" mb="md" style={{ flex: 1, minHeight: 0, display: "flex", flexDirection: "column" }}>
        {body}
      </Paper>

      {dialogs}
    </Stack>
  );
}
