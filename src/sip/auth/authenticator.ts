import { parseUri, quote, SipParseError, type SipRequest, uriEquals } from '../message/index.js';
import { type AnswerOptions, answerChallenge } from './answer.js';
import { type Awaitable, andThen } from './awaitable.js';
import { digestResponse } from './digest.js';
import { DigestParseError } from './errors.js';
import { FailureCounter } from './failure-counter.js';
import { type NonceCheck, NonceIssuer } from './nonce.js';
import { DEFAULT_MAX_NONCE_COUNTS, NonceCounts } from './nonce-counts.js';
import { parseCredentials } from './parse-credentials.js';
import type { DigestAlgorithm, DigestCredentials, VerifyOutcome } from './types.js';
import { toWire } from './wire-text.js';

export interface DigestAuthenticatorOptions {
  /** Nonce HMAC key (≥ 16 bytes); give every node of a cluster the same one. Random if absent. */
  secret?: Buffer;
  /** How long a nonce stays fresh (default 300 000 ms). */
  nonceLifetimeMs?: number;
  /** Clock in ms since the epoch (tests move it). */
  now?: () => number;
  /** Algorithms offered and accepted, most preferred first (default SHA-256, MD5: RFC 8760 §2.4). */
  algorithms?: DigestAlgorithm[];
  /**
   * The algorithms of one realm, where it chose its own (a domain opted in to SHA-256); undefined
   * falls back to `algorithms`. Asked on every challenge and check, so it must answer from memory.
   */
  algorithmsFor?: (realm: string) => readonly DigestAlgorithm[] | undefined;
  /**
   * Refuse credentials without qop (default false). RFC 3261 §22.4 keeps RFC 2069 compatibility,
   * but such credentials can be replayed while their nonce is fresh: no nonce-count to check.
   */
  requireQop?: boolean;
  /** Compare the digest-uri with the Request-URI (default true, RFC 2617 §3.2.2.5). */
  checkUri?: boolean;
  maxNonceCounts?: number;
  /** Window of the per-address failure counter (default 60 000 ms). */
  failureWindowMs?: number;
  /** Told of each failed verification: the source and its failures in the current window. */
  onFailure?: (source: string, failures: number) => void;
}

export interface ChallengeOptions {
  /** 407 with Proxy-Authenticate (a proxy) rather than 401 with WWW-Authenticate (a UAS/registrar). */
  proxy: boolean;
  /** The last credentials were right but their nonce had expired (RFC 7616 §3.3). */
  stale?: boolean;
  /** Echoed back by the client untouched (header text). */
  opaque?: string;
}

export interface Challenge {
  status: 401 | 407;
  header: 'WWW-Authenticate' | 'Proxy-Authenticate';
  /** One value per algorithm, most preferred first: add each as its own header, in order. */
  values: string[];
}

/** May answer at once (a cached or synchronously read subscriber): the check then completes at once too. */
export type Ha1Lookup = (
  username: string,
  realm: string,
  algorithm: DigestAlgorithm,
) => Awaitable<string | undefined>;

export interface VerifyOptions {
  realm: string;
  /** Read Proxy-Authorization (a proxy) rather than Authorization. */
  proxy: boolean;
  /** HA1 (hex) of the user for this realm and algorithm; undefined for an unknown user. */
  lookupHa1: Ha1Lookup;
  /** Source address charged in `failures` when the outcome is failed. */
  source?: string;
}

type Failed = Extract<VerifyOutcome, { result: 'failed' }>;

/** Credentials that passed every check but the response itself, which needs the user's HA1. */
interface Pending {
  result: 'pending';
  credentials: DigestCredentials;
  nonce: Exclude<NonceCheck, { state: 'invalid' }>;
  nc: number;
}

const failed = (reason: string, credentials?: DigestCredentials): Failed =>
  credentials ? { result: 'failed', reason, credentials } : { result: 'failed', reason };

