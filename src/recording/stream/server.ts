/**
 * RecordingSinkServer: the consumer side of the recording stream (`switchboard recording-sink`).
 * It accepts producers over WebSocket, enforces the 32,768-byte frame limit (RFC 6455 §5.2 header
 * included), reassembles fragmented messages, drops duplicates by sequence number, acknowledges
 * in order, and hands each recording to a PacketSink made by `createSink` — so a streamed recording
 * ends up written by the same code as a local one. Bad input is counted and the connection closed
 * with a close code that says why; other connections carry on.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { PacketSink } from '../types.js';
import { type AssembledMessage, DEFAULT_ASSEMBLER_LIMITS, FragmentAssembler } from './assembler.js';
import { decodeBatch } from './batch.js';
import { CloseCode } from './close-codes.js';
import { decodeClose, decodeOpen, type StreamClose, type StreamOpen } from './control.js';
import {
  decodeFrame,
  encodeFrame,
  FLAG_RESUME,
  FrameType,
  MAX_FRAME_BYTES,
  maxMessageBytes,
  wsHeaderBytes,
} from './frame.js';
import type { SinkSession } from './sink-session.js';

export interface RecordingSinkServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port; read it from address()). */
  port?: number;
  /** Only upgrades on this path are accepted (any path when absent). */
  path?: string;
  /** Required from producers as `Authorization: Bearer <token>` or `?token=<token>`. */
  token?: string;
  /** Serve wss:// with this certificate. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Makes the sink of a newly opened recording; it must not throw for valid input. */
  createSink: (open: StreamOpen) => PacketSink;
  /** Called after a recording's sink was closed (by CLOSE, by the idle timeout or by close()). */
  onRecordingClosed?: (
    recordingId: string,
    close: StreamClose | undefined,
    failure: string | undefined,
  ) => void;
  /** Largest WebSocket frame accepted, header included; at most 32,768 (the default). */
  maxFrameBytes?: number;
  /** Fragments of one message at most (default 64). */
  maxFragments?: number;
  /** Bytes of incomplete messages per connection at most (default 4 MiB). */
  maxPendingBytes?: number;
  /** A recording whose producer disconnected and has not resumed for this long is closed as failed (default 60 s). */
  idleTimeoutMs?: number;
  /** Producer connections at once (default 256); more are refused with HTTP 503. */
  maxConnections?: number;
  /** Closed recordings remembered so that a late resend is acknowledged, not re-opened (default 1,000). */
  closedRecordingsKept?: number;
}

export interface SinkServerCounters {
  connections: number;
  /** Upgrades refused: a missing or wrong token (401) or too many connections (503). */
  rejectedConnections: number;
  framesReceived: number;
  /** Bytes on the wire, WebSocket headers included. */
  bytesReceived: number;
  /** The largest frame received, header included. */
  maxFrameBytes: number;
  /** Frames over the limit (closed with 1009). */
  oversizedFrames: number;
  /** Frames or messages that do not parse or break the protocol (closed with 1002/1003/1008). */
  malformedFrames: number;
  batchesDelivered: number;
  packetsDelivered: number;
  /** Batches (or CLOSEs) received again after a reconnect and dropped. */
  duplicates: number;
  acksSent: number;
  recordingsOpened: number;
  recordingsResumed: number;
  recordingsClosed: number;
  /** createSink, write or close threw. */
  sinkErrors: number;
}

interface Connection {
  ws: WebSocket;
  assembler: FragmentAssembler;
  recordingId: string | undefined;
  session: SinkSession | undefined;
}

const MAX_REASON_BYTES = 123; // RFC 6455 §5.5: a control frame body is ≤ 125 bytes, 2 of them the code.

export class RecordingSinkServer {
  readonly counters: SinkServerCounters = {
    connections: 0,
    rejectedConnections: 0,
    framesReceived: 0,
    bytesReceived: 0,
    maxFrameBytes: 0,
    oversizedFrames: 0,
    malformedFrames: 0,
    batchesDelivered: 0,
    packetsDelivered: 0,
    duplicates: 0,
    acksSent: 0,
    recordingsOpened: 0,
    recordingsResumed: 0,
    recordingsClosed: 0,
    sinkErrors: 0,
  };

