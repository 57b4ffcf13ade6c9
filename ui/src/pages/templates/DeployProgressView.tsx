// A deploy as it happens: one panel per device with its step, the image pull layer by layer,
// its warnings, and how it ended. Devices go on independently: one failing does not stop
// the others.
import { Alert, Badge, Box, Button, Group, Loader, Paper, Progress, ScrollArea, Stack, Text } from "@mantine/core";
import { IconAlertTriangle, IconCheck, IconCircleCheck, IconExternalLink, IconInfoTriangle, IconX } from "@tabler/icons-react";
import { useEffect } from "react";
import { asSentence, formatBytes, shortId } from "../../lib/format";
import { progressCounts, pullFraction, type PullSummary, type TargetProgress } from "./deployProgress";
import { useDeployRun, watchDeploy } from "./deployRuns";
import type { DeployStep, LayerProgress } from "./types";

const STEPS: { step: DeployStep; label: string }[] = [
  { step: "checking", label: "Check" },
  { step: "pulling", label: "Pull" },
  { step: "creating", label: "Create" },
  { step: "starting", label: "Start" },
];

const STEP_TEXT: Record<DeployStep, string> = {
  checking: "Checking the device…",
  pulling: "Pulling the image…",
  creating: "Creating the container…",
  starting: "Starting the container…",
};

/** Tall enough for about eight layers; more scroll. */
const LAYERS_MAX_HEIGHT = 208;

interface Props {
  runId: number;
  /** "Show container" of a device where the deploy succeeded. */
  onShowContainer: (containerUuid: string | null) => void;
}

export function DeployProgressView({ runId, onShowContainer }: Props) {
  const run = useDeployRun(runId);
  // While shown, the end of the deploy needs no notification.
  useEffect(() => watchDeploy(runId), [runId]);
  if (!run) return null;
  const { progress } = run;
  const counts = progressCounts(progress);
  const total = progress.targets.length;

  return (
    <Stack gap="md" data-testid="deploy-progress" data-finished={progress.finished || undefined}>
      <Text size="sm" c="dimmed" aria-live="polite">
        {progress.finished
          ? counts.failed === 0
            ? total === 1
              ? `${run.title} is running.`
              : `${run.title} is running on all ${total} devices.`
            : `${counts.done} of ${total} ${total === 1 ? "device" : "devices"} succeeded, ${counts.failed} failed.`
          : `Deploying ${run.title} to ${total} ${total === 1 ? "device" : "devices"}… ` +
            "You may close this window: the deploy goes on."}
      </Text>
      {progress.error && progress.targets.length === 0 ? (
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="The deploy failed">
          <Text size="sm" className="sq-wrap">
            {progress.error}
          </Text>
        </Alert>
      ) : null}
      {progress.targets.map((t) => (
        <TargetPanel key={t.deviceUuid} target={t} onShowContainer={onShowContainer} />
      ))}
    </Stack>
  );
}

function StateBadge({ target }: { target: TargetProgress }) {
  if (target.state === "done") {
    return (
      <Badge color="green" variant="light" leftSection={<IconCircleCheck size={12} />}>
        Running
      </Badge>
    );
  }
  if (target.state === "failed") {
    return (
      <Badge color="red" variant="light" leftSection={<IconX size={12} />}>
        Failed
      </Badge>
    );
  }
  return (
    <Badge color="blue" variant="light" leftSection={<Loader size={10} color="blue" />}>
      {target.step ? STEP_TEXT[target.step].replace("…", "") : "Waiting"}
    </Badge>
  );
}

/** The four steps in a row: done ones ticked, the current one spinning (or crossed out if it failed). */
function StepStrip({ target }: { target: TargetProgress }) {
  const current = target.step ? STEPS.findIndex((s) => s.step === target.step) : -1;
  return (
    <Group gap="md" wrap="wrap" aria-label="Steps">
      {STEPS.map((s, i) => {
        const done = target.state === "done" || i < current;
        const here = i === current && target.state !== "done";
        const color = done ? "green" : here ? (target.state === "failed" ? "red" : "blue") : "dimmed";
        return (
          <Group key={s.step} gap={4} wrap="nowrap" data-step={s.step} data-current={here || undefined}>
            <Box c={color} style={{ display: "inline-flex" }}>
              {done ? (
                <IconCheck size={14} />
              ) : here && target.state === "failed" ? (
                <IconX size={14} />
              ) : here ? (
                <Loader size={12} />
              ) : (
                <Box w={14} h={14} style={{ borderRadius: "50%", border: "1.5px solid currentColor", opacity: 0.5 }} />
              )}
            </Box>
            <Text size="xs" c={color === "dimmed" ? "dimmed" : undefined} fw={here ? 600 : 400}>
              {s.label}
            </Text>
          </Group>
        );
      })}
    </Group>
  );
}

