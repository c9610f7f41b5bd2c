import { isIpv6 } from './address.js';
import type {
  Endpoint,
  Target,
  Transport,
  TransportDrop,
  TransportDropReason,
  TransportHandlers,
  TransportProtocol,
} from './types.js';

/** The transports of one node: receives from all of them, picks one for each send. */
export class TransportLayer {
  readonly transports: Transport[] = [];
  /** What the transports refused, per reason (for metrics). */
  readonly drops: Record<TransportDropReason, number> = { oversize: 0, framing: 0, 'socket-error': 0 };
  private readonly forward: TransportHandlers;

  constructor(handlers: TransportHandlers) {
    this.forward = {
      onPacket: (packet) => handlers.onPacket(packet),
      onDrop: (drop: TransportDrop) => {
        this.drops[drop.reason]++;
        handlers.onDrop?.(drop);
      },
      onError: (error) => handlers.onError?.(error),
    };
  }

  add(transport: Transport): void {
    transport.attach(this.forward);
    this.transports.push(transport);
  }

  /** Start every transport; if one cannot, those started are closed again and the error is thrown. */
  async listen(): Promise<void> {
    const results = await Promise.allSettled(this.transports.map((t) => t.listen()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return;
    await this.close();
    throw failed.reason;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.transports.map((t) => t.close()));
  }

  /**
   * The transport for a destination: the one holding the connection when connectionId is given,
   * else one of the destination's protocol and address family, else any of that protocol.
   */
  select(protocol: TransportProtocol, address: string, connectionId?: string): Transport | undefined {
    if (connectionId !== undefined) {
      const owner = this.transports.find((t) => t.protocol === protocol && t.hasConnection?.(connectionId));
      if (owner) return owner;
    }
    const v6 = isIpv6(address);
    return (
      this.transports.find((t) => t.protocol === protocol && isIpv6(t.local.address) === v6) ??
      this.transports.find((t) => t.protocol === protocol)
    );
  }

  /** RFC 5923: let requests for a peer's Via sent-by reuse the connection the peer opened. */
  alias(protocol: TransportProtocol, connectionId: string, address: string, port: number): void {
    this.select(protocol, address, connectionId)?.alias?.(connectionId, address, port);
  }

  /**
   * RFC 5626 §5.3: whether a flow can still carry a message — its connection still open; a UDP
   * flow (a NAT binding) as long as a transport of its protocol is there.
   */
  flowAlive(flow: Target): boolean {
    const transport = this.select(flow.protocol, flow.address, flow.connectionId);
    if (!transport) return false;
    if (flow.connectionId === undefined) return !transport.reliable;
    return transport.hasConnection?.(flow.connectionId) ?? false;
  }

  /** The names the peer of an inbound connection proved (a verified TLS client certificate's). */
  peerNames(protocol: TransportProtocol, connectionId: string): readonly string[] {
    for (const t of this.transports) {
      if (t.protocol === protocol && t.hasConnection?.(connectionId))
        return t.peerNames?.(connectionId) ?? [];
    }
    return [];
  }

  /** Open connections per connection-oriented protocol (for metrics). */
  connectionCounts(): Partial<Record<TransportProtocol, number>> {
    const counts: Partial<Record<TransportProtocol, number>> = {};
    for (const t of this.transports) {
      if (t.connectionCount === undefined) continue;
      counts[t.protocol] = (counts[t.protocol] ?? 0) + t.connectionCount;
    }
    return counts;
  }

  /** Send one message; rejects when no transport fits or the transport fails. */
  send(data: Buffer, destination: Endpoint, connectionId?: string): Promise<void> {
    const transport = this.select(destination.protocol, destination.address, connectionId);
    if (!transport) {
      return Promise.reject(new Error(`no ${destination.protocol} transport for ${destination.address}`));
    }
    try {
      return transport.send(data, destination, connectionId);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
}
