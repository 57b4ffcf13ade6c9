// One terminal: xterm.js over the terminal's own channel. Output is written as it comes and
// acknowledged once xterm has taken it in (the backend reads the engine no faster than the
// terminal shows); keys and pastes go back as typed; the panel's size is the shell's size.
// Ctrl+Shift+C copies the selection, Ctrl+Shift+V pastes, Ctrl+Shift+W closes (the tab or
// the window). Links open in the browser.
// A view either opens a new terminal or attaches to one popped out into its window.
import { useComputedColorScheme } from "@mantine/core";
import { Channel } from "@tauri-apps/api/core";
import { FitAddon } from "@xterm/addon-fit";
import { WebLinksAddon } from "@xterm/addon-web-links";
import { Terminal, type ITheme } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef } from "react";
import type { TerminalEvent, TerminalOpened, TerminalRequest } from "../../../api/types";
import { call, errorMessage } from "../../../api/unwrap";
import { commands } from "../../../bindings";
import { Typing } from "./typing";

const DARK: ITheme = { background: "#1a1b1e", foreground: "#e9ecef", cursor: "#74c0fc", selectionBackground: "#364fc7aa" };
const LIGHT: ITheme = { background: "#ffffff", foreground: "#212529", cursor: "#1971c2", selectionBackground: "#a5d8ffaa" };

export type TerminalState =
  | { status: "opening" }
  | { status: "open" }
  | { status: "ended"; code: number | null; reason: string | null }
  | { status: "failed"; message: string };

// Terminals handed to another window: their view goes without closing them.
const released = new Set<number>();

/** The terminal `id` lives on in another window: its view here leaves it open. */
export function releaseTerminal(id: number): void {
  released.add(id);
}

/** The terminal `id` stayed here after all (its window could not open). */
export function keepTerminal(id: number): void {
  released.delete(id);
}

/** The shell's name as a tab shows it (`/bin/bash` is `bash`). */
export function shellName(shell: string): string {
  return shell.split("/").filter(Boolean).pop() ?? shell;
}

export function endedText(state: TerminalState): string | null {
  if (state.status === "failed") return state.message;
  if (state.status !== "ended") return null;
  if (state.reason) return state.reason;
  return state.code == null ? "The shell ended." : `The shell ended with code ${state.code}.`;
}

export type TerminalSource =
  /** A new terminal: what to open (its size is the panel's). */
  | { open: { containerUuid: string; request: Omit<TerminalRequest, "cols" | "rows"> } }
  /** A terminal popped out into this window. */
  | { attach: number };

