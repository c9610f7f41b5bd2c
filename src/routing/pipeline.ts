import type { ProxyStack } from '../sip/proxy/index.js';
import { Forwarding } from './features/forwarding.js';
import { trunkRouter } from './features/off-net.js';
import type { FailureStage, RequestStage } from './stage.js';
import { Authenticate } from './stages/authenticate.js';
import { CalleeFeatures } from './stages/callee-features.js';
import { CalleeLookup } from './stages/callee-lookup.js';
import { CallerFeatures } from './stages/caller-features.js';
import { ForwardOnFailure } from './stages/forward-on-failure.js';
import { InDialog } from './stages/in-dialog.js';
import { InboundTrunk } from './stages/inbound-trunk.js';
import { Lcr } from './stages/lcr.js';
import { type CallOwner, Local } from './stages/local.js';
import { NatTraversal } from './stages/nat.js';
import { NormaliseNumber } from './stages/normalise-number.js';
import { StaticRouting } from './stages/static-routing.js';
import { TrunkFailover } from './stages/trunk-failover.js';
import { Validate } from './stages/validate.js';
import type { StaticRoutes } from './static-routes.js';
import type { RoleHandler, RoutingOptions, SubscriberServices, TrunkServices } from './types.js';

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
  /** Call forwarding, shared by the callee-features stage and the forward-on-failure stage. */
  forwarding?: Forwarding;
  /** Trunks, gateways and least-cost routes (on nodes with subscribers). */
  trunks?: TrunkServices;
  /** NAT traversal (the nat stage; the routing role reads 2xx ACKs' aliases through it too). */
  nat?: NatTraversal;
}

/** The forwarding logic of a node whose subscribers have call features (made once per node). */
function forwardingOf(deps: PipelineDeps): Forwarding | undefined {
  const subscribers = deps.subscribers;
  if (!subscribers?.features) return undefined;
  const offNet = deps.trunks && trunkRouter(deps.trunks);
  deps.forwarding ??= new Forwarding(
    { ...subscribers, features: subscribers.features },
    deps.routes,
    Date.now,
    offNet,
  );
  return deps.forwarding;
}

/**
 * The map of the node: what it does with a request, stage by stage, in the order of RFC 3261
 * §16.3–16.6 (and of Kamailio's request_route blocks). Adding a stage is one file and one line
 * here. Stages a node cannot run (no subscriber services) are left out.
 */
export function requestStages(deps: PipelineDeps): RequestStage[] {
  const { stack, options, routes, node, subscribers } = deps;
  const staticRouting = new StaticRouting(routes, node);
  const forwarding = forwardingOf(deps);
  const features = subscribers?.features && { ...subscribers, features: subscribers.features };
  const trunks = subscribers && deps.trunks;
  const stages: Array<RequestStage | undefined> = [
    new Validate(stack, options.supported),
    // NATed senders: Contact alias and SDP repair before anything routes them (Kamailio's NATDETECT).
    deps.nat ?? (options.nat && new NatTraversal(options.nat)),
    // A node that serves subscribers and is nobody's outbound proxy follows only route sets it is on.
    new InDialog(routes, staticRouting, subscribers !== undefined && !routes.defaultRoute),
    // Carriers' calls to DIDs: before local, which would answer a number at our address itself.
    trunks && new InboundTrunk(stack, trunks, subscribers),
    new Local(deps),
    subscribers && new Authenticate(routes, subscribers),
    // The caller is proven: their numbers read in their domain's plan, their barring and identity.
    features && new NormaliseNumber(features),
    features && new CallerFeatures(features),
    // The callee's features (rejection, barring, CFU, CFNR, ring timeout), then plain lookup.
    features && forwarding && new CalleeFeatures(features, forwarding),
    subscribers && new CalleeLookup(subscribers, trunks !== undefined),
    // Numbers no subscriber has, from proven subscribers: to trunks by least cost.
    trunks && new Lcr(trunks),
    staticRouting,
  ];
  return stages.filter((s): s is RequestStage => s !== undefined);
}

/**
 * Run when every branch of a forwarded request failed, before the best response goes upstream:
 * trunk failover (next gateway, next route) and forwarding on busy, no answer and unreachable
 * (CFB, CFNA, CFNR). Serial forking across q values is the stateful proxy core's own
 * (src/sip/proxy/stateful-proxy.ts).
 */
export function failureStages(deps: PipelineDeps): FailureStage[] {
  const stages: FailureStage[] = [];
  if (deps.subscribers && deps.trunks) stages.push(new TrunkFailover(deps.trunks));
  const forwarding = forwardingOf(deps);
  if (forwarding) stages.push(new ForwardOnFailure(forwarding));
  return stages;
}
