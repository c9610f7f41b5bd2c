/**
 * RFC 7983 §7 (updating RFC 5764 §5.1.2): what a datagram on a port shared by STUN, DTLS and
 * SRTP/SRTCP is, by its first byte. RFC 5761 §4: with rtcp-mux, RTCP is told from RTP by the
 * second byte (RTCP packet types 192–223 fall where RTP's marker bit and payload type would put
 * payload types 64–95, which RFC 5761 §4 keeps out of RTP).
 */
export type DemuxedKind = 'stun' | 'dtls' | 'rtp' | 'rtcp' | 'unknown';

export function demultiplex(data: Buffer): DemuxedKind {
  if (data.length === 0) return 'unknown';
  const first = data[0]!;
  if (first <= 3) return 'stun';
  if (first >= 20 && first <= 63) return 'dtls';
  if (first >= 128 && first <= 191) {
    if (data.length < 2) return 'unknown';
    const second = data[1]!;
    return second >= 192 && second <= 223 ? 'rtcp' : 'rtp';
  }
  return 'unknown';
}

/**
 * A datagram made only of whole DTLS records (RFC 6347 §4.1): content type 20–23, version
 * DTLS 1.0 (0xfeff) or 1.2 (0xfefd), and lengths that add up. Garbage is refused here, counted,
 * before it reaches the DTLS library (which would only log it).
 */
export function wellFormedDtls(data: Buffer): boolean {
  let at = 0;
  while (at < data.length) {
    if (at + 13 > data.length) return false;
    const type = data[at]!;
    const version = data.readUInt16BE(at + 1);
    if (type < 20 || type > 23 || (version !== 0xfeff && version !== 0xfefd)) return false;
    at += 13 + data.readUInt16BE(at + 11);
  }
  return at === data.length;
}
