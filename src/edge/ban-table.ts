import type { Ban, BanReason, UnbanReason } from './types.js';

export interface BanTableOptions {
  /** Bans held at most; past it the oldest ban is dropped (a spoofed-source flood cannot grow it). */
  maxBans: number;
  onBan?: (ban: Ban) => void;
  onUnban?: (ban: Ban, reason: UnbanReason) => void;
}

/** Banned source addresses with their end times; expired bans are removed when seen or swept. */
export class BanTable {
  private readonly bans = new Map<string, Ban>();

  constructor(private readonly options: BanTableOptions) {}

  get size(): number {
    return this.bans.size;
  }

  /** The live ban of `address` at `now`, counting the packet it is asked for; undefined if none. */
  check(address: string, now: number): Ban | undefined {
    const ban = this.bans.get(address);
    if (ban === undefined) return undefined;
    if (ban.until !== undefined && now >= ban.until) {
      this.remove(ban, 'expired');
      return undefined;
    }
    ban.dropped++;
    return ban;
  }

  /** Ban `address` for `durationMs` (undefined: until lifted); a longer existing ban is kept. */
  ban(address: string, reason: BanReason, now: number, durationMs: number | undefined): Ban {
    const until = durationMs === undefined ? undefined : now + durationMs;
    const existing = this.bans.get(address);
    if (existing !== undefined) {
      if (existing.until !== undefined && (until === undefined || until > existing.until)) {
        existing.until = until;
        existing.reason = reason;
      }
      return existing;
    }
    if (this.bans.size >= this.options.maxBans) {
      const oldest = this.bans.values().next();
      if (!oldest.done) this.remove(oldest.value, 'expired');
    }
    const ban: Ban = { address, reason, since: now, until, dropped: 0 };
    this.bans.set(address, ban);
    this.options.onBan?.(ban);
    return ban;
  }

  /** Lift a ban; false when there was none. */
  lift(address: string): boolean {
    const ban = this.bans.get(address);
    if (ban === undefined) return false;
    this.remove(ban, 'lifted');
    return true;
  }

  get(address: string, now: number): Ban | undefined {
    const ban = this.bans.get(address);
    if (ban?.until !== undefined && now >= ban.until) {
      this.remove(ban, 'expired');
      return undefined;
    }
    return ban;
  }

  /** Live bans, oldest first; expired ones are removed on the way. */
  list(now: number): Ban[] {
    this.sweep(now);
    return [...this.bans.values()];
  }

  /** Remove every expired ban (so unban events come on time); returns how many. */
  sweep(now: number): number {
    let removed = 0;
    for (const ban of [...this.bans.values()]) {
      if (ban.until !== undefined && now >= ban.until) {
        this.remove(ban, 'expired');
        removed++;
      }
    }
    return removed;
  }

  private remove(ban: Ban, reason: UnbanReason): void {
    this.bans.delete(ban.address);
    this.options.onUnban?.(ban, reason);
  }
}
