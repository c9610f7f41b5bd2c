import type { SipRequest } from '../sip/message/index.js';
import type { ForwardTarget } from '../sip/proxy/index.js';
import type { ServerTransaction } from '../sip/transaction/index.js';
import type { Decision } from './decision.js';
import type { RoutingContext } from './routing-context.js';

/**
 * Places the B2BUA's own INVITE where the stages decided, as the relay would place the caller's:
 * the same targets, forking, Timer C, and the failure stages (trunk failover, forwarding on
 * failure) with the call's routing context. Responses come back through `transaction`.
 */
export interface OutboundRelay {
  forward(
    request: SipRequest,
    transaction: ServerTransaction,
    targets: ForwardTarget[],
    context: RoutingContext,
  ): void;
  /** RFC 3261 §16.10: cancel every branch of a forwarded INVITE; false when none is pending. */
  cancel(cancel: SipRequest, cancelTransaction: ServerTransaction, invite: ServerTransaction): boolean;
}

/**
 * Runs the request stages for a call the takeover role places on a party's behalf (the target of
 * a transfer, RFC 3515): `context` says who that party is (a proven `caller`, a `trunk`), so the
 * stages route it as that party's own new call (callee lookup, barring, least-cost routing).
 */
export interface CallRouter {
  route(request: SipRequest, context: RoutingContext): Promise<Decision>;
}

/** A call the stages decided to forward, given to the role that takes it over. */
export interface TakenCall {
  request: SipRequest;
  transaction: ServerTransaction;
  targets: ForwardTarget[];
  context: RoutingContext;
  relay: OutboundRelay;
  /** The stages, for calls the role places later on a party's behalf (transfers). */
  router?: CallRouter;
}

/**
 * A role that takes over calls after the stages decided where they go (a B2BUA): it answers the
 * caller itself and places its own call to the same targets through the relay, instead of the
 * proxy relaying the caller's INVITE. Asked only for new INVITEs (no To tag) on a stateful node.
 */
export interface CallTakeover {
  /** Whether it takes the call; a promise when its policy needs the store (the call waits). */
  takes(request: SipRequest, context: RoutingContext, targets: ForwardTarget[]): boolean | Promise<boolean>;
  take(call: TakenCall): void;
}
