import { describe, expect, it } from "vitest";
import { Typing, WAITING_UNITS, WRITE_UNITS } from "./typing";

/** A send whose calls are answered by hand, in any order. */
function manual() {
  const calls: { terminal: number; data: string; answer: () => void; fail: () => void }[] = [];
  const send = (terminal: number, data: string) =>
    new Promise<void>((resolve, reject) => calls.push({ terminal, data, answer: resolve, fail: () => reject(new Error("ended")) }));
  return { calls, send };
}
const settle = () => new Promise((r) => setTimeout(r, 0));

describe("Typing", () => {
  it("sends one write at a time, in the order typed, joining what waited", async () => {
    const { calls, send } = manual();
    const typing = new Typing(send);
    typing.to(3);
    for (const key of ["e", "c", "h", "o", " ", "$", "M"]) typing.type(key);
    expect(calls.map((c) => c.data)).toEqual(["e"]);
    calls[0].answer();
    await settle();
    expect(calls.map((c) => c.data)).toEqual(["e", "cho $M"]);
    typing.type("ARK");
    expect(calls).toHaveLength(2);
    calls[1].answer();
    await settle();
    expect(calls.map((c) => c.data).join("")).toBe("echo $MARK");
    expect(calls.every((c) => c.terminal === 3)).toBe(true);
  });

  it("keeps what is typed before the terminal is known, and sends it once it is", async () => {
    const { calls, send } = manual();
    const typing = new Typing(send);
    typing.type("ls");
    typing.type("\r");
    expect(calls).toHaveLength(0);
    typing.to(9);
    expect(calls.map((c) => [c.terminal, c.data])).toEqual([[9, "ls\r"]]);
  });

  it("goes on after a write that fails, and drops what waits when the terminal is gone", async () => {
    const { calls, send } = manual();
    const typing = new Typing(send);
    typing.to(1);
    typing.type("a");
    typing.type("b");
    calls[0].fail();
    await settle();
    expect(calls.map((c) => c.data)).toEqual(["a", "b"]);
    typing.type("c");
    typing.to(null);
    calls[1].answer();
    await settle();
    expect(calls).toHaveLength(2);
  });

  it("cuts a big paste into writes under the limit without splitting a character", async () => {
    const { calls, send } = manual();
    const typing = new Typing(send);
    typing.to(2);
    // Surrogate pairs across the cut: an odd start puts a pair across each boundary.
    const paste = "x" + "😀".repeat(WRITE_UNITS);
    expect(typing.type(paste)).toBe(true);
    for (let k = 0; k < 10 && calls.length > k; k++) {
      calls[k].answer();
      await settle();
    }
    const sent = calls.map((c) => c.data);
    expect(sent.join("")).toBe(paste);
    expect(sent.length).toBeGreaterThan(2);
    for (const data of sent) {
      expect(data.length).toBeLessThanOrEqual(WRITE_UNITS);
      const last = data.charCodeAt(data.length - 1);
      expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
    }
    expect(typing.type("y".repeat(WAITING_UNITS + 1))).toBe(false);
  });
});
