import type { DigestAlgorithm } from '../sip/auth/index.js';
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

  /** undefined when the claim is proven; otherwise the challenge (401/407) or refusal (403) to send. */
  async check(request: SipRequest, claim: Claim): Promise<SipResponse | undefined> {
    const registering = request.method === 'REGISTER';
    const proxy = !registering;
    const { realm } = claim;
    const outcome = await this.authenticator.verify(request, {
      realm,
      proxy,
      source: claim.source,
      lookupHa1: (username, r, algorithm) => this.ha1(username, r, algorithm),
    });
    if (needsChallenge(outcome)) {
      const challenge = this.authenticator.challenge(realm, { proxy, stale: outcome.result === 'stale' });
      const response = createResponse(request, challenge.status);
      for (const value of challenge.values) response.append(challenge.header, value);
      return response;
    }
    if (outcome.result !== 'ok') return createResponse(request, 403);
    // No acting as someone else: §10.3 step 4 (no third-party registration), §22.3 (From).
    if (claim.user === undefined || outcome.credentials.username !== claim.user) {
      const header = registering ? 'To' : 'From';
      return createResponse(request, 403, `Forbidden (credentials do not match ${header})`);
    }
    return undefined;
  }

  private async ha1(
    username: string,
    realm: string,
    algorithm: DigestAlgorithm,
  ): Promise<string | undefined> {
    const subscriber = await this.store.getSubscriber(username, realm);
    if (!subscriber?.enabled) return undefined;
    return algorithm === 'SHA-256' ? subscriber.ha1Sha256 : subscriber.ha1Md5;
  }
}
