// The editor of one of my templates: new, edited, or drafted from a running container
// ("Save as template" in the container drawer). Saving goes through the backend, which
// refuses a template that would not read back from a catalogue file, and says why.
import {
  ActionIcon,
  Alert,
  Button,
  Group,
  Modal,
  ScrollArea,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
  Textarea,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle, IconDeviceFloppy, IconPlus, IconX } from "@tabler/icons-react";
import { useEffect, useId, useRef, useState } from "react";
import "./templates.css";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { useRefreshCatalogue } from "./catalogue";
import { errorText, type FieldErrors } from "./deployForm";
import { EditorEnvRows } from "./EditorEnvRows";
import { FormSection, FULL_HEIGHT, MONO_INPUT } from "./FormSection";
import { KeyValueRows, removeAt, VolumeRows } from "./RowEditors";
import { blankEditorForm, editorFormFromTemplate, templateFromEditorForm, type TemplateEditorForm } from "./templateForm";
import type { RestartPolicy, Template } from "./types";

const INPUT_PROPS = { spellCheck: false, autoComplete: "off", autoCapitalize: "off" } as const;
const EDITOR_WIDTH = 820;

const RESTART_OPTIONS: { value: RestartPolicy | "unset"; label: string }[] = [
  { value: "unset", label: "Not set (deploys as Always)" },
  { value: "unless-stopped", label: "Unless stopped" },
  { value: "always", label: "Always" },
  { value: "on-failure", label: "On failure" },
  { value: "no", label: "Never" },
];

/** What the editor opens on. */
export interface EditorRequest {
  /** The template to start from; null for a blank one. */
  template: Template | null;
  /** The saved template to replace; null saves a new one. */
  uuid: string | null;
  /** The dialog's title, e.g. "New template" or "Edit Redis". */
  heading: string;
}

/**
 * The editor in its modal. `request` stays set while the modal closes; give the editor a
 * fresh `key` per opening so it starts clean.
 */
export function TemplateEditor({
  opened,
  request,
  onClose,
}: {
  opened: boolean;
  request: EditorRequest | null;
  onClose: () => void;
}) {
  return (
    <Modal.Root
      opened={opened && request !== null}
      onClose={onClose}
      size={EDITOR_WIDTH}
      centered
      closeOnClickOutside={false}
      styles={FULL_HEIGHT}
    >
      <Modal.Overlay backgroundOpacity={0.4} blur={1} />
      <Modal.Content data-testid="template-editor">
        <Modal.Header>
          <Modal.Title>
            <Text fw={600}>{request?.heading}</Text>
          </Modal.Title>
          <Modal.CloseButton aria-label="Close the editor" />
        </Modal.Header>
        <Modal.Body>
          {request ? <EditorBody request={request} onClose={onClose} /> : null}
        </Modal.Body>
      </Modal.Content>
    </Modal.Root>
  );
}

