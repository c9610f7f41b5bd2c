import { consumeCredentials } from '../../authentication/index.js';
import { addressOfRecord } from '../../registrar/index.js';
import type { SipRequest, SipUri } from '../../sip/message/index.js';
import { CONTINUE, type Decision, respond } from '../decision.js';
import type { RoutingContext } from '../routing-context.js';
import type { RequestStage } from '../stage.js';
import { relays, type StaticRoutes } from '../static-routes.js';
import type { SubscriberServices } from '../types.js';

/**
 * Authentication of callers (RFC 3261 §22.3, §16.3 item 6): a request whose From is in one of our
 * domains must carry that subscriber's credentials before the node routes it to a user or relays
 * it (407, then 403 for wrong ones or another subscriber's); callers from other domains pass. The
 * digest check is the one the registrar uses (src/authentication). Our realm's credentials are
 * consumed, and the proven caller is left in the context for the stages after this one.
 */
export class Authenticate implements RequestStage {
  readonly name = 'authenticate';

  constructor(
    private readonly routes: StaticRoutes,
    private readonly services: Pick<SubscriberServices, 'domains' | 'auth'>,
  ) {}

  decide(request: SipRequest, context: RoutingContext): Decision | Promise<Decision> {
    // The registrar authenticates the REGISTERs it answers; the others are for another registrar.
    if (request.method === 'REGISTER') return CONTINUE;
    // A trunk's call proved itself by its source address or credentials (inbound-trunk stage).
    if (context.trunk !== undefined) return CONTINUE;
    // A party the node vouches for already: a B2BUA placing a transfer for a call leg it holds.
    if (context.caller !== undefined) return CONTINUE;
    // What the node answers or refuses itself needs no proof: only requests it will route on.
    if (context.domain === undefined && !relays(this.routes.nextHopOf(request, context))) {
      return CONTINUE;
    }
    const from = request.from.uri;
    if (from.kind !== 'sip') return CONTINUE;
    // Callers from domains we do not serve pass; known from the cache, that needs no promise.
    if (this.services.domains.cached?.(from.hostname) === false) return CONTINUE;
    return this.check(request, from, context);
  }

  private async check(request: SipRequest, from: SipUri, context: RoutingContext): Promise<Decision> {
    const realm = from.hostname;
    if (!(await this.services.domains.has(realm))) return CONTINUE;
    const caller = addressOfRecord(from);
    const refusal = await this.services.auth.check(request, {
      realm,
      user: caller?.user,
      source: context.source.address,
    });
    if (refusal) return respond(refusal);
    consumeCredentials(request, realm);
    context.caller = caller;
    return CONTINUE;
  }
}
