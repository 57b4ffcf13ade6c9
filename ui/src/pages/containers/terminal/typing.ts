// What is typed into a terminal goes to its shell one write at a time, in the order typed.
// Each write is a call of its own, and calls in flight together may reach the shell in any
// order: a CI run saw `echo $MARK` typed quickly arrive as `echo M$ARK`. What is typed while
// a write is in flight waits, joined, for the next one; what is typed before the terminal
// is known waits for it.

/** The most UTF-16 units a write carries: at most 3 bytes each, under the backend's 1 MiB. */
export const WRITE_UNITS = 256 * 1024;
/** The most that waits; past it, what is typed is refused (a paste of many megabytes). */
export const WAITING_UNITS = 16 * WRITE_UNITS;

export type Send = (terminal: number, data: string) => Promise<unknown>;

export class Typing {
  private waiting = "";
  private busy = false;
  private terminal: number | null = null;

  constructor(private readonly send: Send) {}

  /** Typed or pasted: goes now if nothing is in flight, or after what is. False if refused. */
  type(data: string): boolean {
    if (this.waiting.length + data.length > WAITING_UNITS) return false;
    this.waiting += data;
    this.next();
    return true;
  }

  /** The terminal the keys go to, once known; null when it is gone (what waits is dropped). */
  to(terminal: number | null): void {
    this.terminal = terminal;
    if (terminal === null) this.waiting = "";
    this.next();
  }

  private next(): void {
    if (this.busy || this.terminal === null || this.waiting === "") return;
    let cut = Math.min(this.waiting.length, WRITE_UNITS);
    // A surrogate pair stays whole.
    const last = this.waiting.charCodeAt(cut - 1);
    if (cut < this.waiting.length && last >= 0xd800 && last <= 0xdbff) cut -= 1;
    const data = this.waiting.slice(0, cut);
    this.waiting = this.waiting.slice(cut);
    this.busy = true;
    // A write that fails (the shell ended) does not hold up the next.
    void this.send(this.terminal, data)
      .catch(() => {})
      .finally(() => {
        this.busy = false;
        this.next();
      });
  }
}