/**
 * Equal digests, compared in constant time for equal lengths (lengths are public): every
 * character is compared, with no early exit, and no buffer is made of either string.
 */
function sameDigest(expected: string, given: string): boolean {
  if (expected.length !== given.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ given.charCodeAt(i);
  return difference === 0;
}

function sameUri(digestUri: string, requestUri: string): boolean {
  const wire = toWire(digestUri);
  if (wire === requestUri) return true;
  try {
    // Equal by the URI comparison rules (RFC 3261 §19.1.4), not only byte for byte.
    return uriEquals(parseUri(wire), parseUri(requestUri));
  } catch (err) {
    if (err instanceof SipParseError) return false;
    throw err;
  }
}

/**
 * Digest authentication for a UAS, registrar or proxy (RFC 3261 §22, RFC 7616, RFC 8760):
 * stateless nonces, nonce-count replay protection for qop=auth, and a per-address count of
 * failures for the edge. Also answers challenges, for the UAC side (trunks, tests).
 */
export class DigestAuthenticator {
  readonly failures: FailureCounter;
  private readonly nonces: NonceIssuer;
  private readonly counts: NonceCounts;
  private readonly now: () => number;
  private readonly algorithms: readonly DigestAlgorithm[];
  private readonly algorithmsFor: ((realm: string) => readonly DigestAlgorithm[] | undefined) | undefined;
  private readonly requireQop: boolean;
  private readonly checkUri: boolean;
  private readonly onFailure: ((source: string, failures: number) => void) | undefined;

  constructor(options: DigestAuthenticatorOptions = {}) {
    this.onFailure = options.onFailure;
    this.now = options.now ?? Date.now;
    this.nonces = new NonceIssuer({
      secret: options.secret,
      lifetimeMs: options.nonceLifetimeMs,
      now: this.now,
    });
    this.counts = new NonceCounts(options.maxNonceCounts ?? DEFAULT_MAX_NONCE_COUNTS);
    this.failures = new FailureCounter({ windowMs: options.failureWindowMs, now: this.now });
    this.algorithms = options.algorithms?.length ? [...options.algorithms] : ['SHA-256', 'MD5'];
    this.algorithmsFor = options.algorithmsFor;
    this.requireQop = options.requireQop ?? false;
    this.checkUri = options.checkUri ?? true;
  }

  /** A fresh challenge: one header value per algorithm, in order of preference (RFC 8760 §2.4). */
  challenge(realm: string, options: ChallengeOptions): Challenge {
    const nonce = this.nonces.issue(realm);
    const values = this.algorithmsOf(realm).map((algorithm) => {
      let value = `Digest realm=${quote(toWire(realm))}, nonce="${nonce}", algorithm=${algorithm}, qop="auth"`;
      if (options.opaque !== undefined) value += `, opaque=${quote(options.opaque)}`;
      if (options.stale) value += ', stale=true';
      return value;
    });
    return options.proxy
      ? { status: 407, header: 'Proxy-Authenticate', values }
      : { status: 401, header: 'WWW-Authenticate', values };
  }

  /**
   * Check a request's credentials for `realm`. Never throws for anything the request carries;
   * a failing `lookupHa1` (store down) propagates, as that is ours to answer with 500. The outcome
   * comes at once when `lookupHa1` answers at once.
   */
  verify(request: SipRequest, options: VerifyOptions): Awaitable<VerifyOutcome> {
    const pending = this.precheck(request, options);
    if (pending.result !== 'pending') return this.counted(pending, options);
    const { credentials: c } = pending;
    return andThen(options.lookupHa1(c.username, options.realm, c.algorithm), (ha1) =>
      this.counted(this.finish(request, pending, ha1), options),
    );
  }

  /** The Authorization value answering `challenge` (one value or all of a response's). */
  answer(challenge: string | readonly string[], options: AnswerOptions): string {
    return answerChallenge(challenge, options);
  }

  private counted(outcome: VerifyOutcome, options: VerifyOptions): VerifyOutcome {
    if (outcome.result === 'failed' && options.source !== undefined) {
      const failures = this.failures.recordFailure(options.source);
      this.onFailure?.(options.source, failures);
    }
    return outcome;
  }

  /** Everything checked before the user's HA1 is needed: a failure costs no store query. */
  private precheck(request: SipRequest, options: VerifyOptions): VerifyOutcome | Pending {
    const { realm } = options;
    const found = this.credentialsFor(request, realm, options.proxy);
    if (found.result !== 'ok') return found;
    const c = found.credentials;

    // Only what this realm offers: a domain that dropped MD5 must not accept it either.
    if (!this.algorithmsOf(realm).includes(c.algorithm)) return failed('algorithm not offered', c);
    if (c.qop === undefined && this.requireQop) return failed('qop required', c);
    const nonce = this.nonces.check(c.nonce, realm);
    if (nonce.state === 'invalid') return failed('invalid nonce', c);
    if (this.checkUri && !sameUri(c.uri, request.uriText)) return failed('uri does not match Request-URI', c);

    const nc = c.nc === undefined ? 0 : Number.parseInt(c.nc, 16);
    if (c.qop !== undefined) {
      if (nc === 0) return failed('nonce-count zero', c);
      // Before the lookup, so replays cost no store query; re-checked atomically in finish().
      if (nonce.state === 'fresh' && !this.counts.isNew(c.nonce, nc, this.now())) {
        return failed('replayed nonce-count', c);
      }
    }
    return { result: 'pending', credentials: c, nonce, nc };
  }

  /** The response checked against the user's HA1, and the nonce-count recorded. */
  private finish(request: SipRequest, pending: Pending, ha1: string | undefined): VerifyOutcome {
    const { credentials: c, nonce, nc } = pending;
    if (ha1 === undefined) return failed('unknown user', c);
    const expected = digestResponse({
      algorithm: c.algorithm,
      ha1,
      nonce: c.nonce,
      method: request.method,
      uri: c.uri,
      qop: c.qop,
      nc: c.nc,
      cnonce: c.cnonce,
    });
    if (!sameDigest(expected, c.response)) return failed('wrong response', c);

    // Only a right response earns stale=true, else it would tell a guesser nothing is wrong.
    if (nonce.state === 'stale') return { result: 'stale', credentials: c };
    if (c.qop !== undefined && !this.counts.accept(c.nonce, nc, nonce.expiresAt, this.now())) {
      return failed('replayed nonce-count', c);
    }
    return { result: 'ok', credentials: c };
  }

  /** The algorithms `realm` is challenged with and may answer with, most preferred first. */
  algorithmsOf(realm: string): readonly DigestAlgorithm[] {
    const own = this.algorithmsFor?.(realm);
    return own?.length ? own : this.algorithms;
  }

  /**
   * The Digest credentials for our realm among the request's Authorization headers. Other
   * schemes (RFC 4475 §3.3.7) and other realms (RFC 3261 §22.3: one per proxy) are skipped;
   * malformed ones for our realm (or of unknown realm) fail if nothing better is present.
   */
  private credentialsFor(
    request: SipRequest,
    realm: string,
    proxy: boolean,
  ): { result: 'ok'; credentials: DigestCredentials } | Failed | { result: 'missing' } {
    let malformed: string | undefined;
    for (const value of request.getAll(proxy ? 'proxy-authorization' : 'authorization')) {
      try {
        const parsed = parseCredentials(value);
        if (parsed.kind === 'digest' && parsed.credentials.realm === realm) {
          return { result: 'ok', credentials: parsed.credentials };
        }
      } catch (err) {
        if (!(err instanceof DigestParseError)) throw err;
        if (err.realm === undefined || err.realm === realm) malformed ??= err.message;
      }
    }
    return malformed === undefined ? { result: 'missing' } : failed(`malformed credentials: ${malformed}`);
  }
}
