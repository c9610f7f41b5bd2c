import { type BatchSender, type SendOwner, sharedSender } from './batch-sender.js';
import { errnoName, type NativeUdpModule } from './module.js';
import { type DatagramSink, type DatagramSource, type NativeReceiver, sharedReceiver } from './receiver.js';

export interface NativeUdpSocketOptions {
  /** IP address to bind (an IPv6 one makes an IPv6 socket). */
  address: string;
  /** Port to bind; 0 for an ephemeral one. */
  port: number;
  receiveBufferSize?: number;
  sendBufferSize?: number;
  /** IPv6 sockets only: false makes them dual-stack (IPv4 peers as ::ffff:a.b.c.d), as node:dgram's are. Default true. */
  v6only?: boolean;
  /**
   * Milliseconds the receiver pauses after each wakeup so the next carries more datagrams (default
   * 0: deliver at once; relaying and signalling must not wait, recording may).
   */
  coalesceMs?: number;
  /** Largest datagram received whole; longer ones arrive cut with their real length (default 8192). */
  slotBytes?: number;
  /**
   * Datagrams read per wakeup before the event loop moves on (default 16384). SIP asks for few, so
   * the replies to the first datagrams of a backlog leave before the rest of it is read.
   */
  perWakeup?: number;
}

/** Receives one datagram: see DatagramSink. `from` is valid only during the call. */
export type NativeDatagramHandler = (
  data: Buffer,
  from: DatagramSource,
  truncated: number,
  arrivalMs: number,
) => void;

/** Why a send failed, per datagram. */
export type SendFailureHandler = (error: string, port: number, address: string) => void;

/** A bind failure, with node's error code (EADDRINUSE, EADDRNOTAVAIL, EACCES...). */
export class NativeBindError extends Error {
  constructor(
    readonly code: string,
    address: string,
    port: number,
  ) {
    super(`bind ${code} ${address}:${port}`);
    this.name = 'NativeBindError';
  }
}

/**
 * A UDP socket owned by the native module: datagrams arrive in batches (epoll + recvmmsg, one
 * crossing into JavaScript per wakeup) and leave in batches (sendmmsg at the end of the turn).
 * Sends never throw: failures are counted, and told to onSendFailed when set.
 */
export class NativeUdpSocket implements SendOwner, DatagramSink {
  readonly fd: number;
  readonly port: number;
  readonly address: string;
  readonly family: 4 | 6;
  open = true;
  /** Datagrams handed to the kernel; failed (by errno name, EAGAIN ones after their retries). */
  sent = 0;
  sendFailures = 0;
  readonly sendFailuresByError = new Map<string, number>();
  /** Datagrams received longer than slotBytes. */
  truncated = 0;
  private handler: NativeDatagramHandler | undefined;
  private failureHandler: SendFailureHandler | undefined;
  private readonly receiver: NativeReceiver;
  private readonly sender: BatchSender;
  private readonly id: number;
  private closing: Promise<void> | undefined;

  /** Binds; throws NativeBindError when the address or port cannot be had. */
  constructor(
    private readonly native: NativeUdpModule,
    options: NativeUdpSocketOptions,
  ) {
    const fd = native.bind(
      options.address,
      options.port,
      options.receiveBufferSize ?? 0,
      options.v6only ?? true,
    );
    if (fd < 0) throw new NativeBindError(errnoName(native, -fd), options.address, options.port);
    if (options.sendBufferSize !== undefined) native.setBuffers(fd, 0, options.sendBufferSize);
    this.fd = fd;
    this.address = options.address;
    this.family = options.address.includes(':') ? 6 : 4;
    this.port = options.port === 0 ? native.localPort(fd) : options.port;
    this.receiver = sharedReceiver(
      native,
      options.coalesceMs ?? 0,
      options.slotBytes ?? 8192,
      options.perWakeup ?? 16_384,
    );
    this.sender = sharedSender(native);
    try {
      this.id = this.receiver.register(this, fd);
    } catch (e) {
      native.closeFd(fd);
      throw e;
    }
  }

  /** Where datagrams go (one handler; a second call replaces it). */
  onDatagram(handler: NativeDatagramHandler): void {
    this.handler = handler;
  }

  /** Where per-datagram send failures go, besides the counters. */
  onSendFailure(handler: SendFailureHandler): void {
    this.failureHandler = handler;
  }

  /**
   * Queues a datagram for this turn's batch. `address` must be an IP literal of the socket's
   * family (an IPv6 socket that is dual-stack reaches IPv4 peers as ::ffff:a.b.c.d). `data` must
   * stay unchanged until the end of the turn.
   */
  send(data: Uint8Array, port: number, address: string): void {
    if (!this.open) {
      this.onSendFailed(this.native.errno.EBADF ?? 9, port, address);
      return;
    }
    this.sender.send(this, data, port, address);
  }

  receive(data: Buffer, from: DatagramSource, truncated: number, arrivalMs: number): void {
    if (truncated !== 0) this.truncated++;
    this.handler?.(data, from, truncated, arrivalMs);
  }

  onSent(): void {
    this.sent++;
  }

  onSendFailed(errno: number, port: number, address: string): void {
    this.sendFailures++;
    const name = errnoName(this.native, errno);
    this.sendFailuresByError.set(name, (this.sendFailuresByError.get(name) ?? 0) + 1);
    this.failureHandler?.(name, port, address);
  }

  /** Sends what this turn queued, stops receiving, closes the descriptor; idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.sender.flush();
      this.open = false;
      this.receiver.unregister(this.id, this.fd);
      // Closed after the current batch: the native side may still read this descriptor in the
      // drain that called us, and a number reused by a new socket must not receive under our id.
      setImmediate(() => {
        this.native.closeFd(this.fd);
        resolve();
      });
    });
    return this.closing;
  }
}
