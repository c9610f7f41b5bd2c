import { createResponse, type SipRequest } from '../../sip/message/index.js';
import { type Forward, forward, type Respond, respond } from '../decision.js';
import type { RoutingContext } from '../routing-context.js';
import type { TrunkServices } from '../types.js';

/** Where a forward to a number no subscriber here has goes: out through a trunk, or nowhere. */
export interface OffNetRouter {
  route(digits: string, request: SipRequest, context: RoutingContext): Respond | Forward;
}

/**
 * Forwarded calls to numbers outside the platform go out by least cost, like the lcr stage's
 * calls from subscribers (the forwarding subscriber allowed it; their outgoing barring was
 * checked): the first gateway is the branch, the trunk-failover failure stage tries the others.
 */
export function trunkRouter(trunks: Pick<TrunkServices, 'dialer'>): OffNetRouter {
  return {
    route(digits, request, context) {
      const dialer = trunks.dialer;
      const call = dialer.plan(digits, request.callId);
      if (call === undefined) return respond(createResponse(request, 404, 'Not Found (no route)'));
      const target = dialer.next(call, request);
      if (target === undefined) return respond(createResponse(request, 503, 'No Gateway Available'));
      context.trunkCall = call;
      context.transaction?.onTerminated(() => dialer.release(call.attempt));
      return forward([target]);
    },
  };
}
