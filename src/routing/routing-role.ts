import { createResponse, type SipRequest, type SipResponse, type SipUri } from '../sip/message/index.js';
import type { ForwardTarget, ProxyStack } from '../sip/proxy/index.js';
import type { StackHandlers } from '../sip/stack/index.js';
import type { ServerTransaction } from '../sip/transaction/index.js';
import type { Target } from '../sip/transport/index.js';
import type { CallRouter, CallTakeover } from './call-takeover.js';
import type { Decision } from './decision.js';
import { failureStages, type PipelineDeps, requestStages } from './pipeline.js';
import { Relay } from './relay.js';
import { RoutingContext } from './routing-context.js';
import { runStages } from './run-stages.js';
import type { FailureStage, RequestStage } from './stage.js';
import type { CallOwner } from './stages/local.js';
import { NatTraversal } from './stages/nat.js';
import { StaticRoutes } from './static-routes.js';
import type { LocalRequestHandler, RoutingOptions, SubscriberServices, TrunkServices } from './types.js';

/** Roles and stages a node adds to its pipeline beyond its own (a B2BUA; tests). */
export interface RoutingExtensions {
  callOwner?: CallOwner;
  failureStages?: readonly FailureStage[];
  /** Trunks and least-cost routing (needs subscriber services). */
  trunks?: TrunkServices;
  /** Takes over the calls its policy picks once the stages chose their targets (the B2BUA). */
  takeover?: CallTakeover;
}

/**
 * The routing role of a node: the stack hands it every request, and it runs them through the
 * pipeline's stages (src/routing/pipeline.ts) and carries out what they decide — answer, hand
 * to a role, or relay. ACKs for 2xx, CANCELs and stray responses follow the same static rules.
 */
export class RoutingRole implements StackHandlers, CallRouter {
  readonly stages: readonly RequestStage[];
  private readonly routes: StaticRoutes;
  private readonly relay: Relay;
  /** Asynchronous stages (store, location) may run: a stateless shortcut cannot wait for them. */
  private readonly asynchronous: boolean;
  /** INVITEs waiting for an asynchronous decision, so a CANCEL can still stop them. */
  private readonly deciding = new Map<ServerTransaction, RoutingContext>();
  private readonly takeover: CallTakeover | undefined;
  /** NAT traversal (options.nat), shared with the pipeline's nat stage. */
  private readonly nat: NatTraversal | undefined;

  constructor(
    stack: ProxyStack,
    private readonly options: RoutingOptions,
    private readonly node: LocalRequestHandler,
    subscribers?: SubscriberServices,
    extensions: RoutingExtensions = {},
  ) {
    this.routes = new StaticRoutes(
      stack,
      options.defaultRoute,
      (request) => node.hasDialog?.(request) ?? false,
      options.outbound,
    );
    const deps: PipelineDeps = { stack, options, routes: this.routes, node };
    if (subscribers) deps.subscribers = subscribers;
    if (extensions.callOwner) deps.callOwner = extensions.callOwner;
    if (extensions.trunks) deps.trunks = extensions.trunks;
    if (options.nat) deps.nat = this.nat = new NatTraversal(options.nat);
    this.stages = requestStages(deps);
    // Trunk failover needs each gateway's own answer: the proxy core's stack reports it.
    const proxyStack = extensions.trunks ? extensions.trunks.outcomes.observe(stack) : stack;
    this.relay = new Relay(proxyStack, options, [
      ...failureStages(deps),
      ...(extensions.failureStages ?? []),
    ]);
    this.asynchronous = subscribers !== undefined || extensions.callOwner !== undefined;
    this.takeover = options.mode === 'stateful' ? extensions.takeover : undefined;
  }

  /** Live proxy response contexts (for metrics and leak checks). */
  get activeContexts(): number {
    return this.relay.stateful.size;
  }

  onRequest(request: SipRequest, transaction: ServerTransaction): void {
    const context = new RoutingContext(transaction.source, transaction);
    const decision = runStages(this.stages, request, context);
    if (decision instanceof Promise) this.decideLater(decision, request, transaction, context);
    else this.carryOut(decision, request, transaction, context);
  }

  /** A store or location lookup is deciding; a CANCEL meanwhile ends the INVITE with 487. */
  private decideLater(
    pending: Promise<Decision>,
    request: SipRequest,
    transaction: ServerTransaction,
    context: RoutingContext,
  ): void {
    if (transaction.isInvite) this.deciding.set(transaction, context);
    // Done deciding before carrying out: a takeover policy may start deciding again.
    pending.then(
      (decision) => {
        this.deciding.delete(transaction);
        if (!context.cancelled) this.carryOut(decision, request, transaction, context);
      },
      (e: unknown) => {
        this.deciding.delete(transaction);
        this.options.onError?.(e);
        if (!context.cancelled) transaction.respond(createResponse(request, 500));
      },
    );
  }

  private carryOut(
    decision: Decision,
    request: SipRequest,
    transaction: ServerTransaction,
    context: RoutingContext,
  ): void {
    switch (decision.kind) {
      case 'respond':
        transaction.respond(decision.response);
        return;
      case 'hand':
        decision.role.handle(request, transaction);
        return;
      case 'forward':
        this.forwardOrTakeOver(request, transaction, decision.targets, context);
        return;
      case 'continue':
        // Static routing always decides; reaching here is a bug, not the caller's fault.
        this.options.onError?.(new Error('no routing stage decided'));
        transaction.respond(createResponse(request, 500));
    }
  }

