import type { Awaitable } from '../sip/auth/index.js';
import { detach } from '../sip/message/index.js';
import type { ProvisioningStore, Subscriber } from '../store/types.js';

interface Entry {
  subscriber: Subscriber | undefined;
  until: number;
}

/**
 * Subscribers (and their HA1s) remembered for a few seconds: every authenticated REGISTER and
 * INVITE needs one, and phones refresh far more often than operators change passwords. A change
 * made by another process (the CLI on the same store) takes effect within `ttlMs`; this process
 * can `invalidate()` at once. Unknown users are remembered too, so a scanner's guesses cost one
 * query per name per TTL; the map is bounded because those names come from the network.
 * Expired entries are swept every TTL, so a burst of registrations leaves nothing behind.
 */
export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Subscriber | undefined>>();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Pick<ProvisioningStore, 'getSubscriber'>,
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {
    if (ttlMs > 0) {
      this.timer = setInterval(() => this.sweep(), Math.max(ttlMs, 1000));
      this.timer.unref();
    }
  }

  /** At once on a hit or from a synchronous store (SQLite); a promise only while the store is asked. */
  getSubscriber(username: string, domain: string): Awaitable<Subscriber | undefined> {
    if (this.ttlMs <= 0) return this.store.getSubscriber(username, domain);
    const key = `${username}@${domain.toLowerCase()}`;
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return hit.subscriber;
    // Concurrent REGISTERs of one phone (fork, retransmission) share one query.
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    // Detached: the user name is cut from an Authorization header, and a key pointing into it
    // would keep the whole request alive for as long as the entry.
    const stored = detach(key);
    const found = this.store.getSubscriber(username, domain);
    if (!(found instanceof Promise)) {
      this.remember(stored, found);
      return found;
    }
    const load = found
      .then((subscriber) => {
        this.remember(stored, subscriber);
        return subscriber;
      })
      .finally(() => this.loading.delete(stored));
    this.loading.set(stored, load);
    return load;
  }

  /** Forget one subscriber (after a change made through this process), or everyone. */
  invalidate(username?: string, domain?: string): void {
    if (username === undefined || domain === undefined) this.entries.clear();
    else this.entries.delete(`${username}@${domain.toLowerCase()}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drop expired entries. Every entry lives ttlMs and a refresh re-inserts, so the oldest come first. */
  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.until > now) return;
      this.entries.delete(key);
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private remember(key: string, subscriber: Subscriber | undefined): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      // Oldest first: Map keeps insertion order, and a refresh re-inserts.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { subscriber, until: this.now() + this.ttlMs });
  }
}
