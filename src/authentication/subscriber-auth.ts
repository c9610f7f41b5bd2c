import { type Awaitable, andThen, type DigestAlgorithm, type VerifyOutcome } from '../sip/auth/index.js';
import { createResponse, type SipRequest, type SipResponse } from '../sip/message/index.js';
import { needsChallenge } from './needs-challenge.js';
import type { CredentialStore, RequestAuthenticator } from './types.js';

/** The subscriber a request claims to come from: `user` of the served domain `realm`. */
export interface Claim {
  realm: string;
  /** The user part of the claimed address (To for REGISTER, From otherwise); undefined when absent. */
  user: string | undefined;
  /** The address the request came from (failure counting). */
  source: string;
}

/**
 * The one digest check of the node (RFC 3261 §22), shared by the registrar and the proxy:
 * the claimed subscriber must answer a challenge with its own credentials. REGISTER is
 * challenged as a registrar does (401, WWW-Authenticate, credentials matching To: §10.3 steps
 * 3–4); every other request as a proxy does (407, Proxy-Authenticate, credentials matching
 * From: §22.3). Disabled or unknown subscribers fail like a wrong password.
 */
export class SubscriberAuth {
  constructor(
    private readonly store: CredentialStore,
    private readonly authenticator: RequestAuthenticator,
  ) {}

  /**
   * undefined when the claim is proven; otherwise the challenge (401/407) or refusal (403) to send.
   * At once when the subscriber is cached or read synchronously (SQLite).
   */
  check(request: SipRequest, claim: Claim): Awaitable<SipResponse | undefined> {
    const proxy = request.method !== 'REGISTER';
    const outcome = this.authenticator.verify(request, {
      realm: claim.realm,
      proxy,
      source: claim.source,
      lookupHa1: (username, realm, algorithm) => this.ha1(username, realm, algorithm),
    });
    return andThen(outcome, (o) => this.answer(request, claim, proxy, o));
  }

  private answer(
    request: SipRequest,
    claim: Claim,
    proxy: boolean,
    outcome: VerifyOutcome,
  ): SipResponse | undefined {
    if (needsChallenge(outcome)) {
      const stale = outcome.result === 'stale';
      const challenge = this.authenticator.challenge(claim.realm, { proxy, stale });
      const response = createResponse(request, challenge.status);
      for (const value of challenge.values) response.append(challenge.header, value);
      return response;
    }
    if (outcome.result !== 'ok') return createResponse(request, 403);
    // No acting as someone else: §10.3 step 4 (no third-party registration), §22.3 (From).
    if (claim.user === undefined || outcome.credentials.username !== claim.user) {
      const header = proxy ? 'From' : 'To';
      return createResponse(request, 403, `Forbidden (credentials do not match ${header})`);
    }
    return undefined;
  }

  private ha1(username: string, realm: string, algorithm: DigestAlgorithm): Awaitable<string | undefined> {
    return andThen(this.store.getSubscriber(username, realm), (subscriber) => {
      if (!subscriber?.enabled) return undefined;
      return algorithm === 'SHA-256' ? subscriber.ha1Sha256 : subscriber.ha1Md5;
    });
  }
}
