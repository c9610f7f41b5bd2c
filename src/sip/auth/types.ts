/** Digest authentication (RFC 3261 §22, RFC 7616, RFC 8760). */

export type DigestAlgorithm = 'MD5' | 'SHA-256';

/** The parsed value of an Authorization / Proxy-Authorization header with scheme Digest. */
export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  cnonce?: string;
  /** Nonce count as written (8 hex digits) when qop is present. */
  nc?: string;
  qop?: 'auth';
  /** As received (header text), echoed byte-exact; the other strings are UTF-8 decoded. */
  opaque?: string;
}

export type VerifyOutcome =
  | { result: 'ok'; credentials: DigestCredentials }
  /** Valid response for an expired nonce: re-challenge with stale=true (RFC 7616 §3.3). */
  | { result: 'stale'; credentials: DigestCredentials }
  /** Wrong password, replayed nonce-count, forged nonce: 403 (or a new challenge). */
  | { result: 'failed'; reason: string; credentials?: DigestCredentials }
  /** No usable Digest credentials for this realm: challenge. */
  | { result: 'missing' };
