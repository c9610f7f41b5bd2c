import type { Clock, TimerHandle } from './types.js';

/** Where an entry waits, for cancel(): valid until the entry fires or is cancelled. */
export type Ticket = number;

/** Tickets count modulo 2^30 so that they stay small integers (V8 Smis) however long a queue runs. */
const TICKET_MASK = 0x3fff_ffff;
const MIN_CAPACITY = 64;
/** An emptied queue bigger than this gives its slots back (after a burst). */
const SHRINK_ABOVE = 4096;

/**
 * Entries that all wait the same delay, fired in arrival order by one clock timer for the whole
 * queue. A Node timer per entry costs a Timeout object, a closure and a timer-list lookup; here an
 * entry costs two slots of a ring buffer. cancel() empties the entry's slot (letting the entry go
 * at once) and leaves the clock timer alone: it may fire with nothing due and then sets itself for
 * the oldest entry left. Nearly every transaction timer is cancelled long before it is due (a
 * response stops Timers A/B/E/F within a round trip), so the clock timer runs about once per delay,
 * not once per entry.
 */
export class TimerQueue<T> {
  private entries: Array<T | undefined> = emptySlots(MIN_CAPACITY);
  private dues = new Float64Array(MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  /** The ticket of the oldest slot, which is never a cancelled one. */
  private head = 0;
  /** Slots from the head on, cancelled ones included. */
  private count = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (entry: T) => void,
    /** Entries due closer together than this share one sweep: one may fire up to this late. */
    private readonly granularityMs = 0,
  ) {}

  /** Entries waiting, cancelled ones not yet passed over included. */
  get size(): number {
    return this.count;
  }

  /** Fire `entry` at `due`, which must not be before any queued entry's (same delay, later start). */
  add(entry: T, due: number): Ticket {
    if (this.count === this.entries.length) this.grow();
    const ticket = (this.head + this.count) & TICKET_MASK;
    const slot = ticket & this.mask;
    this.entries[slot] = entry;
    this.dues[slot] = due;
    // A queue with entries has its timer pending, or is being swept and sets it when done.
    if (this.count++ === 0 && this.timer === undefined) this.schedule(due);
    return ticket;
  }

  cancel(ticket: Ticket): void {
    if (((ticket - this.head) & TICKET_MASK) >= this.count) return; // fired, or the queue closed
    this.entries[ticket & this.mask] = undefined;
    if (ticket === this.head) this.passCancelled();
  }

  /** Forget every entry without firing it, and stop the timer. */
  close(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.count = 0;
    this.allocate(MIN_CAPACITY);
  }

  private readonly sweep = (): void => {
    this.timer = undefined;
    const now = this.clock.now();
    try {
      // fire() may add, cancel or close: read the queue afresh each time round.
      while (this.count > 0) {
        const slot = this.head & this.mask;
        if (this.dues[slot]! > now) break;
        const entry = this.entries[slot]!;
        this.entries[slot] = undefined;
        this.passCancelled();
        this.fire(entry);
      }
    } finally {
      // Even after a throw: the entries behind must not wait for a timer nobody sets.
      if (this.count > 0 && this.timer === undefined) this.schedule(this.dues[this.head & this.mask]!);
    }
  };

  /** Move the head past its emptied slot and any cancelled ones after it. */
  private passCancelled(): void {
    do {
      this.head = (this.head + 1) & TICKET_MASK;
      this.count--;
    } while (this.count > 0 && this.entries[this.head & this.mask] === undefined);
    if (this.count === 0 && this.entries.length > SHRINK_ABOVE) this.allocate(MIN_CAPACITY);
  }

  private schedule(due: number): void {
    const wait = Math.max(0, due - this.clock.now()) + this.granularityMs;
    this.timer = this.clock.setTimeout(this.sweep, wait);
  }

  private grow(): void {
    const { entries, dues, mask } = this;
    this.allocate(2 * entries.length);
    for (let i = 0; i < this.count; i++) {
      const ticket = (this.head + i) & TICKET_MASK;
      this.entries[ticket & this.mask] = entries[ticket & mask];
      this.dues[ticket & this.mask] = dues[ticket & mask]!;
    }
  }

  private allocate(capacity: number): void {
    this.entries = emptySlots(capacity);
    this.dues = new Float64Array(capacity);
    this.mask = capacity - 1;
  }
}

function emptySlots<T>(capacity: number): Array<T | undefined> {
  return new Array<T | undefined>(capacity).fill(undefined);
}
