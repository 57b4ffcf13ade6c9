// The wizard's second step: the connection details, the name and the intervals.
import {
  Alert,
  Checkbox,
  Code,
  NumberInput,
  PasswordInput,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
} from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { type ReactNode } from "react";
import {
  DEFAULT_SOCKET,
  MAX_RESYNC_SECS,
  MAX_STATS_SECS,
  MIN_RESYNC_SECS,
  defaultName,
  type DeviceForm,
  type SshAuthMethod,
} from "./deviceForm";
import { ProxmoxFields } from "./ProxmoxFields";

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

export function DetailsStep({
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
      ) : form.kind === "proxmox" ? (
        <Section title="Proxmox VE">
          <ProxmoxFields form={form} errors={errors} hasStoredSecret={hasStoredSecret} onChange={onChange} />
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
          {/* Proxmox guests are read every few seconds, their counters with them. */}
          {form.kind !== "proxmox" ? (
            <>
              <NumberInput
                label="Full resync every"
                description="Seconds; events keep it live"
                min={MIN_RESYNC_SECS}
                max={MAX_RESYNC_SECS}
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
                max={MAX_STATS_SECS}
                step={5}
                allowDecimal={false}
                allowNegative={false}
                value={form.statsIntervalSecs}
                onChange={(v) => onChange({ statsIntervalSecs: v })}
                error={errors.statsIntervalSecs}
                data-testid="device-stats-interval"
              />
            </>
          ) : null}
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
