import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import { CONTINUE, forward } from '../decision.js';
import type { RoutingContext } from '../routing-context.js';
import type { FailureDecision, FailureStage } from '../stage.js';
import type { TrunkServices } from '../types.js';

/**
 * Gateway failover inside the same INVITE transaction (Kamailio's failure_route with
 * ds_next_dst / next_gw): when the gateway tried answered a failover code (408 and 5xx by
 * default, per trunk; a timeout counts as 408), the next gateway of the trunk is tried, then
 * the gateways of the next route. A 486 Busy Here, 603 Decline or other 4xx is the callee's
 * answer and goes to the caller; a 6xx never reaches a failure stage (RFC 3261 §16.7 step 5).
 */
export class TrunkFailover implements FailureStage {
  readonly name = 'trunk-failover';

  constructor(private readonly trunks: Pick<TrunkServices, 'dialer'>) {}

  decide(request: SipRequest, _best: SipResponse, context: RoutingContext): FailureDecision {
    const call = context.trunkCall;
    const attempt = call?.attempt;
    if (call === undefined || attempt === undefined) return CONTINUE;
    const dialer = this.trunks.dialer;
    dialer.release(attempt);
    // The gateway's own answer, not the best of all so far (src/routing/branch-outcomes.ts).
    if (!dialer.failsOver(attempt)) return CONTINUE;
    dialer.countFailover(attempt);
    const target = dialer.next(call, request);
    return target === undefined ? CONTINUE : forward([target]);
  }
}
