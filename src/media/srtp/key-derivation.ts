import { aesCmKeystream } from './aes-cm.js';

/** RFC 3711 §4.3.2: the key derivation labels. */
export const LABEL = {
  rtpEncryption: 0,
  rtpAuthentication: 1,
  rtpSalt: 2,
  rtcpEncryption: 3,
  rtcpAuthentication: 4,
  rtcpSalt: 5,
} as const;

/**
 * RFC 3711 §4.3.1 with the AES-CM PRF (§4.3.3): key_id = label || r, x = key_id XOR master_salt,
 * output = AES-CM(master_key, x * 2^16) truncated to `length`. The key derivation rate is 0 for
 * SDES without a KDR parameter (RFC 4568 §6.3.1), so r = 0 and keys are derived once.
 */
export function deriveKey(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  if (masterKey.length !== 16)
    throw new RangeError(`SRTP master key must be 16 bytes, got ${masterKey.length}`);
  if (masterSalt.length !== 14)
    throw new RangeError(`SRTP master salt must be 14 bytes, got ${masterSalt.length}`);
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0);
  // key_id is 56 bits (8-bit label, 48-bit r) aligned to the salt's low end: the label XORs byte 7.
  iv[7] = iv[7]! ^ label;
  return aesCmKeystream(masterKey, iv, length);
}

export interface SessionKeys {
  encryption: Buffer;
  authentication: Buffer;
  salt: Buffer;
}

/** The session keys of SRTP (rtcp false) or SRTCP (rtcp true) for the AES_CM_128_HMAC_SHA1 suites. */
export function sessionKeys(masterKey: Buffer, masterSalt: Buffer, rtcp: boolean): SessionKeys {
  const base = rtcp ? LABEL.rtcpEncryption : LABEL.rtpEncryption;
  return {
    encryption: deriveKey(masterKey, masterSalt, base, 16),
    // RFC 3711 §4.2.1: HMAC-SHA1 session authentication key n_a = 160 bits.
    authentication: deriveKey(masterKey, masterSalt, base + 1, 20),
    salt: deriveKey(masterKey, masterSalt, base + 2, 14),
  };
}
