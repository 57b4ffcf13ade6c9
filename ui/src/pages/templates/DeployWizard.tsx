// The deploy wizard: configure the container (pre-filled from the template), review what the
// checks found and the `docker run` line, then deploy and follow each device's progress.
import { Alert, Button, Group, Modal, ScrollArea, Skeleton, Stack, Stepper, Text } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { IconAlertTriangle, IconArrowLeft, IconArrowRight, IconRefresh, IconRocket } from "@tabler/icons-react";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import "./templates.css";
import { useDevices, useNetworks } from "../../api/queries";
import { call } from "../../api/unwrap";
import { commands } from "../../bindings";
import { templateKeys } from "./catalogue";
import { ConfigureStep } from "./ConfigureStep";
import {
  checkBlocks,
  checkErrors,
  formFromPlan,
  formToPlan,
  unplacedErrors,
  type DeployForm,
  type FieldErrors,
} from "./deployForm";
import { DeployProgressView } from "./DeployProgressView";
import { FULL_HEIGHT } from "./FormSection";
import { startDeploy } from "./deployRuns";
import { noteToText } from "./noteText";
import { ReviewStep } from "./ReviewStep";
import { defaultTargets } from "./TargetPicker";
import { TemplateLogo } from "./TemplateLogo";
import type { DeployCheck, DeployPlan, DeployPlanInput, PullPolicy, Template } from "./types";
import { containerLink } from "./links";
import { isDockerDevice } from "../../lib/containerKinds";

/** Wide enough for a port row (address, two ports, protocol) without wrapping. */
const WIZARD_WIDTH = 880;
/** Checks while editing wait for the typing to pause this long. */
const CHECK_DEBOUNCE_MS = 400;
/** Networks every engine has, offered with the devices' own. */
const BUILTIN_NETWORKS = ["bridge", "host", "none"];

/** What the wizard is opened with: a template, and a key naming it for the plan query. */
export interface WizardRequest {
  template: Template;
  /** The catalogue entry's key, or "new" for a blank container. */
  key: string;
}

function checkKey(targets: readonly string[], plan: DeployPlanInput) {
  return [...templateKeys.all, "deployCheck", targets, plan] as const;
}

/**
 * The wizard in its modal. `request` stays set while the modal closes (so its content does
 * not vanish mid-transition); give the wizard a fresh `key` per opening so it starts clean.
 */
export function DeployWizard({
  opened,
  request,
  onClose,
}: {
  opened: boolean;
  request: WizardRequest | null;
  onClose: () => void;
}) {
  const template = request?.template;
  return (
    <Modal.Root
      opened={opened && request !== null}
      onClose={onClose}
      size={WIZARD_WIDTH}
      centered
      closeOnClickOutside={false}
      styles={FULL_HEIGHT}
    >
      <Modal.Overlay backgroundOpacity={0.4} blur={1} />
      <Modal.Content data-testid="wizard">
        <Modal.Header>
          <Modal.Title>
            {template ? (
              <Group gap="sm" wrap="nowrap">
                <TemplateLogo url={template.logo} title={template.title} size={28} />
                <Text fw={600} className="sq-ellipsis">
                  {request?.key === "new" ? "New container" : `Deploy ${template.title}`}
                </Text>
              </Group>
            ) : null}
          </Modal.Title>
          <Modal.CloseButton aria-label="Close the wizard" />
        </Modal.Header>
        <Modal.Body>
          {request ? <PlanLoader request={request} onClose={onClose} /> : null}
        </Modal.Body>
      </Modal.Content>
    </Modal.Root>
  );
}

/** Asks the backend for the template's plan, then shows the wizard filled from it. */
function PlanLoader({ request, onClose }: { request: WizardRequest; onClose: () => void }) {
  const plan = useQuery({
    queryKey: templateKeys.plan(request.key),
    queryFn: () => call(commands.templatePlan(request.template, {})),
    staleTime: 0,
    gcTime: 0,
  });
  if (plan.isPending) {
    return (
      <Stack gap="sm" p="md" data-testid="wizard-loading">
        <Skeleton h={28} />
        <Skeleton h={12} w="30%" mt="md" />
        <Skeleton h={36} />
        <Skeleton h={12} w="30%" mt="md" />
        <Skeleton h={120} />
      </Stack>
    );
  }
  if (plan.isError) {
    return (
      <Stack p="md">
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          title="This template cannot be deployed"
          data-testid="wizard-plan-error"
        >
          <Text size="sm" className="sq-wrap">
            {plan.error.message}
          </Text>
        </Alert>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
        </Group>
      </Stack>
    );
  }
  return <WizardBody template={request.template} plan={plan.data} onClose={onClose} />;
}

