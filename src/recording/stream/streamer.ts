/**
 * RecordingStreamer: a PacketSink that streams a recording's packets to a WebSocket consumer.
 * Packets are batched (by count, bytes or time), each batch gets the next sequence number and is
 * kept until the consumer acknowledges it; a lost connection is retried with bounded exponential
 * backoff and every unacknowledged message is sent again (the consumer drops what it already has).
 * Memory is bounded by `maxBufferBytes`: past it the streamer refuses packets, counts them as dropped
 * and reports the stream as truncated — it never grows without bound and never truncates silently.
 */
import WebSocket from 'ws';
import type { LegStatistics, PacketSink, RecordedPacket, RecordingLeg } from '../types.js';
import { encodeBatchRecords, encodePacketRecord, packetProblem } from './batch.js';
import { FATAL_CLOSE_CODES } from './close-codes.js';
import { encodeJson, type OpenPayload, type StreamClose } from './control.js';
import {
  decodeFrame,
  FLAG_RESUME,
  FrameType,
  fragmentMessage,
  frameHeaderBytes,
  MAX_FRAME_BYTES,
  maxMessageBytes,
  type StreamMessage,
  wsHeaderBytes,
} from './frame.js';

export interface ReconnectOptions {
  /** First retry delay; doubles per consecutive failure (default 200 ms). */
  initialDelayMs?: number;
  /** Ceiling of the delay (default 5,000 ms). */
  maxDelayMs?: number;
  /** Consecutive attempts without an acknowledgement before the stream fails (default 8). */
  maxAttempts?: number;
}

export interface RecordingStreamerOptions {
  /** ws:// or wss:// URL of the consumer. */
  url: string;
  recordingId: string;
  callId: string;
  legs: RecordingLeg[];
  /** ISO 8601; now when absent. */
  startedAt?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Flush a batch at this many packets (default 200). */
  batchPackets?: number;
  /** Flush a batch this long after its first packet (default 100 ms). */
  batchIntervalMs?: number;
  /** Flush a batch at this many payload bytes (default 256 KiB; the consumer's default accepts ~2 MiB). */
  maxBatchBytes?: number;
  /** Unacknowledged and unsent messages kept at most (default 8 MiB); past it packets are dropped. */
  maxBufferBytes?: number;
  /** Stop handing frames to the socket while ws.bufferedAmount is at least this (default 256 KiB). */
  socketHighWaterBytes?: number;
  /** Largest WebSocket frame on the wire, header included; at most 32,768 (the default). */
  maxFrameBytes?: number;
  reconnect?: ReconnectOptions;
  /** Opening handshake time limit (default 5,000 ms). */
  connectTimeoutMs?: number;
  /** A connection with unacknowledged data and no ACK for this long is dropped and retried (default 15 s). */
  ackTimeoutMs?: number;
  /** How long close() waits for the consumer to acknowledge CLOSE (default 5,000 ms). */
  closeTimeoutMs?: number;
  /** Leg statistics for the CLOSE message, asked once at close(). */
  statistics?: () => LegStatistics[] | undefined;
  /** Called once, with the reason, when the stream fails or is truncated. */
  onFailure?: (reason: string) => void;
  /** TLS options for wss:// (a private CA, or accepting a self-signed certificate in tests). */
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean };
}

export interface StreamerCounters {
  /** Packets in batches sent at least once. */
  packetsSent: number;
  /** BATCH messages sent at least once. */
  batchesSent: number;
  /** WebSocket frames handed to the socket (every message type, resends included). */
  framesSent: number;
  /** Bytes on the wire, WebSocket headers included. */
  bytesSent: number;
  /** Messages sent again after a reconnect. */
  resends: number;
  /** Connection attempts after the first. */
  reconnects: number;
  /** Packets the consumer will not get: refused when the buffer was full, after close, or lost on failure. */
  dropped: number;
  /** Packets refused because they cannot be carried (leg > 255, length > 65,535, bad time). */
  invalid: number;
  /** The largest WebSocket frame sent, header included. */
  maxFrameBytes: number;
  /** Highest sequence number the consumer acknowledged. */
  acked: number;
}

