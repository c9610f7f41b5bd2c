import type { SipRequest } from '../../sip/message/index.js';
import type { ProxyStack } from '../../sip/proxy/index.js';
import { CONTINUE, type Decision, type Hand, hand } from '../decision.js';
import type { RoutingContext } from '../routing-context.js';
import type { RequestStage } from '../stage.js';
import type { StaticRoutes } from '../static-routes.js';
import type { RoleHandler, SubscriberServices } from '../types.js';

/**
 * Where a B2BUA will hook in: out-of-dialog requests it claims (calls it terminates and
 * re-originates) are handed to it before the proxy stages see them.
 */
export interface CallOwner extends RoleHandler {
  owns(request: SipRequest, context: RoutingContext): boolean;
}

export interface LocalDeps {
  stack: Pick<ProxyStack, 'isLocalUri'>;
  routes: StaticRoutes;
  /** The node's UA core: OPTIONS, SIPREC INVITEs (to the recorder), everything else for the node. */
  node: RoleHandler;
  subscribers?: Pick<SubscriberServices, 'domains' | 'registrar'>;
  callOwner?: CallOwner;
}

/**
 * Requests for the node itself, answered by one of its roles rather than relayed: REGISTERs for
 * the served domains go to the registrar (RFC 3261 §10.3 step 1); requests for the node's
 * address, or for a served domain with no user (OPTIONS pings), go to its UA core, which hands
 * SIPREC INVITEs to the recorder. A request for a user of a served domain goes on, with that
 * domain in the context, to authentication and callee lookup.
 */
export class Local implements RequestStage {
  readonly name = 'local';
  private readonly toNode: Hand;
  private readonly toRegistrar: Hand | undefined;
  private readonly toCallOwner: Hand | undefined;

  constructor(private readonly deps: LocalDeps) {
    this.toNode = hand(deps.node);
    this.toRegistrar = deps.subscribers ? hand(deps.subscribers.registrar) : undefined;
    this.toCallOwner = deps.callOwner ? hand(deps.callOwner) : undefined;
  }

  decide(request: SipRequest, context: RoutingContext): Decision | Promise<Decision> {
    if (this.toCallOwner && this.deps.callOwner!.owns(request, context)) return this.toCallOwner;
    if (this.deps.subscribers)
      return this.servedNow(request, context) ?? this.forServedDomains(request, context);
    return this.forNode(request, context);
  }

  /**
   * forServedDomains without waiting, when the domain answers it needs are cached (nearly every
   * request): no promise, and the stages after it run in the same turn. Undefined: ask the store.
   */
  private servedNow(request: SipRequest, context: RoutingContext): Decision | undefined {
    if (request.method === 'REGISTER') return this.registerNow(request);
    const uri = request.uri;
    if (uri.kind !== 'sip') return this.forDomain(undefined, request, context);
    let domain = this.cachedServed(uri.hostname);
    if (domain === null) return undefined;
    if (domain === undefined && uri.user !== undefined && this.deps.stack.isLocalUri(uri)) {
      const from = request.from.uri;
      if (from.kind === 'sip') {
        domain = this.cachedServed(from.hostname);
        if (domain === null) return undefined;
      }
    }
    return this.forDomain(domain, request, context);
  }

  /** registersHere without waiting, from cached domain answers; undefined: ask the store. */
  private registerNow(request: SipRequest): Decision | undefined {
    const uri = request.uri;
    const atNode = this.deps.stack.isLocalUri(uri);
    const domain = uri.kind === 'sip' ? this.cachedServed(uri.hostname) : undefined;
    if (domain === null) return undefined;
    if (domain !== undefined || (atNode && !this.deps.routes.defaultRoute)) return this.toRegistrar!;
    const to = request.to.uri;
    if (!atNode || to.kind !== 'sip') return CONTINUE;
    const toDomain = this.cachedServed(to.hostname);
    if (toDomain === null) return undefined;
    return toDomain !== undefined ? this.toRegistrar! : CONTINUE;
  }

  private forNode(request: SipRequest, context: RoutingContext): Decision {
    return this.deps.routes.nextHopOf(request, context) === 'local' ? this.toNode : CONTINUE;
  }

  private async forServedDomains(request: SipRequest, context: RoutingContext): Promise<Decision> {
    const uri = request.uri;
    const atNode = this.deps.stack.isLocalUri(uri);
    let domain = uri.kind === 'sip' ? await this.served(uri.hostname) : undefined;
    if (request.method === 'REGISTER') {
      return (await this.registersHere(request, domain !== undefined, atNode)) ? this.toRegistrar! : CONTINUE;
    }
    if (domain === undefined && atNode && uri.kind === 'sip' && uri.user !== undefined) {
      // A user at this node's own address: a user of the caller's domain, when we serve it.
      const from = request.from.uri;
      if (from.kind === 'sip') domain = await this.served(from.hostname);
    }
    return this.forDomain(domain, request, context);
  }

  /** A request for a user of a served domain goes on with it; the rest are the node's or relayed. */
  private forDomain(domain: string | undefined, request: SipRequest, context: RoutingContext): Decision {
    if (domain === undefined) return this.forNode(request, context);
    // The domain itself (OPTIONS pings): the node answers.
    const uri = request.uri;
    if (uri.kind !== 'sip' || uri.user === undefined) return this.toNode;
    context.domain = domain;
    return CONTINUE;
  }

  /**
   * RFC 3261 §10.3 step 1: REGISTERs for our domains are ours to answer; at our address too, unless
   * an outbound proxy takes what is not for a domain we serve.
   */
  private async registersHere(
    request: SipRequest,
    forServedDomain: boolean,
    atNode: boolean,
  ): Promise<boolean> {
    if (forServedDomain || (atNode && !this.deps.routes.defaultRoute)) return true;
    const to = request.to.uri;
    return atNode && to.kind === 'sip' && (await this.served(to.hostname)) !== undefined;
  }

  /** The served domain a host names, if any, from the cache; null when the cache has no answer. */
  private cachedServed(host: string): string | undefined | null {
    const domain = host.toLowerCase();
    const served = this.deps.subscribers!.domains.cached?.(domain);
    if (served === undefined) return null;
    return served ? domain : undefined;
  }

  /** The served domain a host names, if any. */
  private async served(host: string): Promise<string | undefined> {
    const domain = host.toLowerCase();
    return (await this.deps.subscribers!.domains.has(domain)) ? domain : undefined;
  }
}
