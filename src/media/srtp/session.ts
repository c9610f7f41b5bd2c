import { createHmac, timingSafeEqual } from 'node:crypto';
import { aesCm, packetIv } from './aes-cm.js';
import { IndexEstimator } from './index-estimate.js';
import { type SessionKeys, sessionKeys } from './key-derivation.js';
import { ReplayWindow } from './replay.js';
import {
  MASTER_KEY_LENGTH,
  MASTER_SALT_LENGTH,
  RTCP_TAG_LENGTH,
  rtpTagLength,
  type SrtpSuite,
} from './suites.js';

/** Why an inbound packet was refused; nothing is thrown for bad input. */
export interface SrtpCounters {
  /** Auth tag did not verify (RFC 3711 §3.3 step 5). */
  authFailures: number;
  /** Index already seen or behind the replay window (§3.3.2). */
  replays: number;
  /** Too short to hold a header and tag, or not version 2. */
  malformed: number;
}

interface StreamState {
  estimator: IndexEstimator;
  replay: ReplayWindow;
}

/** Where an RTP packet's payload starts (RFC 3550 §5.1/§5.3.1), or -1 if the header overruns it. */
function rtpHeaderLength(packet: Buffer, end: number): number {
  let length = 12 + (packet[0]! & 0x0f) * 4;
  if (packet[0]! & 0x10) {
    if (length + 4 > end) return -1;
    length += 4 + packet.readUInt16BE(length + 2) * 4;
  }
  return length > end ? -1 : length;
}

/**
 * One direction of SRTP and SRTCP (RFC 3711) keyed by one SDES master key and salt: protect()
 * for what the relay sends with its own key, unprotect() for what it receives with the peer's.
 * Cryptographic context per SSRC (ROC, s_l, replay list) as §3.2.3 keys it by SSRC.
 */
export class SrtpSession {
  readonly counters: SrtpCounters = { authFailures: 0, replays: 0, malformed: 0 };
  private readonly rtpKeys: SessionKeys;
  private readonly rtcpKeys: SessionKeys;
  private readonly tagLength: number;
  private readonly streams = new Map<number, StreamState>();
  private readonly rtcpReplay = new Map<number, ReplayWindow>();
  /** Our SRTCP index per SSRC (§3.4: a 31-bit counter the sender keeps). */
  private readonly rtcpIndex = new Map<number, number>();

  constructor(
    readonly suite: SrtpSuite,
    masterKey: Buffer,
    masterSalt: Buffer,
  ) {
    if (masterKey.length !== MASTER_KEY_LENGTH || masterSalt.length !== MASTER_SALT_LENGTH)
      throw new RangeError(`${suite} needs a 16-byte master key and a 14-byte master salt`);
    this.rtpKeys = sessionKeys(masterKey, masterSalt, false);
    this.rtcpKeys = sessionKeys(masterKey, masterSalt, true);
    this.tagLength = rtpTagLength(suite);
  }

  private stream(ssrc: number): StreamState {
    let state = this.streams.get(ssrc);
    if (state === undefined) {
      state = { estimator: new IndexEstimator(), replay: new ReplayWindow() };
      this.streams.set(ssrc, state);
    }
    return state;
  }

  private tag(keys: SessionKeys, parts: Buffer[], length: number): Buffer {
    const hmac = createHmac('sha1', keys.authentication);
    for (const part of parts) hmac.update(part);
    return hmac.digest().subarray(0, length);
  }

  /** RTP → SRTP (§3.3): payload encrypted, tag over header ‖ ciphertext ‖ ROC appended. */
  protectRtp(packet: Buffer): Buffer | undefined {
    const headerLength =
      packet.length >= 12 && packet[0]! >> 6 === 2 ? rtpHeaderLength(packet, packet.length) : -1;
    if (headerLength < 0) return undefined;
    const seq = packet.readUInt16BE(2);
    const ssrc = packet.readUInt32BE(8);
    const state = this.stream(ssrc);
    const index = state.estimator.estimate(seq);
    state.estimator.update(index);
    const iv = packetIv(this.rtpKeys.salt, ssrc, index);
    const payload = aesCm(this.rtpKeys.encryption, iv, packet.subarray(headerLength));
    const header = packet.subarray(0, headerLength);
    const roc = Buffer.alloc(4);
    roc.writeUInt32BE(IndexEstimator.roc(index) >>> 0);
    const tag = this.tag(this.rtpKeys, [header, payload, roc], this.tagLength);
    return Buffer.concat([header, payload, tag]);
  }

