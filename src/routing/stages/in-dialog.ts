import { createResponse, type SipRequest } from '../../sip/message/index.js';
import { CONTINUE, type Decision, respond } from '../decision.js';
import type { RoutingContext } from '../routing-context.js';
import type { RequestStage } from '../stage.js';
import type { StaticRoutes } from '../static-routes.js';
import type { StaticRouting } from './static-routing.js';

/**
 * Requests that follow a route set: route pre-processing (RFC 3261 §16.4: our own Route values
 * removed, strict routing undone), then in-dialog requests (To tag, §12.2) — through our
 * Record-Route or not — and requests with a preloaded Route left are routed statically (loose
 * routing, §16.12) without the policy stages: their path was set when the dialog was.
 *
 * A node that serves subscribers and has no default route (`guarded`; an outbound proxy relays by
 * design) follows a Route only when it was on it: a route set
 * that does not start with us would make it an open relay. Such a preloaded Route on a new
 * request is dropped and the request routed by its Request-URI through the policy stages (as
 * Kamailio's default configuration does); a dialog's request with one is refused.
 */
export class InDialog implements RequestStage {
  readonly name = 'in-dialog';

  constructor(
    private readonly routes: StaticRoutes,
    private readonly staticRouting: StaticRouting,
    private readonly guarded = false,
  ) {}

  decide(request: SipRequest, context: RoutingContext): Decision {
    const { routedHere, flow } = this.routes.preprocessFlow(request, context.source);
    context.routedHere = routedHere;
    // RFC 5626 §5.3: a flow token we did not write is refused; one for a flow that is gone, 430.
    if (flow?.kind === 'tampered')
      return respond(createResponse(request, 403, 'Forbidden (Invalid Flow Token)'));
    if (flow?.kind === 'to-flow' && !request.has('route')) {
      if (!this.routes.flowAlive(flow.flow)) return respond(createResponse(request, 430, 'Flow Failed'));
      context.flow = flow.flow;
    }
    if (request.has('route')) {
      if (context.routedHere || !this.guarded) return this.staticRouting.decide(request, context);
      if (request.to.tag !== undefined) return respond(createResponse(request, 403, 'Relaying Forbidden'));
      request.remove('route');
      return CONTINUE;
    }
    // REGISTER creates no dialog (§10.2): a To tag copied into a refresh does not make one.
    if (request.to.tag === undefined || request.method === 'REGISTER') return CONTINUE;
    return this.staticRouting.decide(request, context);
  }
}
