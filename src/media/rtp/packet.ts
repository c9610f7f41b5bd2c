/** One RTP packet, RFC 3550 §5.1. `payload` is a view into the original buffer, not a copy. */
export interface RtpPacket {
  version: number;
  padding: boolean;
  extension: boolean;
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs: number[];
  /** The header extension (RFC 3550 §5.3.1): profile word and data, when the X bit is set. */
  extensionProfile?: number;
  extensionData?: Buffer;
  payload: Buffer;
}

const FIXED_HEADER = 12;

/**
 * Parses an RTP packet (RFC 3550 §5.1). Returns undefined for anything that is not a well-formed
 * version 2 packet: too short, wrong version, CSRC list or extension past the end, bad padding.
 * Never throws.
 */
export function parseRtpPacket(buf: Buffer): RtpPacket | undefined {
  const length = buf.length;
  if (length < FIXED_HEADER) return undefined;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return undefined;
  const b1 = buf[1]!;
  const padding = (b0 & 0x20) !== 0;
  const extension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  let offset = FIXED_HEADER + csrcCount * 4;
  if (offset > length) return undefined;
  const csrcs: number[] = [];
  for (let i = FIXED_HEADER; i < offset; i += 4) csrcs.push(buf.readUInt32BE(i));
  let extensionProfile: number | undefined;
  let extensionData: Buffer | undefined;
  if (extension) {
    if (offset + 4 > length) return undefined;
    extensionProfile = buf.readUInt16BE(offset);
    const words = buf.readUInt16BE(offset + 2);
    const end = offset + 4 + words * 4;
    if (end > length) return undefined;
    extensionData = buf.subarray(offset + 4, end);
    offset = end;
  }
  let end = length;
  if (padding) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    const count = buf[length - 1]!;
    if (count === 0 || offset + count > length) return undefined;
    end = length - count;
  }
  return {
    version: 2,
    padding,
    extension,
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrcs,
    extensionProfile,
    extensionData,
    payload: buf.subarray(offset, end),
  };
}

/** Builds an RTP packet (no CSRCs, no extension); for senders and tests. */
export function buildRtpPacket(fields: {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker?: boolean;
  payload: Uint8Array;
}): Buffer {
  const out = Buffer.allocUnsafe(FIXED_HEADER + fields.payload.length);
  out[0] = 0x80;
  out[1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  out.writeUInt16BE(fields.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(fields.timestamp >>> 0, 4);
  out.writeUInt32BE(fields.ssrc >>> 0, 8);
  out.set(fields.payload, FIXED_HEADER);
  return out;
}
