// The wizard's first step: the container as the template pre-fills it, every field editable,
// and the devices to deploy to. Problems found by the checks show next to their fields.
import {
  Alert,
  Autocomplete,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
} from "@mantine/core";
import { IconAlertTriangle, IconInfoCircle } from "@tabler/icons-react";
import type { DeviceSummary } from "../../api/types";
import { errorText, type DeployForm, type FieldErrors } from "./deployForm";
import { EnvFields } from "./EnvFields";
import { FormSection, MONO_INPUT } from "./FormSection";
import { KeyValueRows, PortRows, VolumeRows } from "./RowEditors";
import { TargetPicker } from "./TargetPicker";
import type { PullPolicy, RestartPolicy } from "./types";

const INPUT_PROPS = { spellCheck: false, autoComplete: "off", autoCapitalize: "off" } as const;

const RESTART_POLICIES: { value: RestartPolicy; label: string }[] = [
  { value: "unless-stopped", label: "Unless stopped" },
  { value: "always", label: "Always" },
  { value: "on-failure", label: "On failure" },
  { value: "no", label: "Never" },
];

export const PULL_POLICIES: { value: PullPolicy; label: string }[] = [
  { value: "always", label: "Always pull the newest image for the tag" },
  { value: "missing", label: "Pull only when the device lacks the image" },
  { value: "never", label: "Never pull: use the image on the device" },
];

/** Docker's smallest memory limit, in MiB (the backend refuses less). */
const MIN_MEMORY_MIB = 6;

interface Props {
  form: DeployForm;
  errors: FieldErrors;
  /** The template's note, already plain text. */
  note: string;
  devices: readonly DeviceSummary[];
  targets: readonly string[];
  pull: PullPolicy;
  /** Network names for the suggestions: those of the chosen devices and Docker's own. */
  networks: readonly string[];
  /** Problems that belong to no field, shown at the end. */
  otherProblems: readonly string[];
  onChange: (patch: Partial<DeployForm>) => void;
  onTargets: (targets: string[]) => void;
  onPull: (pull: PullPolicy) => void;
}

