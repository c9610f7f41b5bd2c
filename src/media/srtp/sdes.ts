import { randomBytes } from 'node:crypto';
import { isSrtpSuite, MASTER_KEY_LENGTH, MASTER_SALT_LENGTH, type SrtpSuite } from './suites.js';

/** One usable a=crypto line (RFC 4568 §9.1): tag, suite and the inline master key and salt. */
export interface SdesCrypto {
  tag: number;
  suite: SrtpSuite;
  key: Buffer;
  salt: Buffer;
}

/** An a=crypto line as sdp-transform splits it (`id`, `suite`, `config` = key-params, `sessionConfig`). */
export interface CryptoAttribute {
  id: number;
  suite: string;
  config: string;
  sessionConfig?: string;
}

/** SRTCP's 31-bit index bounds how long one key can serve without rekeying (RFC 3711 §9.2). */
const MIN_LIFETIME = 2 ** 31;

function lifetime(text: string): number {
  const power = /^2\^(\d+)$/.exec(text);
  return power === null ? Number(text) : 2 ** Number(power[1]);
}

/**
 * One a=crypto line as the relay can use it, or an Error naming what it does not support. The relay
 * never rekeys, so it refuses a lifetime below 2^31 packets, an MKI (RFC 4568 §6.1, it would have
 * to carry the MKI field in every packet), several keys per line, and session parameters (KDR,
 * UNENCRYPTED_SRTP, ... of §6.3).
 */
export function parseCrypto(attribute: CryptoAttribute): SdesCrypto | Error {
  const where = `a=crypto:${attribute.id} ${attribute.suite}`;
  if (!isSrtpSuite(attribute.suite))
    return new Error(`${where}: crypto suite not supported (use AES_CM_128_HMAC_SHA1_80 or _32)`);
  if (attribute.sessionConfig !== undefined && attribute.sessionConfig !== '')
    return new Error(`${where}: session parameters (${attribute.sessionConfig}) not supported`);
  if (attribute.config.includes(';')) return new Error(`${where}: more than one key per line not supported`);
  const match = /^inline:([A-Za-z0-9+/=]+)((?:\|[^|]*)*)$/.exec(attribute.config);
  if (match === null) return new Error(`${where}: key parameter is not inline:<base64 key||salt>`);
  const material = Buffer.from(match[1]!, 'base64');
  if (material.length !== MASTER_KEY_LENGTH + MASTER_SALT_LENGTH)
    return new Error(`${where}: inline key||salt is ${material.length} bytes, ${attribute.suite} needs 30`);
  for (const part of match[2]!.split('|').slice(1)) {
    if (part.includes(':')) return new Error(`${where}: MKI (${part}) not supported`);
    const packets = lifetime(part);
    if (!Number.isFinite(packets) || packets < MIN_LIFETIME)
      return new Error(`${where}: key lifetime ${part} is shorter than 2^31 and the relay does not rekey`);
  }
  return {
    tag: attribute.id,
    suite: attribute.suite,
    key: material.subarray(0, MASTER_KEY_LENGTH),
    salt: material.subarray(MASTER_KEY_LENGTH),
  };
}

/** A fresh master key and salt for `suite` (RFC 4568 §6.1: from a cryptographically secure source). */
export function newCrypto(tag: number, suite: SrtpSuite): SdesCrypto {
  const material = randomBytes(MASTER_KEY_LENGTH + MASTER_SALT_LENGTH);
  return {
    tag,
    suite,
    key: material.subarray(0, MASTER_KEY_LENGTH),
    salt: material.subarray(MASTER_KEY_LENGTH),
  };
}

/** The a=crypto line for `crypto`, in sdp-transform's shape. */
export function cryptoAttribute(crypto: SdesCrypto): CryptoAttribute {
  return {
    id: crypto.tag,
    suite: crypto.suite,
    config: `inline:${Buffer.concat([crypto.key, crypto.salt]).toString('base64')}`,
  };
}
