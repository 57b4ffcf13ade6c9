// A running container's terminals (several at once, as tabs) and one-off commands. Each
// terminal is a shell in the container over its own channel; closing its tab ends the shell
// there; popped out, it goes on in a window of its own. Shown only for kinds that take a
// terminal.
import { ActionIcon, Alert, Badge, Button, Code, CloseButton, Group, ScrollArea, Select, Stack, Tabs, Text, TextInput, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconExternalLink, IconPlayerPlay, IconPlus, IconTerminal2 } from "@tabler/icons-react";
import { useState, type FormEvent } from "react";
import type { CommandRun, Container, TerminalRequest } from "../../../api/types";
import { call, errorMessage } from "../../../api/unwrap";
import { commands } from "../../../bindings";
import { endedText, keepTerminal, releaseTerminal, shellName, TerminalView, type TerminalState } from "./TerminalView";

type Request = Omit<TerminalRequest, "cols" | "rows">;

interface Session {
  key: number;
  request: Request;
  label: string;
  state: TerminalState;
  /** The backend's id, once open. */
  id: number | null;
}

const SHELL_CHOICES = [
  { value: "", label: "Find one (bash, ash, sh)" },
  { value: "bash", label: "bash" },
  { value: "ash", label: "ash" },
  { value: "sh", label: "sh" },
  { value: "zsh", label: "zsh" },
];

let nextKey = 1;

function Options({ onOpen, disabled }: { onOpen: (request: Request) => void; disabled: boolean }) {
  const [shell, setShell] = useState("");
  const [user, setUser] = useState("");
  const [dir, setDir] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onOpen({ shell: shell || null, user: user.trim() || null, workingDir: dir.trim() || null });
  };
  const common = { spellCheck: false, autoComplete: "off", autoCapitalize: "off" } as const;
  return (
    <form onSubmit={submit}>
      <Group gap="xs" align="flex-end" wrap="wrap">
        <Select
          label="Shell"
          size="xs"
          w={190}
          data={SHELL_CHOICES}
          value={shell}
          onChange={(v) => setShell(v ?? "")}
          allowDeselect={false}
          searchable
          data-testid="terminal-shell"
        />
        <TextInput label="User" size="xs" w={120} placeholder="as the container" value={user} onChange={(e) => setUser(e.currentTarget.value)} data-testid="terminal-user" {...common} />
        <TextInput label="Directory" size="xs" w={160} placeholder="its working dir" value={dir} onChange={(e) => setDir(e.currentTarget.value)} data-testid="terminal-dir" {...common} />
        <Button type="submit" size="xs" leftSection={<IconTerminal2 size={14} />} disabled={disabled} data-testid="terminal-open">
          Open terminal
        </Button>
      </Group>
    </form>
  );
}

const LIMITS = [
  { value: "10", label: "10 s" },
  { value: "60", label: "1 min" },
  { value: "300", label: "5 min" },
  { value: "900", label: "15 min" },
  { value: "3600", label: "1 h" },
];

function RunCommand({ containerUuid, disabled }: { containerUuid: string; disabled: boolean }) {
  const [command, setCommand] = useState("");
  const [limit, setLimit] = useState("300");
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<{ run: CommandRun; command: string; limit: string } | { error: string } | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!command.trim() || running) return;
    setRunning(true);
    try {
      const run = await call(commands.containerRunCommand(containerUuid, { command, user: null, workingDir: null, timeoutSecs: Number(limit) }));
      setResult({ run, command, limit: LIMITS.find((l) => l.value === limit)?.label ?? `${limit} s` });
    } catch (err) {
      setResult({ error: errorMessage(err) });
    } finally {
      setRunning(false);
    }
  };
  return (
    <Stack gap={6} component="section" aria-label="Run a command">
      <form onSubmit={(e) => void submit(e)}>
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <TextInput
            label="Run a command"
            description={<>Split as a shell splits words; for pipes, <Code>sh -c &apos;…&apos;</Code></>}
            size="xs"
            style={{ flex: 1 }}
            placeholder="cat /etc/os-release"
            value={command}
            onChange={(e) => setCommand(e.currentTarget.value)}
            spellCheck={false}
            autoComplete="off"
            data-testid="command-input"
          />
          <Select
            label="Stop after"
            size="xs"
            w={96}
            data={LIMITS}
            value={limit}
            onChange={(v) => setLimit(v ?? "300")}
            allowDeselect={false}
            data-testid="command-limit"
          />
          <Button type="submit" size="xs" leftSection={<IconPlayerPlay size={14} />} loading={running} disabled={disabled || !command.trim()} data-testid="command-run">
            Run
          </Button>
        </Group>
      </form>
      {result && "error" in result ? (
        <Alert color="red" variant="light" p="xs" data-testid="command-error">
          <Text size="xs" className="sq-wrap">
            {result.error}
          </Text>
        </Alert>
      ) : result ? (
        <Stack gap={4} data-testid="command-result">
          <Group gap="xs">
            <Badge size="sm" variant="light" color={result.run.timedOut ? "orange" : result.run.exitCode === 0 ? "green" : "red"} data-testid="command-exit">
              {result.run.timedOut
                ? `stopped at its limit (${result.limit})`
                : result.run.exitCode == null
                  ? "exit code unknown"
                  : `exit ${result.run.exitCode}`}
            </Badge>
            <Text size="xs" c="dimmed">
              {result.command} · {result.run.millis} ms{result.run.truncated ? " · output cut at 1 MiB" : ""}
            </Text>
          </Group>
          <ScrollArea.Autosize mah={220} type="auto">
            {/* Text as it came, never markup. */}
            <pre className="sq-wrap" style={{ margin: 0, fontSize: 12, whiteSpace: "pre-wrap" }} data-testid="command-output">
              {result.run.output || "(no output)"}
            </pre>
          </ScrollArea.Autosize>
        </Stack>
      ) : null}
    </Stack>
  );
}

