/**
 * rtpengine 10.5 offers twelve SDES suites to an RTP/SAVP side, the null cipher
 * (NULL_HMAC_SHA1_*: no encryption) and AEAD GCM among them (baresip 1.0 picks
 * AEAD_AES_256_GCM from rtpengine 10.5's offer and then fails to decrypt every packet). The
 * media-relay interface promises AES_CM_128_HMAC_SHA1_80 and _32 (RFC 4568 §6.2), which are what
 * the built-in relay offers and accepts; rtpengine 10.5 has no `SDES-only-` flag, so the others are
 * named in `SDES-no-` flags, which also drop them from what an SDES side offers rtpengine.
 */
const OTHER_SUITES = [
  'AEAD_AES_256_GCM',
  'AEAD_AES_128_GCM',
  'AES_256_CM_HMAC_SHA1_80',
  'AES_256_CM_HMAC_SHA1_32',
  'AES_192_CM_HMAC_SHA1_80',
  'AES_192_CM_HMAC_SHA1_32',
  'F8_128_HMAC_SHA1_80',
  'F8_128_HMAC_SHA1_32',
  'NULL_HMAC_SHA1_80',
  'NULL_HMAC_SHA1_32',
] as const;

/** The ng `SDES` list for an offer or answer with SDES on either side, else undefined. */
export function ngSdesOptions(sdp: string, transport: string | undefined): string[] | undefined {
  const sdes = transport === 'RTP/SAVP' || /^a=crypto:/m.test(sdp);
  return sdes ? OTHER_SUITES.map((suite) => `no-${suite}`) : undefined;
}
