import { createResponse, type SipRequest } from '../../sip/message/index.js';
import { CONTINUE, type Decision, respond } from '../decision.js';
import { looksDialled, toE164 } from '../features/numbering.js';
import type { RoutingContext } from '../routing-context.js';
import type { RequestStage } from '../stage.js';
import type { SubscriberServices } from '../types.js';

/**
 * Number normalisation (Kamailio's dialplan module): a number dialled in a served domain in its
 * national or local format (`0301234567`, `1234567`, `0044…`) becomes E.164 in the Request-URI
 * (`+49301234567`) by the numbering plan of the caller's domain, so that callee lookup, barring
 * and routing see one form. A user part that is a username or a number as stored is left alone
 * (extensions stay extensions). A number too short or too long for E.164 is refused (484, 404).
 */
export class NormaliseNumber implements RequestStage {
  readonly name = 'normalise-number';

  constructor(
    private readonly services: Pick<SubscriberServices, 'store'> &
      Required<Pick<SubscriberServices, 'features'>>,
  ) {}

  decide(request: SipRequest, context: RoutingContext): Decision | Promise<Decision> {
    if (context.domain === undefined) return CONTINUE;
    const uri = request.uri;
    if (uri.kind !== 'sip' || uri.user === undefined || !looksDialled(uri.user)) return CONTINUE;
    return this.normalise(request, context, uri.user, context.domain);
  }

  private async normalise(
    request: SipRequest,
    context: RoutingContext,
    user: string,
    domain: string,
  ): Promise<Decision> {
    const planDomain = context.caller?.domain ?? domain;
    const plan = (await this.services.features.getDomainFeatures(planDomain))?.features.numbering;
    if (!plan) return CONTINUE;
    const normalised = toE164(user, plan);
    // Already E.164, or not a number the plan reads: nothing to rewrite, nothing to look up.
    if (normalised === undefined || (normalised.kind === 'e164' && normalised.number === user))
      return CONTINUE;
    if (await this.services.store.resolveUser(user, domain)) return CONTINUE;
    if (normalised.kind === 'invalid') {
      // RFC 3261 §21.4.22: too few digits is 484; a number no plan can have is not found.
      return respond(
        normalised.reason === 'incomplete'
          ? createResponse(request, 484, 'Address Incomplete')
          : createResponse(request, 404, 'Invalid Number'),
      );
    }
    context.dialled = user;
    const uri = request.uri.clone();
    if (uri.kind === 'sip') uri.user = normalised.number;
    request.uri = uri;
    return CONTINUE;
  }
}
