/** The SDES crypto suites supported (RFC 4568 §6.2): AES-CM 128-bit key, HMAC-SHA1 80- or 32-bit RTP tag. */
export type SrtpSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

export const SRTP_SUITES: readonly SrtpSuite[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];

/** Master key 128 bits + master salt 112 bits (RFC 4568 §6.2.1). */
export const MASTER_KEY_LENGTH = 16;
export const MASTER_SALT_LENGTH = 14;

/** RTP auth tag bytes; SRTCP always uses 80 bits (RFC 4568 §6.2.2, RFC 3711 §5.2). */
export function rtpTagLength(suite: SrtpSuite): number {
  return suite === 'AES_CM_128_HMAC_SHA1_32' ? 4 : 10;
}
export const RTCP_TAG_LENGTH = 10;

export function isSrtpSuite(name: string): name is SrtpSuite {
  return (SRTP_SUITES as readonly string[]).includes(name);
}
