import type { ProxyStack } from '../sip/proxy/index.js';
import type { FailureStage, RequestStage } from './stage.js';
import { Authenticate } from './stages/authenticate.js';
import { CalleeLookup } from './stages/callee-lookup.js';
import { InDialog } from './stages/in-dialog.js';
import { type CallOwner, Local } from './stages/local.js';
import { StaticRouting } from './stages/static-routing.js';
import { Validate } from './stages/validate.js';
import type { StaticRoutes } from './static-routes.js';
import type { RoleHandler, RoutingOptions, SubscriberServices } from './types.js';

/** What the stages are built from: the stack, the static rules, the node's roles and services. */
export interface PipelineDeps {
  stack: Pick<ProxyStack, 'isLocalUri'>;
  options: RoutingOptions;
  routes: StaticRoutes;
  /** The node's UA core (OPTIONS, SIPREC to the recorder, everything addressed to the node). */
  node: RoleHandler;
  /** Registrar, digest check, users and bindings: absent on a stateless node. */
  subscribers?: SubscriberServices;
  /** A role that takes over calls before the proxy stages (a B2BUA). */
  callOwner?: CallOwner;
}

/**
 * The map of the node: what it does with a request, stage by stage, in the order of RFC 3261
 * §16.3–16.6 (and of Kamailio's request_route blocks). Adding a stage is one file and one line
 * here. Stages a node cannot run (no subscriber services) are left out.
 */
export function requestStages(deps: PipelineDeps): RequestStage[] {
  const { stack, options, routes, node, subscribers } = deps;
  const staticRouting = new StaticRouting(routes, node);
  const stages: Array<RequestStage | undefined> = [
    new Validate(stack, options.supported),
    // A node that serves subscribers and is nobody's outbound proxy follows only route sets it is on.
    new InDialog(routes, staticRouting, subscribers !== undefined && !routes.defaultRoute),
    new Local(deps),
    subscribers && new Authenticate(routes, subscribers),
    // Caller features (barring, CLIR, forwarding unconditional) go here: the caller is proven.
    subscribers && new CalleeLookup(subscribers),
    staticRouting,
  ];
  return stages.filter((s): s is RequestStage => s !== undefined);
}

/**
 * Run when every branch of a forwarded request failed, before the best response goes upstream:
 * forwarding on busy / no answer and trunk failover go here. None yet: serial forking across q
 * values is the stateful proxy core's own (src/sip/proxy/stateful-proxy.ts).
 */
export function failureStages(_deps: PipelineDeps): FailureStage[] {
  return [];
}
