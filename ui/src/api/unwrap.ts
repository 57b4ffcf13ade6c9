import type { AppError, HostKeyPrompt } from "./types";

export type CommandResult<T> =
  | { status: "ok"; data: T }
  | { status: "error"; error: AppError };

/** An error returned by a backend command, carrying the AppError's code and detail. */
export class CommandError extends Error {
  readonly code: string;
  readonly detail: string | null;
  /** With code `host_key_unknown`: the SSH host key waiting for the user's approval. */
  readonly hostKey: HostKeyPrompt | null;

  constructor(error: AppError | string) {
    // Tauri itself rejects with a bare string when it cannot run the command at all (e.g.
    // its arguments do not match): show that sentence rather than nothing.
    const e: AppError =
      typeof error === "string" ? { code: "invoke", message: error, detail: null, hostKey: null } : error;
    super(e.message || "The operation failed.");
    this.name = "CommandError";
    this.code = e.code;
    this.detail = e.detail ?? null;
    this.hostKey = e.hostKey ?? null;
  }
}

/** Returns the data of a command result, or throws a CommandError with the AppError's message. */
export function unwrap<T>(result: CommandResult<T>): T {
  if (result.status === "ok") return result.data;
  throw new CommandError(result.error);
}

/** Awaits a command and unwraps it; turns odd rejections (not Error) into Errors too. */
export async function call<T>(pending: Promise<CommandResult<T>>): Promise<T> {
  let result: CommandResult<T>;
  try {
    result = await pending;
  } catch (e) {
    throw e instanceof Error ? e : new Error(String(e));
  }
  return unwrap(result);
}

/** A message fit for the user, whatever was thrown. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "string") return e;
  if (e && typeof e === "object" && "message" in e && typeof e.message === "string") return e.message;
  return "Something went wrong.";
}