export function ConfigureStep({
  form,
  errors,
  note,
  devices,
  targets,
  pull,
  networks,
  otherProblems,
  onChange,
  onTargets,
  onPull,
}: Props) {
  return (
    <Stack gap="lg">
      {note ? (
        <Alert
          color="blue"
          variant="light"
          icon={<IconInfoCircle size={18} />}
          title="Note from the template"
          data-testid="template-note"
        >
          <Text size="sm" className="sq-wrap">
            {note}
          </Text>
        </Alert>
      ) : null}

      <FormSection title="Container">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            {...INPUT_PROPS}
            label="Name"
            required
            value={form.name}
            error={errorText(errors, "name")}
            onChange={(e) => onChange({ name: e.currentTarget.value })}
            data-testid="wizard-name"
            data-autofocus
          />
          <TextInput
            {...INPUT_PROPS}
            label="Image"
            required
            placeholder="nginx:1.27"
            styles={MONO_INPUT}
            value={form.image}
            error={errorText(errors, "image")}
            onChange={(e) => onChange({ image: e.currentTarget.value })}
            data-testid="wizard-image"
          />
        </SimpleGrid>
      </FormSection>

      <FormSection title="Deploy to">
        <TargetPicker devices={devices} selected={targets} errors={errors} onChange={onTargets} />
        {errors.targets ? (
          <Text size="xs" c="red">
            {errorText(errors, "targets")}
          </Text>
        ) : null}
        <Select
          label="Image pull"
          data={PULL_POLICIES}
          value={pull}
          allowDeselect={false}
          onChange={(v) => onPull((v as PullPolicy | null) ?? "always")}
          maw={420}
          data-testid="wizard-pull"
        />
      </FormSection>

      <FormSection title="Environment">
        <EnvFields fields={form.env} errors={errors} onChange={(env) => onChange({ env })} />
        {errorText(errors, "env") ? (
          <Text size="xs" c="red">
            {errorText(errors, "env")}
          </Text>
        ) : null}
        <KeyValueRows
          rows={form.extraEnv}
          errors={errors}
          errorKey="extraEnv"
          noun="variable"
          namePlaceholder="NAME"
          valuePlaceholder="value"
          onChange={(extraEnv) => onChange({ extraEnv })}
        />
      </FormSection>

      <FormSection title="Ports" hint="Leave the host port empty to let Docker choose one.">
        <PortRows rows={form.ports} errors={errors} onChange={(ports) => onChange({ ports })} />
      </FormSection>

      <FormSection title="Volumes">
        <VolumeRows rows={form.volumes} errors={errors} onChange={(volumes) => onChange({ volumes })} />
      </FormSection>

      <FormSection title="Network and runtime">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <Autocomplete
            {...INPUT_PROPS}
            label="Network"
            description="Empty for Docker's default bridge"
            placeholder="bridge"
            data={[...networks]}
            value={form.network}
            error={errorText(errors, "network")}
            onChange={(network) => onChange({ network })}
          />
          <Select
            label="Restart policy"
            description="When Docker starts the container again"
            data={RESTART_POLICIES}
            value={form.restartPolicy}
            allowDeselect={false}
            error={errorText(errors, "restartPolicy")}
            onChange={(v) => onChange({ restartPolicy: (v as RestartPolicy | null) ?? "no" })}
          />
          <TextInput
            {...INPUT_PROPS}
            label="Command"
            description="Overrides the image's command; quote arguments with spaces"
            styles={MONO_INPUT}
            value={form.command}
            error={errorText(errors, "command")}
            onChange={(e) => onChange({ command: e.currentTarget.value })}
          />
          <TextInput
            {...INPUT_PROPS}
            label="Hostname"
            description="Inside the container; the engine picks one when empty"
            value={form.hostname}
            error={errorText(errors, "hostname")}
            onChange={(e) => onChange({ hostname: e.currentTarget.value })}
          />
        </SimpleGrid>
      </FormSection>

      <FormSection title="Labels">
        <KeyValueRows
          rows={form.labels}
          errors={errors}
          errorKey="labels"
          noun="label"
          namePlaceholder="com.example.key"
          valuePlaceholder="value"
          onChange={(labels) => onChange({ labels })}
        />
      </FormSection>

      <FormSection title="Resources and privileges">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <NumberInput
            label="Memory limit"
            description="In MiB; empty for no limit"
            placeholder="no limit"
            min={MIN_MEMORY_MIB}
            allowDecimal={false}
            allowNegative={false}
            thousandSeparator=" "
            rightSection={<Text size="xs" c="dimmed">MiB</Text>}
            rightSectionWidth={44}
            value={form.memoryMib}
            error={errorText(errors, "memory")}
            onChange={(memoryMib) => onChange({ memoryMib })}
            data-testid="wizard-memory"
          />
          <NumberInput
            label="CPU limit"
            description="In cores, such as 0.5 or 2; empty for no limit"
            placeholder="no limit"
            min={0.01}
            step={0.5}
            decimalScale={2}
            allowNegative={false}
            value={form.cpus}
            error={errorText(errors, "cpus")}
            onChange={(cpus) => onChange({ cpus })}
            data-testid="wizard-cpus"
          />
        </SimpleGrid>
        <TagsInput
          label="Added capabilities"
          description="Linux capabilities such as NET_ADMIN; separate them with commas"
          placeholder={form.capAdd.length === 0 ? "NET_ADMIN" : undefined}
          splitChars={[",", " "]}
          value={form.capAdd}
          error={errorText(errors, "capAdd")}
          onChange={(caps) => onChange({ capAdd: caps.map((c) => c.trim().toUpperCase()) })}
          clearable
        />
        <Stack gap="xs">
          <Switch
            label="Privileged"
            description="Full access to the host's devices: only for containers that need it"
            checked={form.privileged}
            onChange={(e) => onChange({ privileged: e.currentTarget.checked })}
          />
          <Switch
            label="Interactive"
            description="Keep standard input open with a terminal (docker run -it)"
            checked={form.interactive}
            onChange={(e) => onChange({ interactive: e.currentTarget.checked })}
          />
        </Stack>
      </FormSection>

      {otherProblems.length > 0 ? (
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Also to fix">
          <Stack gap={4}>
            {otherProblems.map((p, i) => (
              <Text key={i} size="sm" className="sq-wrap">
                {p}
              </Text>
            ))}
          </Stack>
        </Alert>
      ) : null}
    </Stack>
  );
}
