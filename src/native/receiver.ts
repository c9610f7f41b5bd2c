import { type BatchSender, sharedSender } from './batch-sender.js';
import type { NativeUdpModule } from './module.js';

/** Receives the datagrams of one registered socket. */
export interface DatagramSink {
  /**
   * `data` is a view into the batch's buffer; `truncated` is the datagram's real length when it was
   * longer than the receiver's slot (data then holds its head), else 0. Addresses are read lazily
   * through the batch: `family` is 4 or 6, `word` indexes the batch's address words.
   */
  receive(data: Buffer, from: DatagramSource, truncated: number, arrivalMs: number): void;
}

/** The sender of a datagram being delivered; valid only during the receive call. */
export interface DatagramSource {
  readonly family: 4 | 6;
  readonly port: number;
  /** The address in text, IPv4 dotted and IPv6 as RFC 5952 writes it (IPv4-mapped as ::ffff:a.b.c.d). */
  address(): string;
  /**
   * Address and port as a key that is cheap to compare (equal keys: same sender): IPv4 a number,
   * the address word × 65536 + port; IPv6 a string of the four address words and the port.
   * `sourceOfKey` turns it back.
   */
  key(): number | string;
}

// Int32 fields of a packet's metadata, as native/batch-receiver.c writes them.
const ID = 0;
const OFFSET = 1;
const LENGTH = 2;
const PORT = 3;
const FAMILY = 4;
const TRUNCATED = 5;

// A sink's id: its slot in the receiver's arrays, and in the high bits the slot's generation, so
// datagrams read for a socket that has gone (the rest of a batch, a later batch of the same
// wakeup) never reach the socket that took its slot next.
const SLOT_BITS = 20;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
const GENERATIONS = 1 << (31 - SLOT_BITS);

/** IPv4 addresses already written out, by their 32-bit word (bounded: cleared when full). */
const v4Text = new Map<number, string>();
const V4_CACHE = 65_536;

/**
 * One native receiver (an epoll set drained with recvmmsg) and the sockets registered with it,
 * each under a numeric id. One per (coalesce, slot) pair per thread: see `sharedReceiver`.
 */
export class NativeReceiver {
  private readonly handle: unknown;
  private readonly fields: Int32Array;
  private readonly words: Uint32Array;
  private readonly bytes: Uint8Array;
  private readonly arrivals: Float64Array;
  private readonly stride: number;
  private readonly addressOffset: number;
  /** By slot: the sink (undefined when free) and the id it was last given; free slots. */
  private readonly sinks: (DatagramSink | undefined)[] = [];
  private readonly ids: number[] = [];
  private readonly freeSlots: number[] = [];
  private registered = 0;
  private current = 0;
  /** The last IPv4 address written out, by its word: a peer's datagrams tend to come in runs. */
  private lastWord = -1;
  private lastText = '';
  private readonly source: DatagramSource & { family: 4 | 6; port: number };
  /** Undefined with a module built before the sender existed (it only receives). */
  private readonly sender: BatchSender | undefined;
  /** Sends what a batch's handlers queued (a microtask queued after the batch). */
  private readonly flushSender = (): void => this.sender?.flush();
  /** Batches delivered and the datagrams they carried. */
  batches = 0;
  datagrams = 0;

  constructor(
    private readonly native: NativeUdpModule,
    coalesceMs: number,
    slotBytes: number,
    perWakeup: number,
  ) {
    const [handle, meta] = native.createReceiver(
      (data, count) => this.deliver(data, count),
      coalesceMs,
      slotBytes,
      perWakeup,
    );
    this.sender = typeof native.sendBatch === 'function' ? sharedSender(native) : undefined;
    const { maxPackets, fields, metaAddressOffset, metaArrivalOffset } = native.layout;
    this.handle = handle;
    this.stride = fields;
    this.addressOffset = metaAddressOffset;
    this.fields = new Int32Array(meta, 0, maxPackets * fields);
    this.words = new Uint32Array(meta, metaAddressOffset, maxPackets * 4);
    this.bytes = new Uint8Array(meta);
    this.arrivals = new Float64Array(meta, metaArrivalOffset, maxPackets);
    this.source = {
      family: 4,
      port: 0,
      address: () => this.addressOf(this.current, this.source.family),
      key: () => this.keyOf(this.current, this.source.family, this.source.port),
    };
  }

  register(sink: DatagramSink, fd: number): number {
    const slot = this.freeSlots.pop() ?? this.sinks.length;
    if (slot > SLOT_MASK) throw new Error('native receiver: too many sockets');
    const generation = ((this.ids[slot] ?? 0) >>> SLOT_BITS) + 1;
    const id = ((generation % GENERATIONS) << SLOT_BITS) | slot;
    const result = this.native.add(this.handle, fd, id);
    if (result < 0) {
      this.freeSlots.push(slot);
      throw new Error(`native receiver: epoll_ctl ADD failed (errno ${-result})`);
    }
    this.sinks[slot] = sink;
    this.ids[slot] = id;
    if (++this.registered === 1) this.native.keepAlive(this.handle, true);
    return id;
  }

