import { MASTER_KEY_LENGTH, MASTER_SALT_LENGTH } from '../srtp/index.js';

/** RFC 5764 §4.2: the exporter label for DTLS-SRTP keying material. */
export const DTLS_SRTP_EXPORTER_LABEL = 'EXTRACTOR-dtls_srtp';

/** Bytes to export for AES_CM_128_HMAC_SHA1_80: two master keys and two master salts. */
export const DTLS_SRTP_MATERIAL_LENGTH = 2 * (MASTER_KEY_LENGTH + MASTER_SALT_LENGTH);

export interface SrtpKeyPair {
  /** What the peer sends is decrypted with this (its write key). */
  receive: { key: Uint8Array; salt: Uint8Array };
  /** What we send is encrypted with this (our write key). */
  send: { key: Uint8Array; salt: Uint8Array };
}

/**
 * RFC 5764 §4.2: the exported material is client_write_key ‖ server_write_key ‖
 * client_write_salt ‖ server_write_salt; each side sends with its own write key and salt.
 */
export function dtlsSrtpKeys(material: Uint8Array, role: 'client' | 'server'): SrtpKeyPair {
  if (material.length !== DTLS_SRTP_MATERIAL_LENGTH)
    throw new RangeError(
      `DTLS-SRTP keying material is ${DTLS_SRTP_MATERIAL_LENGTH} bytes, not ${material.length}`,
    );
  const k = MASTER_KEY_LENGTH;
  const s = MASTER_SALT_LENGTH;
  const client = { key: material.slice(0, k), salt: material.slice(2 * k, 2 * k + s) };
  const server = { key: material.slice(k, 2 * k), salt: material.slice(2 * k + s, 2 * k + 2 * s) };
  return role === 'server' ? { receive: client, send: server } : { receive: server, send: client };
}