interface ReviewState {
  check: DeployCheck | null;
  /** The plan and targets the check was made for. */
  plan: DeployPlanInput | null;
  targets: readonly string[];
  error: unknown;
  checking: boolean;
}

function WizardBody({ template, plan: initialPlan, onClose }: { template: Template; plan: DeployPlan; onClose: () => void }) {
  const queryClient = useQueryClient();
  const devices = useDevices();
  const allNetworks = useNetworks();
  const [step, setStep] = useState(0);
  const [form, setForm] = useState<DeployForm>(() => formFromPlan(template, initialPlan));
  // Null until the user picks: the default follows the devices as they load.
  const [pickedTargets, setPickedTargets] = useState<string[] | null>(null);
  const [pull, setPull] = useState<PullPolicy>("always");
  const [showErrors, setShowErrors] = useState(false);
  const [review, setReview] = useState<ReviewState>({
    check: null,
    plan: null,
    targets: [],
    error: null,
    checking: false,
  });
  const [runId, setRunId] = useState<number | null>(null);
  const reviewSerial = useRef(0);
  const formId = useId();

  // Templates deploy Docker containers: a Proxmox cluster is no target.
  const deviceList = useMemo(() => (devices.data ?? []).filter(isDockerDevice), [devices.data]);
  const targets = useMemo(() => pickedTargets ?? defaultTargets(deviceList), [pickedTargets, deviceList]);
  const { plan, errors: formErrors, map } = useMemo(() => formToPlan(form), [form]);
  const note = useMemo(() => noteToText(template.note), [template.note]);

  const networks = useMemo(() => {
    const names = new Set(BUILTIN_NETWORKS);
    for (const n of allNetworks.data ?? []) if (targets.includes(n.deviceUuid)) names.add(n.name);
    return [...names].sort();
  }, [allNetworks.data, targets]);

  // Checked while editing (after a pause), so problems show next to their fields.
  const [debouncedPlan] = useDebouncedValue(plan, CHECK_DEBOUNCE_MS);
  const live = useQuery({
    queryKey: checkKey(targets, debouncedPlan),
    queryFn: () => call(commands.deployCheck(targets, debouncedPlan)),
    placeholderData: keepPreviousData,
    enabled: step === 0,
    staleTime: 0,
  });

  const ownErrors: FieldErrors = useMemo(
    () => (targets.length === 0 ? { ...formErrors, targets: ["pick at least one device to deploy to"] } : formErrors),
    [formErrors, targets.length],
  );
  // The check made by Next is the newest for this very plan; else the one made while typing.
  const latestCheck = review.plan === plan && review.targets === targets && review.check ? review.check : live.data;
  const errors = useMemo(
    () => (showErrors ? checkErrors(latestCheck, plan, map, ownErrors) : {}),
    [showErrors, latestCheck, plan, map, ownErrors],
  );

  // After a refused Next, the first field in error comes into view with the focus.
  const scrollRef = useRef<HTMLDivElement>(null);
  const [focusRequest, setFocusRequest] = useState(0);
  useEffect(() => {
    if (focusRequest === 0) return;
    const field = scrollRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    // (jsdom has no scrollIntoView.)
    field?.scrollIntoView?.({ block: "center" });
    field?.focus({ preventScroll: true });
  }, [focusRequest]);

  const update = (patch: Partial<DeployForm>) => setForm((f) => ({ ...f, ...patch }));

  const runCheck = async (): Promise<DeployCheck | null> => {
    const serial = ++reviewSerial.current;
    setReview((r) => ({ ...r, checking: true, error: null }));
    try {
      const check = await queryClient.fetchQuery({
        queryKey: checkKey(targets, plan),
        queryFn: () => call(commands.deployCheck(targets, plan)),
        staleTime: 0,
      });
      if (serial === reviewSerial.current) setReview({ check, plan, targets, error: null, checking: false });
      return check;
    } catch (e) {
      if (serial === reviewSerial.current) setReview({ check: null, plan, targets, error: e, checking: false });
      return null;
    }
  };

  const next = async () => {
    setShowErrors(true);
    if (Object.keys(ownErrors).length > 0) {
      setFocusRequest((n) => n + 1);
      return;
    }
    const check = await runCheck();
    // Problems of the plan itself are fixed here; those of a device are reviewed first.
    if (check && check.problems.length > 0) {
      setFocusRequest((n) => n + 1);
      return;
    }
    setStep(1);
  };

  const deploy = () => {
    if (!review.check || checkBlocks(review.check) || targets.length === 0) return;
    const names = new Map(deviceList.map((d) => [d.device.uuid, d.device.name]));
    const id = startDeploy({
      title: plan.name,
      targets: targets.map((uuid) => ({ deviceUuid: uuid, deviceName: names.get(uuid) ?? uuid })),
      plan,
      pull,
    });
    setRunId(id);
    setStep(2);
  };

  const showContainer = (containerUuid: string | null) => {
    onClose();
    window.location.hash = containerLink(containerUuid);
  };

  const blocked = !review.check || checkBlocks(review.check) || review.checking || targets.length === 0;
  const unplaced = unplacedErrors(errors);
  const refused = showErrors && step === 0 && (Object.keys(ownErrors).length > 0 || (latestCheck?.problems.length ?? 0) > 0);

  return (
    <>
      <Stepper
        active={step}
        size="sm"
        px="md"
        pt="xs"
        pb="sm"
        allowNextStepsSelect={false}
        onStepClick={(s) => (s < step && step < 2 ? setStep(s) : undefined)}
      >
        <Stepper.Step label="Configure" description="The container" />
        <Stepper.Step label="Review" description="Checks and command" />
        <Stepper.Step label="Deploy" description="Progress" />
      </Stepper>
      <ScrollArea key={step} viewportRef={scrollRef} style={{ flex: 1, minHeight: 0 }} type="auto" px="md" offsetScrollbars>
        <form
          id={formId}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (step === 0) void next();
            else if (step === 1) deploy();
          }}
        >
          <Stack pb="md">
            {step === 0 ? (
              <ConfigureStep
                form={form}
                errors={errors}
                note={note}
                devices={deviceList}
                targets={targets}
                pull={pull}
                networks={networks}
                otherProblems={unplaced}
                onChange={update}
                onTargets={setPickedTargets}
                onPull={setPull}
              />
            ) : step === 1 ? (
              <ReviewStep check={review.check} checking={review.checking} error={review.error} plan={plan} map={map} />
            ) : runId !== null ? (
              <DeployProgressView runId={runId} onShowContainer={showContainer} />
            ) : null}
          </Stack>
        </form>
      </ScrollArea>
      <Group justify="space-between" gap="xs" px="md" py="sm" style={{ borderTop: "1px solid var(--sq-border)" }}>
        {step === 0 ? (
          <>
            <Button variant="default" onClick={onClose} data-testid="wizard-cancel">
              Cancel
            </Button>
            <Group gap="xs">
              {refused ? (
                <Text size="sm" c="red" data-testid="wizard-fix">
                  Fix the fields marked in red.
                </Text>
              ) : null}
              <Button
                type="submit"
                form={formId}
                rightSection={<IconArrowRight size={16} />}
                loading={review.checking}
                data-testid="wizard-next"
              >
                Next
              </Button>
            </Group>
          </>
        ) : step === 1 ? (
          <>
            <Button
              variant="default"
              leftSection={<IconArrowLeft size={16} />}
              onClick={() => setStep(0)}
              data-testid="wizard-back"
            >
              Back
            </Button>
            <Group gap="xs">
              <Button
                variant="default"
                leftSection={<IconRefresh size={16} />}
                onClick={() => void runCheck()}
                loading={review.checking}
              >
                Check again
              </Button>
              <Button
                type="submit"
                form={formId}
                leftSection={<IconRocket size={16} />}
                disabled={blocked}
                data-testid="wizard-deploy"
              >
                {targets.length > 1 ? `Deploy to ${targets.length} devices` : "Deploy"}
              </Button>
            </Group>
          </>
        ) : (
          <>
            <span />
            <Button onClick={onClose} data-testid="wizard-close">
              Close
            </Button>
          </>
        )}
      </Group>
    </>
  );
}
