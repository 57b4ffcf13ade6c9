import { Button } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconTemplate } from "@tabler/icons-react";
import { useRef, useState } from "react";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { TemplateEditor, type EditorRequest } from "./TemplateEditor";

/**
 * "Save as template" for the container drawer: drafts a template from the container (its
 * image, variables, ports, volumes, labels, ...) and opens the template editor on it, which
 * saves it to My templates.
 */
export function SaveAsTemplateButton({
  containerUuid,
  containerName,
  unavailable = null,
  onEditingChange,
}: {
  containerUuid: string;
  containerName: string;
  /** Why the container's engine cannot be reached now (the draft needs it); null when it can. */
  unavailable?: string | null;
  /**
   * Told when the editor opens and closes. Mantine closes every open dialog on Escape, so
   * the drawer around the button stops closing on Escape while the editor is open.
   */
  onEditingChange?: (editing: boolean) => void;
}) {
  const [loading, setLoading] = useState(false);
  const [editor, setEditor] = useState<{ request: EditorRequest; opened: boolean } | null>(null);
  const serial = useRef(0);

  const open = async () => {
    setLoading(true);
    try {
      const draft = await call(commands.templateFromContainer(containerUuid));
      serial.current++;
      setEditor({ request: { template: draft, uuid: null, heading: `Save ${containerName} as a template` }, opened: true });
      onEditingChange?.(true);
    } catch (e) {
      notifications.show({ color: "red", title: `Could not read ${containerName}`, message: errorMessage(e) });
    } finally {
      setLoading(false);
    }
  };

  return (
    <>
      <Button
        size="compact-sm"
        variant="light"
        color="gray"
        leftSection={<IconTemplate size={14} />}
        loading={loading}
        disabled={unavailable !== null}
        title={unavailable ?? undefined}
        onClick={() => void open()}
        data-testid="save-as-template"
      >
        Save as template
      </Button>
      <TemplateEditor
        key={serial.current}
        opened={editor?.opened ?? false}
        request={editor?.request ?? null}
        onClose={() => {
          setEditor((e) => (e ? { ...e, opened: false } : e));
          onEditingChange?.(false);
        }}
      />
    </>
  );
}
