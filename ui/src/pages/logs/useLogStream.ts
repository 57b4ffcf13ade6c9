// One log stream per viewer, over a channel of its own (never the global event bus). Lines go
// into the viewer's buffer as they come; the viewer answers each batch once it has shown it,
// so a busy window gets fewer batches (the backend tells how many lines it left out) instead
// of a growing queue. The stream is closed when the viewer goes, or when what it asks changes.
import { Channel } from "@tauri-apps/api/core";
import { useEffect, useRef, useState } from "react";
import type { LogEndKind, LogEvent, LogQuery } from "../../api/types";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { LogBuffer } from "./logBuffer";

export type LogStreamState =
  | { status: "opening" }
  | { status: "live" }
  | { status: "ended"; kind: LogEndKind; message: string }
  | { status: "failed"; message: string };

/** Opens a stream; its events go to `onEvent`. Resolves to the stream's id. */
export type LogOpener = (containerUuid: string, query: LogQuery, onEvent: (e: LogEvent) => void) => Promise<number>;

export const tauriLogOpener: LogOpener = (containerUuid, query, onEvent) => {
  const channel = new Channel<LogEvent>();
  channel.onmessage = onEvent;
  return call(commands.logsOpen(containerUuid, query, channel));
};

const ack = (stream: number, seq: number) => void commands.logsAck(stream, seq).catch(() => {});
const close = (stream: number) => void commands.logsClose(stream).catch(() => {});

/** Shown updates at most once a frame (while the window is hidden, a frame never comes). */
function scheduleFrame(fn: () => void): () => void {
  if (typeof document !== "undefined" && document.visibilityState === "hidden") {
    const t = setTimeout(fn, 250);
    return () => clearTimeout(t);
  }
  const id = requestAnimationFrame(fn);
  return () => cancelAnimationFrame(id);
}

export interface LogStream {
  buffer: LogBuffer;
  /** Bumped whenever the buffer changed: a render reads it again. */
  version: number;
  state: LogStreamState;
}

/**
 * The log of `containerUuid` as `query` asks, kept in a buffer. A new query, container or
 * generation closes the old stream and starts an empty buffer.
 */
export function useLogStream(containerUuid: string | null, query: LogQuery, open: LogOpener = tauriLogOpener, generation = 0): LogStream {
  const [buffer, setBuffer] = useState(() => new LogBuffer());
  const [version, setVersion] = useState(0);
  const [state, setState] = useState<LogStreamState>({ status: "opening" });
  const queryKey = JSON.stringify(query);
  const openRef = useRef(open);
  openRef.current = open;

  useEffect(() => {
    if (!containerUuid) return;
    const fresh = new LogBuffer();
    setBuffer(fresh);
    setVersion(0);
    setState({ status: "opening" });
    let disposed = false;
    let stream: number | null = null;
    let lastSeq = 0;
    let acked = 0;
    let cancelFrame: (() => void) | null = null;
    // Shown, then answered: the answer says the window kept up.
    const show = () => {
      cancelFrame = null;
      if (disposed) return;
      setVersion((v) => v + 1);
      if (stream !== null && lastSeq > acked) {
        acked = lastSeq;
        ack(stream, lastSeq);
      }
    };
    const onEvent = (event: LogEvent) => {
      if (disposed) return;
      if (event.type === "lines") {
        fresh.appendColumns(event.lines);
        lastSeq = Math.max(lastSeq, event.seq);
      } else if (event.type === "skipped") {
        fresh.skipped(event.count, event.from ?? 0, event.to ?? 0);
      } else {
        setState({ status: "ended", kind: event.kind, message: event.message });
      }
      cancelFrame ??= scheduleFrame(show);
    };
    const q = JSON.parse(queryKey) as LogQuery;
    openRef
      .current(containerUuid, q, onEvent)
      .then((id) => {
        if (disposed) {
          close(id);
          return;
        }
        stream = id;
        // Batches that came before the id did are answered now.
        if (lastSeq > acked) {
          acked = lastSeq;
          ack(id, lastSeq);
        }
        setState((s) => (s.status === "opening" ? { status: "live" } : s));
      })
      .catch((e: unknown) => {
        if (!disposed) setState({ status: "failed", message: errorMessage(e) });
      });
    return () => {
      disposed = true;
      cancelFrame?.();
      if (stream !== null) close(stream);
    };
  }, [containerUuid, queryKey, generation]);

  return { buffer, version, state };
}
