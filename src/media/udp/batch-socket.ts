import {
  type BatchSender,
  type NativeUdpModule,
  nativeReceiveModule,
  nativeUdpModule,
  sharedSender,
} from '../../native/index.js';
import type { DatagramHandler, SendingDatagramSocket, SourceKey } from './datagram-socket.js';

type BatchReceiverModule = NativeUdpModule;

// Int32 fields of a packet's metadata, as native/batch-receiver.c writes them.
const ID = 0;
const OFFSET = 1;
const LENGTH = 2;
const PORT = 3;
const FAMILY = 4;
const TRUNCATED = 5;

/**
 * Milliseconds the receiver stops watching after each wakeup, so a wakeup carries hundreds of
 * datagrams instead of a few (bench/udp-receive-floor.mjs, 1,000 sockets at 50/s each: 4 datagrams
 * and 5.3 us of CPU per datagram without it, ~470 and 3.2 us with 5 ms). Recording, unlike relaying,
 * does not mind the delay.
 */
const COALESCE_MS = 5;

/** The native module, or undefined when it was not built (not Linux, or no compiler at install). */
export function batchReceiverModule(): BatchReceiverModule | undefined {
  return nativeReceiveModule();
}

/**
 * Dispatches the native module's batches to the BatchSockets registered with it. One per process:
 * a single epoll set serves every recorded leg.
 */
class BatchDispatcher {
  private readonly handle: unknown;
  private readonly fields: Int32Array;
  private readonly addresses: Uint32Array;
  private readonly arrivals: Float64Array;
  private readonly stride: number;
  private readonly sockets = new Map<number, BatchSocket>();
  private nextId = 1;

  constructor(
    private readonly native: BatchReceiverModule,
    coalesceMs: number,
  ) {
    const [handle, meta] = native.createReceiver((data, count) => this.deliver(data, count), coalesceMs);
    const { maxPackets, fields, metaAddressOffset, metaArrivalOffset } = native.layout;
    this.handle = handle;
    this.stride = fields;
    this.fields = new Int32Array(meta, 0, maxPackets * fields);
    this.addresses = new Uint32Array(meta, metaAddressOffset, maxPackets * 4);
    this.arrivals = new Float64Array(meta, metaArrivalOffset, maxPackets);
  }

  register(socket: BatchSocket, fd: number): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    const result = this.native.add(this.handle, fd, id);
    if (result < 0) throw new Error(`batch receiver: epoll_ctl ADD failed (errno ${-result})`);
    this.sockets.set(id, socket);
    if (this.sockets.size === 1) this.native.keepAlive(this.handle, true);
    return id;
  }

  /** Resolves once the descriptor is closed (and its port free). */
  unregister(id: number, fd: number): Promise<void> {
    this.sockets.delete(id);
    this.native.remove(this.handle, fd);
    if (this.sockets.size === 0) this.native.keepAlive(this.handle, false);
    // Closed after the current batch: the native side may still read this descriptor in the drain
    // that called us, and a number reused by a new socket must not receive under the old id.
    return new Promise((resolve) =>
      setImmediate(() => {
        this.native.closeFd(fd);
        resolve();
      }),
    );
  }

  private deliver(data: Buffer, count: number): void {
    const f = this.fields;
    for (let i = 0, at = 0; i < count; i++, at += this.stride) {
      const socket = this.sockets.get(f[at + ID]!);
      if (socket === undefined) continue; // closed while its datagrams were queued
      if (f[at + TRUNCATED] !== 0) {
        socket.truncatedCount++;
        continue;
      }
      const offset = f[at + OFFSET]!;
      const port = f[at + PORT]!;
      // IPv4 keys are numbers (address * 65536 + port), IPv6 ones strings: both compare with ===.
      const source: SourceKey =
        f[at + FAMILY] === 4
          ? this.addresses[i * 4]! * 65536 + port
          : `${this.addresses[i * 4]} ${this.addresses[i * 4 + 1]} ${this.addresses[i * 4 + 2]} ${this.addresses[i * 4 + 3]} ${port}`;
      socket.receive(data.subarray(offset, offset + f[at + LENGTH]!), source, this.arrivals[i]!);
    }
  }
}

