import type { Outbound, RouteFlow } from '../edge/outbound/index.js';
import { parseSipUriStrict, type SipRequest, type SipUri, type Uri } from '../sip/message/index.js';
import { type ProxyStack, preprocessRoute } from '../sip/proxy/index.js';
import type { Target } from '../sip/transport/index.js';
import type { RoutingContext } from './routing-context.js';

/**
 * Where a request goes by the rules that need no provisioning: null = follow its Route /
 * Request-URI, a URI = that next hop (the default route), 'local' = this node answers,
 * 'refuse' = not ours to relay.
 */
export type NextHop = SipUri | null | 'local' | 'refuse';

/** What route pre-processing found: whether we were on the route, and what its flow token says. */
export interface Preprocessed {
  routedHere: boolean;
  /** RFC 5626 §5.3: the verdict on the first flow token among our Route values, if any. */
  flow: RouteFlow | undefined;
}

/** What a node without flow tokens finds: one shared value each, nothing allocated per request. */
const ROUTED_HERE: Preprocessed = Object.freeze({ routedHere: true, flow: undefined });
const NOT_ROUTED_HERE: Preprocessed = Object.freeze({ routedHere: false, flow: undefined });

/**
 * The node's static routing rules: route pre-processing (RFC 3261 §16.4), Route-following,
 * the default route of an outbound proxy, and no relaying for strangers. Shared by the stages
 * and by ACK/CANCEL handling, which must agree with them.
 */
export class StaticRoutes {
  readonly defaultRoute: SipUri | undefined;
  private readonly isLocal: (uri: Uri) => boolean;
  /** The source and first token verdict of the request preprocessFlow is reading (synchronous). */
  private flowSource: Target | undefined = undefined;
  private flowFound: RouteFlow | undefined = undefined;
  private readonly readFlow = (uri: Uri): void => {
    this.flowFound ??= this.outbound!.routeFlow(uri, this.flowSource!);
  };

  constructor(
    private readonly stack: Pick<ProxyStack, 'isLocalUri'>,
    defaultRoute: string | undefined,
    /** Whether the node's UA core holds the dialog of an in-dialog request (a B2BUA leg). */
    private readonly ownsDialog: (request: SipRequest) => boolean = () => false,
    /** RFC 5626 flow tokens in our Record-Routes; none read without it. */
    private readonly outbound?: Outbound,
  ) {
    this.defaultRoute = defaultRoute ? parseSipUriStrict(defaultRoute) : undefined;
    this.isLocal = (uri) => stack.isLocalUri(uri);
  }

  /** §16.4: strict-routing undone, our Route values removed; true when there was one of ours. */
  preprocess(request: SipRequest): boolean {
    return preprocessRoute(request, this.isLocal);
  }

  /**
   * §16.4 as `preprocess`, also reading the flow token of our Route values (RFC 5626 §5.3). Every
   * request and 2xx ACK comes through here: a Route of ours without a token (nearly all) costs no
   * allocation, the token reader being one function made once and the common answers shared.
   */
  preprocessFlow(request: SipRequest, source: Target): Preprocessed {
    if (!this.outbound) return this.preprocess(request) ? ROUTED_HERE : NOT_ROUTED_HERE;
    this.flowSource = source;
    this.flowFound = undefined;
    const routedHere = preprocessRoute(request, this.isLocal, this.readFlow);
    const flow = this.flowFound;
    this.flowSource = undefined;
    this.flowFound = undefined;
    if (flow === undefined) return routedHere ? ROUTED_HERE : NOT_ROUTED_HERE;
    return { routedHere, flow };
  }

  /** Whether the flow a token named can still carry a request (RFC 5626 §5.3: else 430). */
  flowAlive(flow: Target): boolean {
    return this.outbound?.isAlive(flow) ?? false;
  }

  /** The next hop of a request going through the stages, worked out once and kept in its context. */
  nextHopOf(request: SipRequest, context: RoutingContext): NextHop {
    if (context.hop === undefined) context.hop = this.nextHop(request, context.routedHere);
    return context.hop;
  }

  nextHop(request: SipRequest, routedHere: boolean): NextHop {
    if (request.has('route')) return null;
    const local = this.stack.isLocalUri(request.uri);
    // A request that came through our Record-Route (Route removed above) goes to its Request-URI:
    // we are on that dialog's path, which is not relaying for strangers (RFC 3261 §16.4, §16.12).
    if (!local && routedHere) return null;
    if (this.defaultRoute) {
      // An outbound proxy still answers OPTIONS pings addressed to itself (no user part), and the
      // requests of dialogs it is a party to (a B2BUA leg: its Contact is the remote target,
      // §12.2.1.1); other in-dialog requests at its address (a UA that sends BYE to its outbound
      // proxy's address) still go to the default route.
      const ping = request.method === 'OPTIONS' && request.uri.kind === 'sip' && !request.uri.user;
      const toNode = local && (ping || (request.to.tag !== undefined && this.ownsDialog(request)));
      return toNode ? 'local' : this.defaultRoute;
    }
    return local ? 'local' : 'refuse';
  }
}

/** Whether a next hop means relaying the request (rather than answering or refusing it). */
export function relays(hop: NextHop): boolean {
  return hop !== 'local' && hop !== 'refuse';
}
