// The wizard's second step: what the checks found, per device, and the `docker run` line the
// deploy amounts to. Nothing is created until Deploy.
import { ActionIcon, Alert, Badge, Box, CopyButton, Group, Paper, Skeleton, Stack, Text, Tooltip } from "@mantine/core";
import { IconAlertTriangle, IconCheck, IconCircleCheck, IconCopy, IconInfoTriangle } from "@tabler/icons-react";
import { errorMessage } from "../../api/unwrap";
import { asSentence } from "../../lib/format";
import { FormSection } from "./FormSection";
import { fieldKeyOf, fieldLabel, type PlanFieldMap } from "./deployForm";
import type { DeployCheck, DeployPlanInput, PlanProblem } from "./types";

interface Props {
  check: DeployCheck | null;
  checking: boolean;
  error: unknown;
  plan: DeployPlanInput;
  map: PlanFieldMap;
}

export function ReviewStep({ check, checking, error, plan, map }: Props) {
  if (error != null && !checking) {
    return (
      <Alert
        color="red"
        variant="light"
        icon={<IconAlertTriangle size={18} />}
        title="Could not check the deploy"
        data-testid="review-error"
      >
        <Text size="sm" className="sq-wrap">
          {errorMessage(error)}
        </Text>
      </Alert>
    );
  }
  if (!check) {
    return (
      <Stack gap="sm" data-testid="review-loading">
        <Skeleton h={14} w="40%" />
        <Skeleton h={64} />
        <Skeleton h={14} w="30%" mt="md" />
        <Skeleton h={48} />
      </Stack>
    );
  }
  const envNames = plan.env.map((v) => v.name);
  const where = (p: PlanProblem) => (p.field === "device" ? "Device" : fieldLabel(fieldKeyOf(p.field, map, envNames)));

  return (
    <Stack gap="lg" data-testid="review" aria-busy={checking || undefined}>
      {check.problems.length > 0 ? (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          title="Fix these before deploying"
          data-testid="plan-problems"
        >
          <ProblemList problems={check.problems} where={where} />
          <Text size="xs" c="dimmed" mt="xs">
            Go back to change the fields.
          </Text>
        </Alert>
      ) : null}

      <FormSection title={check.targets.length === 1 ? "Device" : "Devices"}>
        {check.targets.length === 0 ? (
          <Text size="sm" c="red">
            Pick at least one device to deploy to.
          </Text>
        ) : null}
        {check.targets.map((t) => (
          <Paper key={t.deviceUuid} withBorder radius="sm" p="sm" data-testid="review-target" data-device={t.deviceUuid}>
            <Group justify="space-between" wrap="nowrap" mb={t.problems.length + t.warnings.length > 0 ? 6 : 0}>
              <Text fw={600} size="sm" className="sq-ellipsis">
                {t.deviceName}
              </Text>
              {t.problems.length > 0 ? (
                <Badge color="red" variant="light" leftSection={<IconAlertTriangle size={12} />}>
                  {t.problems.length === 1 ? "1 problem" : `${t.problems.length} problems`}
                </Badge>
              ) : (
                <Badge color="green" variant="light" leftSection={<IconCircleCheck size={12} />}>
                  Ready
                </Badge>
              )}
            </Group>
            <Stack gap={4}>
              <ProblemList problems={t.problems} where={where} />
              {t.warnings.map((w, i) => (
                <Group key={i} gap={6} wrap="nowrap" align="flex-start">
                  <Box c="yellow" mt={2} style={{ flexShrink: 0 }}>
                    <IconInfoTriangle size={14} />
                  </Box>
                  <Text size="sm" className="sq-wrap" data-testid="review-warning">
                    {asSentence(w)}
                  </Text>
                </Group>
              ))}
            </Stack>
          </Paper>
        ))}
      </FormSection>

      <FormSection title="Docker command" hint="What the deploy does on each device, as one docker run.">
        <Box pos="relative">
          <pre className="tpl-run-line" data-testid="run-line">
            {check.runLine}
          </pre>
          <Box pos="absolute" top={6} right={6}>
            <CopyButton value={check.runLine} timeout={1500}>
              {({ copied, copy }) => (
                <Tooltip label={copied ? "Copied" : "Copy"} withinPortal>
                  <ActionIcon
                    variant="subtle"
                    color={copied ? "teal" : "gray"}
                    onClick={copy}
                    aria-label="Copy the docker run line"
                    data-testid="run-line-copy"
                  >
                    {copied ? <IconCheck size={15} /> : <IconCopy size={15} />}
                  </ActionIcon>
                </Tooltip>
              )}
            </CopyButton>
          </Box>
        </Box>
      </FormSection>
    </Stack>
  );
}

function ProblemList({ problems, where }: { problems: readonly PlanProblem[]; where: (p: PlanProblem) => string }) {
  return (
    <>
      {problems.map((p, i) => (
        <Group key={i} gap={6} wrap="nowrap" align="flex-start" data-testid="review-problem">
          <Text size="sm" fw={600} style={{ flexShrink: 0 }}>
            {where(p)}:
          </Text>
          <Text size="sm" className="sq-wrap">
            {asSentence(p.message)}
          </Text>
        </Group>
      ))}
    </>
  );
}