function EditorBody({ request, onClose }: { request: EditorRequest; onClose: () => void }) {
  const refreshCatalogue = useRefreshCatalogue();
  const [form, setForm] = useState<TemplateEditorForm>(() =>
    request.template ? editorFormFromTemplate(request.template) : blankEditorForm(),
  );
  const [showErrors, setShowErrors] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const formId = useId();

  const { template, errors: formErrors } = templateFromEditorForm(form, request.template);
  const errors: FieldErrors = showErrors ? formErrors : {};
  const update = (patch: Partial<TemplateEditorForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setSaveError(null);
  };

  // After a refused save, the first field in error comes into view with the focus.
  const scrollRef = useRef<HTMLDivElement>(null);
  const [focusRequest, setFocusRequest] = useState(0);
  useEffect(() => {
    if (focusRequest === 0) return;
    const field = scrollRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    // (jsdom has no scrollIntoView.)
    field?.scrollIntoView?.({ block: "center" });
    field?.focus({ preventScroll: true });
  }, [focusRequest]);

  const save = async () => {
    setShowErrors(true);
    if (Object.keys(formErrors).length > 0) {
      setFocusRequest((n) => n + 1);
      return;
    }
    if (saving) return;
    setSaving(true);
    setSaveError(null);
    try {
      const saved = await call(commands.myTemplateSave(request.uuid, template));
      notifications.show({
        color: "green",
        title: request.uuid ? "Template saved" : "Template added",
        message: `${saved.template.title} is in My templates.`,
      });
      void refreshCatalogue();
      onClose();
    } catch (e) {
      setSaveError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  const containerKind = (request.template?.kind ?? "container") === "container";

  return (
    <>
      <ScrollArea viewportRef={scrollRef} style={{ flex: 1, minHeight: 0 }} type="auto" px="md" offsetScrollbars>
        <form
          id={formId}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <Stack gap="lg" pb="md">
            <FormSection title="About">
              <TextInput
                {...INPUT_PROPS}
                label="Title"
                required
                value={form.title}
                error={errorText(errors, "title")}
                onChange={(e) => update({ title: e.currentTarget.value })}
                data-testid="editor-title"
                data-autofocus
              />
              <Textarea
                label="Description"
                autosize
                minRows={2}
                maxRows={5}
                value={form.description}
                onChange={(e) => update({ description: e.currentTarget.value })}
                data-testid="editor-description"
              />
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <TagsInput
                  label="Categories"
                  placeholder={form.categories.length === 0 ? "database, monitoring" : undefined}
                  splitChars={[","]}
                  value={form.categories}
                  onChange={(categories) => update({ categories })}
                  clearable
                />
                <TextInput
                  {...INPUT_PROPS}
                  label="Logo URL"
                  description="Fetched by Squirrel, never by the page"
                  placeholder="https://example.com/logo.png"
                  value={form.logo}
                  onChange={(e) => update({ logo: e.currentTarget.value })}
                />
              </SimpleGrid>
              <Textarea
                label="Note"
                description="Shown in the deploy wizard, as plain text"
                autosize
                minRows={2}
                maxRows={6}
                value={form.note}
                onChange={(e) => update({ note: e.currentTarget.value })}
              />
            </FormSection>

            {containerKind ? (
              <FormSection title="Container">
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                  <TextInput
                    {...INPUT_PROPS}
                    label="Image"
                    required
                    styles={MONO_INPUT}
                    placeholder="nginx:1.27"
                    value={form.image}
                    error={errorText(errors, "image")}
                    onChange={(e) => update({ image: e.currentTarget.value })}
                    data-testid="editor-image"
                  />
                  <TextInput
                    {...INPUT_PROPS}
                    label="Container name"
                    description="The default; the deploy wizard lets it change"
                    value={form.name}
                    onChange={(e) => update({ name: e.currentTarget.value })}
                  />
                  <Select
                    label="Restart policy"
                    data={RESTART_OPTIONS}
                    value={form.restartPolicy === "" ? "unset" : form.restartPolicy}
                    allowDeselect={false}
                    onChange={(v) => update({ restartPolicy: !v || v === "unset" ? "" : (v as RestartPolicy) })}
                  />
                  <TextInput
                    {...INPUT_PROPS}
                    label="Network"
                    placeholder="bridge"
                    value={form.network}
                    onChange={(e) => update({ network: e.currentTarget.value })}
                  />
                  <TextInput
                    {...INPUT_PROPS}
                    label="Command"
                    styles={MONO_INPUT}
                    value={form.command}
                    onChange={(e) => update({ command: e.currentTarget.value })}
                  />
                  <TextInput
                    {...INPUT_PROPS}
                    label="Hostname"
                    value={form.hostname}
                    onChange={(e) => update({ hostname: e.currentTarget.value })}
                  />
                </SimpleGrid>
                <Switch
                  label="Privileged"
                  checked={form.privileged}
                  onChange={(e) => update({ privileged: e.currentTarget.checked })}
                />
              </FormSection>
            ) : null}

            <FormSection title="Variables">
              <EditorEnvRows rows={form.env} errors={errors} onChange={(env) => update({ env })} />
            </FormSection>

            <FormSection title="Ports" hint="One per row, as docker run -p takes them: 8080:80/tcp, 127.0.0.1:5432:5432, 53/udp.">
              <PortTextRows rows={form.ports} errors={errors} onChange={(ports) => update({ ports })} />
            </FormSection>

            <FormSection title="Volumes">
              <VolumeRows rows={form.volumes} errors={errors} onChange={(volumes) => update({ volumes })} />
            </FormSection>

            <FormSection title="Labels">
              <KeyValueRows
                rows={form.labels}
                errors={errors}
                errorKey="labels"
                noun="label"
                namePlaceholder="com.example.key"
                valuePlaceholder="value"
                onChange={(labels) => update({ labels })}
              />
            </FormSection>

            {saveError ? (
              <Alert
                color="red"
                variant="light"
                icon={<IconAlertTriangle size={18} />}
                title="Could not save the template"
                data-testid="editor-error"
              >
                <Text size="sm" className="sq-wrap">
                  {saveError}
                </Text>
              </Alert>
            ) : null}
          </Stack>
        </form>
      </ScrollArea>
      <Group justify="space-between" gap="xs" px="md" py="sm" style={{ borderTop: "1px solid var(--sq-border)" }}>
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Group gap="xs">
          {showErrors && Object.keys(formErrors).length > 0 ? (
            <Text size="sm" c="red">
              Fix the fields marked in red.
            </Text>
          ) : null}
          <Button
            type="submit"
            form={formId}
            loading={saving}
            leftSection={<IconDeviceFloppy size={16} />}
            data-testid="editor-save"
          >
            {request.uuid ? "Save changes" : "Save to My templates"}
          </Button>
        </Group>
      </Group>
    </>
  );
}

/** Ports as text rows, checked as they are typed once the user tried to save. */
function PortTextRows({ rows, errors, onChange }: { rows: string[]; errors: FieldErrors; onChange: (rows: string[]) => void }) {
  return (
    <Stack gap={6}>
      {rows.map((text, i) => (
        <Group key={i} gap="xs" wrap="nowrap" align="flex-start">
          <TextInput
            {...INPUT_PROPS}
            size="xs"
            styles={MONO_INPUT}
            style={{ flex: 1 }}
            placeholder="8080:80/tcp"
            aria-label={`Port ${i + 1}`}
            value={text}
            error={errorText(errors, `ports:${i}`)}
            onChange={(e) => onChange(rows.map((r, j) => (j === i ? e.currentTarget.value : r)))}
            data-testid="editor-port"
          />
          <ActionIcon
            variant="subtle"
            color="gray"
            size="md"
            aria-label={`Remove port ${i + 1}`}
            onClick={() => onChange(removeAt(rows, i))}
          >
            <IconX size={14} />
          </ActionIcon>
        </Group>
      ))}
      <Group>
        <Button size="compact-sm" variant="subtle" leftSection={<IconPlus size={14} />} onClick={() => onChange([...rows, ""])}>
          Add a port
        </Button>
      </Group>
    </Stack>
  );
}