export function TerminalTab({ container, active }: { container: Container; active: boolean }) {
  const [sessions, setSessions] = useState<Session[]>([]);
  const [current, setCurrent] = useState<string | null>(null);
  const running = container.state === "running";

  const open = (request: Request) => {
    const key = nextKey++;
    const label = request.shell ?? "shell";
    setSessions((all) => [...all, { key, request, label, state: { status: "opening" }, id: null }]);
    setCurrent(String(key));
  };
  const close = (key: number) => {
    setSessions((all) => {
      const rest = all.filter((s) => s.key !== key);
      if (current === String(key)) setCurrent(rest.length > 0 ? String(rest[rest.length - 1].key) : null);
      return rest;
    });
  };
  const setState = (key: number, state: TerminalState) =>
    setSessions((all) => all.map((s) => (s.key === key ? { ...s, state } : s)));
  const [poppingOut, setPoppingOut] = useState<number | null>(null);
  const popOut = async (session: Session) => {
    const id = session.id;
    if (id === null || poppingOut !== null) return;
    setPoppingOut(id);
    // From now on its view here leaves without ending it (even if it goes meanwhile).
    releaseTerminal(id);
    try {
      await call(commands.terminalPopOut(id));
      close(session.key);
    } catch (e) {
      keepTerminal(id);
      notifications.show({ color: "red", title: "The terminal could not pop out", message: errorMessage(e) });
    } finally {
      setPoppingOut(null);
    }
  };

  return (
    <Stack gap="sm" h="100%" data-testid="terminal-tab">
      {!running ? (
        <Alert color="gray" variant="light" p="xs" data-testid="terminal-not-running">
          A terminal opens in a running container ({container.name} is {container.state}). Start it first.
        </Alert>
      ) : null}
      <Options onOpen={open} disabled={!running} />
      {sessions.length > 0 ? (
        <Tabs value={current} onChange={setCurrent} keepMounted style={{ flex: "1 0 auto", minHeight: 300, display: "flex", flexDirection: "column" }}>
          <Tabs.List>
            {sessions.map((s, i) => (
              <Tabs.Tab
                key={s.key}
                value={String(s.key)}
                data-testid="terminal-session-tab"
                rightSection={
                  <CloseButton
                    size="xs"
                    component="span"
                    aria-label={`Close terminal ${i + 1}`}
                    data-testid="terminal-close"
                    onClick={(e) => {
                      e.stopPropagation();
                      close(s.key);
                    }}
                  />
                }
              >
                <Group gap={6} wrap="nowrap">
                  <span>
                    {i + 1} · {s.label}
                  </span>
                  {s.state.status === "ended" || s.state.status === "failed" ? (
                    <Badge size="xs" color="gray" variant="light">
                      ended
                    </Badge>
                  ) : null}
                </Group>
              </Tabs.Tab>
            ))}
            <Tooltip label="Another terminal, as the last one">
              <ActionIcon
                variant="subtle"
                size="sm"
                mt={6}
                ml={4}
                aria-label="Open another terminal"
                disabled={!running}
                onClick={() => open(sessions[sessions.length - 1]?.request ?? { shell: null, user: null, workingDir: null })}
                data-testid="terminal-add"
              >
                <IconPlus size={14} />
              </ActionIcon>
            </Tooltip>
          </Tabs.List>
          {sessions.map((s) => (
            <Tabs.Panel key={s.key} value={String(s.key)} pt={6} style={{ flex: 1, minHeight: 0 }}>
              <Stack gap={4} h="100%">
                {endedText(s.state) ? (
                  <Text size="xs" c={s.state.status === "failed" ? "red" : "dimmed"} className="sq-wrap" data-testid="terminal-ended">
                    {endedText(s.state)}
                  </Text>
                ) : (
                  <Group justify="flex-end">
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="gray"
                      leftSection={<IconExternalLink size={12} />}
                      disabled={s.id === null || s.state.status !== "open" || poppingOut !== null}
                      loading={poppingOut !== null && poppingOut === s.id}
                      onClick={() => void popOut(s)}
                      data-testid="terminal-pop-out"
                    >
                      Pop out into its own window
                    </Button>
                  </Group>
                )}
                <div style={{ flex: 1, minHeight: 280, height: 360 }}>
                  <TerminalView
                    source={{ open: { containerUuid: container.uuid, request: s.request } }}
                    active={active && current === String(s.key)}
                    onState={(state) => setState(s.key, state)}
                    onCloseKey={() => close(s.key)}
                    onOpened={(opened) =>
                      setSessions((all) => all.map((x) => (x.key === s.key ? { ...x, id: opened.id, label: shellName(opened.shell) } : x)))
                    }
                  />
                </div>
              </Stack>
            </Tabs.Panel>
          ))}
        </Tabs>
      ) : (
        <Text size="sm" c="dimmed" data-testid="terminal-empty">
          No terminal open. Open one to get a shell in {container.name}; close its tab to end the shell there.
        </Text>
      )}
      <RunCommand containerUuid={container.uuid} disabled={!running} />
    </Stack>
  );
}
