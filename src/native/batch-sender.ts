import type { NativeUdpModule } from './module.js';

/** Who a queued datagram belongs to: told of its failures, asked whether it may still go out. */
export interface SendOwner {
  readonly fd: number;
  /** False once the socket is closed: its queued datagrams are dropped, never sent from a reused descriptor. */
  readonly open: boolean;
  /** Datagram handed to the kernel. */
  onSent(): void;
  /** Datagram not sent: errno from sendmmsg, or EAGAIN after the last retry. */
  onSendFailed(errno: number, port: number, address: string): void;
}

/** Datagrams gathered before a flush is forced within the turn. */
const CAPACITY = 1024;
/** A full send buffer (EAGAIN) is retried after 1, 2, 4, 8 and 16 ms, then the datagram is dropped. */
const RETRY_DELAYS_MS = [1, 2, 4, 8, 16];

interface Retry {
  owner: SendOwner;
  data: Uint8Array;
  port: number;
  address: string;
  attempt: number;
}

/**
 * Gathers the datagrams sent during one event-loop turn, from any socket to any destination, and
 * hands them to the kernel in one native call (sendmmsg per run of one socket) at the end of the
 * turn. setImmediate, not a microtask: an immediate runs in the loop's check phase, right after
 * the poll phase that delivered this turn's datagrams and ran their handlers, timers and
 * microtasks, so every send of the turn shares one flush; and a pending immediate keeps the poll
 * phase from waiting, so no datagram waits longer than the rest of its turn. A microtask would
 * flush after each callback (one receive batch, one timer), splitting the turn's sends.
 */
export class BatchSender {
  private readonly buffers: Uint8Array[] = [];
  private readonly addresses: string[] = [];
  private readonly owners: SendOwner[] = [];
  private readonly attempts: number[] = [];
  private readonly meta = new Int32Array(CAPACITY * 2);
  private readonly results = new Int32Array(CAPACITY);
  private count = 0;
  private scheduled = false;
  private readonly flushSoon = () => {
    this.scheduled = false;
    this.flush();
  };
  /** Native calls made, and datagrams they carried: their ratio is the batch size. */
  flushes = 0;
  datagrams = 0;
  /** Datagrams that met a full send buffer and were queued again. */
  retried = 0;
  private readonly eagain: number;

  constructor(private readonly native: NativeUdpModule) {
    this.eagain = native.errno.EAGAIN ?? 11;
  }

  /** Queues one datagram (the caller must not change `data` before the end of the turn). */
  send(owner: SendOwner, data: Uint8Array, port: number, address: string, attempt = 0): void {
    if (this.count === CAPACITY) this.flush();
    const i = this.count++;
    this.buffers[i] = data;
    this.addresses[i] = address;
    this.owners[i] = owner;
    this.attempts[i] = attempt;
    this.meta[i * 2] = owner.fd;
    this.meta[i * 2 + 1] = port;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /** Sends what is queued now (a socket about to close flushes its datagrams first). */
  flush(): void {
    const n = this.count;
    if (n === 0) return;
    this.count = 0;
    this.flushes++;
    this.datagrams += n;
    const results = this.results;
    let retries: Retry[] | undefined;
    this.native.sendBatch(n, this.buffers, this.addresses, this.meta, results);
    for (let i = 0; i < n; i++) {
      const owner = this.owners[i]!;
      const errno = results[i]!;
      if (errno === 0) owner.onSent();
      else if (errno === this.eagain && this.attempts[i]! < RETRY_DELAYS_MS.length) {
        retries ??= [];
        retries.push({
          owner,
          data: this.buffers[i]!,
          port: this.meta[i * 2 + 1]!,
          address: this.addresses[i]!,
          attempt: this.attempts[i]! + 1,
        });
      } else owner.onSendFailed(errno, this.meta[i * 2 + 1]!, this.addresses[i]!);
      // Let go of the datagram and its owner: the arrays keep their length for the next turn.
      this.buffers[i] = EMPTY;
      this.owners[i] = NOBODY;
    }
    if (retries !== undefined) this.retryLater(retries);
  }

  private retryLater(retries: Retry[]): void {
    this.retried += retries.length;
    const delay = RETRY_DELAYS_MS[retries[0]!.attempt - 1]!;
    setTimeout(() => {
      for (const r of retries) {
        if (r.owner.open) this.send(r.owner, r.data, r.port, r.address, r.attempt);
        else r.owner.onSendFailed(this.eagain, r.port, r.address);
      }
    }, delay).unref();
  }
}

const EMPTY = new Uint8Array(0);
const NOBODY: SendOwner = { fd: -1, open: false, onSent() {}, onSendFailed() {} };

const senders = new WeakMap<NativeUdpModule, BatchSender>();

/** The thread's batched sender (one queue for every native socket of the thread). */
export function sharedSender(native: NativeUdpModule): BatchSender {
  let sender = senders.get(native);
  if (sender === undefined) {
    sender = new BatchSender(native);
    senders.set(native, sender);
  }
  return sender;
}
