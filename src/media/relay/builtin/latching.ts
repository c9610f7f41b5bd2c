import type { SourceKey } from '../../udp/index.js';

/** An address and port, as SDP names them and packets come from. */
export interface Address {
  address: string;
  port: number;
}

/** What the latch decided for one packet. */
export type LatchVerdict = 'accept' | 'latched' | 'drop';

/**
 * rtpengine's learning window (--endpoint-learning=delayed/heuristic: 3 s): after the first packet
 * the source may still be replaced by a better-ranked one for this long.
 */
export const LEARNING_MS = 3000;

/** Turns a socket's source key back into the address and port (DatagramSocket.describe). */
export type DescribeSource = (key: SourceKey) => Address;

/** node:dgram's source keys (src/media/udp/dgram-socket.ts): `port address`. */
export function describeDgramKey(key: SourceKey): Address {
  const text = String(key);
  const space = text.indexOf(' ');
  return { port: Number(text.slice(0, space)), address: text.slice(space + 1) };
}

/**
 * Symmetric latching of one side's RTP (or RTCP) source, after rtpengine's rules:
 * - the first packet's source is latched at once, so media flows without waiting;
 * - for LEARNING_MS after it, a source ranking better against the SDP address replaces it
 *   (rtpengine's `heuristic` ranking: address and port match > address match > port match > any);
 * - afterwards the latch is fixed and packets from any other source are dropped (rtpengine's
 *   `strict source`: no hijack after latching);
 * - an SDP with a new address (re-INVITE) starts learning again (rtpengine re-learns on it);
 * - `latch: false` (rtpengine's `asymmetric`) learns nothing: packets are accepted from anywhere
 *   and sent to the SDP address.
 * Sources are compared as the receiving socket's source keys (a number for IPv4 on the native
 * batch receiver, a string otherwise), so the common case is one comparison and no allocation; the
 * key is turned into an address only when it latches or competes during learning.
 */
export class Latch {
  private latchedKey: SourceKey | undefined;
  private latched: Address | undefined;
  private latchedRank = -1;
  private learningUntil = Number.POSITIVE_INFINITY;

  constructor(
    private sdp: Address | undefined,
    private enabled = true,
    private readonly describe: DescribeSource = describeDgramKey,
  ) {}

  /** Where to send to this side: the latched source, else the SDP address. */
  get destination(): Address | undefined {
    return this.latched ?? this.sdp;
  }

  get latchedTo(): Address | undefined {
    return this.latched;
  }

  /** A new SDP from this side: a changed address (or latching turned off) restarts learning. */
  update(sdp: Address | undefined, enabled: boolean): void {
    const changed = sdp?.address !== this.sdp?.address || sdp?.port !== this.sdp?.port;
    this.sdp = sdp;
    if (changed || enabled !== this.enabled) {
      this.latchedKey = undefined;
      this.latched = undefined;
      this.latchedRank = -1;
      this.learningUntil = Number.POSITIVE_INFINITY;
    }
    this.enabled = enabled;
  }

  private rank(source: Address): number {
    if (this.sdp === undefined) return 0;
    const sameAddress = source.address === this.sdp.address;
    const samePort = source.port === this.sdp.port;
    return sameAddress && samePort ? 3 : sameAddress ? 2 : samePort ? 1 : 0;
  }

  /**
   * ICE chose this source (a valid check, or USE-CANDIDATE, RFC 8445 §7.3.1.5): latch to it at
   * once and keep it, whatever its rank.
   */
  nominate(key: SourceKey): void {
    if (key === this.latchedKey) return;
    this.latchedKey = key;
    this.latched = this.describe(key);
    this.latchedRank = Number.POSITIVE_INFINITY;
    this.learningUntil = 0;
  }

  /** Decides on a packet from the source `key` received at `nowMs`. */
  check(key: SourceKey, nowMs: number): LatchVerdict {
    if (!this.enabled) return 'accept';
    if (key === this.latchedKey) return 'accept';
    if (this.latchedKey === undefined) {
      this.latchedKey = key;
      this.latched = this.describe(key);
      this.latchedRank = this.rank(this.latched);
      this.learningUntil = nowMs + LEARNING_MS;
      return 'latched';
    }
    if (nowMs < this.learningUntil) {
      const source = this.describe(key);
      const rank = this.rank(source);
      if (rank > this.latchedRank) {
        this.latchedKey = key;
        this.latched = source;
        this.latchedRank = rank;
        return 'latched';
      }
    }
    return 'drop';
  }
}
