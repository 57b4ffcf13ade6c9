import { describe, expect, it } from "vitest";
import { call, CommandError, errorMessage, unwrap, type CommandResult } from "./unwrap";

describe("unwrap", () => {
  it("returns data on ok", () => {
    expect(unwrap({ status: "ok", data: 42 })).toBe(42);
  });

  it("keeps the words of a bare string error from Tauri itself", () => {
    const bare = { status: "error", error: "invalid args `to` for command `x`" } as unknown as CommandResult<number>;
    expect(() => unwrap(bare)).toThrow("invalid args `to` for command `x`");
  });

  it("throws a CommandError carrying the AppError", () => {
    const err = { code: "invalid_name", message: "Invalid container name.", detail: "must match [a-zA-Z0-9]", hostKey: null };
    try {
      unwrap({ status: "error", error: err });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CommandError);
      expect((e as CommandError).message).toBe("Invalid container name.");
      expect((e as CommandError).code).toBe("invalid_name");
      expect((e as CommandError).detail).toBe("must match [a-zA-Z0-9]");
    }
  });

  it("call turns odd rejections into Errors", async () => {
    await expect(call(Promise.reject("boom"))).rejects.toThrow("boom");
    await expect(call(Promise.resolve({ status: "ok" as const, data: "x" }))).resolves.toBe("x");
  });

  it("errorMessage handles anything", () => {
    expect(errorMessage(new Error("a"))).toBe("a");
    expect(errorMessage("b")).toBe("b");
    expect(errorMessage({ message: "c" })).toBe("c");
    expect(errorMessage(undefined)).toBe("Something went wrong.");
  });
});