export function PullPanel({ pull }: { pull: PullSummary }) {
  const fraction = pullFraction(pull);
  const layers = pull.layers.length;
  return (
    <Stack gap={6}>
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="xs" c="dimmed" className="sq-ellipsis">
          {pull.status ?? (layers > 0 && pull.layersDone === layers ? "Image pulled" : "Pulling the image…")}
        </Text>
        <Text size="xs" c="dimmed" style={{ flexShrink: 0, fontVariantNumeric: "tabular-nums" }} data-testid="deploy-pull-total">
          {fraction !== null ? `${formatBytes(pull.bytesDone)} of ${formatBytes(pull.bytesTotal)} · ` : ""}
          {pull.layersDone} of {layers} {layers === 1 ? "layer" : "layers"}
        </Text>
      </Group>
      <Progress
        value={fraction !== null ? fraction * 100 : layers > 0 ? (pull.layersDone / layers) * 100 : 0}
        size="sm"
        animated={fraction === null || fraction < 1}
        aria-label="Pull progress"
      />
      {layers > 0 ? (
        <ScrollArea.Autosize mah={LAYERS_MAX_HEIGHT} type="auto" offsetScrollbars>
          <Box>
            {pull.layers.map((layer) => (
              <LayerRow key={layer.id} layer={layer} />
            ))}
          </Box>
        </ScrollArea.Autosize>
      ) : null}
    </Stack>
  );
}

function LayerRow({ layer }: { layer: LayerProgress }) {
  const known = layer.total != null && layer.total > 0 && layer.current != null;
  const value = layer.done ? 100 : known ? Math.min(100, ((layer.current ?? 0) / (layer.total ?? 1)) * 100) : 0;
  return (
    <div className="tpl-layer" data-testid="deploy-layer" data-layer={layer.id} data-done={layer.done || undefined}>
      <Text size="xs" ff="monospace" className="sq-ellipsis" title={layer.id}>
        {shortId(layer.id)}
      </Text>
      <Stack gap={2} style={{ minWidth: 0 }}>
        <Text size="xs" c={layer.done ? "dimmed" : undefined} className="sq-ellipsis">
          {layer.status}
        </Text>
        <Progress value={value} size={4} color={layer.done ? "green" : undefined} aria-hidden />
      </Stack>
      <Text size="xs" c="dimmed" ta="right" style={{ fontVariantNumeric: "tabular-nums" }}>
        {known && !layer.done ? `${formatBytes(layer.current)} / ${formatBytes(layer.total)}` : layer.done ? "done" : ""}
      </Text>
    </div>
  );
}

function TargetPanel({ target, onShowContainer }: { target: TargetProgress; onShowContainer: (uuid: string | null) => void }) {
  return (
    <Paper withBorder radius="md" p="md" data-testid="deploy-target" data-device={target.deviceUuid} data-state={target.state}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap">
          <Text fw={600} className="sq-ellipsis">
            {target.deviceName}
          </Text>
          <StateBadge target={target} />
        </Group>
        <StepStrip target={target} />
        {target.pull ? <PullPanel pull={target.pull} /> : null}
        {target.warnings.map((w, i) => (
          <Group key={i} gap={6} wrap="nowrap" align="flex-start" data-testid="deploy-warning">
            <Box c="yellow" mt={2} style={{ flexShrink: 0 }}>
              <IconInfoTriangle size={14} />
            </Box>
            <Text size="sm" className="sq-wrap">
              {asSentence(w)}
            </Text>
          </Group>
        ))}
        {target.state === "done" ? (
          <Group justify="space-between" gap="sm" wrap="wrap">
            <Text size="sm" c="dimmed">
              The container runs{target.engineId ? ` as ${shortId(target.engineId)}` : ""}.
            </Text>
            <Button
              size="xs"
              variant="light"
              rightSection={<IconExternalLink size={14} />}
              onClick={() => onShowContainer(target.containerUuid)}
              data-testid="deploy-show-container"
            >
              Show container
            </Button>
          </Group>
        ) : null}
        {target.state === "failed" ? (
          <Alert
            color="red"
            variant="light"
            icon={<IconAlertTriangle size={18} />}
            title="The deploy failed here"
            data-testid="deploy-error"
          >
            <Stack gap={4}>
              <Text size="sm" className="sq-wrap">
                {asSentence(target.error ?? "")}
              </Text>
              {target.cleanedUp.length > 0 ? (
                <Text size="xs" c="dimmed" className="sq-wrap">
                  Removed again: {target.cleanedUp.join("; ")}.
                </Text>
              ) : (
                <Text size="xs" c="dimmed">
                  Nothing had to be removed from the device.
                </Text>
              )}
            </Stack>
          </Alert>
        ) : null}
      </Stack>
    </Paper>
  );
}
