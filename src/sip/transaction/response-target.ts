import { SipParseError, type SipRequest, type Via } from '../message/index.js';
import type { Target, TransportProtocol } from '../transport/types.js';

/** Default ports per transport (RFC 3261 §19.1.2, RFC 7118 §5 for WebSocket). */
const defaultPorts: Record<TransportProtocol, number> = { udp: 5060, tcp: 5060, tls: 5061, ws: 80, wss: 443 };

function validPort(port: number | null | undefined): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536;
}

/**
 * Where a response to a request goes, from the request's top Via and where the request came from
 * (RFC 3261 §18.2.2, RFC 3581 §4). The transaction layer has already stamped received/rport into
 * requests it received. Throws SipParseError when the top Via is missing or malformed.
 */
export function responseTarget(request: SipRequest, source: Target): Target {
  const via = request.topVia;
  if (via === undefined) throw new SipParseError('missing Via header');
  return viaResponseTarget(via, source);
}

/**
 * responseTarget from an already parsed top Via.
 * The Via maddr parameter is not honoured: multicast replies are out of scope and a forged maddr
 * would let anyone aim our responses elsewhere.
 */
export function viaResponseTarget(via: Via, source: Target): Target {
  const protocol = source.protocol;
  const address = via.received ?? source.address;
  if (protocol !== 'udp') {
    // §18.2.2: reuse the connection the request came on; if it is gone, connect to the received
    // address at the sent-by port (the source port of a client connection is ephemeral).
    const port = validPort(via.port) ? via.port : defaultPorts[protocol];
    return { protocol, address, port, connectionId: source.connectionId };
  }
  // RFC 3581 §4: with rport, reply to the source address and port (NAT traversal).
  const rport = via.rport;
  if (validPort(rport)) return { protocol, address, port: rport };
  if (rport === null) return { protocol, address, port: source.port };
  return { protocol, address, port: validPort(via.port) ? via.port : defaultPorts.udp };
}
