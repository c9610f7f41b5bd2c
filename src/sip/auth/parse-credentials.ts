import { parseAlgorithm } from './algorithm.js';
import { parseAuthParams, readScheme } from './auth-params.js';
import { DigestParseError } from './errors.js';
import type { DigestCredentials } from './types.js';
import { fromWire } from './wire-text.js';

/** An Authorization value: Digest credentials, or another scheme the caller should ignore. */
export type ParsedAuthorization =
  | { kind: 'digest'; credentials: DigestCredentials }
  /** RFC 4475 §3.3.7: an unknown scheme is not an error, just not ours. */
  | { kind: 'other'; scheme: string };

const REQUIRED = ['username', 'realm', 'nonce', 'uri', 'response'] as const;

function isNonceCount(s: string): boolean {
  if (s.length !== 8) return false;
  for (let i = 0; i < 8; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/**
 * Parse an Authorization / Proxy-Authorization value (RFC 3261 §25.1 credentials, RFC 7616 §3.4).
 * Throws only DigestParseError (a SipParseError, status 400).
 */
export function parseCredentials(value: string): ParsedAuthorization {
  const { scheme, end } = readScheme(value);
  if (scheme.toLowerCase() !== 'digest') return { kind: 'other', scheme };
  const params = parseAuthParams(value, end);

  const rawRealm = params.get('realm');
  const realm = rawRealm === undefined ? undefined : fromWire(rawRealm);
  for (const name of REQUIRED) {
    if (!params.get(name)) throw new DigestParseError('missing', `missing ${name}`, realm);
  }
  // RFC 7616 §3.4.4 hashed usernames need a per-user lookup table we do not keep.
  if (params.get('userhash')?.toLowerCase() === 'true') {
    throw new DigestParseError('unsupported', 'userhash is not supported', realm);
  }
  const algorithm = parseAlgorithm(params.get('algorithm'));
  if (!algorithm) throw new DigestParseError('unsupported', 'unsupported algorithm', realm);

  const credentials: DigestCredentials = {
    username: fromWire(params.get('username')!),
    realm: realm!,
    nonce: params.get('nonce')!,
    uri: fromWire(params.get('uri')!),
    response: params.get('response')!.toLowerCase(),
    algorithm,
  };
  const opaque = params.get('opaque');
  // opaque is echoed, never interpreted: kept as header text so it round-trips byte-exact.
  if (opaque !== undefined) credentials.opaque = opaque;

  // Without qop this is RFC 2069 style: cnonce and nc mean nothing and are dropped (RFC 2617 §3.2.2).
  const qop = params.get('qop');
  if (qop !== undefined) {
    if (qop.toLowerCase() !== 'auth') throw new DigestParseError('unsupported', 'unsupported qop', realm);
    const cnonce = params.get('cnonce');
    const nc = params.get('nc');
    if (!cnonce) throw new DigestParseError('missing', 'qop without cnonce', realm);
    if (nc === undefined || !isNonceCount(nc)) throw new DigestParseError('syntax', 'bad nonce-count', realm);
    credentials.qop = 'auth';
    credentials.cnonce = fromWire(cnonce);
    credentials.nc = nc; // as written: the client hashed these very characters
  }
  return { kind: 'digest', credentials };
}
