import { Alert, Button, Group, Modal, Stack, Stepper, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { IconAlertTriangle, IconCircleCheck } from "@tabler/icons-react";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { queryKeys } from "../../api/queryKeys";
import type { Device, HostKeyPrompt } from "../../api/types";
import { call, CommandError, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import {
  describeConnection,
  emptyForm,
  formFromDevice,
  formToConnection,
  storedSecretFor,
  toDevicePatch,
  toNewDevice,
  validateForm,
  type DeviceForm,
} from "./deviceForm";
import { DetailsStep } from "./DetailsStep";
import { HostKeyDialog } from "./HostKeyDialog";
import { KindStep } from "./KindStep";
import { TestStep, type ProbeState } from "./TestStep";

/** Fields that only name or schedule the device: changing them keeps a connection test valid. */
const NON_CONNECTION_FIELDS: ReadonlySet<keyof DeviceForm> = new Set([
  "name",
  "resyncIntervalSecs",
  "statsIntervalSecs",
]);

interface Props {
  opened: boolean;
  /** The device to edit; null adds a new one. */
  editing: Device | null;
  onClose: () => void;
}

/** The add / edit device dialog. Mount it with a fresh `key` per opening so it starts clean. */
export function DeviceWizard({ opened, editing, onClose }: Props) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={<Text fw={600}>{editing ? `Edit ${editing.name}` : "Add a device"}</Text>}
      size="lg"
      centered
      closeOnClickOutside={false}
    >
      <WizardBody editing={editing} onClose={onClose} />
    </Modal>
  );
}

function WizardBody({ editing, onClose }: { editing: Device | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [step, setStep] = useState(editing ? 1 : 0);
  const [form, setForm] = useState<DeviceForm>(() => (editing ? formFromDevice(editing) : emptyForm()));
  const [showErrors, setShowErrors] = useState(false);
  const [probe, setProbe] = useState<ProbeState>({ status: "idle" });
  const [hostKey, setHostKey] = useState<HostKeyPrompt | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const testSerial = useRef(0);
  const formRef = useRef<HTMLFormElement>(null);
  const firstStep = useRef(true);

  // Keyboard users land on the new step's first control, not on the page behind the dialog.
  useEffect(() => {
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    formRef.current?.querySelector<HTMLElement>("[data-autofocus]")?.focus();
  }, [step]);

  const hasStoredSecret = storedSecretFor(editing?.connection, form);
  const errors = validateForm(form, { hasStoredSecret });
  const valid = Object.keys(errors).length === 0;
  const shown = showErrors ? errors : {};

  const update = (patch: Partial<DeviceForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setSaveError(null);
    if (Object.keys(patch).some((k) => !NON_CONNECTION_FIELDS.has(k as keyof DeviceForm))) {
      testSerial.current++;
      setProbe({ status: "idle" });
    }
  };

  const next = () => {
    if (step === 0) {
      setStep(1);
    } else if (step === 1) {
      if (!valid) {
        setShowErrors(true);
        return;
      }
      setStep(2);
    }
  };

  const runTest = async () => {
    if (!valid) {
      setShowErrors(true);
      setStep(1);
      return;
    }
    const serial = ++testSerial.current;
    const { connection, secret } = formToConnection(form);
    setProbe({ status: "testing" });
    try {
      // Editing: the backend tests with the device's stored secret when it still applies.
      const result = await call(commands.deviceTestConnection(connection, secret, editing?.uuid ?? null));
      if (serial === testSerial.current) setProbe({ status: "ok", probe: result });
    } catch (e) {
      if (serial !== testSerial.current) return;
      const code = e instanceof CommandError ? e.code : undefined;
      const key = e instanceof CommandError ? e.hostKey : null;
      setProbe({ status: "error", message: errorMessage(e), code, hostKey: key });
      if (code === "host_key_unknown" && key) setHostKey(key);
    }
  };

  const approveHostKey = async (prompt: HostKeyPrompt) => {
    await call(commands.deviceTrustHostKey(prompt));
    setHostKey(null);
    void runTest();
  };

  const save = async () => {
    if (!valid) {
      setShowErrors(true);
      setStep(1);
      return;
    }
    if (saving) return;
    setSaving(true);
    setSaveError(null);
    try {
      let saved: Device;
      if (editing) {
        const { patch, secret } = toDevicePatch(form);
        saved = await call(commands.deviceUpdate(editing.uuid, patch, secret));
      } else {
        const { device, secret } = toNewDevice(form);
        saved = await call(commands.deviceAdd(device, secret));
      }
      notifications.show({
        color: "green",
        title: editing ? "Device saved" : "Device added",
        message: `${saved.name}: ${describeConnection(saved.connection)}`,
      });
      void queryClient.invalidateQueries({ queryKey: queryKeys.devices });
      void queryClient.invalidateQueries({ queryKey: queryKeys.containers });
      onClose();
    } catch (e) {
      setSaveError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (step < 2) next();
    else if (probe.status === "ok") void save();
    else if (probe.status !== "testing") void runTest();
  };

  return (
    <>
    <form ref={formRef} onSubmit={submit} noValidate data-testid="device-wizard">
      <Stack gap="lg">
        <Stepper
          active={step}
          onStepClick={(s) => (s < step ? setStep(s) : undefined)}
          allowNextStepsSelect={false}
          size="sm"
        >
          <Stepper.Step label="Kind" description="How to reach it">
            <KindStep kind={form.kind} onChange={(kind) => update({ kind })} />
          </Stepper.Step>
          <Stepper.Step label="Details" description="Address and login">
            <DetailsStep
              form={form}
              errors={shown}
              editing={editing !== null}
              hasStoredSecret={hasStoredSecret}
              onChange={update}
            />
          </Stepper.Step>
          <Stepper.Step label="Test" description="Connect once">
            <TestStep
              form={form}
              probe={probe}
              onTest={() => void runTest()}
              onReviewHostKey={(k) => setHostKey(k)}
            />
          </Stepper.Step>
        </Stepper>

        {saveError ? (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Could not save the device" data-testid="save-error">
            <Text size="sm" className="sq-wrap">
              {saveError}
            </Text>
          </Alert>
        ) : null}

        <Group justify="space-between" gap="xs">
          <Button variant="default" onClick={onClose} data-testid="wizard-cancel">
            Cancel
          </Button>
          <Group gap="xs">
            {step > 0 ? (
              <Button variant="default" onClick={() => setStep(step - 1)} data-testid="wizard-back">
                Back
              </Button>
            ) : null}
            {step < 2 ? (
              <Button type="submit" data-testid="wizard-next">
                Next
              </Button>
            ) : (
              <>
                {probe.status !== "ok" ? (
                  <Button
                    variant="default"
                    onClick={() => void save()}
                    loading={saving}
                    disabled={probe.status === "testing"}
                    data-testid="save-device-untested"
                  >
                    Save without testing
                  </Button>
                ) : null}
                <Button
                  type={probe.status === "ok" ? "submit" : "button"}
                  onClick={probe.status === "ok" ? undefined : () => void save()}
                  disabled={probe.status !== "ok"}
                  loading={saving && probe.status === "ok"}
                  leftSection={<IconCircleCheck size={16} />}
                  data-testid="save-device"
                >
                  {editing ? "Save changes" : "Add device"}
                </Button>
              </>
            )}
          </Group>
        </Group>
      </Stack>
    </form>
    <HostKeyDialog prompt={hostKey} onCancel={() => setHostKey(null)} onApprove={approveHostKey} />
    </>
  );
}