  private readonly sessions = new Map<string, SinkSession>();
  private readonly closedOrder: string[] = [];
  private readonly connections = new Set<Connection>();
  private readonly maxFrameBytes: number;
  private http: Server | undefined;
  private wss: WebSocketServer | undefined;

  constructor(private readonly options: RecordingSinkServerOptions) {
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    if (this.maxFrameBytes > MAX_FRAME_BYTES) throw new RangeError(`maxFrameBytes above ${MAX_FRAME_BYTES}`);
  }

  /** Recordings currently open (not yet closed). */
  get openRecordings(): string[] {
    return [...this.sessions].filter(([, s]) => s.state !== 'closed').map(([id]) => id);
  }

  async listen(): Promise<AddressInfo> {
    const { tls } = this.options;
    const http = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }) : createHttpServer();
    this.http = http;
    this.wss = new WebSocketServer({
      server: http,
      path: this.options.path,
      perMessageDeflate: false,
      // The largest payload whose masked frame fits the limit: ws refuses bigger ones at the header.
      maxPayload: maxMessageBytes(this.maxFrameBytes, true),
      verifyClient: (info, done) => {
        if (!this.authorized(info.req)) {
          this.counters.rejectedConnections++;
          return done(false, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer' });
        }
        if (this.connections.size >= (this.options.maxConnections ?? 256)) {
          this.counters.rejectedConnections++;
          return done(false, 503, 'Too many producers');
        }
        done(true);
      },
    });
    this.wss.on('connection', (ws) => this.accept(ws));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
    return http.address() as AddressInfo;
  }

  address(): AddressInfo | undefined {
    return (this.http?.address() as AddressInfo | null) ?? undefined;
  }

  /** Stops listening, drops every connection and closes the sinks still open as failed. */
  async close(): Promise<void> {
    // Stop listening and drop every HTTP connection (an upgrade still being read included) before
    // anything else: a producer reconnecting while the open sinks are being finished would get a
    // connection that http.close() then waits on for ever.
    const http = this.http;
    const stopped = new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    http?.closeAllConnections();
    for (const connection of this.connections) connection.ws.terminate();
    this.connections.clear();
    const open = [...this.sessions.entries()].filter(([, s]) => s.state === 'open');
    await Promise.all(
      open.map(([id, s]) =>
        this.finish(id, s, undefined, 'recording sink stopped before the producer closed the stream'),
      ),
    );
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    await stopped;
    this.http = undefined;
    this.wss = undefined;
  }

  private authorized(req: IncomingMessage): boolean {
    const expected = this.options.token;
    if (expected === undefined) return true;
    const header = req.headers.authorization;
    let given = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (given === undefined) {
      given = new URL(req.url ?? '/', 'http://sink').searchParams.get('token') ?? undefined;
    }
    if (given === undefined) return false;
    // Equal-length digests so the comparison time says nothing about the token.
    const digest = (s: string) => createHash('sha256').update(s).digest();
    return timingSafeEqual(digest(given), digest(expected));
  }

  private accept(ws: WebSocket): void {
    this.counters.connections++;
    const connection: Connection = {
      ws,
      assembler: new FragmentAssembler({
        maxFragments: this.options.maxFragments ?? DEFAULT_ASSEMBLER_LIMITS.maxFragments,
        maxPendingBytes: this.options.maxPendingBytes ?? DEFAULT_ASSEMBLER_LIMITS.maxPendingBytes,
        maxPendingMessages: DEFAULT_ASSEMBLER_LIMITS.maxPendingMessages,
      }),
      recordingId: undefined,
      session: undefined,
    };
    this.connections.add(connection);
    ws.on('message', (data, isBinary) => this.receive(connection, data as Buffer, isBinary));
    ws.on('error', (error: Error & { code?: string }) => {
      // ws closes the connection itself (1009 or 1002) after these.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.counters.oversizedFrames++;
      else this.counters.malformedFrames++;
    });
    ws.on('close', () => this.detach(connection));
  }

  private refuse(connection: Connection, code: number, reason: string): void {
    if (code === CloseCode.MESSAGE_TOO_BIG) this.counters.oversizedFrames++;
    else this.counters.malformedFrames++;
    this.drop(connection, code, reason);
  }

  private drop(connection: Connection, code: number, reason: string): void {
    let text = reason;
    while (Buffer.byteLength(text) > MAX_REASON_BYTES) text = text.slice(0, -1);
    connection.assembler.clear();
    this.detach(connection);
    connection.ws.close(code, text);
    // A producer that ignores the closing handshake is not waited for.
    setTimeout(() => connection.ws.terminate(), 1_000).unref();
  }

  private receive(connection: Connection, data: Buffer, isBinary: boolean): void {
    if (!this.connections.has(connection)) return;
    const wire = data.length + wsHeaderBytes(data.length, true);
    this.counters.framesReceived++;
    this.counters.bytesReceived += wire;
    if (wire > this.counters.maxFrameBytes) this.counters.maxFrameBytes = wire;
    if (!isBinary) {
      this.refuse(connection, CloseCode.UNSUPPORTED_DATA, 'text messages are not part of the protocol');
      return;
    }
    if (wire > this.maxFrameBytes) {
      this.refuse(
        connection,
        CloseCode.MESSAGE_TOO_BIG,
        `frame of ${wire} bytes exceeds ${this.maxFrameBytes}`,
      );
      return;
    }
    const decoded = decodeFrame(data);
    if (!decoded.ok) {
      this.refuse(connection, CloseCode.PROTOCOL_ERROR, decoded.error.message);
      return;
    }
    const frame = decoded.value;
    if (frame.type === FrameType.ACK) {
      this.refuse(connection, CloseCode.PROTOCOL_ERROR, 'ACK from a producer');
      return;
    }
    if (connection.recordingId !== undefined && frame.recordingId !== connection.recordingId) {
      this.refuse(connection, CloseCode.POLICY_VIOLATION, 'frame for another recording on this connection');
      return;
    }
    connection.recordingId = frame.recordingId;
    const assembled = connection.assembler.push(frame);
    if (!assembled.ok) {
      this.refuse(connection, CloseCode.PROTOCOL_ERROR, assembled.error.message);
      return;
    }
    if (!assembled.value) return;
    const message = assembled.value;
    if (message.type === FrameType.OPEN) {
      this.opened(connection, message);
      return;
    }
    const session = connection.session;
    if (!session) {
      this.refuse(connection, CloseCode.PROTOCOL_ERROR, 'message before OPEN');
      return;
    }
    if (message.seq <= session.lastSeq) {
      // Already taken in on an earlier connection: drop, and say so (RFC-style cumulative ACK).
      this.counters.duplicates++;
      this.ack(connection, session);
      return;
    }
    if (session.state !== 'open') {
      this.drop(connection, CloseCode.GONE, 'recording already closed');
      return;
    }
    if (message.seq !== session.lastSeq + 1) {
      this.refuse(connection, CloseCode.PROTOCOL_ERROR, `sequence ${message.seq} after ${session.lastSeq}`);
      return;
    }
    if (message.type === FrameType.BATCH) {
      this.batch(connection, session, message);
      return;
    }
    this.closed(connection, session, message);
  }

  private opened(connection: Connection, message: AssembledMessage): void {
    if (connection.session) {
      this.refuse(connection, CloseCode.PROTOCOL_ERROR, 'second OPEN');
      return;
    }
    const decoded = decodeOpen(message.payload, message.recordingId);
    if (!decoded.ok) {
      this.refuse(connection, CloseCode.PROTOCOL_ERROR, decoded.error.message);
      return;
    }
    const open = decoded.value;
    const resume = (message.flags & FLAG_RESUME) !== 0;
    let session = this.sessions.get(open.recordingId);
    if (session) {
      if (!resume) {
        this.drop(connection, CloseCode.CONFLICT, 'recording id already streamed');
        return;
      }
      if (session.connection && session.connection !== connection) {
        // The producer's old connection is dead or dying: the newest one wins.
        const old = [...this.connections].find((c) => c === session!.connection);
        if (old) this.drop(old, CloseCode.REPLACED, 'resumed on another connection');
      }
      this.counters.recordingsResumed++;
    } else {
      if (resume && open.acked > 0) {
        this.drop(connection, CloseCode.CONFLICT, 'recording unknown here: its state was lost');
        return;
      }
      const { acked: _acked, ...info } = open;
      let sink: PacketSink;
      try {
        sink = this.options.createSink(info);
      } catch (error) {
        this.counters.sinkErrors++;
        this.drop(connection, CloseCode.INTERNAL_ERROR, `sink: ${(error as Error).message}`);
        return;
      }
      session = {
        open: info,
        sink,
        state: 'open',
        lastSeq: 0,
        acked: 0,
        connection: undefined,
        idleTimer: undefined,
      };
      this.sessions.set(open.recordingId, session);
      this.counters.recordingsOpened++;
    }
    if (session.idleTimer) clearTimeout(session.idleTimer);
    session.idleTimer = undefined;
    if (session.state !== 'closed') session.connection = connection;
    connection.session = session;
    this.ack(connection, session);
  }

  private batch(connection: Connection, session: SinkSession, message: AssembledMessage): void {
    const decoded = decodeBatch(message.payload);
    if (!decoded.ok) {
      this.refuse(connection, CloseCode.PROTOCOL_ERROR, decoded.error.message);
      return;
    }
    for (const packet of decoded.value) {
      try {
        session.sink.write(packet);
      } catch {
        this.counters.sinkErrors++;
      }
    }
    session.lastSeq = session.acked = message.seq;
    this.counters.batchesDelivered++;
    this.counters.packetsDelivered += decoded.value.length;
    this.ack(connection, session);
  }

  private closed(connection: Connection, session: SinkSession, message: AssembledMessage): void {
    const decoded = decodeClose(message.payload);
    if (!decoded.ok) {
      this.refuse(connection, CloseCode.PROTOCOL_ERROR, decoded.error.message);
      return;
    }
    const close = decoded.value;
    session.lastSeq = message.seq;
    const failure = close.status === 'failed' ? (close.failure ?? 'producer reported failure') : undefined;
    void this.finish(session.open.recordingId, session, close, failure).then(() => {
      session.acked = session.lastSeq;
      const current = [...this.connections].find((c) => c === session.connection);
      if (current) this.ack(current, session);
    });
  }

  private async finish(
    recordingId: string,
    session: SinkSession,
    close: StreamClose | undefined,
    failure: string | undefined,
  ): Promise<void> {
    if (session.state !== 'open') return;
    session.state = 'closing';
    if (session.idleTimer) clearTimeout(session.idleTimer);
    session.idleTimer = undefined;
    try {
      await session.sink.close(failure);
    } catch {
      this.counters.sinkErrors++;
    }
    session.state = 'closed';
    this.counters.recordingsClosed++;
    this.closedOrder.push(recordingId);
    const keep = this.options.closedRecordingsKept ?? 1_000;
    while (this.closedOrder.length > keep) this.sessions.delete(this.closedOrder.shift()!);
    try {
      this.options.onRecordingClosed?.(recordingId, close, failure);
    } catch {
      // The observer's failure is not the stream's.
    }
  }

  private ack(connection: Connection, session: SinkSession): void {
    if (connection.ws.readyState !== connection.ws.OPEN) return;
    const frame = encodeFrame({
      type: FrameType.ACK,
      flags: 0,
      recordingId: session.open.recordingId,
      seq: session.acked,
      fragmentIndex: 0,
      fragmentCount: 1,
      payload: Buffer.alloc(0),
    });
    connection.ws.send(frame, { binary: true, compress: false });
    this.counters.acksSent++;
  }

  private detach(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    connection.assembler.clear();
    const session = connection.session;
    if (!session || session.connection !== connection) return;
    session.connection = undefined;
    if (session.state !== 'open') return;
    const idleMs = this.options.idleTimeoutMs ?? 60_000;
    session.idleTimer = setTimeout(() => {
      session.idleTimer = undefined;
      void this.finish(
        session.open.recordingId,
        session,
        undefined,
        `producer disconnected and did not resume within ${idleMs} ms`,
      );
    }, idleMs);
  }
}
