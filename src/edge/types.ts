/** Why a source was banned. */
export type BanReason = 'flood' | 'scanner' | 'auth' | 'manual';

export const BAN_REASONS: readonly BanReason[] = ['flood', 'scanner', 'auth', 'manual'];

/** Why a packet was dropped before parsing. */
export type DropReason = 'banned' | 'flood' | 'scanner';

export const DROP_REASONS: readonly DropReason[] = ['banned', 'flood', 'scanner'];

/** One banned source address. */
export interface Ban {
  address: string;
  reason: BanReason;
  /** When the ban started, ms since the epoch. */
  since: number;
  /** When it ends, ms since the epoch; undefined: until lifted (or the node restarts). */
  until: number | undefined;
  /** Packets dropped from this source since the ban started. */
  dropped: number;
}

/** Why a ban ended. */
export type UnbanReason = 'expired' | 'lifted';
