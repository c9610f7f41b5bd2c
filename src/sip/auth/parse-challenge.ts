import { parseAuthParams, readScheme } from './auth-params.js';
import { DigestParseError } from './errors.js';
import { fromWire } from './wire-text.js';

/** A Digest challenge from WWW-Authenticate / Proxy-Authenticate (RFC 7616 §3.3). */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** As offered, upper-cased; may name one we do not implement (SHA-512-256). Absent means MD5. */
  algorithm: string;
  /** Offered qop values, lower-cased; empty for an RFC 2069 challenge. */
  qop: string[];
  /** As received (header text): echoed byte-exact, never interpreted. */
  opaque?: string;
  /** The previous request's nonce had expired, its response was right: retry (RFC 7616 §3.3). */
  stale: boolean;
  domain?: string;
}

export type ParsedChallenge =
  | { kind: 'digest'; challenge: DigestChallenge }
  | { kind: 'other'; scheme: string };

/** Parse a WWW-Authenticate / Proxy-Authenticate value. Throws only DigestParseError. */
export function parseChallenge(value: string): ParsedChallenge {
  const { scheme, end } = readScheme(value);
  if (scheme.toLowerCase() !== 'digest') return { kind: 'other', scheme };
  const params = parseAuthParams(value, end);

  const realm = params.get('realm');
  const nonce = params.get('nonce');
  const decodedRealm = realm === undefined ? undefined : fromWire(realm);
  if (realm === undefined) throw new DigestParseError('missing', 'missing realm');
  if (!nonce) throw new DigestParseError('missing', 'missing nonce', decodedRealm);

  const challenge: DigestChallenge = {
    realm: decodedRealm!,
    nonce,
    algorithm: (params.get('algorithm') ?? 'MD5').toUpperCase(),
    // qop-options is a quoted, comma-separated list (RFC 7616 §3.3).
    qop: (params.get('qop') ?? '')
      .split(',')
      .map((q) => q.trim().toLowerCase())
      .filter((q) => q.length > 0),
    stale: params.get('stale')?.toLowerCase() === 'true',
  };
  const opaque = params.get('opaque');
  if (opaque !== undefined) challenge.opaque = opaque;
  const domain = params.get('domain');
  if (domain !== undefined) challenge.domain = fromWire(domain);
  return { kind: 'digest', challenge };
}
