/** Something checked periodically against a monotonic clock (performance.now()). */
export interface Tickable {
  tick(nowMs: number): void;
}

/**
 * One coarse interval for many receivers' timeouts instead of a timer per receiver or per packet.
 * The interval runs only while something is registered and never keeps the process alive.
 */
export class SharedTicker {
  private readonly members = new Set<Tickable>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly intervalMs: number) {}

  get size(): number {
    return this.members.size;
  }

  add(member: Tickable): void {
    this.members.add(member);
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.run(), this.intervalMs);
    this.timer.unref();
  }

  delete(member: Tickable): void {
    this.members.delete(member);
    if (this.members.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private run(): void {
    const now = performance.now();
    for (const member of this.members) {
      try {
        member.tick(now);
      } catch {
        // one member's failing callback must not starve the others
      }
    }
  }
}

/** The ticker receivers share unless given another; 200 ms bounds how late a timeout fires. */
export const defaultTicker = new SharedTicker(200);
