/** The transport protocols a SIP element speaks (RFC 3261 §18, RFC 7118 for WebSocket). */
export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** One side of a SIP hop: protocol, IP address (v4 or v6, no brackets) and port. */
export interface Endpoint {
  protocol: TransportProtocol;
  address: string;
  port: number;
}

/** A complete SIP message as it came off the wire (a datagram, or one framed stream message). */
export interface InboundPacket {
  data: Buffer;
  /** Where it came from (the remote address/port as seen by the socket). */
  source: Endpoint;
  /** The local listening endpoint it arrived on. */
  local: Endpoint;
  /** For connection-oriented transports: the connection it arrived on, for sending replies back over it. */
  connectionId?: string;
}

/** Why the transport refused or dropped bytes before they became a message. */
export type TransportDropReason =
  | 'oversize' // larger than the configured message size limit
  | 'framing' // stream framing error: missing/negative/overlarge Content-Length, garbage
  | 'socket-error';

export interface TransportDrop {
  reason: TransportDropReason;
  source: Endpoint;
  local: Endpoint;
  /** The first bytes of what was dropped, for a 513 reply when a request line can be read. */
  head?: Buffer;
  connectionId?: string;
  detail?: string;
}

export interface TransportHandlers {
  onPacket(packet: InboundPacket): void;
  onDrop?(drop: TransportDrop): void;
  /** A handler threw while a transport delivered to it; the transport carries on. */
  onError?(error: unknown): void;
}

/** One listening socket (UDP) or listener plus its connections (TCP, TLS, WS). */
export interface Transport {
  readonly protocol: TransportProtocol;
  /** True for stream transports: no retransmissions over them (RFC 3261 §17.1.1.2). */
  readonly reliable: boolean;
  /** The bound local endpoint (the port is known after listen() when 0 was asked for). */
  readonly local: Endpoint;
  /** Where received packets and drops go (the owning TransportLayer attaches itself). */
  attach(handlers: TransportHandlers): void;
  listen(): Promise<void>;
  /** For connection-oriented transports: whether that connection is one of ours and still open. */
  hasConnection?(connectionId: string): boolean;
  /** TLS: the names the peer of a connection it opened proved with its certificate (RFC 5922 §7.1). */
  peerNames?(connectionId: string): readonly string[];
  /** Stream transports: requests for address:port may reuse that connection (RFC 5923 §5). */
  alias?(connectionId: string, address: string, port: number): void;
  /** Connection-oriented transports: connections open now. */
  readonly connectionCount?: number;
  /**
   * Send one serialized message. Over a stream transport, use connectionId when that connection is
   * still open, otherwise reuse an open connection to the destination or open a new one.
   * Never throws: failures are reported through the returned promise (rejecting with an Error) and
   * callers on hot paths may ignore it after attaching a catch.
   */
  send(data: Buffer, destination: Endpoint, connectionId?: string): Promise<void>;
  close(): Promise<void>;
}

/** Where to send a message: an endpoint, and the connection to prefer over a stream transport. */
export interface Target extends Endpoint {
  connectionId?: string;
}
