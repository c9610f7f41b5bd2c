import type { DigestAlgorithm } from '../sip/auth/index.js';
import type { ProvisioningStore } from '../store/types.js';

/**
 * The digest algorithms of the domains that chose their own (`domain set --auth-algorithms`), held
 * in memory: every challenge and every credential check asks, synchronously, so the answer must
 * never wait on the store. The table is small (one entry per such domain, written by operators,
 * never by the network); it is read again in the background once older than `ttlMs`, so a change
 * made by the CLI in another process takes effect within about that time, and a failed read keeps
 * the last good table.
 */
export class DomainAlgorithms {
  private byDomain = new Map<string, readonly DigestAlgorithm[]>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<ProvisioningStore, 'listDomains'>,
    private readonly ttlMs = 5000,
    private readonly now: () => number = Date.now,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Read the table now (at start, before the first request); rejects when the store does. */
  async load(): Promise<void> {
    const domains = await this.store.listDomains();
    const next = new Map<string, readonly DigestAlgorithm[]>();
    for (const d of domains) if (d.authAlgorithms?.length) next.set(d.name.toLowerCase(), d.authAlgorithms);
    this.byDomain = next;
    this.loadedAt = this.now();
  }

  /** The domain's own algorithms, or undefined when it follows the node's `auth.algorithms`. */
  for(domain: string): readonly DigestAlgorithm[] | undefined {
    if (this.now() - this.loadedAt >= this.ttlMs) this.refresh();
    if (this.byDomain.size === 0) return undefined;
    // Realms are served domains, which the store keeps lower-cased; most arrive that way already.
    return this.byDomain.get(domain) ?? this.byDomain.get(domain.toLowerCase());
  }

  /** Read the table again at the next lookup (after provisioning changes made by this process). */
  invalidate(): void {
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  private refresh(): void {
    if (this.loading) return;
    this.loading = this.load()
      .catch((error: unknown) => {
        // Keep the last table, and wait a full TTL before asking a failing store again.
        this.loadedAt = this.now();
        this.onError(error);
      })
      .finally(() => {
        this.loading = undefined;
      });
  }
}
