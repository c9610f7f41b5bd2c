import type { CapturedDatagram } from './capture.js';

// What the capture of a relayed call shows of SRTP (RFC 3711): the same packet as one phone sent it
// to the relay and as the relay sent it on to the other phone, matched by SSRC and sequence number.
// An SRTP packet is the RTP header, the encrypted payload and an auth tag of 80 or 32 bits.

/** The auth tag length in bytes of each SDES suite the relay offers (RFC 4568 §6.2). */
export const TAG_BYTES = { AES_CM_128_HMAC_SHA1_80: 10, AES_CM_128_HMAC_SHA1_32: 4 } as const;
export type SdesSuite = keyof typeof TAG_BYTES;

/** One packet as sent to the relay (`sent`) and as the relay passed it on (`got`). */
export interface RelayedPacket {
  sent: Buffer;
  got: Buffer;
}

const isRtp = (d: CapturedDatagram) =>
  d.payload.length >= 12 && d.payload[0]! >> 6 === 2 && (d.payload[1]! & 0x7f) < 64;
const key = (p: Buffer) => `${p.readUInt32BE(8)}/${p.readUInt16BE(2)}`;
/** RTP goes to and from even ports (RTCP on the odd one above). */
const rtpFrom = (ports: (p: number) => boolean) => (d: CapturedDatagram) =>
  ports(d.srcPort) && d.dstPort % 2 === 0 && isRtp(d);
const rtpTo = (ports: (p: number) => boolean) => (d: CapturedDatagram) =>
  ports(d.dstPort) && d.srcPort % 2 === 0 && isRtp(d);

/** The RTP packets the phone on `from` ports sent that the relay delivered to the phone on `to` ports. */
export function relayedPackets(
  datagrams: CapturedDatagram[],
  from: (port: number) => boolean,
  to: (port: number) => boolean,
): RelayedPacket[] {
  const got = new Map(datagrams.filter(rtpTo(to)).map((d) => [key(d.payload), d.payload]));
  const out: RelayedPacket[] = [];
  for (const d of datagrams.filter(rtpFrom(from))) {
    const match = got.get(key(d.payload));
    if (match !== undefined) out.push({ sent: d.payload, got: match });
  }
  return out;
}

/**
 * Describes how each packet crossed the relay, given the tag bytes on the sending leg and the
 * receiving leg (0: plain RTP): undefined when it did as SRTP termination must, else why not —
 * the header kept, the length changed by the tags alone, and the payload re-encrypted (not the
 * bytes that came in) whenever either leg is SRTP.
 */
export function relayedAsExpected(
  packet: RelayedPacket,
  sentTag: number,
  gotTag: number,
): string | undefined {
  const { sent, got } = packet;
  if (!sent.subarray(0, 12).equals(got.subarray(0, 12))) return 'RTP header changed';
  if (sent.length - sentTag !== got.length - gotTag)
    return `lengths ${sent.length} → ${got.length}, expected tags of ${sentTag} → ${gotTag} bytes`;
  if (sentTag === 0 && gotTag === 0) return undefined;
  const end = Math.min(sent.length - sentTag, got.length - gotTag);
  if (sent.subarray(12, end).equals(got.subarray(12, end))) return 'payload passed through unchanged';
  return undefined;
}

/** The suite whose auth tag makes up the difference of an SRTP packet over its plain RTP copy. */
export function suiteOfTag(bytes: number): SdesSuite | undefined {
  return (Object.keys(TAG_BYTES) as SdesSuite[]).find((s) => TAG_BYTES[s] === bytes);
}