/** One dispatcher per pause length (recording's 5 ms, a relay's 0), per thread. */
const dispatchers = new Map<number, BatchDispatcher>();

/**
 * A DatagramSocket whose datagrams arrive in batches through the native module, and that sends
 * through the thread's batched sender (sendmmsg at the end of the event-loop turn).
 */
class BatchSocket implements SendingDatagramSocket {
  truncatedCount = 0;
  sendErrors = 0;
  /** Datagrams handed to the kernel. */
  sent = 0;
  open = true;
  private readonly sender: BatchSender | undefined;
  private handler: DatagramHandler | undefined;
  private readonly id: number;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly owner: BatchDispatcher,
    readonly fd: number,
    readonly port: number,
    readonly address: string,
    native: BatchReceiverModule,
  ) {
    this.id = owner.register(this, fd);
    this.sender = nativeUdpModule() === undefined ? undefined : sharedSender(native);
  }

  /** Queued for this turn's sendmmsg; `data` must stay unchanged until the end of the turn. */
  send(data: Uint8Array, port: number, address: string): void {
    // sender is undefined only with a module built before the sender existed (rebuild it).
    if (this.open && this.sender !== undefined) this.sender.send(this, data, port, address);
    else this.sendErrors++;
  }

  onSent(): void {
    this.sent++;
  }

  onSendFailed(): void {
    this.sendErrors++;
  }

  get truncated(): number {
    return this.truncatedCount;
  }

  listen(handler: DatagramHandler): void {
    this.handler = handler;
  }

  receive(data: Buffer, source: SourceKey, arrivalMs: number): void {
    try {
      this.handler?.(data, source, arrivalMs);
    } catch {
      // A handler's error stays with that datagram; the rest of the batch is still delivered.
    }
  }

  describe(source: SourceKey): { address: string; port: number } {
    if (typeof source === 'number') {
      const port = source % 65536;
      // The address word holds the bytes in network order, read as a little-endian number.
      const word = (source - port) / 65536;
      return { address: [0, 8, 16, 24].map((shift) => (word >>> shift) & 255).join('.'), port };
    }
    const parts = source.split(' ').map(Number);
    const groups: string[] = [];
    for (const word of parts.slice(0, 4)) {
      groups.push(((word & 255) * 256 + ((word >>> 8) & 255)).toString(16));
      groups.push((((word >>> 16) & 255) * 256 + ((word >>> 24) & 255)).toString(16));
    }
    // The URL parser writes the address in its canonical compressed form.
    return { address: new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1), port: parts[4]! };
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.sender?.flush();
      this.open = false;
      this.closing = this.owner.unregister(this.id, this.fd);
    }
    return this.closing;
  }
}

/**
 * Binds a socket for the native batch receiver; undefined when the port is taken. `coalesceMs`
 * (default recording's 5) is the pause after each wakeup; a relay passes 0 so packets never wait.
 */
export function bindBatchSocket(
  native: BatchReceiverModule,
  port: number,
  address: string,
  receiveBufferSize: number | undefined,
  coalesceMs = COALESCE_MS,
): Promise<SendingDatagramSocket | undefined> {
  const fd = native.bind(address, port, receiveBufferSize ?? 0);
  if (fd < 0) return Promise.resolve(undefined);
  let dispatcher = dispatchers.get(coalesceMs);
  if (dispatcher === undefined) {
    dispatcher = new BatchDispatcher(native, coalesceMs);
    dispatchers.set(coalesceMs, dispatcher);
  }
  return Promise.resolve(new BatchSocket(dispatcher, fd, port, address, native));
}
