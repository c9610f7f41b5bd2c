import { createResponse, type SipRequest } from '../../sip/message/index.js';
import type { ForwardTarget } from '../../sip/proxy/index.js';
import { type Decision, forward, type Hand, hand, respond } from '../decision.js';
import type { RoutingContext } from '../routing-context.js';
import type { RequestStage } from '../stage.js';
import type { StaticRoutes } from '../static-routes.js';
import type { RoleHandler } from '../types.js';

/**
 * Static routing, the last word on a request no earlier stage took: follow its Route (RFC 3261
 * §16.4, §16.6 item 6), send it to the default route (outbound-proxy mode), answer it when it is
 * for this node, and refuse to relay it anywhere else (403): a node is no open relay.
 */
export class StaticRouting implements RequestStage {
  readonly name = 'static-routing';
  private readonly toNode: Hand;

  constructor(
    private readonly routes: StaticRoutes,
    node: RoleHandler,
  ) {
    this.toNode = hand(node);
  }

  decide(request: SipRequest, context: RoutingContext): Decision {
    // RFC 5626 §5.3: over the client's own flow, which its flow token named (the in-dialog stage).
    const flow = context.flow;
    if (flow)
      return forward([{ ...(context.nat?.aliasOf(request.uri) ?? { uri: request.uri }), nextHop: flow }]);
    const hop = this.routes.nextHopOf(request, context);
    if (hop === 'local') return this.toNode;
    if (hop === 'refuse') return respond(createResponse(request, 403, 'Relaying Forbidden'));
    // An aliased Request-URI of a NATed phone (no Route left): to its NAT binding.
    const aliased = hop === null && !request.has('route') ? context.nat?.aliasOf(request.uri) : undefined;
    if (aliased) return forward([aliased]);
    // One literal per shape: a property added afterwards would cost the target a second store.
    const target: ForwardTarget = hop ? { uri: request.uri, nextHop: hop } : { uri: request.uri };
    return forward([target]);
  }
}
