import { nativeUdpModule } from '../../native/index.js';
import { isIpv6, mapIpv4, unmapIpv4 } from './address.js';
import { emitDrop, emitPacket, noHandlers } from './handlers.js';
import { isStunBindingRequest, isStunMessage, stunBindingSuccess } from './stun.js';
import type { Endpoint, Transport, TransportHandlers } from './types.js';
import { openDgramIo, openNativeIo, type UdpIo, type UdpIoOptions } from './udp-io.js';

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
  /**
   * Batched I/O through the native module (recvmmsg in, sendmmsg at the end of each event-loop
   * turn) when it is built; node:dgram otherwise, or when false. Default true.
   */
  batching?: boolean;
  handlers?: TransportHandlers;
}

/** How much of an oversize datagram to hand on, for a 513 reply (RFC 3261 §18.1.1, §21.5.14). */
const HEAD_LIMIT = 16 * 1024;
/** The largest UDP payload over IPv4 (65,535 − 8 − 20). */
const MAX_DATAGRAM = 65_507;
const SENT: Promise<void> = Promise.resolve();

/** SIP over UDP (RFC 3261 §18): one socket bound to one address. */
export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  private readonly maxMessageSize: number;
  private handlers: TransportHandlers;
  private io: UdpIo | undefined;
  private opening = false;
  /** STUN Binding requests answered on the SIP port (RFC 5626 §3.5.2 keep-alives). */
  stunAnswered = 0;
  /** Other STUN messages dropped (responses, indications, other methods). */
  stunDropped = 0;
  /** Datagrams that could not be sent, and socket errors, by errno name (EAGAIN after retries, EMSGSIZE...). */
  readonly sendFailures = new Map<string, number>();
  private bound: Endpoint;

  constructor(private readonly options: UdpTransportOptions) {
    this.maxMessageSize = options.maxMessageSize ?? 65507;
    this.handlers = options.handlers ?? noHandlers;
    this.bound = { protocol: 'udp', address: options.host, port: options.port };
  }

  get local(): Endpoint {
    return this.bound;
  }

  /** `batch` (native recvmmsg/sendmmsg) or `dgram` once listening; undefined before. */
  get ioKind(): 'batch' | 'dgram' | undefined {
    return this.io?.kind;
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  async listen(): Promise<void> {
    if (this.io || this.opening) throw new Error('UDP transport already listening');
    this.opening = true;
    const options: UdpIoOptions = {
      host: this.options.host,
      port: this.options.port,
      recvBufferSize: this.options.recvBufferSize ?? 4 * 1024 * 1024,
      sendBufferSize: this.options.sendBufferSize,
      // Longer datagrams arrive cut: still enough for the oversize drop's head.
      slotBytes: Math.min(Math.max(this.maxMessageSize + 1, HEAD_LIMIT), 65_536),
    };
    const events = {
      onDatagram: (data: Buffer, address: string, port: number, truncated: number) =>
        this.onDatagram(data, address, port, truncated),
      onError: (code: string, detail: string) => this.onError(code, detail),
    };
    try {
      const native = this.options.batching === false ? undefined : nativeUdpModule();
      this.io = native ? openNativeIo(native, options, events) : await openDgramIo(options, events);
    } finally {
      this.opening = false;
    }
    this.bound = { protocol: 'udp', address: this.options.host, port: this.io.port };
  }

  send(data: Buffer, destination: Endpoint): Promise<void> {
    const io = this.io;
    if (!io) return Promise.reject(new Error('UDP transport is not listening'));
    // An IPv6 socket reaches IPv4 peers through mapped addresses (when it is dual-stack).
    const address = isIpv6(this.bound.address) ? mapIpv4(destination.address) : destination.address;
    if (data.length > MAX_DATAGRAM)
      return Promise.reject(new Error(`datagram of ${data.length} bytes is too large`));
    try {
      io.send(data, destination.port, address);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return SENT;
  }

  close(): Promise<void> {
    const io = this.io;
    this.io = undefined;
    return io ? io.close() : Promise.resolve();
  }

  private onDatagram(data: Buffer, rawAddress: string, port: number, truncated: number): void {
    // CRLF keep-alives (RFC 5626 §3.5.1 style) and empty datagrams carry nothing: ignore them.
    if (truncated === 0 && isKeepAlive(data)) return;
    const source: Endpoint = { protocol: 'udp', address: unmapIpv4(rawAddress), port };
    // RFC 5626 §3.5.2: STUN keep-alives share the SIP port; they never reach the SIP parser.
    if (truncated === 0 && isStunMessage(data)) {
      this.answerStun(data, source, rawAddress);
      return;
    }
    const length = truncated === 0 ? data.length : truncated;
    if (length > this.maxMessageSize) {
      emitDrop(this.handlers, {
        reason: 'oversize',
        source,
        local: this.bound,
        head: headOf(data),
        detail: `${length} octets exceed ${this.maxMessageSize}`,
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
      this.io?.send(stunBindingSuccess(data, source.address, source.port), source.port, rawAddress);
    } catch {
      // The socket closed meanwhile: the keep-alive goes unanswered, like a lost datagram.
    }
  }

  private onError(code: string, detail: string): void {
    this.sendFailures.set(code, (this.sendFailures.get(code) ?? 0) + 1);
    const source: Endpoint = { protocol: 'udp', address: '', port: 0 };
    emitDrop(this.handlers, { reason: 'socket-error', source, local: this.bound, detail });
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
