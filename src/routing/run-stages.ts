import type { SipRequest, SipResponse } from '../sip/message/index.js';
import type { Retarget } from '../sip/proxy/index.js';
import { CONTINUE, type Decision } from './decision.js';
import type { RoutingContext } from './routing-context.js';
import type { FailureDecision, FailureStage, RequestStage } from './stage.js';

/**
 * Run the stages in order until one decides. A plain loop over the static list: nothing is
 * allocated per request until a stage answers with a promise; from there on the rest run after
 * it, and stop when a CANCEL arrived meanwhile (CONTINUE then: nothing decided).
 */
export function runStages(
  stages: readonly RequestStage[],
  request: SipRequest,
  context: RoutingContext,
): Decision | Promise<Decision> {
  for (let i = 0; i < stages.length; i++) {
    const decision = stages[i]!.decide(request, context);
    if (decision instanceof Promise) return resume(stages, i, decision, request, context);
    if (decision !== CONTINUE) return decision;
  }
  return CONTINUE;
}

async function resume(
  stages: readonly RequestStage[],
  at: number,
  pending: Promise<Decision>,
  request: SipRequest,
  context: RoutingContext,
): Promise<Decision> {
  let decision = await pending;
  for (let i = at + 1; ; i++) {
    if (context.cancelled) return CONTINUE;
    if (decision !== CONTINUE || i >= stages.length) return decision;
    const next = stages[i]!.decide(request, context);
    decision = next instanceof Promise ? await next : next;
  }
}

/** Run the failure stages in order: the first that forwards gives the new targets. */
export function runFailureStages(
  stages: readonly FailureStage[],
  request: SipRequest,
  best: SipResponse,
  context: RoutingContext,
): Retarget | Promise<Retarget> {
  for (let i = 0; i < stages.length; i++) {
    const decision = stages[i]!.decide(request, best, context);
    if (decision instanceof Promise) return resumeFailure(stages, i, decision, request, best, context);
    if (decision.kind === 'forward') return decision.targets;
  }
  return undefined;
}

async function resumeFailure(
  stages: readonly FailureStage[],
  at: number,
  pending: Promise<FailureDecision>,
  request: SipRequest,
  best: SipResponse,
  context: RoutingContext,
): Promise<Retarget> {
  let decision = await pending;
  for (let i = at + 1; ; i++) {
    if (decision.kind === 'forward') return decision.targets;
    if (context.cancelled || i >= stages.length) return undefined;
    const next = stages[i]!.decide(request, best, context);
    decision = next instanceof Promise ? await next : next;
  }
}