  /** Stops delivering for id; the caller closes the descriptor after the current batch. */
  unregister(id: number, fd: number): void {
    const slot = id & SLOT_MASK;
    if (this.ids[slot] !== id || this.sinks[slot] === undefined) return;
    this.sinks[slot] = undefined;
    this.freeSlots.push(slot);
    this.native.remove(this.handle, fd);
    if (--this.registered === 0) this.native.keepAlive(this.handle, false);
  }

  private deliver(data: Buffer, count: number): void {
    this.batches++;
    this.datagrams += count;
    const f = this.fields;
    const source = this.source;
    for (let i = 0, at = 0; i < count; i++, at += this.stride) {
      const id = f[at + ID]!;
      const slot = id & SLOT_MASK;
      const sink = this.ids[slot] === id ? this.sinks[slot] : undefined;
      if (sink === undefined) continue; // closed while its datagrams were queued
      const offset = f[at + OFFSET]!;
      this.current = i;
      source.family = f[at + FAMILY] === 6 ? 6 : 4;
      source.port = f[at + PORT]!;
      try {
        sink.receive(
          data.subarray(offset, offset + f[at + LENGTH]!),
          source,
          f[at + TRUNCATED]!,
          this.arrivals[i]!,
        );
      } catch {
        // A sink's error stays with its datagram; the rest of the batch is still delivered.
      }
    }
    // What the handlers answered leaves before the rest of the turn's reading, after the
    // microtasks they queued: node runs those as this native callback returns, before the next
    // batch. A proxy forwards there (after awaiting its target, at once for an IP literal), so
    // the batch's answers and forwards share one sendmmsg instead of one now and one at the end
    // of the turn (setImmediate).
    if (this.sender !== undefined) queueMicrotask(this.flushSender);
  }

  private keyOf(i: number, family: 4 | 6, port: number): number | string {
    const w = this.words;
    const at = i * 4;
    return family === 4 ? w[at]! * 65536 + port : `${w[at]} ${w[at + 1]} ${w[at + 2]} ${w[at + 3]} ${port}`;
  }

  private addressOf(i: number, family: 4 | 6): string {
    if (family === 4) {
      const word = this.words[i * 4]!;
      if (word === this.lastWord) return this.lastText;
      let text = v4Text.get(word);
      if (text === undefined) {
        const b = this.bytes;
        const at = this.addressOffset + i * 16;
        text = `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
        if (v4Text.size >= V4_CACHE) v4Text.clear();
        v4Text.set(word, text);
      }
      this.lastWord = word;
      this.lastText = text;
      return text;
    }
    return formatIpv6(this.bytes, this.addressOffset + i * 16);
  }
}

/** The address and port a DatagramSource key stands for. */
export function sourceOfKey(key: number | string): { address: string; port: number } {
  if (typeof key === 'number') {
    const port = key % 65536;
    // The address word holds the bytes in network order, read as a little-endian number.
    const word = (key - port) / 65536;
    return { address: `${word & 255}.${(word >>> 8) & 255}.${(word >>> 16) & 255}.${word >>> 24}`, port };
  }
  const parts = key.split(' ').map(Number);
  const bytes = new Uint8Array(new Uint32Array(parts.slice(0, 4)).buffer);
  return { address: formatIpv6(bytes, 0), port: parts[4]! };
}

/** RFC 5952 §4: lowercase, no leading zeros, the longest run of two or more zero groups as "::". */
export function formatIpv6(bytes: Uint8Array, at: number): string {
  const groups: number[] = [];
  for (let g = 0; g < 8; g++) groups.push((bytes[at + g * 2]! << 8) | bytes[at + g * 2 + 1]!);
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return `::ffff:${bytes[at + 12]}.${bytes[at + 13]}.${bytes[at + 14]}.${bytes[at + 15]}`;
  let bestStart = -1;
  let bestLength = 1;
  for (let g = 0; g < 8; ) {
    if (groups[g] !== 0) {
      g++;
      continue;
    }
    let end = g;
    while (end < 8 && groups[end] === 0) end++;
    if (end - g > bestLength) {
      bestStart = g;
      bestLength = end - g;
    }
    g = end;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

const receivers = new Map<string, NativeReceiver>();

/** The thread's receiver for these settings (module state is per worker thread). */
export function sharedReceiver(
  native: NativeUdpModule,
  coalesceMs: number,
  slotBytes: number,
  perWakeup: number,
): NativeReceiver {
  const key = `${coalesceMs}/${slotBytes}/${perWakeup}`;
  let receiver = receivers.get(key);
  if (receiver === undefined) {
    receiver = new NativeReceiver(native, coalesceMs, slotBytes, perWakeup);
    receivers.set(key, receiver);
  }
  return receiver;
}
