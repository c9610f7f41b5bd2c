import { isIP } from 'node:net';
import type { SipRequest, SipResponse } from '../message/message.js';
import { SipUri } from '../message/uri.js';
import type { Via } from '../message/via.js';
import type { Target, TransportProtocol } from '../transport/types.js';
import { type FlowTokenSource, nextHopUri, prepareCopy, statelessBranch } from './forward-request.js';
import type { ProxyStack } from './types.js';

const protocols: Record<string, TransportProtocol> = {
  UDP: 'udp',
  TCP: 'tcp',
  TLS: 'tls',
  WS: 'ws',
  WSS: 'wss',
};

/**
 * Stateless forwarding (RFC 3261 §16.11): requests to exactly one destination with a branch
 * derived from the request, responses along the Via path. Used by the stateless proxy mode and
 * by the stateful proxy for 2xx ACKs, unmatched CANCELs and stray 2xx retransmissions.
 */
export class StatelessForwarder {
  constructor(
    private readonly stack: ProxyStack,
    private readonly recordRoute: boolean,
    private readonly flowToken?: FlowTokenSource,
  ) {}

  /**
   * Forward a request to its Route/Request-URI, or to `nextHop` when given. A destination known at
   * once (an IP literal) is sent in the same turn, as the stateful core sends: a 2xx ACK must not
   * fall behind the BYE that follows it on the same connection.
   */
  forwardRequest(request: SipRequest, inbound: Target, nextHop?: SipUri | Target): Promise<void> {
    try {
      if (request.maxForwards === 0) return Promise.resolve();
      const hop = nextHop ?? nextHopUri(request);
      const destination = 'kind' in hop ? this.stack.resolve(hop) : hop;
      if (destination instanceof Promise) return destination.then((d) => this.send(request, inbound, d));
      return this.send(request, inbound, destination);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private send(request: SipRequest, inbound: Target, destination: Target): Promise<void> {
    const copy = prepareCopy(request, request.uri, this.stack, destination, {
      recordRoute: this.recordRoute,
      inbound,
      branch: statelessBranch(request),
      flowToken: this.flowToken,
    });
    return this.stack.sendStateless(copy, destination);
  }

  /**
   * Forward a response upstream: our Via (which must be on top, RFC 3261 §18.1.2) removed, sent to
   * the next Via. Returns false when the response is not ours to forward (it is then dropped).
   */
  async forwardResponse(response: SipResponse): Promise<boolean> {
    const [top, next] = response.via;
    if (!top || !next || !this.isOurs(top)) return false;
    response.removeFirstValue('via');
    const destination = await this.viaDestination(next);
    await this.stack.sendStateless(response, destination);
    return true;
  }

  private isOurs(via: Via): boolean {
    return this.stack.isLocalUri(new SipUri('sip', via.host, via.port ?? 5060));
  }

  /** RFC 3261 §18.2.2 and RFC 3581: received/rport first, then sent-by. */
  private async viaDestination(via: Via): Promise<Target> {
    const protocol = protocols[via.transport] ?? 'udp';
    const rport = via.rport;
    const port = typeof rport === 'number' ? rport : (via.port ?? (protocol === 'tls' ? 5061 : 5060));
    const address = via.received ?? via.hostname;
    if (isIP(address)) return { protocol, address, port };
    const resolved = await this.stack.resolve(new SipUri('sip', address, port));
    return { protocol, address: resolved.address, port };
  }
}