export function TerminalView({
  source,
  active,
  onState,
  onOpened,
  onCloseKey,
}: {
  /** Read once: another terminal is another component. */
  source: TerminalSource;
  /** Shown: it takes the focus and follows the panel's size. */
  active: boolean;
  onState: (state: TerminalState) => void;
  onOpened?: (opened: TerminalOpened) => void;
  /** Ctrl+Shift+W: the terminal's tab or window closes. */
  onCloseKey?: () => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const fitRef = useRef<FitAddon | null>(null);
  const scheme = useComputedColorScheme("light", { getInitialValueInEffect: false });
  const onStateRef = useRef(onState);
  onStateRef.current = onState;
  const onOpenedRef = useRef(onOpened);
  onOpenedRef.current = onOpened;
  const onCloseKeyRef = useRef(onCloseKey);
  onCloseKeyRef.current = onCloseKey;
  const sourceRef = useRef(source);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const term = new Terminal({
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      fontSize: 13,
      cursorBlink: true,
      scrollback: 5000,
      theme: scheme === "dark" ? DARK : LIGHT,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.loadAddon(
      new WebLinksAddon((_event, uri) => {
        // Only web addresses, opened by the system, never in this window.
        if (/^https?:\/\//i.test(uri)) window.open(uri, "_blank", "noopener,noreferrer");
      }),
    );
    term.open(el);
    termRef.current = term;
    fitRef.current = fit;
    try {
      fit.fit();
    } catch {
      // Not laid out yet: the observer fits it.
    }

    let id: number | null = null;
    let disposed = false;
    let shown = 0;
    // Keys go one write at a time, in order; those typed before the id came wait for it.
    const typing = new Typing((terminal, data) => commands.terminalWrite(terminal, data));
    const channel = new Channel<TerminalEvent>();
    channel.onmessage = (event) => {
      if (disposed) return;
      if (event.type === "output") {
        term.write(event.data, () => {
          shown = Math.max(shown, event.seq);
          if (id !== null) void commands.terminalAck(id, event.seq).catch(() => {});
        });
      } else {
        const state: TerminalState = { status: "ended", code: event.code ?? null, reason: event.reason ?? null };
        term.write(`\r\n\x1b[2m[${endedText(state)}]\x1b[0m\r\n`);
        onStateRef.current(state);
        id = null;
        typing.to(null);
      }
    };
    const from = sourceRef.current;
    // A view ends the terminal it opened when it goes, unless the terminal went on to another
    // window. One that attached goes with its window (closed or reloaded, the app ends it).
    const closes = (opened: number) => "open" in from && !released.has(opened);
    const opening =
      "open" in from
        ? commands.terminalOpen(from.open.containerUuid, { ...from.open.request, cols: term.cols, rows: term.rows }, channel)
        : commands.terminalAttach(from.attach, channel);
    call(opening)
      .then((opened) => {
        if (disposed) {
          if (closes(opened.id)) void commands.terminalClose(opened.id).catch(() => {});
          return;
        }
        id = opened.id;
        typing.to(opened.id);
        // Outputs shown before the id came are acknowledged now.
        if (shown > 0) void commands.terminalAck(opened.id, shown).catch(() => {});
        // A terminal taken over has the size of the window it left: it gets this one's. A
        // size that changed while it opened goes now.
        if ("attach" in from) sizeTo(term.cols, term.rows);
        else nextSize();
        onOpenedRef.current?.(opened);
        onStateRef.current({ status: "open" });
      })
      .catch((e: unknown) => {
        if (disposed) return;
        const message = errorMessage(e);
        term.write(`\x1b[31m${message.replace(/\r?\n/g, "\r\n")}\x1b[0m\r\n`);
        onStateRef.current({ status: "failed", message });
      });

    // Sizes as keys: one call in flight, and the newest size the last to arrive (a window
    // dragged makes many; calls in flight together may land in any order).
    let wanted: [number, number] | null = null;
    let sizing = false;
    const sizeTo = (cols: number, rows: number) => {
      wanted = [cols, rows];
      nextSize();
    };
    const nextSize = () => {
      if (sizing || id === null || wanted === null) return;
      const [cols, rows] = wanted;
      wanted = null;
      sizing = true;
      void commands
        .terminalResize(id, cols, rows)
        .catch(() => {})
        .finally(() => {
          sizing = false;
          nextSize();
        });
    };
    const typed = term.onData((data) => {
      if (!typing.type(data)) term.write("\r\n\x1b[31m[too much to type at once: not sent]\x1b[0m\r\n");
    });
    const resized = term.onResize(({ cols, rows }) => {
      sizeTo(cols, rows);
    });
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== "keydown" || !e.ctrlKey || !e.shiftKey) return true;
      if (e.code === "KeyC") {
        const text = term.getSelection();
        if (text) void navigator.clipboard?.writeText(text).catch(() => {});
        return false;
      }
      if (e.code === "KeyW" && onCloseKeyRef.current) {
        onCloseKeyRef.current();
        return false;
      }
      if (e.code === "KeyV") {
        void navigator.clipboard
          ?.readText()
          .then((text) => term.paste(text))
          .catch(() => {});
        return false;
      }
      return true;
    });
    const observer = new ResizeObserver(() => {
      if (el.offsetWidth > 0 && el.offsetHeight > 0) {
        try {
          fit.fit();
        } catch {
          // Detached meanwhile.
        }
      }
    });
    observer.observe(el);
    return () => {
      disposed = true;
      typing.to(null);
      observer.disconnect();
      typed.dispose();
      resized.dispose();
      if (id !== null && closes(id)) void commands.terminalClose(id).catch(() => {});
      term.dispose();
      termRef.current = null;
    };
    // One terminal for the component's life: another one is another component.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    if (termRef.current) termRef.current.options.theme = scheme === "dark" ? DARK : LIGHT;
  }, [scheme]);

  useEffect(() => {
    if (!active) return;
    try {
      fitRef.current?.fit();
    } catch {
      // Not laid out.
    }
    termRef.current?.focus();
  }, [active]);

  return (
    <div
      ref={host}
      data-testid="terminal"
      style={{ height: "100%", minHeight: 240, padding: 6, background: scheme === "dark" ? DARK.background : LIGHT.background, borderRadius: 4 }}
    />
  );
}
