import type { SipRequest, SipResponse } from '../sip/message/index.js';
import type { Continue, Decision, Forward } from './decision.js';
import type { RoutingContext } from './routing-context.js';

/**
 * One step of what the node does with a request (like a Kamailio `request_route` block). A stage
 * answers synchronously when it can: the pipeline only becomes asynchronous at the first stage
 * that returns a promise (a store or location lookup).
 */
export interface RequestStage {
  readonly name: string;
  decide(request: SipRequest, context: RoutingContext): Decision | Promise<Decision>;
}

/** What a failure stage decided: new branches, or let the response go (the next stage may act). */
export type FailureDecision = Continue | Forward;

/**
 * A step run when every branch of a forwarded request failed, before the best response goes
 * upstream (like Kamailio's `failure_route`): forwarding on busy, trunk failover.
 */
export interface FailureStage {
  readonly name: string;
  decide(
    request: SipRequest,
    best: SipResponse,
    context: RoutingContext,
  ): FailureDecision | Promise<FailureDecision>;
}
