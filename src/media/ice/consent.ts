/**
 * Consent freshness (RFC 7675) as a lite agent sees it: the full agent's Binding requests are
 * its consent (§5.1 has the full agent send them every ~5 s). Without one for `timeoutMs` (30 s,
 * RFC 7675 §5.1) consent is lost: the relay must stop sending to that address (§5.2).
 */
export class ConsentFreshness {
  private lastAt: number | undefined;
  private expiredReported = false;

  constructor(readonly timeoutMs: number) {}

  /** A valid Binding request arrived at `at`. */
  refresh(at: number): void {
    this.lastAt = at;
    this.expiredReported = false;
  }

  /** Consent is held: a valid request came within the timeout. */
  granted(now: number): boolean {
    return this.lastAt !== undefined && now - this.lastAt < this.timeoutMs;
  }

  /** True once per loss: consent was held and the timeout passed since the last request. */
  justExpired(now: number): boolean {
    if (this.lastAt === undefined || this.expiredReported || this.granted(now)) return false;
    this.expiredReported = true;
    return true;
  }

  get lastRefreshAt(): number | undefined {
    return this.lastAt;
  }
}
