import { type Expiring, ExpiryQueue } from './expiry-queue.js';
import { TimerQueue } from './timer-queue.js';
import type { Clock } from './types.js';

/** A transaction as the layer's timers see it. */
export interface Timed extends Expiring {
  /** Timer A, E or G fired. */
  retransmitDue(): void;
  /** Timer B, F or H fired. */
  lifetimeDue(): void;
  /** The wait of Timer D, I, K, L or M is over. */
  expire(): void;
}

const retransmitDue = (tx: Timed): void => tx.retransmitDue();
const lifetimeDue = (tx: Timed): void => tx.lifetimeDue();
const expire = (tx: Timed): void => tx.expire();

/** One queue per duration, made on first use. */
class ByDuration<Q extends { close(): void }> {
  private readonly queues = new Map<number, Q>();

  constructor(private readonly make: () => Q) {}

  get(ms: number): Q {
    let queue = this.queues.get(ms);
    if (queue === undefined) {
      queue = this.make();
      this.queues.set(ms, queue);
    }
    return queue;
  }

  close(): void {
    for (const queue of this.queues.values()) queue.close();
  }
}

/**
 * Every timer of a layer's transactions, in queues shared by all transactions: one per kind and
 * duration. Nearly all timers start at a fixed duration (T1 for the first retransmission, 64·T1
 * for Timers B, F and H); only the doubled retransmission intervals (2·T1 up to T2) add queues,
 * and only retransmitting transactions use them. Retransmission and lifetime timers fire when due,
 * to the millisecond as Node timers would (RFC 3261 §17 times them from T1); the fixed waits,
 * never cancelled and seconds long, share sweeps SWEEP_GRANULARITY_MS apart.
 */
export class TimerQueues {
  readonly retransmissions = new ByDuration(() => new TimerQueue<Timed>(this.clock, retransmitDue));
  readonly lifetimes = new ByDuration(() => new TimerQueue<Timed>(this.clock, lifetimeDue));
  private readonly waits = new ByDuration(() => new ExpiryQueue<Timed>(this.clock, expire));

  constructor(private readonly clock: Clock) {}

  /** Call tx.expire() once tx.expiresAt, `ms` from now, has passed. */
  waitOut(tx: Timed, ms: number): void {
    this.waits.get(ms).push(tx);
  }

  /** Forget every timer (the layer is closing). */
  close(): void {
    this.retransmissions.close();
    this.lifetimes.close();
    this.waits.close();
  }
}
