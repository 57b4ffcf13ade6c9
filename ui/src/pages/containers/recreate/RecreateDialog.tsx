// The safe update, the edit and the roll back of one container: what will happen, then each
// step as it happens (the pull layer by layer, the gate's countdown), then how it ended,
// with the failed container's last lines when it was rolled back.
import {
  ActionIcon,
  Alert,
  Button,
  Code,
  Group,
  Loader,
  Modal,
  NumberInput,
  ScrollArea,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { IconAlertTriangle, IconArrowBackUp, IconCheck, IconCircleCheck, IconInfoCircle, IconPlus, IconTrash } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { Channel } from "@tauri-apps/api/core";
import { useEffect, useState } from "react";
import { useContainerInspect, useKeepHours, useKeptImages, useUpdateFindings, useUpdates } from "../../../api/queries";
import { queryKeys } from "../../../api/queryKeys";
import type { Container } from "../../../api/types";
import { call, errorMessage } from "../../../api/unwrap";
import {
  commands,
  type ContainerEdits_Deserialize as ContainerEdits,
  type GateSettings,
  type RecreateStep_Deserialize,
  type RecreateStep_Serialize as RecreateStep,
} from "../../../bindings";
import { containerLabel, formatUnixSeconds } from "../../../lib/format";
import { PullPanel } from "../../templates/DeployProgressView";
import { updateSentence } from "../UpdateBadge";
import { GateWindow, gateOf } from "./GateWindow";
import {
  applyStep,
  editsFrom,
  formFrom,
  noEdits,
  outcomeText,
  START,
  targetImage,
  type EditForm,
  type RunView,
  type StepName,
} from "./recreateRun";

export type RecreateMode = "update" | "edit" | "rollback";

export interface RecreateTarget {
  container: Container;
  mode: RecreateMode;
}

const STEP_LABELS: { step: StepName; label: string }[] = [
  { step: "pulling", label: "Pull the image" },
  { step: "stopping", label: "Stop the container and set it aside" },
  { step: "creating", label: "Create the new container" },
  { step: "starting", label: "Start it" },
  { step: "checking", label: "Watch it (health gate)" },
];

const TITLES: Record<RecreateMode, string> = {
  update: "Update",
  edit: "Edit and recreate",
  rollback: "Roll back",
};

/** One dialog for the three: the caller says which, for which container. */
export function RecreateDialog({ target, onClose }: { target: RecreateTarget | null; onClose: () => void }) {
  // Keep the last target while the dialog fades out.
  const [shown, setShown] = useState(target);
  if (target !== null && target !== shown) setShown(target);
  return (
    <Modal
      opened={target !== null}
      onClose={onClose}
      size="lg"
      title={shown ? `${TITLES[shown.mode]} ${containerLabel(shown.container)}` : ""}
      data-testid="recreate-dialog"
    >
      {shown ? <RecreateBody key={`${shown.container.uuid}/${shown.mode}`} target={shown} onClose={onClose} /> : null}
    </Modal>
  );
}

function RecreateBody({ target, onClose }: { target: RecreateTarget; onClose: () => void }) {
  const { container, mode } = target;
  const client = useQueryClient();
  const finding = useUpdateFindings().get(container.uuid);
  // The update's target comes from the last check: nothing starts before it is read.
  const checkRead = useUpdates().isSuccess;
  const kept = useKeptImages().data?.find((k) => k.deviceUuid === container.deviceUuid && k.container === container.name);
  const keepHours = useKeepHours().data ?? null;
  const inspect = useContainerInspect(mode === "edit" ? container.uuid : null);
  const [windowSecs, setWindowSecs] = useState("30");
  const [run, setRun] = useState<RunView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [before, setBefore] = useState<EditForm | null>(null);
  const [form, setForm] = useState<EditForm | null>(null);
  useEffect(() => {
    if (inspect.data && before === null) {
      const f = formFrom(inspect.data);
      setBefore(f);
      setForm(f);
    }
  }, [inspect.data, before]);

  // What the update was about is kept from its start: the finding goes once it is done.
  const [started, setStarted] = useState<{ sentence: string; image: string } | null>(null);
  const image = started?.image ?? (mode === "update" ? targetImage(container.image, finding) : container.image);
  const sentence =
    started?.sentence ?? (finding ? updateSentence(finding, container.image) : null) ?? "Pull the image again and move to it if it changed.";
  const gate: GateSettings = gateOf(windowSecs);
  const edits: ContainerEdits | string | null = mode === "edit" && before && form ? editsFrom(before, form) : null;
  const running = run !== null && run.outcome === null;
  const done = run?.outcome ?? null;

  const start = async () => {
    setError(null);
    setStarted({ sentence, image });
    setRun(START);
    // The channel's type is the bindings' input side; what arrives is what the backend sends.
    const channel = new Channel<RecreateStep_Deserialize>();
    channel.onmessage = (step) => setRun((v) => applyStep(v ?? START, step as RecreateStep));
    try {
      const outcome =
        mode === "rollback"
          ? await call(commands.containerRollBack(container.uuid, gate, channel))
          : await call(
              commands.containerRecreate(
                {
                  containerUuid: container.uuid,
                  // The container's own reference unless a newer tag was found (what the
                  // table lists may be an image id once the reference has moved).
                  image: mode === "update" && image !== container.image ? image : null,
                  pull: mode === "update",
                  edits: typeof edits === "object" && edits !== null ? edits : { env: null, ports: null, limits: null, restartPolicy: null },
                  gate,
                },
                channel,
              ),
            );
      // The outcome also came as the last step; the reply makes sure it is shown.
      setRun((v) => (v?.outcome ? v : applyStep(v ?? START, { step: "done", outcome })));
    } catch (e) {
      setRun(null);
      setError(errorMessage(e));
    } finally {
      void client.invalidateQueries({ queryKey: queryKeys.keptImages });
      void client.invalidateQueries({ queryKey: queryKeys.images });
    }
  };

  const canStart =
    !running &&
    done === null &&
    ((mode === "update" && checkRead) || (mode === "rollback" && kept != null) || (mode === "edit" && typeof edits === "object" && edits !== null && !noEdits(edits)));

  return (
    <Stack gap="sm" data-testid="recreate-body" data-mode={mode}>
      {mode === "update" ? (
        <Stack gap={4}>
          <Text size="sm">{sentence}</Text>
          <Group gap="xs" wrap="nowrap">
            <Code className="sq-wrap" data-testid="recreate-from">
              {container.image}
            </Code>
            <Text size="sm">→</Text>
            <Code className="sq-wrap" data-testid="recreate-to">
              {image}
            </Code>
          </Group>
        </Stack>
      ) : null}
      {mode === "rollback" ? (
        kept ? (
          <Text size="sm">
            Back to the image {container.name} ran before its update{kept.keptAt != null ? ` on ${formatUnixSeconds(kept.keptAt / 1000)}` : ""}, kept as{" "}
            <Code>{kept.tag}</Code>. The container keeps its settings of now.
          </Text>
        ) : (
          <Alert color="gray" icon={<IconInfoCircle size={16} />}>
            No previous image of {container.name} is kept: there is nothing to roll back to.
          </Alert>
        )
      ) : null}
      {mode === "edit" ? (
        form ? (
          <EditFields form={form} onChange={setForm} disabled={running || done !== null} />
        ) : inspect.isError ? (
          <Alert color="red" icon={<IconAlertTriangle size={16} />}>
            {errorMessage(inspect.error)}
          </Alert>
        ) : (
          <Group gap="xs">
            <Loader size="xs" />
            <Text size="sm" c="dimmed">
              Reading the container's settings…
            </Text>
          </Group>
        )
      ) : null}
      {typeof edits === "string" ? (
        <Text size="sm" c="red" data-testid="recreate-invalid">
          {edits}
        </Text>
      ) : null}

      {run === null ? (
        <GateWindow value={windowSecs} onChange={setWindowSecs} testId="recreate-window" />
      ) : (
        <Steps run={run} mode={mode} />
      )}

      {error ? (
        <Alert color="red" icon={<IconAlertTriangle size={16} />} data-testid="recreate-error">
          {error}
        </Alert>
      ) : null}
      {done ? <Outcome run={run as RunView} keepHours={keepHours} /> : null}

      <Group justify="flex-end" gap="xs">
        <Button variant="default" onClick={onClose} data-testid="recreate-close">
          {done ? "Close" : running ? "Hide (it goes on)" : "Cancel"}
        </Button>
        {done === null ? (
          <Button
            onClick={() => void start()}
            disabled={!canStart}
            loading={running}
            leftSection={mode === "rollback" ? <IconArrowBackUp size={14} /> : undefined}
            data-testid="recreate-start"
          >
            {mode === "update" ? "Update" : mode === "edit" ? "Recreate" : "Roll back"}
          </Button>
        ) : null}
      </Group>
    </Stack>
  );
}

function Steps({ run, mode }: { run: RunView; mode: RecreateMode }) {
  const steps = STEP_LABELS.filter((s) => s.step !== "pulling" || mode === "update");
  return (
    <Stack gap={6} data-testid="recreate-steps" data-step={run.step ?? "none"} aria-live="polite">
      {steps.map(({ step, label }) => {
        const passed = run.passed.includes(step);
        const current = run.step === step;
        return (
          <Group key={step} gap="xs" wrap="nowrap" data-testid={`recreate-step-${step}`} data-state={passed ? "done" : current ? "current" : "waiting"}>
            {passed ? (
              <IconCheck size={14} color="var(--mantine-color-teal-6)" aria-label="done" />
            ) : current ? (
              <Loader size={12} />
            ) : (
              <span style={{ width: 14, display: "inline-block" }} />
            )}
            <Text size="sm" c={passed || current ? undefined : "dimmed"}>
              {label}
              {current && step === "checking" && run.seconds != null
                ? ` — ${run.health === "starting" ? "waiting for its healthcheck" : "running"}, at most ${run.seconds} s more`
                : ""}
            </Text>
          </Group>
        );
      })}
      {run.pull && mode === "update" ? <PullPanel pull={run.pull} /> : null}
      {run.rollingBack ? (
        <Text size="sm" c="orange">
          Rolling back: {run.rollingBack}.
        </Text>
      ) : null}
    </Stack>
  );
}

function Outcome({ run, keepHours }: { run: RunView; keepHours: number | null }) {
  const outcome = run.outcome;
  if (!outcome) return null;
  const t = outcomeText(outcome, keepHours == null ? null : Math.round(keepHours / 24));
  return (
    <Alert
      color={t.color}
      title={t.title}
      icon={t.color === "teal" ? <IconCircleCheck size={18} /> : t.color === "gray" ? <IconInfoCircle size={18} /> : <IconAlertTriangle size={18} />}
      data-testid="recreate-outcome"
      data-result={outcome.result.kind}
    >
      <Stack gap="xs">
        <Text size="sm" className="sq-wrap">
          {t.text}
        </Text>
        {outcome.lastLines.length > 0 ? (
          <>
            <Text size="xs" c="dimmed">
              The new container's last lines:
            </Text>
            <ScrollArea.Autosize mah={180} type="auto">
              <Code block data-testid="recreate-last-lines">
                {outcome.lastLines.join("\n")}
              </Code>
            </ScrollArea.Autosize>
          </>
        ) : null}
      </Stack>
    </Alert>
  );
}

const POLICY_CHOICES = [
  { value: "no", label: "Never" },
  { value: "always", label: "Always" },
  { value: "on-failure", label: "On failure" },
  { value: "unless-stopped", label: "Unless stopped" },
];

/** The settings "edit and recreate" changes: environment, published ports, limits, restart. */
function EditFields({ form, onChange, disabled }: { form: EditForm; onChange: (f: EditForm) => void; disabled: boolean }) {
  const setEnv = (i: number, key: "name" | "value", v: string) =>
    onChange({ ...form, env: form.env.map((e, k) => (k === i ? { ...e, [key]: v } : e)) });
  const setPort = (i: number, key: "hostPort" | "containerPort", v: number | null) =>
    onChange({ ...form, ports: form.ports.map((p, k) => (k === i ? { ...p, [key]: v } : p)) });
  return (
    <Stack gap="sm" data-testid="recreate-edit">
      <Text size="sm" fw={500}>
        Environment
      </Text>
      <ScrollArea.Autosize mah={220} type="auto">
        <Table withRowBorders={false} verticalSpacing={2}>
          <Table.Tbody>
            {form.env.map((e, i) => (
              <Table.Tr key={i} data-testid="recreate-env-row">
                <Table.Td w="40%">
                  <TextInput size="xs" value={e.name} disabled={disabled} onChange={(ev) => setEnv(i, "name", ev.currentTarget.value)} aria-label="Variable name" spellCheck={false} data-testid="recreate-env-name" />
                </Table.Td>
                <Table.Td>
                  <TextInput size="xs" value={e.value} disabled={disabled} onChange={(ev) => setEnv(i, "value", ev.currentTarget.value)} aria-label={`Value of ${e.name}`} spellCheck={false} data-testid="recreate-env-value" />
                </Table.Td>
                <Table.Td w={36}>
                  <ActionIcon variant="subtle" color="gray" disabled={disabled} aria-label={`Remove ${e.name}`} onClick={() => onChange({ ...form, env: form.env.filter((_, k) => k !== i) })}>
                    <IconTrash size={14} />
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea.Autosize>
      <Group>
        <Button size="xs" variant="subtle" leftSection={<IconPlus size={14} />} disabled={disabled} onClick={() => onChange({ ...form, env: [...form.env, { name: "", value: "" }] })} data-testid="recreate-env-add">
          Add a variable
        </Button>
      </Group>
      <Text size="sm" fw={500}>
        Published ports
      </Text>
      {form.ports.map((p, i) => (
        <Group key={i} gap="xs" wrap="nowrap" data-testid="recreate-port-row">
          <NumberInput size="xs" w={110} min={1} max={65535} value={p.hostPort ?? ""} disabled={disabled} onChange={(v) => setPort(i, "hostPort", typeof v === "number" ? v : null)} aria-label="Host port" />
          <Text size="sm">→</Text>
          <NumberInput size="xs" w={110} min={1} max={65535} value={p.containerPort} disabled={disabled} onChange={(v) => setPort(i, "containerPort", typeof v === "number" ? v : 0)} aria-label="Container port" />
          <Text size="sm" c="dimmed">
            {p.protocol}
            {p.hostIp ? ` on ${p.hostIp}` : ""}
          </Text>
          <ActionIcon variant="subtle" color="gray" disabled={disabled} aria-label="Remove this port" onClick={() => onChange({ ...form, ports: form.ports.filter((_, k) => k !== i) })}>
            <IconTrash size={14} />
          </ActionIcon>
        </Group>
      ))}
      <Group>
        <Button size="xs" variant="subtle" leftSection={<IconPlus size={14} />} disabled={disabled} onClick={() => onChange({ ...form, ports: [...form.ports, { hostIp: null, hostPort: null, containerPort: 80, protocol: "tcp" }] })}>
          Publish a port
        </Button>
      </Group>
      <Group grow>
        <TextInput size="xs" label="Memory limit (MiB)" placeholder="no limit" value={form.memoryMib} disabled={disabled} onChange={(e) => onChange({ ...form, memoryMib: e.currentTarget.value })} data-testid="recreate-memory" />
        <TextInput size="xs" label="CPUs" placeholder="no limit" value={form.cpus} disabled={disabled} onChange={(e) => onChange({ ...form, cpus: e.currentTarget.value })} data-testid="recreate-cpus" />
        <Select size="xs" label="Restart" data={POLICY_CHOICES} value={form.restartPolicy} disabled={disabled} allowDeselect={false} onChange={(v) => onChange({ ...form, restartPolicy: (v as EditForm["restartPolicy"]) ?? form.restartPolicy })} />
      </Group>
    </Stack>
  );
}
