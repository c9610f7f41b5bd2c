import { addressOfRecord } from '../../registrar/index.js';
import { createResponse, type SipRequest } from '../../sip/message/index.js';
import { dialledDigits } from '../../trunks/index.js';
import { contactTargets } from '../contact-targets.js';
import { CONTINUE, type Decision, forward, respond } from '../decision.js';
import type { RoutingContext } from '../routing-context.js';
import type { RequestStage } from '../stage.js';
import type { SubscriberServices } from '../types.js';

/**
 * Callee lookup (RFC 3261 §16.5): the target set for a user of a served domain, by username,
 * alias or number (DID), forked to every registered contact (§16.6) through the address each
 * REGISTER came from, or its Path (RFC 3327). 404 when no subscriber has that name, 480 when it
 * has no live binding.
 */
export class CalleeLookup implements RequestStage {
  readonly name = 'callee-lookup';

  constructor(
    private readonly services: Pick<SubscriberServices, 'store' | 'location'>,
    /** Whether a stage after this one routes numbers off-net (LCR); else they are 404 here. */
    private readonly offNet = false,
  ) {}

  decide(request: SipRequest, context: RoutingContext): Decision | Promise<Decision> {
    const domain = context.domain;
    if (domain === undefined) return CONTINUE;
    const callee = addressOfRecord(request.uri);
    if (!callee) return respond(createResponse(request, 404));
    return this.lookup(request, callee.user, domain, context);
  }

  private async lookup(
    request: SipRequest,
    user: string,
    domain: string,
    context: RoutingContext,
  ): Promise<Decision> {
    const subscriber = await this.services.store.resolveUser(user, domain);
    if (subscriber === undefined && context.caller !== undefined && context.trunk === undefined) {
      // A number nobody here has, dialled by our subscriber: least-cost routing may take it.
      const digits = dialledDigits(user);
      if (digits !== undefined) {
        context.offNet = digits;
        return this.offNet ? CONTINUE : respond(createResponse(request, 404));
      }
    }
    if (!subscriber?.enabled) return respond(createResponse(request, 404));
    const aor = `sip:${subscriber.username}@${subscriber.domain.toLowerCase()}`;
    context.called = { aor, user: subscriber.username, domain: subscriber.domain.toLowerCase() };
    const targets = contactTargets(await this.services.location.lookup(aor), context.nat);
    if (targets.length === 0) return respond(createResponse(request, 480));
    return forward(targets);
  }
}
