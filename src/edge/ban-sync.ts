import type { BanRepository, StoredBan } from '../store/index.js';
import type { EdgeGuard } from './edge-guard.js';
import type { Ban, UnbanReason } from './types.js';

export interface BanSyncOptions {
  store: BanRepository;
  guard: EdgeGuard;
  /** This node's name in the rows it writes. */
  node: string;
  /** How often the store is read for other nodes' bans and lifts; 0: only at start. */
  pollIntervalMs: number;
  onError: (error: unknown) => void;
  now?: () => number;
}

/** Expired rows are deleted this often (any node may do it: the delete is idempotent). */
const PURGE_INTERVAL_MS = 60_000;

/**
 * The edge's bans kept in the store (issue 11): what this node bans or lifts is written there;
 * at start, and then by polling every `pollIntervalMs`, the live bans of the store become this
 * node's too (a restart keeps them; nodes sharing one PostgreSQL see each other's), and a ban
 * this node had from the store and that is gone from it (lifted elsewhere) is lifted here.
 * Polling, not the event bus: the bus is in-process, the store is what the nodes share.
 */
export class BanSync {
  /** Addresses this node knows to be in the store, with when it learnt so. */
  private readonly shared = new Map<string, number>();
  /** Set while the sync itself changes the guard's bans: those are not written back. */
  private applying = false;
  private polling = false;
  private lastPurge = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: BanSyncOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Read the store's bans once (restored before the node takes traffic), then keep polling. A
   * store that cannot be read is reported, not fatal: the edge works on with its own bans.
   */
  async start(): Promise<void> {
    await this.poll().catch(this.options.onError);
    if (this.options.pollIntervalMs > 0) {
      this.timer = setInterval(() => {
        this.poll().catch(this.options.onError);
      }, this.options.pollIntervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A ban this node issued (the guard's onBan): written to the store. */
  banned(ban: Ban): void {
    if (this.applying) return;
    const stored: StoredBan = {
      address: ban.address,
      reason: ban.reason,
      since: new Date(ban.since),
      node: this.options.node,
    };
    if (ban.until !== undefined) stored.until = new Date(ban.until);
    this.options.store
      .saveBan(stored)
      .then(() => this.shared.set(ban.address, this.now()), this.options.onError);
  }

  /** A ban ended here: a lift is deleted from the store; an expiry needs nothing (rows expire too). */
  unbanned(ban: Ban, reason: UnbanReason): void {
    if (this.applying) return;
    this.shared.delete(ban.address);
    if (reason === 'lifted') this.options.store.removeBan(ban.address).catch(this.options.onError);
  }

  /** One round: adopt the store's live bans, lift those gone from it, purge expired rows now and then. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const started = this.now();
      const live = await this.options.store.liveBans(new Date(started));
      this.apply(live, started);
      if (started - this.lastPurge >= PURGE_INTERVAL_MS) {
        this.lastPurge = started;
        await this.options.store.purgeExpiredBans(new Date(started));
      }
    } finally {
      this.polling = false;
    }
  }

  private apply(live: readonly StoredBan[], readAt: number): void {
    const { guard } = this.options;
    const inStore = new Set<string>();
    this.applying = true;
    try {
      for (const stored of live) {
        inStore.add(stored.address);
        const until = stored.until?.getTime();
        const local = guard.get(stored.address);
        const longer = local?.until !== undefined && (until === undefined || until > local.until);
        if (!local || longer) guard.adopt(stored.address, stored.reason, until);
        if (!this.shared.has(stored.address)) this.shared.set(stored.address, readAt);
      }
      // Known to be in the store before this read, and not in it now: lifted by another node.
      for (const [address, since] of [...this.shared]) {
        if (inStore.has(address) || since > readAt) continue;
        this.shared.delete(address);
        guard.lift(address);
      }
    } finally {
      this.applying = false;
    }
  }
}
