import { addressOfRecord } from '../registrar/index.js';
import {
  createResponse,
  parseSipUriStrict,
  type SipRequest,
  type SipResponse,
  type SipUri,
} from '../sip/message/index.js';
import {
  type ForwardTarget,
  preprocessRoute,
  StatefulProxy,
  StatelessForwarder,
} from '../sip/proxy/index.js';
import type { SipStack, StackHandlers } from '../sip/stack/index.js';
import type { ServerTransaction } from '../sip/transaction/index.js';
import type { Target } from '../sip/transport/index.js';
import type { LocalRequestHandler, ProxyRoleOptions, SubscriberRouting } from './types.js';

/**
 * The routing role of a node: what to do with each request the stack delivers. Requests with a
 * Route (record-routed dialogs, preloaded routes) follow it; with a default route every other
 * request goes there (an outbound proxy); requests for this node itself go to its UA core;
 * requests for anyone else are refused: the node never relays for domains it does not serve.
 * With subscriber routing, out-of-dialog requests for the served domains go to the registrar
 * (REGISTER) or to the registered contacts of the user they name, after callers from our own
 * domains have proven who they are (407).
 */
export class ProxyRole implements StackHandlers {
  private readonly stateful: StatefulProxy;
  private readonly stateless: StatelessForwarder;
  private readonly defaultRoute: SipUri | undefined;
  private readonly supported: Set<string>;
  /** Requests that carried one of our Route values (see nextHop). */
  private readonly routedHere = new WeakSet<SipRequest>();
  /** INVITEs waiting for an asynchronous routing decision, so a CANCEL can still stop them. */
  private readonly deciding = new Map<ServerTransaction, { cancelled: boolean }>();

  constructor(
    private readonly stack: SipStack,
    private readonly options: ProxyRoleOptions,
    private readonly local: LocalRequestHandler,
    private readonly subscribers?: SubscriberRouting,
  ) {
    this.defaultRoute = options.defaultRoute ? parseSipUriStrict(options.defaultRoute) : undefined;
    this.stateful = new StatefulProxy(stack, {
      recordRoute: options.recordRoute,
      timerC: options.timerC,
      t1: options.t1,
    });
    this.stateless = new StatelessForwarder(stack, options.recordRoute);
    this.supported = new Set((options.supported ?? []).map((t) => t.toLowerCase()));
  }

  /** Live proxy response contexts (for metrics and leak checks). */
  get activeContexts(): number {
    return this.stateful.size;
  }

  onRequest(request: SipRequest, transaction: ServerTransaction): void {
    this.preprocess(request);
    if (this.subscribers && !request.has('route')) {
      this.routeForDomains(request, transaction);
      return;
    }
    this.routeStatically(request, transaction);
  }

  /** Route/default-route/local/refuse: the rules that need no provisioning. */
  private routeStatically(request: SipRequest, transaction: ServerTransaction): void {
    const hop = this.nextHop(request);
    if (hop === 'local') {
      this.local.handleRequest(request, transaction);
      return;
    }
    if (hop === 'refuse') {
      transaction.respond(createResponse(request, 403, 'Relaying Forbidden'));
      return;
    }
    if (this.refuseUnsupported(request, transaction)) return;
    const target: ForwardTarget = { uri: request.uri };
    if (hop) target.nextHop = hop;
    this.stateful.forward(request, transaction, [target]);
  }

  /** Subscriber routing runs asynchronously (store, location); a CANCEL meanwhile ends it with 487. */
  private routeForDomains(request: SipRequest, transaction: ServerTransaction): void {
    const state = { cancelled: false };
    if (transaction.isInvite) this.deciding.set(transaction, state);
    this.decide(request, transaction, state)
      .catch((e: unknown) => {
        this.options.onError?.(e);
        if (!state.cancelled) transaction.respond(createResponse(request, 500));
      })
      .finally(() => this.deciding.delete(transaction));
  }

  private async decide(
    request: SipRequest,
    transaction: ServerTransaction,
    state: { cancelled: boolean },
  ): Promise<void> {
    const { router } = this.subscribers!;
    const uri = request.uri;
    const atNodeAddress = this.stack.isLocalUri(uri);
    let domain = uri.kind === 'sip' ? await router.servedDomain(uri.hostname) : undefined;
    if (request.method === 'REGISTER') {
      await this.routeRegister(request, transaction, domain !== undefined, atNodeAddress);
      return;
    }
    const outOfDialog = request.to.tag === undefined;
    if (
      domain === undefined &&
      atNodeAddress &&
      outOfDialog &&
      uri.kind === 'sip' &&
      uri.user !== undefined
    ) {
      // A user at this node's own address: a user of the caller's domain, when we serve it.
      const from = request.from.uri;
      if (from.kind === 'sip') domain = await router.servedDomain(from.hostname);
    }
    if (state.cancelled) return;
    if (domain === undefined || !outOfDialog) {
      const hop = this.nextHop(request);
      // Relayed to the outbound proxy: our own callers prove who they are first.
      if (
        outOfDialog &&
        hop !== 'local' &&
        hop !== 'refuse' &&
        !(await this.callerAllowed(request, transaction, state))
      )
        return;
      this.routeStatically(request, transaction);
      return;
    }
    if (uri.kind !== 'sip' || uri.user === undefined) {
      // The domain itself (OPTIONS pings): the node answers.
      this.local.handleRequest(request, transaction);
      return;
    }
    if (!(await this.callerAllowed(request, transaction, state))) return;
    const callee = addressOfRecord(uri);
    if (!callee) {
      transaction.respond(createResponse(request, 404));
      return;
    }
    const route = await router.routeToUser(request, callee.user, domain);
    if (state.cancelled) return;
    if (route.kind === 'respond') transaction.respond(route.response);
    else if (!this.refuseUnsupported(request, transaction))
      this.stateful.forward(request, transaction, route.targets);
  }