  /**
   * A new call the takeover's policy picks goes to it (it answers the caller and places its own
   * call); the rest are relayed. A policy that asks the store decides later: a CANCEL meanwhile
   * ends the INVITE with 487 as during the stages.
   */
  private forwardOrTakeOver(
    request: SipRequest,
    transaction: ServerTransaction,
    targets: ForwardTarget[],
    context: RoutingContext,
  ): void {
    const takeover = this.takeover;
    if (!takeover || request.method !== 'INVITE' || request.to.tag !== undefined) {
      this.relay.forward(request, transaction, targets, context);
      return;
    }
    const takes = takeover.takes(request, context, targets);
    // Known at once (a proxy-only node, a cached policy): no closure for the answer per call.
    if (typeof takes === 'boolean') {
      this.takeOrRelay(takes, takeover, request, transaction, targets, context);
      return;
    }
    this.deciding.set(transaction, context);
    takes
      .then(
        (yes) => {
          if (!context.cancelled) this.takeOrRelay(yes, takeover, request, transaction, targets, context);
        },
        (e: unknown) => {
          this.options.onError?.(e);
          if (!context.cancelled) transaction.respond(createResponse(request, 500));
        },
      )
      .finally(() => this.deciding.delete(transaction));
  }

  private takeOrRelay(
    takes: boolean,
    takeover: CallTakeover,
    request: SipRequest,
    transaction: ServerTransaction,
    targets: ForwardTarget[],
    context: RoutingContext,
  ): void {
    if (takes) takeover.take({ request, transaction, targets, context, relay: this.relay, router: this });
    else this.relay.forward(request, transaction, targets, context);
  }

  /** The stages' decision for a call the takeover role places on a party's behalf (a transfer). */
  async route(request: SipRequest, context: RoutingContext): Promise<Decision> {
    return runStages(this.stages, request, context);
  }

  /**
   * Stateless mode (RFC 3261 §16.11): a request the stages forward to one next hop goes without
   * any transaction; anything else (answers, roles, asynchronous stages) gets a transaction and
   * goes through the stages again in onRequest.
   */
  beforeTransaction(request: SipRequest, source: Target): boolean {
    if (this.options.mode !== 'stateless') return false;
    // Requests that may be for our subscribers need the store, authentication and a transaction.
    if (this.asynchronous && !request.has('route')) return false;
    const context = new RoutingContext(source, undefined);
    const decision = runStages(this.stages, request, context);
    if (decision instanceof Promise) {
      decision.catch(ignore);
      return false;
    }
    // Edits to every forwarded copy (a NATed caller's SDP repair) are the stateful relay's.
    if (decision.kind !== 'forward' || context.prepare) return false;
    return this.relay.forwardStateless(request, source, decision.targets);
  }

  onAck(ack: SipRequest, source: Target): void {
    const { routedHere, flow } = this.routes.preprocessFlow(ack, source);
    // RFC 5626 §5.3: a 2xx ACK for a client behind a flow token goes over its flow (none: dropped).
    if (flow?.kind === 'tampered') return;
    if (flow?.kind === 'to-flow' && !ack.has('route')) {
      if (!this.routes.flowAlive(flow.flow)) return;
      const aliased = this.nat?.aliasOf(ack.uri);
      if (aliased) ack.uri = aliased.uri;
      this.relay.stateless.forwardRequest(ack, source, flow.flow).catch(ignore);
      return;
    }
    const hop = this.routes.nextHop(ack, routedHere);
    if (hop === 'local') this.node.handleAck(ack, source);
    else if (hop !== 'refuse') {
      // The 2xx ACK of a NATed phone's dialog: to its NAT binding, like the dialog's other requests.
      const aliased = hop === null && !ack.has('route') ? this.nat?.aliasOf(ack.uri) : undefined;
      if (aliased) ack.uri = aliased.uri;
      const next = aliased?.nextHop ?? hop ?? undefined;
      this.relay.stateless.forwardRequest(ack, source, next as SipUri | Target | undefined).catch(ignore);
    }
  }

  onCancel(cancel: SipRequest, transaction: ServerTransaction, invite: ServerTransaction | undefined): void {
    if (this.relay.stateful.cancel(cancel, transaction, invite)) return;
    const deciding = invite ? this.deciding.get(invite) : undefined;
    if (invite?.request && deciding) {
      // RFC 3261 §9.2: cancelled before we forwarded it: 200 for the CANCEL, 487 for the INVITE.
      deciding.cancelled = true;
      transaction.respond(createResponse(cancel, 200));
      invite.respond(createResponse(invite.request, 487));
      return;
    }
    if (invite) {
      // A CANCEL for an INVITE answered locally: the UA core owns that transaction.
      this.node.handleCancel(cancel, transaction, invite);
      return;
    }
    // RFC 3261 §16.10: no response context, forward statelessly (or 481 if it is not ours to forward).
    const hop = this.routes.nextHop(cancel, this.routes.preprocess(cancel));
    if (hop === 'local' || hop === 'refuse') {
      transaction.respond(createResponse(cancel, 481));
      return;
    }
    this.relay.stateless.forwardRequest(cancel, transaction.source, hop ?? undefined).catch(ignore);
  }

  onStrayResponse(response: SipResponse, _source: Target): void {
    // RFC 3261 §16.7: responses with no client transaction (2xx retransmissions) go upstream statelessly.
    this.relay.stateless.forwardResponse(response).catch(ignore);
  }
}

/** Stateless sends report nothing back (RFC 3261 §16.11): one handler for their failures. */
function ignore(): void {}
