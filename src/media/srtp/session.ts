import { packetIv } from './aes-cm.js';
import { AesCmCipher } from './aes-cm-cipher.js';
import { HmacSha1 } from './hmac-sha1.js';
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

/** The session keys of one direction as the packet path uses them: ciphers made once per key. */
interface KeyedCrypto {
  salt: Buffer;
  cipher: AesCmCipher;
  mac: HmacSha1;
}

function keyed(keys: SessionKeys): KeyedCrypto {
  return {
    salt: keys.salt,
    cipher: new AesCmCipher(keys.encryption),
    mac: new HmacSha1(keys.authentication),
  };
}

/** Compares a received tag with the computed one in constant time (no early exit). */
function sameTag(packet: Buffer, at: number, expected: Buffer, length: number): boolean {
  let diff = 0;
  for (let i = 0; i < length; i++) diff |= packet[at + i]! ^ expected[i]!;
  return diff === 0;
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
  private readonly rtpKeys: KeyedCrypto;
  private readonly rtcpKeys: KeyedCrypto;
  /** Per-packet scratch: the IV and a computed tag (the packet path allocates only its output). */
  private readonly iv = Buffer.alloc(16);
  private readonly expected = Buffer.alloc(20);
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
    this.rtpKeys = keyed(sessionKeys(masterKey, masterSalt, false));
    this.rtcpKeys = keyed(sessionKeys(masterKey, masterSalt, true));
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
    const keys = this.rtpKeys;
    const end = packet.length;
    const out = Buffer.allocUnsafe(end + this.tagLength);
    packet.copy(out, 0, 0, headerLength);
    keys.cipher.apply(
      packetIv(keys.salt, ssrc, index, this.iv),
      packet,
      headerLength,
      end,
      out,
      headerLength,
    );
    // §4.2: the tag covers the authenticated portion (header ‖ encrypted payload) ‖ ROC.
    keys.mac.tag(out, 0, end, IndexEstimator.roc(index), this.tagLength, out, end);
    return out;
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
    const keys = this.rtpKeys;
    keys.mac.tag(packet, 0, end, IndexEstimator.roc(index), this.tagLength, this.expected, 0);
    if (!sameTag(packet, end, this.expected, this.tagLength)) {
      this.counters.authFailures++;
      return undefined;
    }
    // §3.3.1: ROC, s_l and the replay list change only after authentication.
    state.estimator.update(index);
    state.replay.accept(index);
    const out = Buffer.allocUnsafe(end);
    packet.copy(out, 0, 0, headerLength);
    keys.cipher.apply(
      packetIv(keys.salt, ssrc, index, this.iv),
      packet,
      headerLength,
      end,
      out,
      headerLength,
    );
    return out;
  }

  /** RTCP → SRTCP (§3.4): all after the first 8 bytes encrypted, E=1 ‖ index, 80-bit tag. */
  protectRtcp(packet: Buffer): Buffer | undefined {
    if (packet.length < 8 || packet[0]! >> 6 !== 2) return undefined;
    const ssrc = packet.readUInt32BE(4);
    const index = this.rtcpIndex.get(ssrc) ?? 0;
    this.rtcpIndex.set(ssrc, (index + 1) & 0x7fffffff);
    const keys = this.rtcpKeys;
    const end = packet.length;
    const out = Buffer.allocUnsafe(end + 4 + RTCP_TAG_LENGTH);
    packet.copy(out, 0, 0, 8);
    keys.cipher.apply(packetIv(keys.salt, ssrc, index, this.iv), packet, 8, end, out, 8);
    out.writeUInt32BE((0x80000000 | index) >>> 0, end);
    keys.mac.tag(out, 0, end + 4, undefined, RTCP_TAG_LENGTH, out, end + 4);
    return out;
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
    const keys = this.rtcpKeys;
    keys.mac.tag(packet, 0, end + 4, undefined, RTCP_TAG_LENGTH, this.expected, 0);
    if (!sameTag(packet, end + 4, this.expected, RTCP_TAG_LENGTH)) {
      this.counters.authFailures++;
      return undefined;
    }
    replay.accept(index);
    // E = 0: the sender chose not to encrypt this compound packet (§3.4), it is still authenticated.
    if (!encrypted) return Buffer.from(packet.subarray(0, end));
    const out = Buffer.allocUnsafe(end);
    packet.copy(out, 0, 0, 8);
    keys.cipher.apply(packetIv(keys.salt, ssrc, index, this.iv), packet, 8, end, out, 8);
    return out;
  }
}
