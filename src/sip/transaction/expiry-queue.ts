import type { Clock, TimerHandle } from './types.js';

/** Something that waits out a fixed lifetime and then ends. */
export interface Expiring {
  readonly expiresAt: number;
}

/** Expiries closer together than this share one timer run: an entry may outlive its time by it. */
export const SWEEP_GRANULARITY_MS = 100;

/**
 * Entries that all wait the same time (Timer D, I, J, K, L or M: 64·T1, T4 or 32 s), expired in
 * arrival order by one timer. A Node timer per transaction costs a Timeout object, a closure and
 * a linked-list entry for the 32 s the call's transactions wait; a FIFO needs one array slot.
 */
export class ExpiryQueue<T extends Expiring> {
  private queue: Array<T | undefined> = [];
  private head = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly expired: (entry: T) => void,
  ) {}

  /** Entries waiting, expired ones not yet swept included. */
  get size(): number {
    return this.queue.length - this.head;
  }

  /** Add an entry whose expiresAt is not before any already queued (same lifetime, later start). */
  push(entry: T): void {
    this.queue.push(entry);
    if (this.timer === undefined) this.schedule();
  }

  /** Forget every entry without expiring it, and stop the timer. */
  close(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.head = 0;
  }

  private readonly sweep = (): void => {
    this.timer = undefined;
    const now = this.clock.now();
    const queue = this.queue;
    while (this.head < queue.length) {
      const entry = queue[this.head]!;
      if (entry.expiresAt > now) break;
      queue[this.head++] = undefined;
      this.expired(entry);
    }
    // expired() may have pushed (or closed the queue): look at the queue as it is now.
    if (this.queue !== queue) return;
    if (this.head === queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > queue.length) {
      this.queue = queue.slice(this.head);
      this.head = 0;
    }
    if (this.head < this.queue.length && this.timer === undefined) this.schedule();
  };

  private schedule(): void {
    const first = this.queue[this.head]!;
    const wait = Math.max(0, first.expiresAt - this.clock.now()) + SWEEP_GRANULARITY_MS;
    this.timer = this.clock.setTimeout(this.sweep, wait);
  }
}