  /** SRTP → RTP (§3.3): undefined (and counted) when malformed, replayed or not authentic. */
  unprotectRtp(packet: Buffer): Buffer | undefined {
    const end = packet.length - this.tagLength;
    const headerLength = end >= 12 && packet[0]! >> 6 === 2 ? rtpHeaderLength(packet, end) : -1;
    if (headerLength < 0) {
      this.counters.malformed++;
      return undefined;
    }
    const seq = packet.readUInt16BE(2);
    const ssrc = packet.readUInt32BE(8);
    const state = this.stream(ssrc);
    const index = state.estimator.estimate(seq);
    if (!state.replay.check(index)) {
      this.counters.replays++;
      return undefined;
    }
    const roc = Buffer.alloc(4);
    roc.writeUInt32BE(IndexEstimator.roc(index) >>> 0);
    const expected = this.tag(this.rtpKeys, [packet.subarray(0, end), roc], this.tagLength);
    if (!timingSafeEqual(expected, packet.subarray(end))) {
      this.counters.authFailures++;
      return undefined;
    }
    // §3.3.1: ROC, s_l and the replay list change only after authentication.
    state.estimator.update(index);
    state.replay.accept(index);
    const iv = packetIv(this.rtpKeys.salt, ssrc, index);
    const payload = aesCm(this.rtpKeys.encryption, iv, packet.subarray(headerLength, end));
    return Buffer.concat([packet.subarray(0, headerLength), payload]);
  }

  /** RTCP → SRTCP (§3.4): all after the first 8 bytes encrypted, E=1 ‖ index, 80-bit tag. */
  protectRtcp(packet: Buffer): Buffer | undefined {
    if (packet.length < 8 || packet[0]! >> 6 !== 2) return undefined;
    const ssrc = packet.readUInt32BE(4);
    const index = this.rtcpIndex.get(ssrc) ?? 0;
    this.rtcpIndex.set(ssrc, (index + 1) & 0x7fffffff);
    const iv = packetIv(this.rtcpKeys.salt, ssrc, index);
    const body = aesCm(this.rtcpKeys.encryption, iv, packet.subarray(8));
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32BE((0x80000000 | index) >>> 0);
    const head = packet.subarray(0, 8);
    const tag = this.tag(this.rtcpKeys, [head, body, trailer], RTCP_TAG_LENGTH);
    return Buffer.concat([head, body, trailer, tag]);
  }

  /** SRTCP → RTCP (§3.4): undefined (and counted) when malformed, replayed or not authentic. */
  unprotectRtcp(packet: Buffer): Buffer | undefined {
    const end = packet.length - RTCP_TAG_LENGTH - 4;
    if (end < 8 || packet[0]! >> 6 !== 2) {
      this.counters.malformed++;
      return undefined;
    }
    const ssrc = packet.readUInt32BE(4);
    const trailer = packet.readUInt32BE(end);
    const encrypted = (trailer & 0x80000000) !== 0;
    const index = trailer & 0x7fffffff;
    let replay = this.rtcpReplay.get(ssrc);
    if (replay === undefined) {
      replay = new ReplayWindow();
      this.rtcpReplay.set(ssrc, replay);
    }
    if (!replay.check(index)) {
      this.counters.replays++;
      return undefined;
    }
    const expected = this.tag(this.rtcpKeys, [packet.subarray(0, end + 4)], RTCP_TAG_LENGTH);
    if (!timingSafeEqual(expected, packet.subarray(end + 4))) {
      this.counters.authFailures++;
      return undefined;
    }
    replay.accept(index);
    const head = packet.subarray(0, 8);
    // E = 0: the sender chose not to encrypt this compound packet (§3.4), it is still authenticated.
    if (!encrypted) return Buffer.from(packet.subarray(0, end));
    const iv = packetIv(this.rtcpKeys.salt, ssrc, index);
    return Buffer.concat([head, aesCm(this.rtcpKeys.encryption, iv, packet.subarray(8, end))]);
  }
}