export type StreamerState = 'connecting' | 'streaming' | 'closing' | 'closed' | 'failed';

interface Queued {
  seq: number;
  frames: Buffer[];
  bytes: number;
  packets: number;
  isBatch: boolean;
  sentOnce: boolean;
}

export class RecordingStreamer implements PacketSink {
  readonly counters: StreamerCounters = {
    packetsSent: 0,
    batchesSent: 0,
    framesSent: 0,
    bytesSent: 0,
    resends: 0,
    reconnects: 0,
    dropped: 0,
    invalid: 0,
    maxFrameBytes: 0,
    acked: 0,
  };

  private readonly o: Required<
    Pick<
      RecordingStreamerOptions,
      | 'batchPackets'
      | 'batchIntervalMs'
      | 'maxBatchBytes'
      | 'maxBufferBytes'
      | 'socketHighWaterBytes'
      | 'maxFrameBytes'
      | 'connectTimeoutMs'
      | 'ackTimeoutMs'
      | 'closeTimeoutMs'
    >
  > & { reconnect: Required<ReconnectOptions> };
  private readonly startedAt: string;
  private readonly frameHeader: number;
  private readonly fragmentRoom: number;

  private currentState: StreamerState = 'connecting';
  private failureReason: string | undefined;
  private accepting = true;

  // The batch being gathered.
  private records: Buffer[] = [];
  private recordBytes = 0;
  private batchTimer: NodeJS.Timeout | undefined;

  // Messages not yet acknowledged, in sequence order; [cursor, frameCursor] is the next frame to send.
  private queue: Queued[] = [];
  private queueBytes = 0;
  private cursor = 0;
  private frameCursor = 0;
  private nextSeq = 1;
  private closeSeq = 0;

  private socket: WebSocket | undefined;
  private ready = false;
  private openedOnce = false;
  private ackedOnThisConnection = false;
  private attempts = 0;
  private lastError = '';
  private reconnectTimer: NodeJS.Timeout | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private finishClose: (() => void) | undefined;

