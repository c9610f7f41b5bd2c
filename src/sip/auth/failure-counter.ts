export interface FailureCounterOptions {
  /** Failures are counted per fixed window of this length (default one minute). */
  windowMs?: number;
  /** Addresses remembered at most; the least recently failing is forgotten first. */
  maxEntries?: number;
  now?: () => number;
}

interface Window {
  start: number;
  count: number;
}

/**
 * Failed authentication attempts per source address in the current window, for the edge to
 * ban password guessers (svcrack, RFC 3261 §26.1.1 threat). Counts reset when the window
 * passes; memory is bounded by `maxEntries`.
 */
export class FailureCounter {
  private readonly entries = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: FailureCounterOptions = {}) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Count one failure; returns the failures in the current window, this one included. */
  recordFailure(address: string): number {
    const now = this.now();
    let entry = this.entries.get(address);
    if (entry) this.entries.delete(address); // re-insert: Map order becomes recency order
    if (!entry || now - entry.start >= this.windowMs) entry = { start: now, count: 0 };
    entry.count++;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(address, entry);
    return entry.count;
  }

  failuresFor(address: string): number {
    const entry = this.entries.get(address);
    if (!entry) return 0;
    if (this.now() - entry.start >= this.windowMs) {
      this.entries.delete(address);
      return 0;
    }
    return entry.count;
  }

  /** Forget an address, e.g. after it authenticated. */
  clear(address: string): void {
    this.entries.delete(address);
  }
}
