import { Alert, Button, Group, Modal, PasswordInput, Select, Stack, Text, TextInput } from "@mantine/core";
import { IconAlertTriangle, IconCheck, IconPlugConnected } from "@tabler/icons-react";
import { useState } from "react";
import type { RegistryEntry, RegistryProvider } from "../../api/types";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { PROVIDERS, providerInfo } from "./providers";

type Test = { state: "idle" } | { state: "testing" } | { state: "ok" } | { state: "failed"; message: string };

/** Adds a registry: its provider, host and, unless anonymous, a user and password or token. */
export function AddRegistryModal({ opened, onClose, onAdded }: { opened: boolean; onClose: () => void; onAdded: (r: RegistryEntry) => void }) {
  const [provider, setProvider] = useState<RegistryProvider>("dockerHub");
  const [host, setHost] = useState("docker.io");
  const [username, setUsername] = useState("");
  const [secret, setSecret] = useState("");
  const [test, setTest] = useState<Test>({ state: "idle" });
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const info = providerInfo(provider);
  const fields = () => ({
    registry: { name: "", host, provider, username: username.trim() || null },
    secret: secret === "" ? null : secret,
  });
  const reset = () => {
    setProvider("dockerHub");
    setHost("docker.io");
    setUsername("");
    setSecret("");
    setTest({ state: "idle" });
    setError(null);
  };
  const close = () => {
    reset();
    onClose();
  };
  const runTest = async () => {
    setTest({ state: "testing" });
    try {
      const f = fields();
      await call(commands.registryTest(f.registry, f.secret, null));
      setTest({ state: "ok" });
    } catch (e) {
      setTest({ state: "failed", message: errorMessage(e) });
    }
  };
  const add = async () => {
    setSaving(true);
    setError(null);
    try {
      const f = fields();
      const added = await call(commands.registryAdd(f.registry, f.secret));
      onAdded(added);
      reset();
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };
  const edited = () => setTest({ state: "idle" });
  return (
    <Modal opened={opened} onClose={close} title="Add a registry" size="md" data-testid="registry-modal">
      <Stack gap="sm">
        <Select
          label="Provider"
          data={PROVIDERS.map((p) => ({ value: p.value, label: p.label }))}
          value={provider}
          allowDeselect={false}
          onChange={(v) => {
            const next = providerInfo((v ?? "custom") as RegistryProvider);
            setProvider(next.value);
            setHost(next.host ?? "");
            edited();
          }}
          data-testid="registry-provider"
        />
        <TextInput
          label="Host"
          description="As image names write it, with a port if it has one"
          placeholder={info.example}
          value={host}
          onChange={(e) => {
            setHost(e.currentTarget.value);
            edited();
          }}
          spellCheck={false}
          autoComplete="off"
          data-testid="registry-host"
        />
        <TextInput
          label={info.user}
          description="Leave empty to use the registry anonymously"
          value={username}
          onChange={(e) => {
            setUsername(e.currentTarget.value);
            edited();
          }}
          spellCheck={false}
          autoComplete="off"
          data-testid="registry-username"
        />
        <PasswordInput
          label={info.secret}
          description="Kept in your system's keyring, never in Squirrel's database, and never shown again"
          value={secret}
          onChange={(e) => {
            setSecret(e.currentTarget.value);
            edited();
          }}
          autoComplete="off"
          data-testid="registry-secret"
        />
        {test.state === "ok" ? (
          <Alert color="teal" icon={<IconCheck size={16} />} data-testid="registry-test-ok">
            The registry accepted the login.
          </Alert>
        ) : test.state === "failed" ? (
          <Alert color="red" icon={<IconAlertTriangle size={16} />} data-testid="registry-test-failed">
            {test.message}
          </Alert>
        ) : null}
        {error ? (
          <Text size="sm" c="red" data-testid="registry-add-error">
            {error}
          </Text>
        ) : null}
        <Group justify="space-between" mt="xs">
          <Button
            variant="default"
            leftSection={<IconPlugConnected size={16} />}
            loading={test.state === "testing"}
            disabled={host.trim() === ""}
            onClick={() => void runTest()}
            data-testid="registry-test"
          >
            Test login
          </Button>
          <Group gap="xs">
            <Button variant="subtle" color="gray" onClick={close}>
              Cancel
            </Button>
            <Button loading={saving} disabled={host.trim() === ""} onClick={() => void add()} data-testid="registry-add">
              Add
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
