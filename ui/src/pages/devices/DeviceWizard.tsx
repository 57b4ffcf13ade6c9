import {
  Alert,
  Button,
  Checkbox,
  Code,
  Group,
  Loader,
  Modal,
  NumberInput,
  Paper,
  PasswordInput,
  Radio,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Stepper,
  Switch,
  Text,
  TextInput,
  ThemeIcon,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import {
  IconAlertTriangle,
  IconCircleCheck,
  IconDeviceDesktop,
  IconInfoCircle,
  IconKey,
  IconLock,
  IconPlugConnected,
  IconTerminal2,
  type IconProps,
} from "@tabler/icons-react";
import { useEffect, useRef, useState, type ComponentType, type FormEvent, type ReactNode } from "react";
import { queryKeys } from "../../api/queryKeys";
import type { Device, EngineProbe, HostKeyPrompt } from "../../api/types";
import { call, CommandError, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import {
  DEFAULT_SOCKET,
  defaultName,
  describeConnection,
  emptyForm,
  errorHint,
  formFromDevice,
  formToConnection,
  storedSecretFor,
  toDevicePatch,
  toNewDevice,
  validateForm,
  type DeviceForm,
  type DeviceKind,
  type SshAuthMethod,
} from "./deviceForm";
import { HostKeyDialog } from "./HostKeyDialog";

const KINDS: { kind: DeviceKind; title: string; text: string; icon: ComponentType<IconProps> }[] = [
  {
    kind: "local",
    title: "Local socket",
    text: "Docker on this computer, through its unix socket.",
    icon: IconDeviceDesktop,
  },
  {
    kind: "ssh",
    title: "SSH",
    text: "Docker on another machine, reached over SSH. Nothing to install there.",
    icon: IconTerminal2,
  },
  {
    kind: "tcp",
    title: "TCP + TLS",
    text: "An engine listening on the network with mutual TLS (dockerd --tlsverify).",
    icon: IconLock,
  },
];

/** Fields that only name or schedule the device: changing them keeps a connection test valid. */
const NON_CONNECTION_FIELDS: ReadonlySet<keyof DeviceForm> = new Set([
  "name",
  "resyncIntervalSecs",
  "statsIntervalSecs",
]);

type ProbeState =
  | { status: "idle" }
  | { status: "testing" }
  | { status: "ok"; probe: EngineProbe }
  | { status: "error"; message: string; code: string | undefined; hostKey: HostKeyPrompt | null };

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

  const storedAuth = editing?.connection.type === "ssh" ? editing.connection.auth : null;
  const hasStoredSecret = storedSecretFor(editing?.connection, form.sshAuth);
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
    const { connection, secret } = formToConnection(form, storedAuth);
    setProbe({ status: "testing" });
    try {
      const result = await call(commands.deviceTestConnection(connection, secret));
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

function KindStep({ kind, onChange }: { kind: DeviceKind; onChange: (kind: DeviceKind) => void }) {
  return (
    <Radio.Group value={kind} onChange={(v) => onChange(v as DeviceKind)} label="How does Squirrel reach the engine?" mt="md">
      <Stack gap="xs" mt="xs">
        {KINDS.map(({ kind: k, title, text, icon: Icon }) => (
          <Radio.Card key={k} value={k} radius="md" p="md" data-testid={`device-kind-${k}`} data-autofocus={k === kind ? true : undefined}>
            <Group wrap="nowrap" align="flex-start" gap="md">
              <Radio.Indicator mt={4} />
              <ThemeIcon variant="light" size={36} radius="md" color={k === kind ? undefined : "gray"}>
                <Icon size={20} stroke={1.7} />
              </ThemeIcon>
              <div>
                <Text fw={600} size="sm">
                  {title}
                </Text>
                <Text size="sm" c="dimmed">
                  {text}
                </Text>
              </div>
            </Group>
          </Radio.Card>
        ))}
      </Stack>
    </Radio.Group>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack gap="xs">
      <Text size="xs" fw={700} c="dimmed" tt="uppercase" style={{ letterSpacing: "0.04em" }}>
        {title}
      </Text>
      {children}
    </Stack>
  );
}

const AUTH_OPTIONS: { value: SshAuthMethod; label: string; testId: string }[] = [
  { value: "agent", label: "ssh-agent", testId: "ssh-auth-agent" },
  { value: "keyFile", label: "Key file", testId: "ssh-auth-key" },
  { value: "password", label: "Password", testId: "ssh-auth-password" },
];

function DetailsStep({
  form,
  errors,
  editing,
  hasStoredSecret,
  onChange,
}: {
  form: DeviceForm;
  errors: Partial<Record<keyof DeviceForm, string>>;
  editing: boolean;
  hasStoredSecret: boolean;
  onChange: (patch: Partial<DeviceForm>) => void;
}) {
  const text = (field: keyof DeviceForm) => (e: { currentTarget: HTMLInputElement }) =>
    onChange({ [field]: e.currentTarget.value } as Partial<DeviceForm>);
  const common = { spellCheck: false, autoComplete: "off", autoCapitalize: "off" } as const;

  return (
    <Stack gap="lg" mt="md">
      {form.kind === "local" ? (
        <Section title="Local socket">
          <TextInput
            label="Socket path"
            description="Where the Docker engine listens on this computer."
            placeholder={DEFAULT_SOCKET}
            value={form.localPath}
            onChange={text("localPath")}
            error={errors.localPath}
            data-testid="local-path"
            data-autofocus
            {...common}
          />
        </Section>
      ) : form.kind === "ssh" ? (
        <Section title="SSH">
          <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="sm">
            <TextInput
              label="Host"
              description="host name, address, or an alias from ~/.ssh/config"
              placeholder="nas.local"
              required
              value={form.sshHost}
              onChange={text("sshHost")}
              error={errors.sshHost}
              data-testid="ssh-host"
              data-autofocus
              style={{ gridColumn: "span 2" }}
              {...common}
            />
            <NumberInput
              label="Port"
              description="Optional"
              placeholder="22"
              min={1}
              max={65535}
              allowDecimal={false}
              allowNegative={false}
              hideControls
              value={form.sshPort}
              onChange={(v) => onChange({ sshPort: v })}
              error={errors.sshPort}
              data-testid="ssh-port"
            />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
            <TextInput
              label="User"
              description="Optional: from ~/.ssh/config, else yours"
              placeholder="root"
              value={form.sshUser}
              onChange={text("sshUser")}
              data-testid="ssh-user"
              {...common}
            />
            <TextInput
              label="Remote socket path"
              description="The engine's socket on that machine"
              placeholder={DEFAULT_SOCKET}
              value={form.sshSocket}
              onChange={text("sshSocket")}
              error={errors.sshSocket}
              data-testid="ssh-socket"
              {...common}
            />
          </SimpleGrid>
          <Stack gap={4}>
            <Text size="sm" fw={500} id="ssh-auth-label">
              Authentication
            </Text>
            <SegmentedControl
              aria-labelledby="ssh-auth-label"
              value={form.sshAuth}
              onChange={(v) => onChange({ sshAuth: v as SshAuthMethod, secret: "" })}
              data={AUTH_OPTIONS.map((o) => ({
                value: o.value,
                label: <span data-testid={o.testId}>{o.label}</span>,
              }))}
              fullWidth
            />
          </Stack>
          {form.sshAuth === "agent" ? (
            <Text size="xs" c="dimmed">
              Uses the keys loaded in your running ssh-agent (<Code>SSH_AUTH_SOCK</Code>).
            </Text>
          ) : form.sshAuth === "keyFile" ? (
            <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
              <TextInput
                label="Private key file"
                description="Optional: empty means ~/.ssh/config's IdentityFile or ~/.ssh/id_ed25519"
                placeholder="~/.ssh/id_ed25519"
                value={form.sshKeyPath}
                onChange={text("sshKeyPath")}
                data-testid="ssh-key-path"
                {...common}
              />
              <PasswordInput
                label="Passphrase"
                description={
                  hasStoredSecret
                    ? "Leave empty to keep the stored passphrase"
                    : "Optional; kept in the system keyring, never shown again"
                }
                placeholder={hasStoredSecret ? "••••••••  (unchanged)" : "None"}
                value={form.secret}
                onChange={text("secret")}
                data-testid="ssh-secret"
                autoComplete="off"
              />
            </SimpleGrid>
          ) : (
            <PasswordInput
              label="Password"
              description={
                hasStoredSecret
                  ? "Leave empty to keep the stored password"
                  : "Kept in the system keyring, never shown again"
              }
              placeholder={hasStoredSecret ? "••••••••  (unchanged)" : undefined}
              required={!hasStoredSecret}
              value={form.secret}
              onChange={text("secret")}
              error={errors.secret}
              data-testid="ssh-secret"
              autoComplete="off"
            />
          )}
        </Section>
      ) : (
        <Section title="TCP">
          <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="sm">
            <TextInput
              label="Host"
              placeholder="nas.local"
              required
              value={form.tcpHost}
              onChange={text("tcpHost")}
              error={errors.tcpHost}
              data-testid="tcp-host"
              data-autofocus
              style={{ gridColumn: "span 2" }}
              {...common}
            />
            <NumberInput
              label="Port"
              placeholder="2376"
              required
              min={1}
              max={65535}
              allowDecimal={false}
              allowNegative={false}
              hideControls
              value={form.tcpPort}
              onChange={(v) => onChange({ tcpPort: v })}
              error={errors.tcpPort}
              data-testid="tcp-port"
            />
          </SimpleGrid>
          <Switch
            label="Mutual TLS (recommended)"
            description="The engine and Squirrel prove who they are with certificates."
            checked={form.tls}
            onChange={(e) => onChange({ tls: e.currentTarget.checked, insecureAck: false })}
            data-testid="tcp-tls"
          />
          {form.tls ? (
            <Stack gap="xs">
              <TextInput
                label="CA certificate"
                placeholder="~/.docker/ca.pem"
                required
                value={form.tlsCa}
                onChange={text("tlsCa")}
                error={errors.tlsCa}
                data-testid="tls-ca"
                {...common}
              />
              <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
                <TextInput
                  label="Client certificate"
                  placeholder="~/.docker/cert.pem"
                  required
                  value={form.tlsCert}
                  onChange={text("tlsCert")}
                  error={errors.tlsCert}
                  data-testid="tls-cert"
                  {...common}
                />
                <TextInput
                  label="Client key"
                  placeholder="~/.docker/key.pem"
                  required
                  value={form.tlsKey}
                  onChange={text("tlsKey")}
                  error={errors.tlsKey}
                  data-testid="tls-key"
                  {...common}
                />
              </SimpleGrid>
            </Stack>
          ) : (
            <Alert
              color="red"
              variant="light"
              icon={<IconAlertTriangle size={18} />}
              title="Plain TCP is unauthenticated"
              data-testid="tcp-insecure-warning"
            >
              <Stack gap="sm">
                <Text size="sm">
                  Without TLS, anyone who can reach this port has full control of the engine, and through it of the
                  host. Use it only on a network you fully trust.
                </Text>
                <Checkbox
                  label="I understand that plain TCP lets anyone on the network control this engine"
                  checked={form.insecureAck}
                  onChange={(e) => onChange({ insecureAck: e.currentTarget.checked })}
                  error={errors.insecureAck}
                  color="red"
                  required
                  data-testid="tcp-insecure-ack"
                />
              </Stack>
            </Alert>
          )}
        </Section>
      )}

      <Section title="General">
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
          <TextInput
            label="Name"
            description={`Empty: “${defaultName(form)}”`}
            placeholder={defaultName(form)}
            value={form.name}
            onChange={text("name")}
            error={errors.name}
            data-testid="device-name"
            style={{ gridColumn: "1 / -1" }}
            {...common}
          />
          <NumberInput
            label="Full resync every"
            description="Seconds; events keep it live"
            min={10}
            max={86400}
            step={60}
            allowDecimal={false}
            allowNegative={false}
            value={form.resyncIntervalSecs}
            onChange={(v) => onChange({ resyncIntervalSecs: v })}
            error={errors.resyncIntervalSecs}
            data-testid="device-resync"
          />
          <NumberInput
            label="Stats interval"
            description="Seconds between samples; 0 turns them off"
            min={0}
            max={3600}
            step={5}
            allowDecimal={false}
            allowNegative={false}
            value={form.statsIntervalSecs}
            onChange={(v) => onChange({ statsIntervalSecs: v })}
            error={errors.statsIntervalSecs}
            data-testid="device-stats-interval"
          />
        </SimpleGrid>
        {editing ? (
          <Text size="xs" c="dimmed">
            Saving reconnects the device with the new settings.
          </Text>
        ) : null}
      </Section>
    </Stack>
  );
}

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={500} className="sq-wrap" data-testid={testId}>
        {children}
      </Text>
    </div>
  );
}

function TestStep({
  form,
  probe,
  onTest,
  onReviewHostKey,
}: {
  form: DeviceForm;
  probe: ProbeState;
  onTest: () => void;
  onReviewHostKey: (key: HostKeyPrompt) => void;
}) {
  const { connection } = formToConnection(form);
  return (
    <Stack gap="md" mt="md">
      <Paper withBorder radius="md" p="sm">
        <Group justify="space-between" wrap="nowrap" gap="sm">
          <div style={{ minWidth: 0 }}>
            <Text size="sm" fw={600} className="sq-ellipsis">
              {form.name.trim() || defaultName(form)}
            </Text>
            <Text size="xs" ff="monospace" c="dimmed" className="sq-wrap" data-testid="wizard-connection">
              {describeConnection(connection)}
            </Text>
          </div>
          <Button
            variant={probe.status === "ok" ? "default" : "filled"}
            leftSection={<IconPlugConnected size={16} />}
            loading={probe.status === "testing"}
            onClick={onTest}
            data-testid="test-connection"
            data-autofocus
          >
            {probe.status === "idle" ? "Test connection" : "Test again"}
          </Button>
        </Group>
      </Paper>

      <div aria-live="polite">
        {probe.status === "idle" ? (
          <Text size="sm" c="dimmed">
            Squirrel connects once and asks the engine who it is. Nothing is changed on the host.
          </Text>
        ) : probe.status === "testing" ? (
          <Group gap="sm" data-testid="probe-loading">
            <Loader size="sm" />
            <Text size="sm" c="dimmed">
              Connecting…
            </Text>
          </Group>
        ) : probe.status === "ok" ? (
          <ProbeCard probe={probe.probe} />
        ) : (
          <Alert
            color={probe.code === "host_key_unknown" ? "orange" : "red"}
            variant="light"
            icon={probe.code === "host_key_unknown" ? <IconKey size={18} /> : <IconAlertTriangle size={18} />}
            title={probe.code === "host_key_unknown" ? "The host key needs your approval" : "Connection failed"}
            data-testid="probe-error"
            data-code={probe.code}
          >
            <Stack gap="xs" align="flex-start">
              <Text size="sm" className="sq-wrap" data-testid="probe-error-message">
                {probe.message}
              </Text>
              <Text size="xs" c="dimmed">
                {errorHint(probe.code)}
              </Text>
              {probe.hostKey ? (
                <Button
                  size="compact-sm"
                  color="orange"
                  variant="light"
                  leftSection={<IconKey size={14} />}
                  onClick={() => probe.hostKey && onReviewHostKey(probe.hostKey)}
                >
                  Review host key
                </Button>
              ) : null}
            </Stack>
          </Alert>
        )}
      </div>
    </Stack>
  );
}

function ProbeCard({ probe }: { probe: EngineProbe }) {
  return (
    <Stack gap="sm">
      <Paper withBorder radius="md" p="md" data-testid="probe-result" style={{ borderColor: "var(--mantine-color-green-filled)" }}>
        <Group gap="xs" mb="sm">
          <IconCircleCheck size={20} color="var(--mantine-color-green-filled)" />
          <Text fw={600}>Connected</Text>
        </Group>
        <SimpleGrid cols={{ base: 2, xs: 4 }} spacing="sm">
          <Fact label="Engine" testId="probe-version">
            Docker {probe.engineVersion}
            <Text span size="xs" c="dimmed">
              {" "}
              (API {probe.apiVersion})
            </Text>
          </Fact>
          <Fact label="System">
            {probe.os} / {probe.architecture}
          </Fact>
          <Fact label="Containers" testId="probe-containers">
            {probe.running} running of {probe.containers}
          </Fact>
          <Fact label="Images">{probe.images}</Fact>
        </SimpleGrid>
      </Paper>
      {probe.notes.length > 0 ? (
        <Alert color="yellow" variant="light" icon={<IconInfoCircle size={18} />} data-testid="probe-notes">
          <Stack gap={4}>
            {probe.notes.map((note, i) => (
              <Text key={i} size="sm" className="sq-wrap">
                {note}
              </Text>
            ))}
          </Stack>
        </Alert>
      ) : null}
    </Stack>
  );
}
