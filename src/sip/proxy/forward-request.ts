import type { SipRequest } from '../message/message.js';
import { randomToken } from '../message/random-token.js';
import type { Uri } from '../message/uri.js';
import type { Target } from '../transport/types.js';
import { loopBranch, loopKey, statelessKey } from './loop-detection.js';
import type { ProxyStack } from './types.js';

/** Methods whose out-of-dialog requests create dialogs, so a record-routing proxy stays on the path. */
const dialogCreating = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

/** RFC 3261 §16.6 step 3: Max-Forwards decremented, or 70 when absent. */
export function decrementMaxForwards(request: SipRequest): void {
  const mf = request.maxForwards;
  request.set('max-forwards', String(mf === undefined ? 70 : mf - 1));
}

/**
 * The URI whose address a request goes to (§16.6 step 7): the first Route if any, else its
 * Request-URI, or `requestUri` for a copy retargeted there.
 */
export function nextHopUri(request: SipRequest, requestUri: Uri = request.uri): Uri {
  const route = request.routes[0];
  return route ? route.uri : requestUri;
}

/**
 * A branch identifier for stateless forwarding (RFC 3261 §16.11): the same incoming request
 * (and its retransmissions) always yields the same branch; it starts with the loop key (§16.6
 * item 8) like every branch we forward.
 */
export function statelessBranch(request: SipRequest): string {
  const via = request.topVia;
  return loopBranch(loopKey(request, via), statelessKey(request, via));
}

/** The flow token to Record-Route a request from `inbound` with (RFC 5626 §5.2), or none. */
export type FlowTokenSource = (request: SipRequest, inbound: Target) => string | undefined;

export interface PreparedCopy {
  request: SipRequest;
  nextHop: Uri;
}

/**
 * Build the copy of `request` sent to one target (RFC 3261 §16.6 steps 1–8): new Request-URI,
 * Max-Forwards, Record-Route, our Via on top. Route headers stay as they are (loose routing).
 */
export function prepareCopy(
  request: SipRequest,
  targetUri: Uri,
  stack: ProxyStack,
  outbound: Target,
  options: {
    recordRoute: boolean;
    inbound?: Target;
    branch?: string;
    routes?: string[];
    /** RFC 5626 §5.2: the flow token of the inbound flow for the Record-Route facing it, if any. */
    flowToken?: FlowTokenSource;
  },
): SipRequest {
  const copy = request.clone();
  // A target keeping the request's own parsed URI needs no writing out to compare.
  if (targetUri !== request.uri && copy.uriText !== targetUri.toString()) copy.uri = targetUri;
  decrementMaxForwards(copy);
  if (options.routes)
    for (let i = options.routes.length - 1; i >= 0; i--) copy.prepend('Route', options.routes[i]!);
  const ipv6 = outbound.address.includes(':');
  // The copy's To is the request's: read the one already parsed, not parse the copy's again.
  if (options.recordRoute && dialogCreating.has(copy.method) && !request.to.tag) {
    // RFC 5658: two Record-Routes when the request changes transport or address family.
    const inbound = options.inbound;
    const token = inbound && options.flowToken?.(request, inbound);
    if (inbound && (inbound.protocol !== outbound.protocol || inbound.address.includes(':') !== ipv6)) {
      const inboundV6 = inbound.address.includes(':');
      copy.prepend('Record-Route', recordRouteValue(stack, inbound.protocol, inboundV6, token));
      copy.prepend('Record-Route', recordRouteValue(stack, outbound.protocol, ipv6));
    } else copy.prepend('Record-Route', recordRouteValue(stack, outbound.protocol, ipv6, token));
  }
  const via = stack.sentBy(outbound.protocol, ipv6);
  // RFC 3261 §16.6 item 8: the loop key of the request as received, then 64 random bits.
  const branch = options.branch ?? loopBranch(loopKey(request, request.topVia), randomToken(8));
  copy.prepend('Via', viaPrefix(via) + branch + ';rport');
  return copy;
}

type SentBy = ReturnType<ProxyStack['sentBy']>;

/** Our Via up to its branch value, per sent-by answer (the stack keeps handing out the same one). */
const viaPrefixes = new WeakMap<SentBy, string>();

/** `SIP/2.0/UDP host:port;branch=` (RFC 3261 §20.42, §18.2.1). */
function viaPrefix(via: SentBy): string {
  let prefix = viaPrefixes.get(via);
  if (prefix === undefined) {
    prefix = `SIP/2.0/${via.transport} ${via.host}:${via.port};branch=`;
    viaPrefixes.set(via, prefix);
  }
  return prefix;
}

/** Our Record-Route values without a flow token, per sent-by answer and protocol: the same for every request. */
const plainRecordRoutes = new WeakMap<SentBy, Partial<Record<Target['protocol'], string>>>();

/** Our Record-Route URI; with a flow token as its user part and `;ob` (RFC 5626 §5.2, as Kamailio writes it). */
function recordRouteValue(
  stack: ProxyStack,
  protocol: Target['protocol'],
  ipv6: boolean,
  flowToken?: string,
): string {
  const via = stack.sentBy(protocol, ipv6);
  if (flowToken) return recordRouteText(via, protocol, flowToken);
  let values = plainRecordRoutes.get(via);
  if (values === undefined) plainRecordRoutes.set(via, (values = {}));
  return (values[protocol] ??= recordRouteText(via, protocol));
}

function recordRouteText(via: SentBy, protocol: Target['protocol'], flowToken?: string): string {
  const transport = protocol === 'udp' ? '' : `;transport=${protocol}`;
  const user = flowToken ? `${flowToken}@` : '';
  return `<sip:${user}${via.host}:${via.port}${transport};lr${flowToken ? ';ob' : ''}>`;
}
