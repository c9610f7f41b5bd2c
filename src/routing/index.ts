/** The routing role of a node: its request pipeline (src/routing/pipeline.ts) and relay. */
export { CONTINUE, type Decision, forward, hand, respond } from './decision.js';
export { failureStages, type PipelineDeps, requestStages } from './pipeline.js';
export { RoutingContext } from './routing-context.js';
export { type RoutingExtensions, RoutingRole } from './routing-role.js';
export type { FailureDecision, FailureStage, RequestStage } from './stage.js';
export type { CallOwner } from './stages/local.js';
export type {
  LocalRequestHandler,
  RoleHandler,
  RoutingOptions,
  SubscriberServices,
} from './types.js';
