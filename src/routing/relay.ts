import type { SipRequest } from '../sip/message/index.js';
import {
  type ForwardTarget,
  type ProxyEvents,
  type ProxyStack,
  StatefulProxy,
  StatelessForwarder,
} from '../sip/proxy/index.js';
import type { ServerTransaction } from '../sip/transaction/index.js';
import type { Target } from '../sip/transport/index.js';
import type { OutboundRelay } from './call-takeover.js';
import type { RoutingContext } from './routing-context.js';
import { runFailureStages } from './run-stages.js';
import type { FailureStage } from './stage.js';
import type { RoutingOptions } from './types.js';

/**
 * Relay: carries out the forward decisions of the stages through the protocol proxy core —
 * transaction-stateful (RFC 3261 §16.6–16.7, forking, Timer C), or stateless (§16.11) on a node
 * configured so. When every branch failed, the stateful core asks the failure stages first.
 */
export class Relay implements OutboundRelay {
  readonly stateful: StatefulProxy<RoutingContext>;
  readonly stateless: StatelessForwarder;
  /** Whether a response context needs its routing context back (only for failure stages). */
  private readonly keepsContext: boolean;

  constructor(stack: ProxyStack, options: RoutingOptions, failureStages: readonly FailureStage[]) {
    // No failure stage, no hook: the best response goes upstream as the core picked it.
    const events: ProxyEvents<RoutingContext> =
      failureStages.length === 0
        ? {}
        : {
            onAllBranchesFailed: (request, best, context) => {
              if (!context) return undefined;
              const retarget = runFailureStages(failureStages, request, best, context);
              return retarget instanceof Promise
                ? retarget.then((targets) => withContextEdits(targets, context))
                : withContextEdits(retarget, context);
            },
          };
    const outbound = options.outbound;
    const flowToken =
      outbound && ((request: SipRequest, inbound: Target) => outbound.recordRouteToken(request, inbound));
    this.stateful = new StatefulProxy(
      stack,
      {
        recordRoute: options.recordRoute,
        timerC: options.timerC,
        t1: options.t1,
        ...(flowToken ? { flowToken } : {}),
      },
      events,
    );
    this.stateless = new StatelessForwarder(stack, options.recordRoute, flowToken);
    this.keepsContext = failureStages.length > 0;
  }

  forward(
    request: SipRequest,
    transaction: ServerTransaction,
    targets: ForwardTarget[],
    context: RoutingContext,
  ): void {
    // Without failure stages nothing reads it again: the response context need not hold it.
    this.stateful.forward(
      request,
      transaction,
      withContextEdits(targets, context) ?? targets,
      this.keepsContext ? context : undefined,
    );
  }

  cancel(cancel: SipRequest, cancelTransaction: ServerTransaction, invite: ServerTransaction): boolean {
    return this.stateful.cancel(cancel, cancelTransaction, invite);
  }

  /**
   * §16.11: forward without a transaction when the decision is one next hop for the request as
   * it is; false when it needs a transaction (several targets, a new Request-URI).
   */
  forwardStateless(request: SipRequest, source: Target, targets: ForwardTarget[]): boolean {
    if (targets.length !== 1) return false;
    const target = targets[0]!;
    if (target.uri !== request.uri || target.routes) return false;
    const hop = target.nextHop;
    if (hop !== undefined && 'kind' in hop && hop.kind !== 'sip') return false;
    this.stateless.forwardRequest(request, source, hop).catch(() => {});
    return true;
  }
}

/**
 * Each target's own edits, then the request's (the caller's privacy), on every branch's copy; and
 * each branch's responses shown to the context's watcher after the target's own edits.
 */
function withContextEdits(
  targets: ForwardTarget[] | undefined,
  context: RoutingContext,
): ForwardTarget[] | undefined {
  const edit = context.prepare;
  const watch = context.watchResponse;
  if (!targets || !(edit || watch)) return targets;
  return targets.map((target) => {
    const edited = { ...target };
    const own = target.prepare;
    if (edit)
      edited.prepare = own
        ? (copy) => {
            own(copy);
            edit(copy);
          }
        : edit;
    const ownResponse = target.prepareResponse;
    if (watch)
      edited.prepareResponse = (response) => {
        ownResponse?.(response);
        watch(response, target);
      };
    return edited;
  });
}
