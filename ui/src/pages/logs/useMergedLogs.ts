// Several containers' logs in one buffer, interleaved by time: one stream per container, each
// over a channel of its own and answered on its own; one render a frame for all of them.
import { useEffect, useRef, useState } from "react";
import type { LogQuery } from "../../api/types";
import { errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { LogBuffer } from "./logBuffer";
import { linesOf } from "./logColumns";
import { tauriLogOpener, type LogOpener, type LogStreamState } from "./useLogStream";

export interface MergedLogs {
  buffer: LogBuffer;
  version: number;
  /** Each container's stream, in the order given. */
  states: LogStreamState[];
}

const ack = (stream: number, seq: number) => void commands.logsAck(stream, seq).catch(() => {});
const close = (stream: number) => void commands.logsClose(stream).catch(() => {});

/** The logs of `uuids` (origin k is `uuids[k]`), merged; a new list or query starts afresh. */
export function useMergedLogs(uuids: readonly string[], query: LogQuery, open: LogOpener = tauriLogOpener): MergedLogs {
  const [buffer, setBuffer] = useState(() => new LogBuffer());
  const [version, setVersion] = useState(0);
  const [states, setStates] = useState<LogStreamState[]>([]);
  const key = JSON.stringify([uuids, query]);
  const openRef = useRef(open);
  openRef.current = open;

  useEffect(() => {
    const [ids, q] = JSON.parse(key) as [string[], LogQuery];
    const fresh = new LogBuffer();
    setBuffer(fresh);
    setVersion(0);
    setStates(ids.map(() => ({ status: "opening" })));
    let disposed = false;
    let frame: number | null = null;
    const setState = (k: number, state: LogStreamState) =>
      setStates((all) => all.map((s, i) => (i === k ? state : s)));
    const streams = ids.map((uuid, k) => {
      const stream = { id: null as number | null, lastSeq: 0, acked: 0 };
      openRef
        .current(uuid, q, (event) => {
          if (disposed) return;
          if (event.type === "lines") {
            fresh.appendMerged(linesOf(event.lines), k);
            stream.lastSeq = Math.max(stream.lastSeq, event.seq);
          } else if (event.type === "skipped") {
            fresh.skipped(event.count, event.from ?? 0, event.to ?? 0, k);
          } else {
            setState(k, { status: "ended", kind: event.kind, message: event.message });
          }
          frame ??= requestAnimationFrame(show);
        })
        .then((id) => {
          if (disposed) return close(id);
          stream.id = id;
          setState(k, { status: "live" });
          frame ??= requestAnimationFrame(show);
        })
        .catch((e: unknown) => {
          if (!disposed) setState(k, { status: "failed", message: errorMessage(e) });
        });
      return stream;
    });
    // Shown, then answered: each stream gets more once the window kept up.
    function show() {
      frame = null;
      if (disposed) return;
      setVersion((v) => v + 1);
      for (const s of streams) {
        if (s.id !== null && s.lastSeq > s.acked) {
          s.acked = s.lastSeq;
          ack(s.id, s.lastSeq);
        }
      }
    }
    return () => {
      disposed = true;
      if (frame !== null) cancelAnimationFrame(frame);
      for (const s of streams) if (s.id !== null) close(s.id);
    };
  }, [key]);

  return { buffer, version, states };
}
