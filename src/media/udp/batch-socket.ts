import {
  type BatchSender,
  type DatagramSink,
  type DatagramSource,
  type NativeReceiver,
  type NativeUdpModule,
  nativeReceiveModule,
  sharedReceiver,
  sharedSender,
  sourceOfKey,
} from '../../native/index.js';
import type { DatagramHandler, SendingDatagramSocket, SourceKey } from './datagram-socket.js';
import { markNativeSocket } from './dscp.js';

type BatchReceiverModule = NativeUdpModule;

/**
 * Milliseconds the receiver stops watching after each wakeup, so a wakeup carries hundreds of
 * datagrams instead of a few (bench/udp-receive-floor.mjs, 1,000 sockets at 50/s each: 4 datagrams
 * and 5.3 us of CPU per datagram without it, ~470 and 3.2 us with 5 ms). Recording, unlike relaying,
 * does not mind the delay.
 */
const COALESCE_MS = 5;
/** RTP's datagrams are kept whole up to this size; a longer one is counted as truncated. */
const SLOT_BYTES = 8192;
/** Datagrams read per wakeup: all that is there (media, unlike SIP, has no replies to hurry). */
const PER_WAKEUP = 16_384;

/** The native module, or undefined when it was not built (not Linux, or no compiler at install). */
export function batchReceiverModule(): BatchReceiverModule | undefined {
  return nativeReceiveModule();
}

/**
 * A DatagramSocket whose datagrams arrive in batches through the thread's NativeReceiver for its
 * pause length (one epoll set serves every recorded or relayed leg), and that sends through the
 * thread's batched sender (sendmmsg at the end of the event-loop turn).
 */
class BatchSocket implements SendingDatagramSocket, DatagramSink {
  truncatedCount = 0;
  sendErrors = 0;
  /** Datagrams handed to the kernel. */
  sent = 0;
  open = true;
  dscpFailure: string | undefined;
  private readonly sender: BatchSender | undefined;
  private handler: DatagramHandler | undefined;
  private readonly id: number;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly receiver: NativeReceiver,
    readonly fd: number,
    readonly port: number,
    readonly address: string,
    private readonly native: BatchReceiverModule,
  ) {
    this.id = receiver.register(this, fd);
    this.sender = typeof native.sendBatch === 'function' ? sharedSender(native) : undefined;
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

  receive(data: Buffer, from: DatagramSource, truncated: number, arrivalMs: number): void {
    if (truncated !== 0) {
      this.truncatedCount++;
      return;
    }
    // The receiver catches a handler's error: the rest of the batch is still delivered.
    this.handler?.(data, from.key(), arrivalMs);
  }

  describe(source: SourceKey): { address: string; port: number } {
    return sourceOfKey(source);
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.sender?.flush();
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

/**
 * Binds a socket for the native batch receiver; undefined when the port is taken. `coalesceMs`
 * (default recording's 5) is the pause after each wakeup; a relay passes 0 so packets never wait.
 * `tos` (DSCP << 2) marks what it sends; 0 leaves the system's default. A socket the system
 * refuses to mark still works: its dscpFailure says why.
 */
export function bindBatchSocket(
  native: BatchReceiverModule,
  port: number,
  address: string,
  receiveBufferSize: number | undefined,
  coalesceMs = COALESCE_MS,
  tos = 0,
): Promise<SendingDatagramSocket | undefined> {
  const fd = native.bind(address, port, receiveBufferSize ?? 0);
  if (fd < 0) return Promise.resolve(undefined);
  const receiver = sharedReceiver(native, coalesceMs, SLOT_BYTES, PER_WAKEUP);
  try {
    const socket = new BatchSocket(receiver, fd, port, address, native);
    if (tos !== 0) socket.dscpFailure = markNativeSocket(native, fd, tos);
    return Promise.resolve(socket);
  } catch (error) {
    native.closeFd(fd); // epoll_ctl refused it
    return Promise.reject(error);
  }
}
