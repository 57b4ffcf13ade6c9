// The deploys of this session, reachable after their wizard was closed: a header button
// (with how many still run) that opens their progress.
import { Badge, Button, Divider, Group, Loader, Modal, Stack, Text } from "@mantine/core";
import { IconRocket } from "@tabler/icons-react";
import { Fragment, useState } from "react";
import { dismissDeploy, useDeployRuns } from "./deployRuns";
import { DeployProgressView } from "./DeployProgressView";

export function DeploysButton({ onShowContainer }: { onShowContainer: (containerUuid: string | null) => void }) {
  const runs = useDeployRuns();
  const [opened, setOpened] = useState(false);
  if (runs.length === 0) return null;
  const running = runs.filter((r) => !r.progress.finished).length;
  const finished = runs.length - running;
  const newestFirst = [...runs].reverse();

  return (
    <>
      <Button
        size="xs"
        variant="default"
        leftSection={running > 0 ? <Loader size={12} /> : <IconRocket size={14} />}
        rightSection={
          running > 0 ? (
            <Badge size="xs" circle>
              {running}
            </Badge>
          ) : null
        }
        onClick={() => setOpened(true)}
        data-testid="deploys-open"
      >
        Deploys
      </Button>
      <Modal opened={opened} onClose={() => setOpened(false)} title={<Text fw={600}>Deploys</Text>} size="xl" centered>
        <Stack gap="md">
          {newestFirst.map((run, i) => (
            <Fragment key={run.id}>
              {i > 0 ? <Divider /> : null}
              <Group justify="space-between" wrap="nowrap">
                <Text fw={600} className="sq-ellipsis">
                  {run.title}
                </Text>
                <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
                  Started {new Date(run.startedAt).toLocaleTimeString()}
                </Text>
              </Group>
              <DeployProgressView
                runId={run.id}
                onShowContainer={(containerUuid) => {
                  setOpened(false);
                  onShowContainer(containerUuid);
                }}
              />
            </Fragment>
          ))}
          {finished > 0 ? (
            <Group justify="flex-end">
              <Button
                size="xs"
                variant="default"
                onClick={() => {
                  for (const run of runs) if (run.progress.finished) dismissDeploy(run.id);
                  if (running === 0) setOpened(false);
                }}
              >
                Clear finished
              </Button>
            </Group>
          ) : null}
        </Stack>
      </Modal>
    </>
  );
}
