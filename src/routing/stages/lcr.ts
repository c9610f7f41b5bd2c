import { createResponse, type SipRequest } from '../../sip/message/index.js';
import { CONTINUE, type Decision, forward, respond } from '../decision.js';
import type { RoutingContext } from '../routing-context.js';
import type { RequestStage } from '../stage.js';
import type { TrunkServices } from '../types.js';

/**
 * Least-cost routing of numbers no subscriber here has, for callers who proved to be our
 * subscribers (callee lookup leaves those numbers in `context.offNet`; nobody else reaches a
 * trunk: no open relay). The longest matching prefix's routes in their time band, by priority
 * and price (src/trunks/lcr-table.ts), each trunk's gateways in its dispatcher's order: the first
 * gateway is the branch, the others wait for failover (the trunk-failover failure stage). 404
 * when no route matches, 503 when routes match but no gateway is up.
 */
export class Lcr implements RequestStage {
  readonly name = 'lcr';

  constructor(private readonly trunks: Pick<TrunkServices, 'dialer'>) {}

  decide(request: SipRequest, context: RoutingContext): Decision {
    const digits = context.offNet;
    if (digits === undefined || context.caller === undefined) return CONTINUE;
    const dialer = this.trunks.dialer;
    const call = dialer.plan(digits, request.callId);
    if (call === undefined) {
      dialer.decisions.noRoute++;
      return respond(createResponse(request, 404, 'Not Found (no route)'));
    }
    const target = dialer.next(call, request);
    if (target === undefined) {
      dialer.decisions.noGateway++;
      return respond(createResponse(request, 503, 'No Gateway Available'));
    }
    dialer.decisions.routed++;
    context.trunkCall = call;
    // However the transaction ends, the last gateway tried is no longer an INVITE in progress.
    context.transaction?.onTerminated(() => dialer.release(call.attempt));
    return forward([target]);
  }
}
