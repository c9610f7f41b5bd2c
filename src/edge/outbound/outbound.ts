import type { SipRequest, SipUri, Uri } from '../../sip/message/index.js';
import type { Target } from '../../sip/transport/index.js';
import { natedUri } from '../nat/index.js';
import type { FlowTokens } from './flow-token.js';

/** What a Route value of ours with a flow token says about the request that carried it. */
export type RouteFlow =
  /** The token is not one of ours, or was altered: RFC 5626 §5.3 answers 403. */
  | { kind: 'tampered' }
  /** The request came over the flow itself: the client's own request, routed on as usual. */
  | { kind: 'from-flow' }
  /** A request for the client: it goes over that flow, or fails with 430 when the flow is gone. */
  | { kind: 'to-flow'; flow: Target };

/**
 * RFC 5626 (SIP Outbound) at the edge, as Kamailio's outbound module does it: a dialog-creating
 * request from a client directly behind the node (its first hop) over a connection, or over UDP
 * from behind NAT, is Record-Routed with a flow token in the URI's user part and `;ob`; requests
 * that come back along that route set for the client are sent over the same flow (its own
 * WebSocket, TLS or TCP connection, or its NAT binding), never to the Contact it cannot be
 * reached at.
 */
export class Outbound {
  constructor(
    private readonly tokens: FlowTokens,
    /** Whether a flow can still carry a request (a connection still open; UDP: always). */
    private readonly alive: (flow: Target) => boolean,
  ) {}

  /** The token for the Record-Route of a request that came from `inbound`, when it gets one. */
  recordRouteToken(request: SipRequest, inbound: Target): string | undefined {
    if (!isFirstHop(request)) return undefined;
    if (inbound.protocol === 'udp') {
      const contact = firstContact(request);
      // §5.1: `;ob` asks for it; a NATed client needs it to be reached on its binding.
      if (!contact || !(contact.params.has('ob') || natedUri(contact, inbound))) return undefined;
    } else if (inbound.connectionId === undefined) return undefined;
    return this.tokens.encode(inbound);
  }

  /** RFC 5626 §5.3: the flow named by a Route URI of ours; undefined when it carries no token. */
  routeFlow(uri: Uri, source: Target): RouteFlow | undefined {
    if (uri.kind !== 'sip' || uri.user === undefined || !uri.params.has('ob')) return undefined;
    const flow = this.tokens.decode(uri.user);
    if (!flow) return { kind: 'tampered' };
    return sameFlow(flow, source) ? { kind: 'from-flow' } : { kind: 'to-flow', flow };
  }

  /** Whether a flow is still there to carry a request. */
  isAlive(flow: Target): boolean {
    return this.alive(flow);
  }
}

function sameFlow(flow: Target, source: Target): boolean {
  if (flow.protocol !== source.protocol) return false;
  if (flow.connectionId !== undefined) return flow.connectionId === source.connectionId;
  return flow.address === source.address && flow.port === source.port;
}

/** Kamailio's is_first_hop: the client is directly behind the node when the request has one Via. */
function isFirstHop(request: SipRequest): boolean {
  try {
    return request.via.length === 1;
  } catch {
    return false;
  }
}

function firstContact(request: SipRequest): SipUri | undefined {
  try {
    const contacts = request.contacts;
    const uri = contacts === '*' ? undefined : contacts[0]?.uri;
    return uri?.kind === 'sip' ? uri : undefined;
  } catch {
    return undefined;
  }
}
