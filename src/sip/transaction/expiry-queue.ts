import { TimerQueue } from './timer-queue.js';
import type { Clock } from './types.js';

/** Something that waits out a fixed lifetime and then ends. */
export interface Expiring {
  readonly expiresAt: number;
}

/** Expiries closer together than this share one timer run: an entry may outlive its time by it. */
export const SWEEP_GRANULARITY_MS = 100;

/**
 * Entries that all wait the same time (Timer D, I, J, K, L or M: 64·T1, T4 or 32 s) and are never
 * cancelled (a transaction ended early ignores its expiry), expired in arrival order by one timer.
 */
export class ExpiryQueue<T extends Expiring> extends TimerQueue<T> {
  constructor(clock: Clock, expired: (entry: T) => void) {
    super(clock, expired, SWEEP_GRANULARITY_MS);
  }

  /** Add an entry whose expiresAt is not before any already queued (same lifetime, later start). */
  push(entry: T): void {
    this.add(entry, entry.expiresAt);
  }
}
