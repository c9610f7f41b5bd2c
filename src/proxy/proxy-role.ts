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
import type { LocalRequestHandler, ProxyRoleOptions } from './types.js';

/**
 * The routing role of a node: what to do with each request the stack delivers. Requests with a
 * Route (record-routed dialogs, preloaded routes) follow it; with a default route every other
 * request goes there (an outbound proxy); requests for this node itself go to its UA core;
 * requests for anyone else are refused: the node never relays for domains it does not serve.
 */
export class ProxyRole implements StackHandlers {
  private readonly stateful: StatefulProxy;
  private readonly stateless: StatelessForwarder;
  private readonly defaultRoute: SipUri | undefined;
  private readonly supported: Set<string>;

  constructor(
    private readonly stack: SipStack,
    private readonly options: ProxyRoleOptions,
    private readonly local: LocalRequestHandler,
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
    preprocessRoute(request, (uri) => this.stack.isLocalUri(uri));
    const hop = this.nextHop(request);
    if (hop === 'local') {
      this.local.handleRequest(request, transaction);
      return;
    }
    if (hop === 'refuse') {
      transaction.respond(createResponse(request, 403, 'Relaying Forbidden'));
      return;
    }
    // RFC 3261 §16.3 step 5: Proxy-Require option tags we do not support.
    const unsupported = this.unsupportedProxyRequire(request);
    if (unsupported.length > 0) {
      const response = createResponse(request, 420);
      response.append('Unsupported', unsupported.join(', '));
      transaction.respond(response);
      return;
    }
    const target: ForwardTarget = { uri: request.uri };
    if (hop) target.nextHop = hop;
    this.stateful.forward(request, transaction, [target]);
  }

  /** Stateless mode (RFC 3261 §16.11): forward without any transaction; other requests go on as usual. */
  beforeTransaction(request: SipRequest, source: Target): boolean {
    if (this.options.mode !== 'stateless') return false;
    preprocessRoute(request, (uri) => this.stack.isLocalUri(uri));
    const hop = this.nextHop(request);
    if (hop === 'local' || hop === 'refuse' || request.maxForwards === 0) return false;
    if (this.unsupportedProxyRequire(request).length > 0) return false;
    this.stateless.forwardRequest(request, source, hop ?? undefined).catch(() => {});
    return true;
  }

  onAck(ack: SipRequest, source: Target): void {
    preprocessRoute(ack, (uri) => this.stack.isLocalUri(uri));
    const hop = this.nextHop(ack);
    if (hop === 'local') this.local.handleAck(ack, source);
    else if (hop !== 'refuse') this.stateless.forwardRequest(ack, source, hop ?? undefined).catch(() => {});
  }

  onCancel(cancel: SipRequest, transaction: ServerTransaction, invite: ServerTransaction | undefined): void {
    if (this.stateful.cancel(cancel, transaction, invite)) return;
    if (invite) {
      // A CANCEL for an INVITE answered locally: the UA core owns that transaction.
      this.local.handleCancel(cancel, transaction, invite);
      return;
    }
    // RFC 3261 §16.10: no response context, forward statelessly (or 481 if it is not ours to forward).
    preprocessRoute(cancel, (uri) => this.stack.isLocalUri(uri));
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
  private nextHop(request: SipRequest): SipUri | null | 'local' | 'refuse' {
    if (request.has('route')) return null;
    const local = this.stack.isLocalUri(request.uri);
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
