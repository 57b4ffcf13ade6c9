// The wizard's Proxmox VE details: a node's address, an API token (or a user and password)
// and how its certificate is trusted (Proxmox's own certificate is self-signed: approved by
// its fingerprint).
import { Code, PasswordInput, SegmentedControl, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import type { DeviceForm, PveLogin, PveTrustMode } from "./deviceForm";

const TRUST_OPTIONS: { value: PveTrustMode; label: string }[] = [
  { value: "fingerprint", label: "Fingerprint" },
  { value: "ca", label: "My CA" },
  { value: "system", label: "System roots" },
];

export function ProxmoxFields({
  form,
  errors,
  hasStoredSecret,
  onChange,
}: {
  form: DeviceForm;
  errors: Partial<Record<keyof DeviceForm, string>>;
  hasStoredSecret: boolean;
  onChange: (patch: Partial<DeviceForm>) => void;
}) {
  const text = (field: keyof DeviceForm) => (e: { currentTarget: HTMLInputElement }) =>
    onChange({ [field]: e.currentTarget.value } as Partial<DeviceForm>);
  const common = { spellCheck: false, autoComplete: "off", autoCapitalize: "off" } as const;
  const token = form.pveLogin === "token";
  return (
    <Stack gap="xs">
      <TextInput
        label="Node address"
        description="Any node of the cluster: every node and guest is found from it"
        placeholder="https://pve.lan:8006"
        required
        value={form.pveUrl}
        onChange={text("pveUrl")}
        error={errors.pveUrl}
        data-testid="pve-url"
        data-autofocus
        {...common}
      />
      <Stack gap={4}>
        <Text size="sm" fw={500} id="pve-login-label">
          Sign in with
        </Text>
        <SegmentedControl
          aria-labelledby="pve-login-label"
          value={form.pveLogin}
          // The other kind of id does not carry over: a user is not a token id.
          onChange={(v) => onChange({ pveLogin: v as PveLogin, pveTokenId: "", secret: "" })}
          data={[
            { value: "token", label: <span data-testid="pve-login-token">API token</span> },
            { value: "password", label: <span data-testid="pve-login-password">User and password</span> },
          ]}
          fullWidth
        />
      </Stack>
      <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
        <TextInput
          label={token ? "API token id" : "User"}
          description={token ? "Datacenter › Permissions › API Tokens" : "With its realm: pam for Linux users, pve for Proxmox's own"}
          placeholder={token ? "root@pam!squirrel" : "root@pam"}
          required
          value={form.pveTokenId}
          onChange={text("pveTokenId")}
          error={errors.pveTokenId}
          data-testid="pve-token-id"
          {...common}
        />
        <PasswordInput
          label={token ? "Token secret" : "Password"}
          description={hasStoredSecret ? `Leave empty to keep the stored ${token ? "secret" : "password"}` : "Kept in the system keyring, never shown again"}
          placeholder={hasStoredSecret ? "••••••••  (unchanged)" : token ? "xxxxxxxx-xxxx-…" : ""}
          required={!hasStoredSecret}
          value={form.secret}
          onChange={text("secret")}
          error={errors.secret}
          data-testid="pve-secret"
          autoComplete="off"
        />
      </SimpleGrid>
      <Text size="xs" c="dimmed">
        {token ? "The token" : "The user"} needs <Code>VM.Audit</Code> and <Code>Sys.Audit</Code> to see the cluster, and <Code>VM.PowerMgmt</Code> to start and stop guests.
        {token ? null : " A user with a second factor (TOTP, WebAuthn) cannot sign in here: use an API token."}
      </Text>
      <Stack gap={4}>
        <Text size="sm" fw={500} id="pve-trust-label">
          Certificate
        </Text>
        <SegmentedControl
          aria-labelledby="pve-trust-label"
          value={form.pveTrust}
          onChange={(v) => onChange({ pveTrust: v as PveTrustMode })}
          data={TRUST_OPTIONS.map((o) => ({ value: o.value, label: <span data-testid={`pve-trust-${o.value}`}>{o.label}</span> }))}
          fullWidth
        />
      </Stack>
      {form.pveTrust === "fingerprint" ? (
        <TextInput
          label="SHA-256 fingerprint"
          description="Optional: empty, the node's certificate is shown at the first connection for you to compare and approve (Node › System › Certificates)"
          placeholder="AB:CD:…"
          value={form.pveFingerprint}
          onChange={text("pveFingerprint")}
          error={errors.pveFingerprint}
          data-testid="pve-fingerprint"
          {...common}
        />
      ) : form.pveTrust === "ca" ? (
        <TextInput
          label="CA certificate"
          description="The PEM file of the CA that signed the node's certificate"
          placeholder="~/pve-root-ca.pem"
          required
          value={form.pveCa}
          onChange={text("pveCa")}
          error={errors.pveCa}
          data-testid="pve-ca"
          {...common}
        />
      ) : (
        <Text size="xs" c="dimmed">
          For a certificate from a public CA (ACME, Let&apos;s Encrypt) or one your system already trusts.
        </Text>
      )}
    </Stack>
  );
}
