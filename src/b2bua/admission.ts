/** Limits per subscriber, domain and trunk; 0 means none. */
export interface AdmissionLimits {
  /** Calls in progress at once, per subscriber, per domain, per trunk. */
  concurrent: { subscriber: number; domain: number; trunk: number };
  /** New calls per second, for each subscriber, domain and trunk alike. */
  perSecond: number;
  /** Called numbers never refused (emergency services), digits as dialled, '+' ignored. */
  emergency: readonly string[];
}

/** One subscriber's, domain's or trunk's own limits (its call policy); absent ones are the node's. */
export interface EntityLimits {
  concurrent?: number;
  perSecond?: number;
}

/** Who a call counts against. */
export interface CallParties {
  subscriber?: string;
  domain?: string;
  trunks: string[];
  /** The called user part (number). */
  callee?: string;
  /** Limits of these parties that override the node's, by `kind:name` (`trunk:carrier-a`). */
  limits?: ReadonlyMap<string, EntityLimits>;
}

/** Why a call is refused: the status, its Reason, and when to try again. */
export interface Refusal {
  status: 403 | 503;
  reason: string;
  retryAfter?: number;
}

type Counted = Array<[kind: 'subscriber' | 'domain' | 'trunk', name: string]>;

/** An admitted call: what it counts against (`kind:name`), and how it stops counting. */
export interface Admitted {
  readonly keys: readonly string[];
  release(): void;
}

/**
 * Call admission control: a new call over a concurrent-call limit is refused 403, over a
 * calls-per-second limit 503 with Retry-After (both with an RFC 3326 Reason); emergency numbers
 * always pass. The limits are the node's, or a party's own (its call policy: 0 is no limit).
 * An admitted call counts until `release`.
 */
export class AdmissionControl {
  private readonly active = new Map<string, number>();
  private readonly rate = new Map<string, { second: number; count: number }>();

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls in progress counted against `kind:name` (for tests and metrics). */
  count(kind: string, name: string): number {
    return this.active.get(`${kind}:${name}`) ?? 0;
  }

  /**
   * Admit a call (returns the release function) or refuse it. `replacing`: a call this one takes
   * the place of (a transfer's call, while the call it came from still counts until the transfer
   * completes): its own count is not held against the new call's concurrent limits.
   */
  admit(parties: CallParties, replacing?: Admitted): Admitted | Refusal {
    const counted: Counted = [];
    if (parties.subscriber) counted.push(['subscriber', parties.subscriber]);
    if (parties.domain) counted.push(['domain', parties.domain]);
    for (const trunk of parties.trunks) counted.push(['trunk', trunk]);
    if (!this.isEmergency(parties.callee)) {
      const refusal = this.check(counted, parties.limits, new Set(replacing?.keys));
      if (refusal) return refusal;
    }
    const second = Math.floor(this.now() / 1000);
    for (const [kind, name] of counted) {
      const key = `${kind}:${name}`;
      this.active.set(key, (this.active.get(key) ?? 0) + 1);
      const window = this.rate.get(key);
      if (window?.second === second) window.count++;
      else this.rate.set(key, { second, count: 1 });
    }
    let released = false;
    return {
      keys: counted.map(([kind, name]) => `${kind}:${name}`),
      release: () => {
        if (released) return;
        released = true;
        for (const [kind, name] of counted) {
          const key = `${kind}:${name}`;
          const n = (this.active.get(key) ?? 1) - 1;
          if (n > 0) this.active.set(key, n);
          else {
            this.active.delete(key);
            if ((this.rate.get(key)?.second ?? 0) < Math.floor(this.now() / 1000)) this.rate.delete(key);
          }
        }
      },
    };
  }

  private check(
    counted: Counted,
    own: ReadonlyMap<string, EntityLimits> | undefined,
    replaced: ReadonlySet<string>,
  ): Refusal | undefined {
    const second = Math.floor(this.now() / 1000);
    for (const [kind, name] of counted) {
      const key = `${kind}:${name}`;
      const entity = own?.get(key);
      const max = entity?.concurrent ?? this.limits.concurrent[kind];
      const active = (this.active.get(key) ?? 0) - (replaced.has(key) ? 1 : 0);
      if (max > 0 && active >= max) {
        return {
          status: 403,
          reason: `SIP;cause=403;text="Too many calls of ${kind} ${name.replace(/["\\]/g, '')}"`,
        };
      }
      const perSecond = entity?.perSecond ?? this.limits.perSecond;
      const window = this.rate.get(key);
      if (perSecond > 0 && window?.second === second && window.count >= perSecond) {
        return { status: 503, reason: `SIP;cause=503;text="Call rate of ${kind} over limit"`, retryAfter: 1 };
      }
    }
    return undefined;
  }

  private isEmergency(callee: string | undefined): boolean {
    if (!callee) return false;
    const digits = callee.replace(/^\+/, '');
    return this.limits.emergency.includes(digits);
  }
}
