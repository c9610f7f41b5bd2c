import { detach } from '../sip/message/index.js';
import type { ProvisioningStore } from '../store/types.js';

/**
 * Whether a domain is served by this platform, asked of the store and remembered briefly: every
 * routed request asks, and the answer changes only when an operator adds or removes a domain.
 */
export class LocalDomains {
  private readonly cache = new Map<string, { served: boolean; until: number }>();
  /** Questions to the store under way: the requests arriving meanwhile share them. */
  private readonly asking = new Map<string, Promise<boolean>>();

  constructor(
    private readonly store: Pick<ProvisioningStore, 'hasDomain'>,
    private readonly ttlMs = 5000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async has(domain: string): Promise<boolean> {
    const cached = this.cached(domain);
    if (cached !== undefined) return cached;
    // Detached: a key cut from a request would keep the request alive as long as the entry.
    const name = detach(domain.toLowerCase());
    // When an entry expires under load, one query, not one per request until it is answered.
    const asking = this.asking.get(name);
    if (asking) return asking;
    const now = this.now();
    const answer = this.store
      .hasDomain(name)
      .then((served) => {
        // Bounded: names come from the network, so a flood of random domains must not grow this.
        if (this.cache.size >= this.maxEntries) this.cache.clear();
        this.cache.set(name, { served, until: now + this.ttlMs });
        return served;
      })
      .finally(() => this.asking.delete(name));
    this.asking.set(name, answer);
    return answer;
  }

  /**
   * The cached answer while it is fresh, undefined when the store must be asked: routing decides
   * without a promise per request when it can (the answer is the same one `has` would give).
   */
  cached(domain: string): boolean | undefined {
    const hit = this.cache.get(domain.toLowerCase());
    return hit && hit.until > this.now() ? hit.served : undefined;
  }

  /** Forget cached answers (after provisioning changes). */
  invalidate(): void {
    this.cache.clear();
  }
}
