import type { PacketFilter } from '../sip/stack/index.js';
import type { InboundPacket } from '../sip/transport/index.js';
import type { AllowList } from './allow-list.js';
import { BanTable } from './ban-table.js';
import { RateTracker } from './rate-tracker.js';
import type { ScannerDetector } from './scanners.js';
import type { Ban, BanReason, DropReason, UnbanReason } from './types.js';

export interface EdgeGuardOptions {
  /** Requests per window from one source before it is banned; 0 disables the flood check. */
  floodRequests: number;
  floodWindowMs: number;
  floodBanMs: number;
  /** Failed authentications (in the authenticator's window) before a ban; 0 disables. */
  authFailures: number;
  authBanMs: number;
  scannerBanMs: number;
  /** Sources tracked at most (rates) and bans held at most. */
  maxSources: number;
  scanners: ScannerDetector;
  allow: AllowList;
  now?: () => number;
  onBan?: (ban: Ban, detail: string | undefined) => void;
  onUnban?: (ban: Ban, reason: UnbanReason) => void;
}

/**
 * The node's first line (issue 11 part 4): every packet passes here before it is parsed.
 * Banned sources are dropped unanswered; a scanner's User-Agent or a request rate past the
 * limit (Kamailio pike) bans its source; so do repeated failed authentications. Allowed
 * sources (operators' networks, trunks) are never limited nor banned.
 */
export class EdgeGuard implements PacketFilter {
  readonly bans: BanTable;
  readonly dropped: Record<DropReason, number> = { banned: 0, flood: 0, scanner: 0 };
  readonly bansIssued: Record<BanReason, number> = { flood: 0, scanner: 0, auth: 0, manual: 0 };
  private readonly rates: RateTracker | undefined;
  private readonly now: () => number;
  private pendingDetail: string | undefined;
  /** Set while a ban from the store is adopted: it was issued (and counted) elsewhere. */
  private adopting = false;

  constructor(private readonly options: EdgeGuardOptions) {
    this.now = options.now ?? Date.now;
    this.bans = new BanTable({
      maxBans: options.maxSources,
      onBan: (ban) => {
        if (!this.adopting) this.bansIssued[ban.reason]++;
        options.onBan?.(ban, this.pendingDetail);
      },
      onUnban: options.onUnban,
    });
    this.rates =
      options.floodRequests > 0
        ? new RateTracker({
            limit: options.floodRequests,
            windowMs: options.floodWindowMs,
            maxSources: options.maxSources,
          })
        : undefined;
  }

  admit(packet: InboundPacket): boolean {
    const address = packet.source.address;
    const now = this.now();
    if (this.bans.check(address, now) !== undefined) {
      this.dropped.banned++;
      return false;
    }
    // Responses answer what we sent; a keep-alive (CRLF) is no request either.
    if (!isRequest(packet.data)) return true;
    if (this.options.allow.allows(address)) return true;
    const scanner = this.options.scanners.detect(packet.data);
    if (scanner !== undefined) {
      this.dropped.scanner++;
      this.issue(address, 'scanner', this.options.scannerBanMs, `User-Agent matches ${scanner}`);
      return false;
    }
    if (this.rates?.hit(address, now)) {
      this.dropped.flood++;
      this.rates.forget(address);
      this.issue(
        address,
        'flood',
        this.options.floodBanMs,
        `more than ${this.options.floodRequests} requests in ${this.options.floodWindowMs} ms`,
      );
      return false;
    }
    return true;
  }

  /** A failed authentication from `address`, the `failures`th in the authenticator's window. */
  authenticationFailed(address: string, failures: number): void {
    const limit = this.options.authFailures;
    if (limit <= 0 || failures < limit || this.options.allow.allows(address)) return;
    this.issue(address, 'auth', this.options.authBanMs, `${failures} failed authentications`);
  }

  /** An operator's ban (CLI, API); refused for allowed sources. */
  banManually(address: string, durationMs: number | undefined): Ban {
    if (this.options.allow.allows(address)) {
      throw new AllowedSourceError(address);
    }
    return this.issue(address, 'manual', durationMs, 'by an operator');
  }

  /**
   * A ban kept in the store (another node's, or this node's before a restart) made this node's
   * until `until` (ms since the epoch; undefined: until lifted). Allowed sources here stay allowed.
   */
  adopt(address: string, reason: BanReason, until: number | undefined): Ban | undefined {
    if (this.options.allow.allows(address)) return undefined;
    const now = this.now();
    if (until !== undefined && until <= now) return undefined;
    this.adopting = true;
    try {
      return this.issue(address, reason, until === undefined ? undefined : until - now, 'kept in the store');
    } finally {
      this.adopting = false;
    }
  }

  /** Live bans, oldest first. */
  list(): Ban[] {
    return this.bans.list(this.now());
  }

  get(address: string): Ban | undefined {
    return this.bans.get(address, this.now());
  }

  lift(address: string): boolean {
    return this.bans.lift(address);
  }

  isAllowed(address: string): boolean {
    return this.options.allow.allows(address);
  }

  /** Remove expired bans now (their edge.unbanned events go out). */
  sweep(): void {
    this.bans.sweep(this.now());
  }

  private issue(address: string, reason: BanReason, durationMs: number | undefined, detail: string): Ban {
    this.pendingDetail = detail;
    try {
      return this.bans.ban(address, reason, this.now(), durationMs);
    } finally {
      this.pendingDetail = undefined;
    }
  }
}

/** An allowed source (edge.allow, a trunk's network) cannot be banned. */
export class AllowedSourceError extends Error {
  constructor(readonly address: string) {
    super(`${address} is allowed (edge.allow or a trunk's inbound network) and is never banned`);
    this.name = 'AllowedSourceError';
  }
}

/** Whether a raw message starts like a request: responses start with `SIP/`. */
function isRequest(data: Buffer): boolean {
  if (data.length < 8) return false;
  return !(data[0] === 0x53 && data[1] === 0x49 && data[2] === 0x50 && data[3] === 0x2f);
}
