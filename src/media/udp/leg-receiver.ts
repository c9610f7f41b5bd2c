import type { SourceKey } from './datagram-socket.js';
import type { RtpPortAllocation, RtpPortRange } from './port-range.js';
import type { RecordedPacket } from './recorded-packet.js';
import { defaultTicker, type SharedTicker, type Tickable } from './ticker.js';

export interface MediaTimeoutEvent {
  leg: number;
  /** True when no packet ever arrived (the first-packet timeout), false when media stopped. */
  beforeFirstPacket: boolean;
  /** How long the leg has been silent (or open, before the first packet). */
  silentMs: number;
}

export interface LegReceiverOptions {
  /** Leg index stamped on every RecordedPacket. */
  leg: number;
  /** Called for every accepted datagram; the packet (and its Buffer) belong to the callee. */
  onPacket: (packet: RecordedPacket) => void;
  /** Called once per silence: after mediaTimeoutMs without packets, or firstPacketTimeoutMs before any. */
  onMediaTimeout?: (event: MediaTimeoutEvent) => void;
  /** Silence after the first packet that counts as a timeout (default 10 s). */
  mediaTimeoutMs?: number;
  /** Wait for the first packet this long (default 60 s: ringing, early media, slow answer). */
  firstPacketTimeoutMs?: number;
  /** Accept a new source once the latched one has been silent this long (default 2 s). */
  relatchAfterMs?: number;
  ticker?: SharedTicker;
}

export interface LegReceiverCounters {
  /** RTP datagrams accepted and delivered. */
  received: number;
  bytes: number;
  /** From another source than the latched one. */
  droppedSource: number;
  /** Shorter than an RTP header, not RTP version 2, or too large to receive whole. */
  droppedMalformed: number;
  /** Times the source changed after the latched one went silent. */
  relatched: number;
  rtcpReceived: number;
  rtcpBytes: number;
  /** Exceptions thrown by onPacket (swallowed: a packet never crashes the process). */
  consumerErrors: number;
}

/** RFC 3550 §5.1: the fixed header is 12 bytes. */
const RTP_HEADER = 12;
/** RFC 3550 §5.1: V is the top two bits of the first byte and must be 2. */
const RTP_VERSION = 2;

/**
 * Receives one recorded leg: the RTP socket (and RTCP on port+1) of a port allocation.
 * Latches onto the first source like symmetric RTP (RFC 4961) and drops others, until the latched
 * source has been silent long enough that the sender probably moved. Only a cheap header sanity
 * check happens here; parsing is downstream. Timeouts are checked by a shared coarse ticker.
 */
export class LegReceiver implements Tickable {
  readonly leg: number;
  private readonly allocation: RtpPortAllocation;
  private readonly onPacket: (packet: RecordedPacket) => void;
  private readonly onMediaTimeout: ((event: MediaTimeoutEvent) => void) | undefined;
  private readonly mediaTimeoutMs: number;
  private readonly firstPacketTimeoutMs: number;
  private readonly relatchAfterMs: number;
  private readonly ticker: SharedTicker;
  private readonly openedMs = performance.now();
  private sourceKey: SourceKey | undefined;
  private lastPacketMs = -1;
  private timedOut = false;
  private closing: Promise<void> | undefined;
  // Counters as plain fields: the hot path only increments numbers.
  private received = 0;
  private bytes = 0;
  private droppedSource = 0;
  private droppedMalformed = 0;
  private relatched = 0;
  private rtcpReceived = 0;
  private rtcpBytes = 0;
  private consumerErrors = 0;

  /** Allocates a port pair from `range` and starts receiving on it. */
  static async open(range: RtpPortRange, options: LegReceiverOptions): Promise<LegReceiver> {
    return new LegReceiver(await range.allocate(), options);
  }

  constructor(allocation: RtpPortAllocation, options: LegReceiverOptions) {
    this.allocation = allocation;
    this.leg = options.leg;
    this.onPacket = options.onPacket;
    this.onMediaTimeout = options.onMediaTimeout;
    this.mediaTimeoutMs = options.mediaTimeoutMs ?? 10_000;
    this.firstPacketTimeoutMs = options.firstPacketTimeoutMs ?? 60_000;
    this.relatchAfterMs = options.relatchAfterMs ?? 2_000;
    this.ticker = options.ticker ?? defaultTicker;
    allocation.rtp.listen((data, source, arrivalMs) => this.onRtp(data, source, arrivalMs));
    allocation.rtcp?.listen((data) => {
      this.rtcpReceived++;
      this.rtcpBytes += data.length;
    });
    this.ticker.add(this);
  }

  get port(): number {
    return this.allocation.port;
  }

  get rtcpPort(): number | undefined {
    return this.allocation.rtcp ? this.allocation.port + 1 : undefined;
  }

  get address(): string {
    return this.allocation.address;
  }

  /** The latched source, once a packet arrived. */
  get source(): { address: string; port: number } | undefined {
    return this.sourceKey === undefined ? undefined : this.allocation.rtp.describe(this.sourceKey);
  }

  get counters(): LegReceiverCounters {
    return {
      received: this.received,
      bytes: this.bytes,
      droppedSource: this.droppedSource,
      droppedMalformed: this.droppedMalformed + this.allocation.rtp.truncated,
      relatched: this.relatched,
      rtcpReceived: this.rtcpReceived,
      rtcpBytes: this.rtcpBytes,
      consumerErrors: this.consumerErrors,
    };
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Stops receiving and releases the ports; idempotent. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.ticker.delete(this);
      this.closing = this.allocation.release();
    }
    return this.closing;
  }

  tick(nowMs: number): void {
    if (this.timedOut || this.closing !== undefined || this.onMediaTimeout === undefined) return;
    const before = this.lastPacketMs < 0;
    const silentMs = nowMs - (before ? this.openedMs : this.lastPacketMs);
    if (silentMs < (before ? this.firstPacketTimeoutMs : this.mediaTimeoutMs)) return;
    this.timedOut = true;
    this.onMediaTimeout({ leg: this.leg, beforeFirstPacket: before, silentMs });
  }

  private onRtp(data: Buffer, source: SourceKey, arrivalMs: number): void {
    if (data.length < RTP_HEADER || data[0]! >> 6 !== RTP_VERSION) {
      this.droppedMalformed++;
      return;
    }
    const now = performance.now();
    if (source !== this.sourceKey) {
      if (this.sourceKey !== undefined) {
        if (now - this.lastPacketMs < this.relatchAfterMs) {
          this.droppedSource++;
          return;
        }
        this.relatched++;
      }
      this.sourceKey = source;
    }
    this.lastPacketMs = now;
    this.timedOut = false;
    this.received++;
    this.bytes += data.length;
    try {
      this.onPacket({ leg: this.leg, arrivalMs, data });
    } catch {
      this.consumerErrors++;
    }
  }
}