  constructor(private readonly options: RecordingStreamerOptions) {
    const maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    if (!/^wss?:\/\//i.test(options.url))
      throw new TypeError(`stream URL must be ws:// or wss://: ${options.url}`);
    if (maxFrameBytes > MAX_FRAME_BYTES) throw new RangeError(`maxFrameBytes above ${MAX_FRAME_BYTES}`);
    this.o = {
      batchPackets: Math.max(1, options.batchPackets ?? 200),
      batchIntervalMs: options.batchIntervalMs ?? 100,
      maxBatchBytes: options.maxBatchBytes ?? 256 * 1024,
      maxBufferBytes: options.maxBufferBytes ?? 8 * 1024 * 1024,
      socketHighWaterBytes: options.socketHighWaterBytes ?? 256 * 1024,
      maxFrameBytes,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      ackTimeoutMs: options.ackTimeoutMs ?? 15_000,
      closeTimeoutMs: options.closeTimeoutMs ?? 5_000,
      reconnect: {
        initialDelayMs: options.reconnect?.initialDelayMs ?? 200,
        maxDelayMs: options.reconnect?.maxDelayMs ?? 5_000,
        maxAttempts: options.reconnect?.maxAttempts ?? 8,
      },
    };
    this.startedAt = options.startedAt ?? new Date().toISOString();
    // Throws FrameError now, not on the first connection, for a recording id that cannot be framed.
    fragmentMessage({
      type: FrameType.ACK,
      recordingId: options.recordingId,
      seq: 0,
      payload: Buffer.alloc(0),
    });
    this.frameHeader = frameHeaderBytes(options.recordingId);
    this.fragmentRoom = maxMessageBytes(maxFrameBytes, true) - this.frameHeader;
    this.connect();
  }

  get state(): StreamerState {
    return this.currentState;
  }

  /** Why the stream failed or was truncated; undefined while it is whole. */
  get failure(): string | undefined {
    return this.failureReason;
  }

  /** Bytes held: unacknowledged messages plus the batch being gathered (bounded by maxBufferBytes). */
  get bufferedBytes(): number {
    return this.queueBytes + this.recordBytes;
  }

  /** Bytes the socket has not yet written (bounded by socketHighWaterBytes plus one frame). */
  get socketBufferedBytes(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  write(packet: RecordedPacket): void {
    if (packetProblem(packet) !== undefined) {
      this.counters.invalid++;
      return;
    }
    if (!this.accepting || this.closing) {
      this.counters.dropped++;
      return;
    }
    const record = encodePacketRecord(packet);
    if (this.queueBytes + this.framedBytes(this.recordBytes + record.length) > this.o.maxBufferBytes) {
      // Send what fits, refuse the rest: bufferedBytes never passes maxBufferBytes.
      this.flush();
      this.truncate(1);
      return;
    }
    this.records.push(record);
    this.recordBytes += record.length;
    if (this.records.length >= this.o.batchPackets || this.recordBytes >= this.o.maxBatchBytes) {
      this.flush();
    } else if (!this.batchTimer) {
      this.batchTimer = setTimeout(() => {
        this.batchTimer = undefined;
        this.flush();
      }, this.o.batchIntervalMs);
    }
  }

  /** Sends what is gathered, sends CLOSE, and waits (bounded) for the consumer to acknowledge it. */
  close(failure?: string): Promise<void> {
    if (this.closing) return this.closing;
    this.flush();
    this.closing = new Promise<void>((resolve) => {
      this.finishClose = resolve;
    });
    if (this.currentState === 'failed') {
      this.shutdown();
      return this.closing;
    }
    this.currentState = 'closing';
    const reasons = [failure, this.failureReason].filter((r): r is string => r !== undefined);
    const close: StreamClose = {
      status: reasons.length > 0 ? 'failed' : 'stopped',
      endedAt: new Date().toISOString(),
      packets: this.counters.packetsSent + this.queue.reduce((n, q) => n + (q.sentOnce ? 0 : q.packets), 0),
      dropped: this.counters.dropped,
    };
    if (reasons.length > 0) close.failure = reasons.join('; ');
    try {
      const legs = this.options.statistics?.();
      if (legs) close.legs = legs;
    } catch {
      // Statistics are a courtesy: the CLOSE goes without them rather than not at all.
    }
    this.closeSeq = this.nextSeq++;
    // CLOSE is small and final: it is queued even past the buffer limit so the consumer learns why.
    this.enqueue(
      {
        type: FrameType.CLOSE,
        recordingId: this.options.recordingId,
        seq: this.closeSeq,
        payload: encodeJson(close),
      },
      0,
      false,
    );
    const timer = setTimeout(() => {
      this.fail(`consumer did not acknowledge CLOSE within ${this.o.closeTimeoutMs} ms`);
      this.shutdown();
    }, this.o.closeTimeoutMs);
    void this.closing.then(() => clearTimeout(timer));
    this.pump();
    return this.closing;
  }

  private flush(): void {
    if (this.batchTimer) {
      clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
    }
    if (this.records.length === 0) return;
    const packets = this.records.length;
    const payload = encodeBatchRecords(this.records);
    this.records = [];
    this.recordBytes = 0;
    const message: StreamMessage = {
      type: FrameType.BATCH,
      recordingId: this.options.recordingId,
      seq: this.nextSeq,
      payload,
    };
    const frames = fragmentMessage(message, this.o.maxFrameBytes);
    const bytes = frames.reduce((n, f) => n + f.length, 0);
    if (this.queueBytes + bytes > this.o.maxBufferBytes) {
      this.truncate(packets);
      return;
    }
    this.nextSeq++;
    this.enqueueFrames(message.seq, frames, bytes, packets, true);
    this.pump();
  }

  /** What a batch of `recordBytes` of packet records takes once framed (count, frame headers). */
  private framedBytes(recordBytes: number): number {
    const payload = 4 + recordBytes;
    return payload + Math.max(1, Math.ceil(payload / this.fragmentRoom)) * this.frameHeader;
  }

  private truncate(packets: number): void {
    this.counters.dropped += packets;
    this.accepting = false;
    this.fail(
      `stream truncated: ${this.o.maxBufferBytes} bytes of unacknowledged data buffered ` +
        `(consumer stalled or unreachable), packets dropped from here on`,
    );
  }

  private enqueue(message: StreamMessage, packets: number, isBatch: boolean): void {
    const frames = fragmentMessage(message, this.o.maxFrameBytes);
    this.enqueueFrames(
      message.seq,
      frames,
      frames.reduce((n, f) => n + f.length, 0),
      packets,
      isBatch,
    );
  }

  private enqueueFrames(
    seq: number,
    frames: Buffer[],
    bytes: number,
    packets: number,
    isBatch: boolean,
  ): void {
    this.queue.push({ seq, frames, bytes, packets, isBatch, sentOnce: false });
    this.queueBytes += bytes;
  }

  private connect(): void {
    this.ready = false;
    this.ackedOnThisConnection = false;
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.options.url, {
        perMessageDeflate: false,
        // Only ACKs come back; anything big is not ours.
        maxPayload: 4096,
        handshakeTimeout: this.o.connectTimeoutMs,
        headers,
        ...this.options.tls,
      });
    } catch (error) {
      this.lastError = (error as Error).message;
      this.disconnected(undefined);
      return;
    }
    this.socket = socket;
    socket.binaryType = 'nodebuffer';
    socket.on('open', () => this.opened(socket));
    socket.on('message', (data, isBinary) => {
      if (isBinary && Buffer.isBuffer(data)) this.received(data);
    });
    socket.on('error', (error) => {
      this.lastError = error.message;
    });
    socket.on('close', (code, reason) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.disconnected(code, reason.toString('utf8'));
    });
  }

  private opened(socket: WebSocket): void {
    if (this.socket !== socket) return;
    const open: OpenPayload = {
      recordingId: this.options.recordingId,
      callId: this.options.callId,
      legs: this.options.legs,
      startedAt: this.startedAt,
      acked: this.counters.acked,
    };
    const frames = fragmentMessage(
      {
        type: FrameType.OPEN,
        flags: this.openedOnce ? FLAG_RESUME : 0,
        recordingId: this.options.recordingId,
        seq: 0,
        payload: encodeJson(open),
      },
      this.o.maxFrameBytes,
    );
    for (const frame of frames) this.sendFrame(socket, frame);
    this.openedOnce = true;
    if (this.currentState === 'connecting') this.currentState = 'streaming';
    // Everything unacknowledged goes again, from the start of the queue.
    this.cursor = 0;
    this.frameCursor = 0;
    this.ready = true;
    this.pump();
  }

  private sendFrame(socket: WebSocket, frame: Buffer): void {
    const wire = frame.length + wsHeaderBytes(frame.length, true);
    this.counters.framesSent++;
    this.counters.bytesSent += wire;
    if (wire > this.counters.maxFrameBytes) this.counters.maxFrameBytes = wire;
    // One frame per message: fin set, never compressed (RFC 7692 would change the sizes).
    socket.send(frame, { binary: true, compress: false, fin: true }, () => {
      if (this.socket === socket && this.ready && socket.bufferedAmount < this.o.socketHighWaterBytes)
        this.pump();
    });
  }

  private pump(): void {
    const socket = this.socket;
    if (!socket || !this.ready || socket.readyState !== WebSocket.OPEN) return;
    while (this.cursor < this.queue.length) {
      if (socket.bufferedAmount >= this.o.socketHighWaterBytes) break;
      const message = this.queue[this.cursor]!;
      this.sendFrame(socket, message.frames[this.frameCursor]!);
      this.frameCursor++;
      if (this.frameCursor < message.frames.length) continue;
      if (message.sentOnce) {
        this.counters.resends++;
      } else {
        message.sentOnce = true;
        if (message.isBatch) {
          this.counters.batchesSent++;
          this.counters.packetsSent += message.packets;
        }
      }
      this.cursor++;
      this.frameCursor = 0;
    }
    this.armAckTimer();
  }

  private armAckTimer(): void {
    if (this.ackTimer || this.cursor === 0 || !this.socket) return;
    const socket = this.socket;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      if (this.socket !== socket) return;
      this.lastError = `no ACK within ${this.o.ackTimeoutMs} ms`;
      socket.terminate();
    }, this.o.ackTimeoutMs);
  }

  private received(data: Buffer): void {
    const decoded = decodeFrame(data);
    if (!decoded.ok) return;
    const frame = decoded.value;
    if (frame.type !== FrameType.ACK || frame.recordingId !== this.options.recordingId) return;
    // An ACK beyond what was ever numbered is not about this stream.
    if (frame.seq >= this.nextSeq) return;
    // Progress (or nothing left to confirm) proves the consumer works: the retry budget starts over.
    if (frame.seq > this.counters.acked || frame.seq === this.nextSeq - 1) {
      this.ackedOnThisConnection = true;
      this.attempts = 0;
    }
    if (this.ackTimer) {
      clearTimeout(this.ackTimer);
      this.ackTimer = undefined;
    }
    if (frame.seq > this.counters.acked) this.counters.acked = frame.seq;
    let removed = 0;
    while (removed < this.queue.length && this.queue[removed]!.seq <= frame.seq) {
      this.queueBytes -= this.queue[removed]!.bytes;
      removed++;
    }
    if (removed > 0) {
      this.queue.splice(0, removed);
      if (this.cursor < removed) this.frameCursor = 0;
      this.cursor = Math.max(0, this.cursor - removed);
    }
    if (this.closeSeq > 0 && this.counters.acked >= this.closeSeq) {
      this.shutdown();
      return;
    }
    this.pump();
  }

  private disconnected(code: number | undefined, reason = ''): void {
    this.ready = false;
    if (this.ackTimer) {
      clearTimeout(this.ackTimer);
      this.ackTimer = undefined;
    }
    if (this.currentState === 'closed' || this.currentState === 'failed') return;
    const why =
      code === undefined
        ? this.lastError
        : `closed ${code}${reason ? ` ${reason}` : ''}${this.lastError ? ` (${this.lastError})` : ''}`;
    const http = /Unexpected server response: (\d+)/.exec(this.lastError);
    if (
      (code !== undefined && FATAL_CLOSE_CODES.has(code)) ||
      (http && ['401', '403', '404'].includes(http[1]!))
    ) {
      this.giveUp(`consumer refused the stream: ${why}`);
      return;
    }
    if (this.ackedOnThisConnection) this.attempts = 0;
    this.attempts++;
    if (this.attempts > this.o.reconnect.maxAttempts) {
      this.giveUp(`consumer unreachable after ${this.o.reconnect.maxAttempts} reconnect attempts: ${why}`);
      return;
    }
    const { initialDelayMs, maxDelayMs } = this.o.reconnect;
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** (this.attempts - 1));
    // Jitter (half to full delay) so many recordings of one node do not reconnect in step.
    const delay = base / 2 + Math.random() * (base / 2);
    this.lastError = '';
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.counters.reconnects++;
      this.connect();
    }, delay);
  }

  /** Fatal: nothing more can be delivered; the memory is released. */
  private giveUp(reason: string): void {
    const lost = this.queue.reduce((n, q) => n + q.packets, 0) + this.records.length;
    this.counters.dropped += lost;
    this.records = [];
    this.recordBytes = 0;
    this.queue = [];
    this.queueBytes = 0;
    this.accepting = false;
    this.fail(lost > 0 ? `${reason}; ${lost} unacknowledged packets lost` : reason);
    this.currentState = 'failed';
    this.shutdown();
  }

  private fail(reason: string): void {
    if (this.failureReason !== undefined) return;
    this.failureReason = reason;
    try {
      this.options.onFailure?.(reason);
    } catch {
      // A throwing callback must not break the stream's bookkeeping.
    }
  }

  private shutdown(): void {
    for (const timer of [this.batchTimer, this.reconnectTimer, this.ackTimer]) if (timer) clearTimeout(timer);
    this.batchTimer = this.reconnectTimer = this.ackTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    this.ready = false;
    if (socket) {
      if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'recording closed');
      else socket.terminate();
      // A consumer that never answers the closing handshake is not waited for.
      setTimeout(() => socket.terminate(), 1_000).unref();
    }
    if (this.currentState !== 'failed') {
      this.currentState =
        this.failureReason !== undefined && this.closeSeq > this.counters.acked ? 'failed' : 'closed';
    }
    this.accepting = false;
    this.finishClose?.();
  }
}
