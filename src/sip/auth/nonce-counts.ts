import { detach } from '../message/index.js';

export const DEFAULT_MAX_NONCE_COUNTS = 100_000;

/** Expired entries examined per insertion: amortised O(1) clean-up without a timer. */
const SWEEP_STEP = 8;

interface Entry {
  nc: number;
  expiresAt: number;
}

/**
 * The highest nonce-count accepted per nonce (RFC 7616 §3.4: the server detects replays by
 * seeing nc again). Bounded: an entry lives until its nonce expires, after which the nonce is
 * stale anyway; at `maxEntries` the oldest is evicted (its nonce then only loses replay
 * protection until it expires, the trade-off for bounded memory under a flood).
 * Per process: a cluster sharing the nonce secret should keep clients on one node or share this.
 */
export class NonceCounts {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = DEFAULT_MAX_NONCE_COUNTS) {}

  get size(): number {
    return this.entries.size;
  }

  /** Whether `nc` is above the highest seen for this nonce (a cheap pre-check, records nothing). */
  isNew(nonce: string, nc: number, now: number): boolean {
    const entry = this.live(nonce, now);
    return entry === undefined || nc > entry.nc;
  }

  /** Record `nc` if it is above the highest seen; false for a replay. Check and record are atomic. */
  accept(nonce: string, nc: number, expiresAt: number, now: number): boolean {
    const entry = this.live(nonce, now);
    if (entry) {
      if (nc <= entry.nc) return false;
      entry.nc = nc;
      return true;
    }
    this.sweep(now);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    // Detached: the nonce is cut from the request's Authorization header, which the key would pin.
    this.entries.set(detach(nonce), { nc, expiresAt });
    return true;
  }

  private live(nonce: string, now: number): Entry | undefined {
    const entry = this.entries.get(nonce);
    if (entry && entry.expiresAt < now) {
      this.entries.delete(nonce);
      return undefined;
    }
    return entry;
  }

  /** Drop expired entries from the old end; insertion order is roughly expiry order. */
  private sweep(now: number): void {
    let n = 0;
    for (const [nonce, entry] of this.entries) {
      if (n++ >= SWEEP_STEP || entry.expiresAt >= now) return;
      this.entries.delete(nonce);
    }
  }
}
