import { quote, randomToken } from '../message/index.js';
import { parseAlgorithm } from './algorithm.js';
import { type DigestQop, digestResponse, ha1 } from './digest.js';
import { DigestParseError } from './errors.js';
import { type DigestChallenge, parseChallenge } from './parse-challenge.js';
import type { DigestAlgorithm } from './types.js';
import { toWire } from './wire-text.js';

export interface AnswerOptions {
  username: string;
  password: string;
  /** The method of the request being authorised (ACK and CANCEL reuse the INVITE's, RFC 3261 §22.1). */
  method: string;
  /** The Request-URI, written to the digest-uri directive. */
  uri: string;
  /** Message body, hashed only when the server insists on qop=auth-int. */
  body?: Buffer | string;
  /** Client nonce; random if absent. */
  cnonce?: string;
  /** How many requests this client has sent with this nonce, this one included (default 1). */
  nc?: number;
}

interface Choice {
  challenge: DigestChallenge;
  algorithm: DigestAlgorithm;
  qop: DigestQop | undefined;
}

const RANK: Record<DigestAlgorithm, number> = { 'SHA-256': 2, MD5: 1 };

function usable(value: string): Choice | undefined {
  let parsed: ReturnType<typeof parseChallenge>;
  try {
    parsed = parseChallenge(value);
  } catch (err) {
    if (err instanceof DigestParseError) return undefined;
    throw err;
  }
  if (parsed.kind !== 'digest') return undefined;
  const { challenge } = parsed;
  const algorithm = parseAlgorithm(challenge.algorithm);
  if (!algorithm) return undefined;
  const offered = challenge.qop;
  let qop: DigestQop | undefined;
  if (offered.includes('auth')) qop = 'auth';
  else if (offered.includes('auth-int')) qop = 'auth-int';
  else if (offered.length > 0) return undefined;
  return { challenge, algorithm, qop };
}

/**
 * Answer WWW-Authenticate / Proxy-Authenticate challenges (UAC side) with the value of an
 * Authorization / Proxy-Authorization header, as header text. Of several challenges the
 * strongest algorithm we implement wins, first offered among equals: RFC 8760 §2.3 has a UAC
 * take the topmost it supports "unless a local policy dictates otherwise", and ours is never to
 * let a server (or a man in the middle reordering headers) talk us down to MD5.
 * Answers one challenge; a request crossing several realms needs one call per realm.
 * Throws DigestParseError when no challenge is usable.
 */
export function answerChallenge(challenges: string | readonly string[], options: AnswerOptions): string {
  const values = typeof challenges === 'string' ? [challenges] : challenges;
  let best: Choice | undefined;
  for (const value of values) {
    const choice = usable(value);
    if (choice && (!best || RANK[choice.algorithm] > RANK[best.algorithm])) best = choice;
  }
  if (!best) throw new DigestParseError('unsupported', 'no usable Digest challenge');

  const { challenge, algorithm, qop } = best;
  const nc = options.nc ?? 1;
  if (!Number.isInteger(nc) || nc < 1 || nc > 0xffffffff)
    throw new RangeError(`nonce-count out of range: ${nc}`);
  const ncText = nc.toString(16).padStart(8, '0');
  const cnonce = options.cnonce ?? randomToken(16);
  const response = digestResponse({
    algorithm,
    ha1: ha1(options.username, challenge.realm, options.password, algorithm),
    nonce: challenge.nonce,
    method: options.method,
    uri: options.uri,
    qop,
    nc: ncText,
    cnonce,
    body: options.body,
  });

  const parts = [
    `Digest username=${quote(toWire(options.username))}`,
    `realm=${quote(toWire(challenge.realm))}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(toWire(options.uri))}`,
    `response="${response}"`,
    `algorithm=${algorithm}`,
  ];
  if (qop) parts.push(`cnonce=${quote(toWire(cnonce))}`, `qop=${qop}`, `nc=${ncText}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return parts.join(', ');
}
