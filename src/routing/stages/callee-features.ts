import { addressOfRecord } from '../../registrar/index.js';
import type { SipRequest } from '../../sip/message/index.js';
import { CONTINUE, type Decision } from '../decision.js';
import type { Forwarding } from '../features/forwarding.js';
import type { RoutingContext } from '../routing-context.js';
import type { RequestStage } from '../stage.js';
import type { SubscriberServices } from '../types.js';

/**
 * Calls (INVITE) to our subscribers, with the callee's features: anonymous call rejection (433,
 * RFC 5079), incoming barring (403), forwarding unconditional, forwarding when not registered,
 * and the ring timeout that forwarding on no answer needs. Users the store does not know go on
 * to callee lookup (404) and the stages after it.
 */
export class CalleeFeatures implements RequestStage {
  readonly name = 'callee-features';

  constructor(
    private readonly services: Pick<SubscriberServices, 'store'>,
    private readonly forwarding: Forwarding,
  ) {}

  decide(request: SipRequest, context: RoutingContext): Decision | Promise<Decision> {
    if (context.domain === undefined || request.method !== 'INVITE') return CONTINUE;
    const callee = addressOfRecord(request.uri);
    if (!callee) return CONTINUE;
    return this.features(request, context, callee.user, context.domain);
  }

  private async features(
    request: SipRequest,
    context: RoutingContext,
    user: string,
    domain: string,
  ): Promise<Decision> {
    const subscriber = await this.services.store.resolveUser(user, domain);
    if (!subscriber?.enabled) return CONTINUE;
    return this.forwarding.reach(request, context, subscriber);
  }
}
