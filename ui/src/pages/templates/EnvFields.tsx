import { Code, Select, SimpleGrid, Text, TextInput } from "@mantine/core";
import { errorText, type EnvField, type FieldErrors } from "./deployForm";
import { replaceAt } from "./RowEditors";

const INPUT_PROPS = { spellCheck: false, autoComplete: "off", autoCapitalize: "off" } as const;

/**
 * The variables a template declares: a text input each, a drop-down for those with choices,
 * read-only for a value the template fixes; preset ones are not shown (the template sets
 * them as they are).
 */
export function EnvFields({
  fields,
  errors,
  onChange,
}: {
  fields: EnvField[];
  errors: FieldErrors;
  onChange: (fields: EnvField[]) => void;
}) {
  const shown = fields.map((field, index) => ({ field, index })).filter(({ field }) => field.kind !== "preset");
  const preset = fields.filter((f) => f.kind === "preset");
  return (
    <>
      {shown.length > 0 ? (
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="xs">
          {shown.map(({ field, index }) => {
            const common = {
              label: field.label,
              description: field.description ?? (field.label !== field.name ? field.name : undefined),
              required: field.required,
              error: errorText(errors, `env:${field.name}`),
              "data-testid": "wizard-env",
              "data-env": field.name,
            };
            if (field.kind === "select") {
              return (
                <Select
                  key={field.name}
                  {...common}
                  data={field.choices}
                  value={field.value}
                  allowDeselect={false}
                  onChange={(v) => onChange(replaceAt(fields, index, { value: v ?? "" }))}
                />
              );
            }
            return (
              <TextInput
                key={field.name}
                {...common}
                {...INPUT_PROPS}
                readOnly={field.kind === "fixed"}
                rightSection={field.kind === "fixed" ? <Text size="xs" c="dimmed">fixed</Text> : undefined}
                rightSectionWidth={field.kind === "fixed" ? 44 : undefined}
                value={field.value}
                onChange={(e) => onChange(replaceAt(fields, index, { value: e.currentTarget.value }))}
              />
            );
          })}
        </SimpleGrid>
      ) : null}
      {preset.length > 0 ? (
        <Text size="xs" c="dimmed">
          Set by the template: {preset.map((f, i) => (
            <span key={f.name}>
              {i > 0 ? ", " : null}
              <Code>{f.name}</Code>
            </span>
          ))}
        </Text>
      ) : null}
    </>
  );
}
