/** The routing role of a node: its request pipeline (src/routing/pipeline.ts) and relay. */

export { BranchOutcomes } from './branch-outcomes.js';
export type { CallRouter, CallTakeover, OutboundRelay, TakenCall } from './call-takeover.js';
export { CONTINUE, type Decision, forward, hand, respond } from './decision.js';
export { failureStages, type PipelineDeps, requestStages } from './pipeline.js';
export { RoutingContext } from './routing-context.js';
export { type RoutingExtensions, RoutingRole } from './routing-role.js';
export type { FailureDecision, FailureStage, RequestStage } from './stage.js';
export type { CallOwner } from './stages/local.js';
export { TrunkCall } from './trunk-call.js';
export { type TrunkDefaults, TrunkDialer } from './trunk-dialer.js';
export type {
  LocalRequestHandler,
  RoleHandler,
  RoutingOptions,
  SubscriberServices,
  TrunkServices,
} from './types.js';
