import { hash } from 'node:crypto';
import type { DigestAlgorithm } from './types.js';

/** auth-int is only ever answered (UAC side): the server offers auth alone. */
export type DigestQop = 'auth' | 'auth-int';

const NODE_HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

/**
 * H(data) as lower-case hex (RFC 7616 §3.4.1); strings are hashed as UTF-8. One-shot: a registrar
 * hashes twice per checked REGISTER, and a Hash object per call cost about twice as much.
 */
export function digestHash(algorithm: DigestAlgorithm, data: string | Buffer): string {
  return hash(NODE_HASH[algorithm], data, 'hex');
}

/** HA1 = H(username ":" realm ":" password), what a user store keeps instead of the password. */
export function ha1(username: string, realm: string, password: string, algorithm: DigestAlgorithm): string {
  return digestHash(algorithm, `${username}:${realm}:${password}`);
}

/** HA2 = H(method ":" uri), with ":" H(body) appended for auth-int (RFC 7616 §3.4.3). */
export function ha2(
  algorithm: DigestAlgorithm,
  method: string,
  uri: string,
  qop?: DigestQop,
  body: Buffer | string = '',
): string {
  if (qop === 'auth-int') return digestHash(algorithm, `${method}:${uri}:${digestHash(algorithm, body)}`);
  return digestHash(algorithm, `${method}:${uri}`);
}

export interface DigestResponseInput {
  algorithm: DigestAlgorithm;
  /** HA1 as hex. */
  ha1: string;
  nonce: string;
  method: string;
  uri: string;
  /** Absent: RFC 2069 response = H(HA1:nonce:HA2) (RFC 2617 §3.2.2.1, kept by RFC 3261 §22.4). */
  qop?: DigestQop;
  /** Nonce count as written, 8 hex digits (required with qop). */
  nc?: string;
  cnonce?: string;
  body?: Buffer | string;
}

/** The request-digest (RFC 7616 §3.4.1). */
export function digestResponse(input: DigestResponseInput): string {
  const { algorithm, qop } = input;
  const h2 = ha2(algorithm, input.method, input.uri, qop, input.body);
  const h1 = input.ha1.toLowerCase();
  if (qop === undefined) return digestHash(algorithm, `${h1}:${input.nonce}:${h2}`);
  return digestHash(algorithm, `${h1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:${qop}:${h2}`);
}
