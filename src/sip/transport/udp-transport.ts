import dgram from 'node:dgram';
import { isIpv6, mapIpv4, unmapIpv4 } from './address.js';
import { emitDrop, emitPacket, noHandlers } from './handlers.js';
import { isStunBindingRequest, isStunMessage, stunBindingSuccess } from './stun.js';
import type { Endpoint, Transport, TransportHandlers } from './types.js';

export interface UdpTransportOptions {
  /** IP address to bind; its family (IPv6 when it holds ':') picks the socket type. */
  host: string;
  /** Port to bind; 0 for an ephemeral one. */
  port: number;
  /** Largest datagram accepted; larger ones are dropped as 'oversize' (default 65507, the IPv4 UDP maximum). */
  maxMessageSize?: number;
  /** Kernel receive buffer to ask for, so bursts are not lost (default 4 MiB; the kernel may cap it). */
  recvBufferSize?: number;
  /** Kernel send buffer to ask for (default: the system's). */
  sendBufferSize?: number;
  handlers?: TransportHandlers;
}

/** How much of an oversize datagram to hand on, for a 513 reply (RFC 3261 §18.1.1, §21.5.14). */
const HEAD_LIMIT = 16 * 1024;

/** SIP over UDP (RFC 3261 §18): one socket bound to one address. */
/** The largest UDP payload over IPv4 (65,535 − 8 − 20). */
const MAX_DATAGRAM = 65_507;
const SENT: Promise<void> = Promise.resolve();

export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  private readonly maxMessageSize: number;
  private handlers: TransportHandlers;
  private socket: dgram.Socket | undefined;
  /** STUN Binding requests answered on the SIP port (RFC 5626 §3.5.2 keep-alives). */
  stunAnswered = 0;
  /** Other STUN messages dropped (responses, indications, other methods). */
  stunDropped = 0;
  private bound: Endpoint;

  constructor(private readonly options: UdpTransportOptions) {
    this.maxMessageSize = options.maxMessageSize ?? 65507;
    this.handlers = options.handlers ?? noHandlers;
    this.bound = { protocol: 'udp', address: options.host, port: options.port };
  }

  get local(): Endpoint {
    return this.bound;
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  listen(): Promise<void> {
    if (this.socket) return Promise.reject(new Error('UDP transport already listening'));
    const socket = dgram.createSocket(isIpv6(this.options.host) ? 'udp6' : 'udp4');
    this.socket = socket;
    return new Promise((resolve, reject) => {
      const onBindError = (e: Error) => {
        this.socket = undefined;
        socket.close();
        reject(e);
      };
      socket.once('error', onBindError);
      socket.bind({ address: this.options.host, port: this.options.port }, () => {
        socket.off('error', onBindError);
        // From here on errors are reported, never thrown (an 'error' without listener would be).
        socket.on('error', (e) => this.onSocketError(e));
        socket.on('message', (data, rinfo) => this.onMessage(data, rinfo));
        this.tuneBuffers(socket);
        this.bound = { protocol: 'udp', address: this.options.host, port: socket.address().port };
        resolve();
      });
    });
  }

  send(data: Buffer, destination: Endpoint): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('UDP transport is not listening'));
    // An IPv6 socket reaches IPv4 peers through mapped addresses (when it is dual-stack).
    const address = isIpv6(this.bound.address) ? mapIpv4(destination.address) : destination.address;
    if (data.length > MAX_DATAGRAM)
      return Promise.reject(new Error(`datagram of ${data.length} bytes is too large`));
    try {
      // No completion callback: libuv then sends at once (uv_udp_try_send) instead of queueing a
      // request and reporting back through the event loop. Asynchronous send errors surface as
      // the socket's 'error' event, which the transport counts.
      socket.send(data, destination.port, address);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return SENT;
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }

  private onMessage(data: Buffer, rinfo: dgram.RemoteInfo): void {
    // CRLF keep-alives (RFC 5626 §3.5.1 style) and empty datagrams carry nothing: ignore them.
    if (isKeepAlive(data)) return;
    const source: Endpoint = { protocol: 'udp', address: unmapIpv4(rinfo.address), port: rinfo.port };
    // RFC 5626 §3.5.2: STUN keep-alives share the SIP port; they never reach the SIP parser.
    if (isStunMessage(data)) {
      this.answerStun(data, source, rinfo.address);
      return;
    }
    if (data.length > this.maxMessageSize) {
      emitDrop(this.handlers, {
        reason: 'oversize',
        source,
        local: this.bound,
        head: headOf(data),
        detail: `${data.length} octets exceed ${this.maxMessageSize}`,
      });
      return;
    }
    emitPacket(this.handlers, { data, source, local: this.bound });
  }

  private answerStun(data: Buffer, source: Endpoint, rawAddress: string): void {
    if (!isStunBindingRequest(data)) {
      this.stunDropped++;
      return;
    }
    this.stunAnswered++;
    try {
      this.socket?.send(stunBindingSuccess(data, source.address, source.port), source.port, rawAddress);
    } catch {
      // The socket closed meanwhile: the keep-alive goes unanswered, like a lost datagram.
    }
  }

  private onSocketError(e: Error): void {
    const source: Endpoint = { protocol: 'udp', address: '', port: 0 };
    emitDrop(this.handlers, { reason: 'socket-error', source, local: this.bound, detail: e.message });
  }

  private tuneBuffers(socket: dgram.Socket): void {
    try {
      socket.setRecvBufferSize(this.options.recvBufferSize ?? 4 * 1024 * 1024);
    } catch {
      // Not permitted or not supported: the system default stays.
    }
    if (this.options.sendBufferSize === undefined) return;
    try {
      socket.setSendBufferSize(this.options.sendBufferSize);
    } catch {
      // idem
    }
  }
}

function isKeepAlive(data: Buffer): boolean {
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (c !== 0x0d && c !== 0x0a) return false;
  }
  return true;
}

/** The header section (through its empty line) when found early, else the first octets. */
function headOf(data: Buffer): Buffer {
  const window = data.subarray(0, HEAD_LIMIT);
  const end = window.indexOf('\r\n\r\n', 0, 'latin1');
  return end >= 0 ? data.subarray(0, end + 4) : window;
}
