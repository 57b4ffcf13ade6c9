import { ActionIcon, Button, Checkbox, Group, Paper, SimpleGrid, Stack, TagsInput, Text, TextInput } from "@mantine/core";
import { IconPlus, IconX } from "@tabler/icons-react";
import { errorText, type FieldErrors } from "./deployForm";
import { MONO_INPUT } from "./FormSection";
import { removeAt, replaceAt } from "./RowEditors";
import { EMPTY_ENV_ROW, type EditorEnvRow } from "./templateForm";

const CHOICES_HELP =
  "Turns the input into a drop-down. Write text=value to show other text than the value; " +
  "the choice equal to the default is preselected.";

const INPUT_PROPS = { size: "xs", spellCheck: false, autoComplete: "off", autoCapitalize: "off" } as const;

/** The variables a template declares, one card each: name, label, default, choices, preset. */
export function EditorEnvRows({
  rows,
  errors,
  onChange,
}: {
  rows: EditorEnvRow[];
  errors: FieldErrors;
  onChange: (rows: EditorEnvRow[]) => void;
}) {
  return (
    <Stack gap="xs">
      {rows.map((row, i) => (
        <Paper key={i} withBorder radius="sm" p="sm" data-testid="editor-env-row">
          <Stack gap={6}>
            <Group gap="xs" wrap="nowrap" align="flex-end">
              <SimpleGrid cols={3} spacing="xs" style={{ flex: 1 }}>
                <TextInput
                  {...INPUT_PROPS}
                  label="Name"
                  styles={MONO_INPUT}
                  placeholder="ADMIN_EMAIL"
                  value={row.name}
                  error={errors[`env:${i}`] ? true : undefined}
                  onChange={(e) => onChange(replaceAt(rows, i, { name: e.currentTarget.value }))}
                />
                <TextInput
                  {...INPUT_PROPS}
                  label="Label"
                  placeholder="Admin e-mail"
                  value={row.label}
                  onChange={(e) => onChange(replaceAt(rows, i, { label: e.currentTarget.value }))}
                />
                <TextInput
                  {...INPUT_PROPS}
                  label="Default"
                  placeholder="none: the user must type one"
                  value={row.default}
                  onChange={(e) => onChange(replaceAt(rows, i, { default: e.currentTarget.value }))}
                />
              </SimpleGrid>
              <ActionIcon
                variant="subtle"
                color="gray"
                size="md"
                mb={2}
                aria-label={`Remove variable ${i + 1}`}
                onClick={() => onChange(removeAt(rows, i))}
              >
                <IconX size={14} />
              </ActionIcon>
            </Group>
            <TextInput
              {...INPUT_PROPS}
              label="Help text"
              placeholder="Shown under the input when deploying"
              value={row.description}
              onChange={(e) => onChange(replaceAt(rows, i, { description: e.currentTarget.value }))}
            />
            <TagsInput
              size="xs"
              label="Choices"
              description={CHOICES_HELP}
              placeholder={row.choices.length === 0 ? "none: a text input" : undefined}
              value={row.choices}
              onChange={(choices) => onChange(replaceAt(rows, i, { choices }))}
              clearable
            />
            <Checkbox
              size="xs"
              label="Preset: deploy with the default, without asking"
              checked={row.preset}
              onChange={(e) => onChange(replaceAt(rows, i, { preset: e.currentTarget.checked }))}
            />
            {errorText(errors, `env:${i}`) ? (
              <Text size="xs" c="red" role="alert">
                {errorText(errors, `env:${i}`)}
              </Text>
            ) : null}
          </Stack>
        </Paper>
      ))}
      <Group>
        <Button
          size="compact-sm"
          variant="subtle"
          leftSection={<IconPlus size={14} />}
          onClick={() => onChange([...rows, { ...EMPTY_ENV_ROW }])}
        >
          Add a variable
        </Button>
      </Group>
    </Stack>
  );
}
