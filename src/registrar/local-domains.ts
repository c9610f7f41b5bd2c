import type { ProvisioningStore } from '../store/types.js';

/**
 * Whether a domain is served by this platform, asked of the store and remembered briefly: every
 * routed request asks, and the answer changes only when an operator adds or removes a domain.
 */
export class LocalDomains {
  private readonly cache = new Map<string, { served: boolean; until: number }>();

  constructor(
    private readonly store: Pick<ProvisioningStore, 'hasDomain'>,
    private readonly ttlMs = 5000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async has(domain: string): Promise<boolean> {
    const name = domain.toLowerCase();
    const now = this.now();
    const hit = this.cache.get(name);
    if (hit && hit.until > now) return hit.served;
    const served = await this.store.hasDomain(name);
    // Bounded: names come from the network, so a flood of random domains must not grow this.
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(name, { served, until: now + this.ttlMs });
    return served;
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
