import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import { CONTINUE } from '../decision.js';
import type { DiversionReason } from '../features/diversion.js';
import type { Forwarding } from '../features/forwarding.js';
import { DEFAULT_RING_TIMEOUT_S } from '../features/types.js';
import type { RoutingContext } from '../routing-context.js';
import type { FailureDecision, FailureStage } from '../stage.js';

/**
 * Forwarding when the callee's phones failed (Kamailio's failure_route with t_check_status):
 * busy (486) to the busy target (CFB; a 600 Busy Everywhere ends the call: RFC 3261 §16.7 step 5
 * allows no new branch after a 6xx, so the proxy core never asks); a 408 at the ring timeout to the no-answer target
 * (CFNA); a 408 before it (no reply at all), 480 or 503 to the unreachable target (CFNR). The
 * call then rings the new target in the same transaction, with one more Diversion. A loop or too
 * many diversions there lets the callee's own response go.
 */
export class ForwardOnFailure implements FailureStage {
  readonly name = 'forward-on-failure';

  constructor(
    private readonly forwarding: Forwarding,
    private readonly now: () => number = Date.now,
  ) {}

  decide(
    request: SipRequest,
    best: SipResponse,
    context: RoutingContext,
  ): FailureDecision | Promise<FailureDecision> {
    const state = context.callee;
    if (!state || context.cancelled) return CONTINUE;
    const choice = this.choose(best.status, state.features, state.startedAt);
    if (!choice) return CONTINUE;
    return this.forwarding
      .divert(request, context, state, choice.to, choice.reason)
      .then((decision) => (decision.kind === 'forward' ? decision : CONTINUE));
  }

  private choose(
    status: number,
    features: NonNullable<RoutingContext['callee']>['features'],
    startedAt: number,
  ): { to: string; reason: DiversionReason } | undefined {
    const { forwardBusy, forwardNoAnswer, forwardUnreachable } = features;
    if (status === 486) return forwardBusy ? { to: forwardBusy, reason: 'user-busy' } : undefined;
    if (status === 408) {
      // The ring timeout CANCELs the phones and counts as a 408; one before it is a phone gone silent.
      const ringTimeout = (features.ringTimeout ?? DEFAULT_RING_TIMEOUT_S) * 1000;
      const rang = this.now() - startedAt >= ringTimeout - 250;
      if (forwardNoAnswer && (rang || !forwardUnreachable))
        return { to: forwardNoAnswer, reason: 'no-answer' };
      return forwardUnreachable ? { to: forwardUnreachable, reason: 'unavailable' } : undefined;
    }
    if (status === 480 || status === 503)
      return forwardUnreachable ? { to: forwardUnreachable, reason: 'unavailable' } : undefined;
    return undefined;
  }
}
