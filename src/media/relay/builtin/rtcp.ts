/** One RTCP report block (RFC 3550 §6.4.1). */
export interface RtcpReportBlock {
  ssrc: number;
  /** Fraction lost since the last report, 0-1. */
  fractionLost: number;
  cumulativeLost: number;
  highestSequence: number;
  /** Interarrival jitter in RTP timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received (0: none). */
  lastSr: number;
  /** Delay since that SR, in 1/65536 s. */
  delaySinceLastSr: number;
}

/** RTCP XR VoIP metrics report block (RFC 3611 §4.7), the fields a relay reports. */
export interface RtcpVoipMetrics {
  ssrc: number;
  /** Fraction of packets lost, 0-1. */
  lossRate: number;
  discardRate: number;
  /** Round-trip delay in ms. */
  roundTripDelayMs: number;
  endSystemDelayMs: number;
  /** 127 = unavailable. */
  rFactor?: number;
  /** MOS-LQ and MOS-CQ, 1.0-5.0; undefined when 127 (unavailable). */
  mosLq?: number;
  mosCq?: number;
}

export interface RtcpCompound {
  /** Sender reports: sender SSRC and the middle 32 bits of their NTP timestamp. */
  senderReports: Array<{ ssrc: number; ntpMiddle: number }>;
  reportBlocks: RtcpReportBlock[];
  voipMetrics: RtcpVoipMetrics[];
}

const SR = 200;
const RR = 201;
const XR = 207;
const VOIP_METRICS = 7;

function blocks(buf: Buffer, offset: number, count: number, end: number, out: RtcpReportBlock[]): boolean {
  for (let i = 0; i < count; i++) {
    const at = offset + i * 24;
    if (at + 24 > end) return false;
    const lost = buf.readUIntBE(at + 5, 3);
    out.push({
      ssrc: buf.readUInt32BE(at),
      fractionLost: buf[at + 4]! / 256,
      // 24-bit two's complement (RFC 3550 §6.4.1: may be negative with duplicates).
      cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
      highestSequence: buf.readUInt32BE(at + 8),
      jitter: buf.readUInt32BE(at + 12),
      lastSr: buf.readUInt32BE(at + 16),
      delaySinceLastSr: buf.readUInt32BE(at + 20),
    });
  }
  return true;
}

function voipMetrics(buf: Buffer, at: number): RtcpVoipMetrics {
  const score = (v: number) => (v === 127 ? undefined : v / 10);
  const r = buf[at + 26]!;
  return {
    ssrc: buf.readUInt32BE(at + 4),
    lossRate: buf[at + 8]! / 256,
    discardRate: buf[at + 9]! / 256,
    roundTripDelayMs: buf.readUInt16BE(at + 16),
    endSystemDelayMs: buf.readUInt16BE(at + 18),
    ...(r === 127 ? {} : { rFactor: r }),
    ...(score(buf[at + 28]!) === undefined ? {} : { mosLq: score(buf[at + 28]!) }),
    ...(score(buf[at + 29]!) === undefined ? {} : { mosCq: score(buf[at + 29]!) }),
  };
}

/**
 * Parses a compound RTCP packet (RFC 3550 §6.1): SR and RR report blocks, and RTCP XR (RFC 3611)
 * VoIP metrics blocks; other packet types (SDES, BYE, APP, feedback) are stepped over. Returns
 * undefined when the compound is malformed (wrong version, lengths past the end, not a first SR/RR).
 * Never throws.
 */
export function parseRtcp(buf: Buffer): RtcpCompound | undefined {
  const out: RtcpCompound = { senderReports: [], reportBlocks: [], voipMetrics: [] };
  let offset = 0;
  let first = true;
  while (offset < buf.length) {
    if (offset + 4 > buf.length) return undefined;
    const b0 = buf[offset]!;
    if (b0 >> 6 !== 2) return undefined;
    const type = buf[offset + 1]!;
    const end = offset + (buf.readUInt16BE(offset + 2) + 1) * 4;
    if (end > buf.length) return undefined;
    // RFC 3550 §6.1: a compound starts with an SR or RR (RFC 5506 reduced size aside).
    if (first && type !== SR && type !== RR && type !== XR && !(type >= 205 && type <= 206)) return undefined;
    first = false;
    const count = b0 & 0x1f;
    if (type === SR) {
      if (offset + 28 > end) return undefined;
      out.senderReports.push({
        ssrc: buf.readUInt32BE(offset + 4),
        ntpMiddle: buf.readUInt32BE(offset + 10),
      });
      if (!blocks(buf, offset + 28, count, end, out.reportBlocks)) return undefined;
    } else if (type === RR) {
      if (offset + 8 > end) return undefined;
      if (!blocks(buf, offset + 8, count, end, out.reportBlocks)) return undefined;
    } else if (type === XR) {
      let at = offset + 8;
      while (at + 4 <= end) {
        const blockEnd = at + (buf.readUInt16BE(at + 2) + 1) * 4;
        if (blockEnd > end) return undefined;
        // RFC 3611 §4.7: block type 7, length 8 (36 octets).
        if (buf[at] === VOIP_METRICS && blockEnd - at >= 36) out.voipMetrics.push(voipMetrics(buf, at));
        at = blockEnd;
      }
    }
    offset = end;
  }
  return out;
}

/** The middle 32 bits of an NTP timestamp for `ms` since the Unix epoch (RFC 3550 §4). */
export function ntpMiddle(ms: number): number {
  const seconds = ms / 1000 + 2_208_988_800;
  const whole = Math.floor(seconds);
  const fraction = Math.floor((seconds - whole) * 65536);
  return (((whole & 0xffff) << 16) | fraction) >>> 0;
}