  /**
   * RFC 3261 §10.3 step 1: REGISTERs for our domains are ours to answer; at our address too, unless
   * an outbound proxy takes what is not for a domain we serve.
   */
  private async routeRegister(
    request: SipRequest,
    transaction: ServerTransaction,
    forServedDomain: boolean,
    atNodeAddress: boolean,
  ): Promise<void> {
    const { router, registrar } = this.subscribers!;
    let ours = forServedDomain || (atNodeAddress && !this.defaultRoute);
    const to = request.to.uri;
    if (!ours && atNodeAddress && to.kind === 'sip')
      ours = (await router.servedDomain(to.hostname)) !== undefined;
    if (ours) registrar.handle(request, transaction);
    else this.routeStatically(request, transaction);
  }

  /** RFC 3261 §22.3: false when the caller was answered (407/403) or the request cancelled meanwhile. */
  private async callerAllowed(
    request: SipRequest,
    transaction: ServerTransaction,
    state: { cancelled: boolean },
  ): Promise<boolean> {
    const refusal = await this.subscribers!.router.authorizeCaller(request, transaction.source);
    if (state.cancelled) return false;
    if (refusal) transaction.respond(refusal);
    return refusal === undefined;
  }

  /** RFC 3261 §16.3 step 5: answers 420 for Proxy-Require option tags we do not support. */
  private refuseUnsupported(request: SipRequest, transaction: ServerTransaction): boolean {
    const unsupported = this.unsupportedProxyRequire(request);
    if (unsupported.length === 0) return false;
    const response = createResponse(request, 420);
    response.append('Unsupported', unsupported.join(', '));
    transaction.respond(response);
    return true;
  }

  /** Stateless mode (RFC 3261 §16.11): forward without any transaction; other requests go on as usual. */
  beforeTransaction(request: SipRequest, source: Target): boolean {
    if (this.options.mode !== 'stateless') return false;
    this.preprocess(request);
    // Requests that may be for our subscribers need the store, authentication and a transaction.
    if (this.subscribers && !request.has('route')) return false;
    const hop = this.nextHop(request);
    if (hop === 'local' || hop === 'refuse' || request.maxForwards === 0) return false;
    if (this.unsupportedProxyRequire(request).length > 0) return false;
    this.stateless.forwardRequest(request, source, hop ?? undefined).catch(() => {});
    return true;
  }

  onAck(ack: SipRequest, source: Target): void {
    this.preprocess(ack);
    const hop = this.nextHop(ack);
    if (hop === 'local') this.local.handleAck(ack, source);
    else if (hop !== 'refuse') this.stateless.forwardRequest(ack, source, hop ?? undefined).catch(() => {});
  }

  onCancel(cancel: SipRequest, transaction: ServerTransaction, invite: ServerTransaction | undefined): void {
    if (this.stateful.cancel(cancel, transaction, invite)) return;
    const deciding = invite ? this.deciding.get(invite) : undefined;
    if (invite && deciding) {
      // RFC 3261 §9.2: cancelled before we forwarded it: 200 for the CANCEL, 487 for the INVITE.
      deciding.cancelled = true;
      transaction.respond(createResponse(cancel, 200));
      invite.respond(createResponse(invite.request, 487));
      return;
    }
    if (invite) {
      // A CANCEL for an INVITE answered locally: the UA core owns that transaction.
      this.local.handleCancel(cancel, transaction, invite);
      return;
    }
    // RFC 3261 §16.10: no response context, forward statelessly (or 481 if it is not ours to forward).
    this.preprocess(cancel);
    const hop = this.nextHop(cancel);
    if (hop === 'local' || hop === 'refuse') {
      transaction.respond(createResponse(cancel, 481));
      return;
    }
    this.stateless.forwardRequest(cancel, transaction.source, hop ?? undefined).catch(() => {});
  }

  onStrayResponse(response: SipResponse, _source: Target): void {
    // RFC 3261 §16.7: responses with no client transaction (2xx retransmissions) go upstream statelessly.
    this.stateless.forwardResponse(response).catch(() => {});
  }

  /**
   * Where a request goes after route pre-processing: null = follow its Route / Request-URI,
   * a URI = that next hop, 'local' = this node answers, 'refuse' = not ours to relay.
   */
  /** §16.4 route pre-processing, remembering which requests came through our Record-Route. */
  private preprocess(request: SipRequest): void {
    if (preprocessRoute(request, (uri) => this.stack.isLocalUri(uri))) this.routedHere.add(request);
  }

  private nextHop(request: SipRequest): SipUri | null | 'local' | 'refuse' {
    if (request.has('route')) return null;
    const local = this.stack.isLocalUri(request.uri);
    // A request that came through our Record-Route (Route removed above) goes to its Request-URI:
    // we are on that dialog's path, which is not relaying for strangers (RFC 3261 §16.4, §16.12).
    if (!local && this.routedHere.has(request)) return null;
    if (this.defaultRoute) {
      // An outbound proxy still answers OPTIONS pings addressed to itself (no user part).
      const toNode = local && request.method === 'OPTIONS' && request.uri.kind === 'sip' && !request.uri.user;
      return toNode ? 'local' : this.defaultRoute;
    }
    return local ? 'local' : 'refuse';
  }

  private unsupportedProxyRequire(request: SipRequest): string[] {
    const tags = request.getAll('proxy-require');
    return tags.filter((t) => !this.supported.has(t.toLowerCase()));
  }
}
