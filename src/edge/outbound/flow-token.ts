import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Target, TransportProtocol } from '../../sip/transport/index.js';

/** RFC 5626 §5.2 suggests HMAC-SHA1-80: 80 bits of the MAC are enough to stop forgery. */
const MAC_BYTES = 10;
const protocols = new Set<TransportProtocol>(['udp', 'tcp', 'tls', 'ws', 'wss']);

/**
 * Flow tokens (RFC 5626 §5.2): a flow (transport, the client's address and port, and for
 * connection-oriented transports the connection) packed into a SIP user part, signed with an
 * HMAC so that a token the node did not write, or one altered on the way, is recognised. Like
 * Kamailio's outbound module, the token is opaque to everyone else and only this node reads it.
 */
export class FlowTokens {
  private readonly key: Buffer;

  /** A key of the node's own: tokens from an earlier run (whose connections are gone) fail to verify. */
  constructor(key: Buffer = randomBytes(20)) {
    this.key = key;
  }

  /** The token of a flow: base64url of MAC ‖ `protocol~address~port~connection`. */
  encode(flow: Target): string {
    const payload = Buffer.from(
      `${flow.protocol}~${flow.address}~${flow.port}~${flow.connectionId ?? ''}`,
      'utf8',
    );
    return Buffer.concat([this.mac(payload), payload]).toString('base64url');
  }

  /** The flow a token names, or undefined when it is malformed or its MAC does not match. */
  decode(token: string): Target | undefined {
    if (token.length > 256 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
    const raw = Buffer.from(token, 'base64url');
    if (raw.length <= MAC_BYTES) return undefined;
    const payload = raw.subarray(MAC_BYTES);
    if (!timingSafeEqual(raw.subarray(0, MAC_BYTES), this.mac(payload))) return undefined;
    const [protocol, address, port, connectionId, ...rest] = payload.toString('utf8').split('~');
    const portNumber = Number(port);
    if (
      rest.length > 0 ||
      !protocols.has(protocol as TransportProtocol) ||
      isIP(address ?? '') === 0 ||
      !Number.isInteger(portNumber) ||
      portNumber < 1 ||
      portNumber > 65535
    )
      return undefined;
    const flow: Target = { protocol: protocol as TransportProtocol, address: address!, port: portNumber };
    if (connectionId) flow.connectionId = connectionId;
    return flow;
  }

  private mac(payload: Buffer): Buffer {
    return createHmac('sha1', this.key).update(payload).digest().subarray(0, MAC_BYTES);
  }
}
