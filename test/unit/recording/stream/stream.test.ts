import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { CloseCode } from '../../../../src/recording/stream/close-codes.js';
import type { StreamClose, StreamOpen } from '../../../../src/recording/stream/control.js';
import { encodeFrame, FrameType, MAX_FRAME_BYTES } from '../../../../src/recording/stream/frame.js';
import {
  RecordingSinkServer,
  type RecordingSinkServerOptions,
} from '../../../../src/recording/stream/server.js';
import {
  RecordingStreamer,
  type RecordingStreamerOptions,
} from '../../../../src/recording/stream/streamer.js';
import type { RecordedPacket, RecordingLeg } from '../../../../src/recording/types.js';
import { until } from '../../../support/until.js';
import { MemorySink, makePackets } from './memory-sink.js';
import { WsTap } from './ws-tap.js';

const legs: RecordingLeg[] = [
  { index: 0, label: 'caller', payloadTypes: { 0: { encoding: 'PCMU', clockRate: 8000, channels: 1 } } },
  { index: 1, label: 'callee', payloadTypes: { 8: { encoding: 'PCMA', clockRate: 8000, channels: 1 } } },
];

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface Consumer {
  server: RecordingSinkServer;
  port: number;
  sinks: Map<string, MemorySink>;
  opens: StreamOpen[];
  closes: { id: string; close: StreamClose | undefined; failure: string | undefined }[];
}

async function startConsumer(options: Partial<RecordingSinkServerOptions> = {}): Promise<Consumer> {
  const sinks = new Map<string, MemorySink>();
  const opens: StreamOpen[] = [];
  const closes: Consumer['closes'] = [];
  const server = new RecordingSinkServer({
    createSink: (open) => {
      opens.push(open);
      const sink = new MemorySink();
      sinks.set(open.recordingId, sink);
      return sink;
    },
    onRecordingClosed: (id, close, failure) => closes.push({ id, close, failure }),
    ...options,
  });
  const { port } = await server.listen();
  cleanups.push(() => server.close());
  return { server, port, sinks, opens, closes };
}

function streamer(url: string, options: Partial<RecordingStreamerOptions> = {}): RecordingStreamer {
  const s = new RecordingStreamer({
    url,
    recordingId: 'rec-1',
    callId: 'call-1@example.com',
    legs,
    startedAt: '2026-01-01T00:00:00.000Z',
    batchPackets: 500,
    batchIntervalMs: 20,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: 5 },
    closeTimeoutMs: 3_000,
    ...options,
  });
  cleanups.push(() => s.close());
  return s;
}

/** Writes packets a few hundred per event-loop turn, as receivers would. */
async function feed(target: RecordingStreamer, packets: RecordedPacket[], perTurn = 500): Promise<void> {
  for (let i = 0; i < packets.length; i += perTurn) {
    for (const p of packets.slice(i, i + perTurn)) target.write(p);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Kills the consumer's end of every connection (the server keeps running), reaching into its ws server. */
function terminateServerSide(consumer: Consumer): void {
  for (const client of (consumer.server as unknown as { wss: WebSocketServer }).wss.clients)
    client.terminate();
}

function expectSame(got: RecordedPacket[], sent: RecordedPacket[]): void {
  expect(got.length).toBe(sent.length);
  for (let i = 0; i < sent.length; i++) {
    const a = got[i]!;
    const b = sent[i]!;
    if (a.leg !== b.leg || a.arrivalMs !== b.arrivalMs || !a.data.equals(b.data)) {
      throw new Error(`packet ${i} differs`);
    }
  }
}

describe('RecordingStreamer → RecordingSinkServer', () => {
  it('streams 20,000 packets in fragmented batches, every frame on the wire ≤ 32,768 bytes', async () => {
    const consumer = await startConsumer();
    const tap = new WsTap(consumer.port);
    const tapPort = await tap.listen();
    cleanups.push(() => tap.close());
    const packets = makePackets(20_000);
    const s = streamer(`ws://127.0.0.1:${tapPort}/`);
    await feed(s, packets);
    await s.close();

    const sink = consumer.sinks.get('rec-1')!;
    expectSame(sink.packets, packets);
    expect(sink.closed).toBe(true);
    expect(sink.failure).toBeUndefined();
    expect(consumer.opens[0]).toEqual({
      recordingId: 'rec-1',
      callId: 'call-1@example.com',
      legs,
      startedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(consumer.closes[0]!.close).toMatchObject({ status: 'stopped', packets: 20_000, dropped: 0 });
    expect(s.state).toBe('closed');
    expect(s.failure).toBeUndefined();

    // The wire, as parsed by the tap: one frame per message, unfragmented, uncompressed, within the limit.
    const data = tap.frames.filter((f) => f.opcode === 2);
    expect(data.length).toBe(s.counters.framesSent);
    expect(Math.max(...tap.frames.map((f) => f.bytes))).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(data.every((f) => f.fin && !f.rsv1 && f.masked)).toBe(true);
    expect(tap.frames.some((f) => f.opcode === 0)).toBe(false);
    // Batches of 500 × 172-byte packets take 3 frames; the fullest is exactly at the limit.
    expect(s.counters.batchesSent).toBe(40);
    expect(data.length).toBe(1 + 40 * 3 + 1);
    expect(Math.max(...data.map((f) => f.bytes))).toBe(MAX_FRAME_BYTES);
    expect(s.counters.maxFrameBytes).toBe(MAX_FRAME_BYTES);
    expect(consumer.server.counters.maxFrameBytes).toBe(MAX_FRAME_BYTES);
    expect(s.counters.bytesSent).toBe(data.reduce((n, f) => n + f.bytes, 0));
    expect(consumer.server.counters.bytesReceived).toBe(s.counters.bytesSent);
    expect(s.counters).toMatchObject({
      packetsSent: 20_000,
      resends: 0,
      reconnects: 0,
      dropped: 0,
      acked: 41,
    });
    expect(consumer.server.counters).toMatchObject({
      packetsDelivered: 20_000,
      batchesDelivered: 40,
      duplicates: 0,
    });
  });

  it('reconnects after the connection is cut and resends unacknowledged batches without duplicates', async () => {
    const consumer = await startConsumer();
    const tap = new WsTap(consumer.port);
    const tapPort = await tap.listen();
    cleanups.push(() => tap.close());
    // After frame 20 the ACKs are lost, at frame 50 the connection dies: batches in between reached the
    // consumer but the producer cannot know, so they are resent and must be dropped as duplicates.
    tap.onFrame = (_frame, count) => {
      if (count === 20) tap.dropReplies = true;
      if (count === 50) {
        tap.cutAll();
        tap.dropReplies = false;
      }
    };
    const packets = makePackets(20_000);
    const s = streamer(`ws://127.0.0.1:${tapPort}/`);
    await feed(s, packets, 250);
    await s.close();

    const sink = consumer.sinks.get('rec-1')!;
    expectSame(sink.packets, packets);
    expect(sink.failure).toBeUndefined();
    expect(s.failure).toBeUndefined();
    expect(s.state).toBe('closed');
    expect(s.counters.reconnects).toBeGreaterThanOrEqual(1);
    expect(s.counters.resends).toBeGreaterThan(0);
    expect(consumer.server.counters.duplicates).toBeGreaterThan(0);
    expect(consumer.server.counters.recordingsResumed).toBeGreaterThanOrEqual(1);
    expect(consumer.server.counters.recordingsOpened).toBe(1);
    expect(consumer.server.counters.packetsDelivered).toBe(20_000);
    expect(Math.max(...tap.frames.map((f) => f.bytes))).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  });

  it('resumes the same sink when the consumer drops the producer mid-stream', async () => {
    const consumer = await startConsumer();
    const packets = makePackets(6_000);
    const s = streamer(`ws://127.0.0.1:${consumer.port}/`);
    await feed(s, packets.slice(0, 3_000));
    await until(() => s.counters.acked >= 6, 5_000, 'six batches acknowledged');
    // Close every server-side socket abruptly (what a consumer's network failure looks like).
    terminateServerSide(consumer);
    await feed(s, packets.slice(3_000));
    await s.close();
    expectSame(consumer.sinks.get('rec-1')!.packets, packets);
    expect(consumer.sinks.size).toBe(1);
    expect(s.counters.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('carries the producer failure and leg statistics in CLOSE to sink.close(failure)', async () => {
    const consumer = await startConsumer();
    const stats = [
      {
        leg: 0,
        packets: 3,
        bytes: 516,
        lost: 0,
        duplicates: 0,
        malformed: 0,
        jitterMs: 1.5,
        codecs: ['PCMU'],
      },
    ];
    const s = streamer(`ws://127.0.0.1:${consumer.port}/`, { statistics: () => stats });
    await feed(s, makePackets(3));
    await s.close('media server went away');
    expect(consumer.sinks.get('rec-1')!.failure).toBe('media server went away');
    expect(consumer.closes[0]!.close).toMatchObject({
      status: 'failed',
      failure: 'media server went away',
      legs: stats,
    });
  });

  it('stays bounded and reports truncation when the consumer never acknowledges', async () => {
    const silent = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => silent.once('listening', resolve));
    cleanups.push(() => new Promise((resolve) => silent.close(resolve)));
    silent.on('connection', () => {});
    const failures: string[] = [];
    const s = streamer(`ws://127.0.0.1:${(silent.address() as { port: number }).port}/`, {
      maxBufferBytes: 256 * 1024,
      closeTimeoutMs: 200,
      onFailure: (reason) => failures.push(reason),
    });
    let peak = 0;
    const packets = makePackets(20_000);
    for (let i = 0; i < packets.length; i += 500) {
      for (const p of packets.slice(i, i + 500)) {
        s.write(p);
        peak = Math.max(peak, s.bufferedBytes);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(peak).toBeLessThanOrEqual(256 * 1024);
    expect(s.counters.dropped).toBeGreaterThan(0);
    expect(s.counters.dropped + s.counters.packetsSent).toBe(20_000);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/truncated/);
    await s.close();
    expect(s.state).toBe('failed');
    expect(failures).toHaveLength(1);
  });

  it('drops a connection that stops acknowledging and fails after bounded retries', async () => {
    const silent = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => silent.once('listening', resolve));
    cleanups.push(() => new Promise((resolve) => silent.close(resolve)));
    let connections = 0;
    silent.on('connection', () => connections++);
    const s = streamer(`ws://127.0.0.1:${(silent.address() as { port: number }).port}/`, {
      ackTimeoutMs: 100,
      reconnect: { initialDelayMs: 10, maxDelayMs: 20, maxAttempts: 2 },
    });
    await feed(s, makePackets(1_000));
    await until(() => s.state === 'failed', 5_000, 'the stream to fail');
    expect(s.failure).toMatch(
      /unreachable after 2 reconnect attempts.*no ACK within 100 ms.*1000 unacknowledged packets lost/,
    );
    expect(connections).toBe(3);
    expect(s.counters.resends).toBeGreaterThan(0);
    expect(s.bufferedBytes).toBe(0);
  });

  it('stays bounded when the consumer stops reading (TCP backpressure)', async () => {
    const consumer = await startConsumer();
    const tap = new WsTap(consumer.port);
    const tapPort = await tap.listen();
    cleanups.push(() => tap.close());
    tap.onFrame = (_f, count) => {
      if (count === 2) tap.stallClient = true;
    };
    const highWater = 64 * 1024;
    const s = streamer(`ws://127.0.0.1:${tapPort}/`, {
      maxBufferBytes: 512 * 1024,
      socketHighWaterBytes: highWater,
      closeTimeoutMs: 200,
    });
    let peakQueue = 0;
    let peakSocket = 0;
    for (let n = 0; n < 400 && s.counters.dropped === 0; n++) {
      for (const p of makePackets(500, 172, n * 1e6)) s.write(p);
      peakQueue = Math.max(peakQueue, s.bufferedBytes);
      peakSocket = Math.max(peakSocket, s.socketBufferedBytes);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(s.counters.dropped).toBeGreaterThan(0);
    expect(s.failure).toMatch(/truncated/);
    expect(peakQueue).toBeLessThanOrEqual(512 * 1024);
    expect(peakSocket).toBeLessThan(highWater + MAX_FRAME_BYTES);
  });

  it('gives up after a bounded number of reconnects when the consumer keeps closing', async () => {
    const hostile = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => hostile.once('listening', resolve));
    cleanups.push(() => new Promise((resolve) => hostile.close(resolve)));
    let connections = 0;
    hostile.on('connection', (ws) => {
      connections++;
      ws.close(CloseCode.INTERNAL_ERROR, 'busy');
    });
    const failures: string[] = [];
    const s = streamer(`ws://127.0.0.1:${(hostile.address() as { port: number }).port}/`, {
      reconnect: { initialDelayMs: 10, maxDelayMs: 40, maxAttempts: 3 },
      onFailure: (reason) => failures.push(reason),
    });
    await feed(s, makePackets(1_000));
    await until(() => s.state === 'failed', 5_000, 'the stream to fail');
    expect(failures[0]).toMatch(/unreachable after 3 reconnect attempts/);
    expect(s.counters.reconnects).toBe(3);
    expect(connections).toBe(4);
    expect(s.counters.dropped).toBe(1_000);
    s.write(makePackets(1)[0]!);
    expect(s.counters.dropped).toBe(1_001);
    await s.close();
  });

  it('gives up when nothing listens', async () => {
    const consumer = await startConsumer();
    const port = consumer.port;
    await consumer.server.close();
    const s = streamer(`ws://127.0.0.1:${port}/`, {
      reconnect: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 2 },
    });
    await until(() => s.state === 'failed', 5_000, 'the stream to fail');
    expect(s.failure).toMatch(/unreachable after 2/);
    expect(s.counters.reconnects).toBe(2);
  });

  it('stops within a bound when a producer connects while the open recordings are being finished', async () => {
    // Each sink takes 300 ms to close, as files being completed on a busy disk would.
    const consumer = await startConsumer({
      createSink: () =>
        Object.assign(new MemorySink(), {
          close: () => new Promise<void>((resolve) => setTimeout(resolve, 300)),
        }),
    });
    const url = `ws://127.0.0.1:${consumer.port}/`;
    const s = streamer(url, { reconnect: { initialDelayMs: 5, maxDelayMs: 5, maxAttempts: 1 } });
    await feed(s, makePackets(100));
    await until(() => s.counters.acked >= 1, 5_000, 'a batch to be acknowledged');
    const closed = consumer.server.close();
    // A producer arriving while the sink closes is turned away, not kept as a connection that
    // would hold the listening socket open.
    const late = new WebSocket(url);
    const outcome = await new Promise<string>((resolve) => {
      late.once('open', () => resolve('open'));
      late.once('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
      late.once('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? e.message));
    });
    late.terminate();
    expect(outcome).not.toBe('open');
    let stopped = false;
    void closed.then(() => (stopped = true));
    await until(() => stopped, 5_000, 'the sink server to stop');
    expect(consumer.server.address()).toBeUndefined();
  });

  it('closes a producer that sends bad frames with a code saying why and keeps serving others', async () => {
    const consumer = await startConsumer();
    const url = `ws://127.0.0.1:${consumer.port}/`;
    const good = streamer(url, { recordingId: 'good' });
    const packets = makePackets(4_000);
    await feed(good, packets.slice(0, 2_000));

    const closeCode = (send: (ws: WebSocket) => void) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        ws.on('open', () => send(ws));
        ws.on('close', (code) => resolve(code));
        ws.on('error', () => {});
        setTimeout(() => reject(new Error('not closed')), 3_000).unref();
      });
    const frame = (type: FrameType, seq: number, payload: Buffer) =>
      encodeFrame({ type, flags: 0, recordingId: 'bad', seq, fragmentIndex: 0, fragmentCount: 1, payload });

    expect(await closeCode((ws) => ws.send(Buffer.from('not a frame at all')))).toBe(
      CloseCode.PROTOCOL_ERROR,
    );
    expect(await closeCode((ws) => ws.send('{"hello":1}'))).toBe(CloseCode.UNSUPPORTED_DATA);
    expect(await closeCode((ws) => ws.send(Buffer.alloc(32_761)))).toBe(CloseCode.MESSAGE_TOO_BIG);
    expect(await closeCode((ws) => ws.send(Buffer.alloc(32_760)))).toBe(CloseCode.PROTOCOL_ERROR);
    expect(await closeCode((ws) => ws.send(frame(FrameType.BATCH, 1, Buffer.alloc(4))))).toBe(
      CloseCode.PROTOCOL_ERROR,
    );
    expect(await closeCode((ws) => ws.send(frame(FrameType.OPEN, 0, Buffer.from('{"x":'))))).toBe(
      CloseCode.PROTOCOL_ERROR,
    );
    const open = Buffer.from(
      JSON.stringify({ recordingId: 'bad', callId: 'c', legs: [], startedAt: 't', acked: 0 }),
    );
    expect(
      await closeCode((ws) => {
        ws.send(frame(FrameType.OPEN, 0, open));
        ws.send(frame(FrameType.BATCH, 5, Buffer.alloc(4)));
      }),
    ).toBe(CloseCode.PROTOCOL_ERROR);

    expect(consumer.server.counters.malformedFrames).toBe(6);
    expect(consumer.server.counters.oversizedFrames).toBe(1);
    await feed(good, packets.slice(2_000));
    await good.close();
    expectSame(consumer.sinks.get('good')!.packets, packets);
    expect(good.failure).toBeUndefined();
  });

  it('closes the sink of a producer that vanished, after the idle timeout', async () => {
    const consumer = await startConsumer({ idleTimeoutMs: 50 });
    const s = streamer(`ws://127.0.0.1:${consumer.port}/`, {
      reconnect: { initialDelayMs: 5_000, maxAttempts: 1 },
      closeTimeoutMs: 100,
    });
    await feed(s, makePackets(600));
    await until(() => s.counters.acked >= 1, 5_000, 'the first batch acknowledged');
    terminateServerSide(consumer);
    await until(() => consumer.sinks.get('rec-1')!.closed, 5_000, 'the sink closed after the idle timeout');
    expect(consumer.sinks.get('rec-1')!.failure).toMatch(/did not resume/);
    expect(consumer.server.openRecordings).toEqual([]);
  });

  it('requires the token when configured, as a Bearer header or a query parameter', async () => {
    const consumer = await startConsumer({ token: 's3cret' });
    const denied = streamer(`ws://127.0.0.1:${consumer.port}/`, { recordingId: 'denied' });
    await until(() => denied.state === 'failed', 5_000, 'the stream without the token to fail');
    expect(denied.failure).toMatch(/refused.*401/);
    expect(denied.counters.reconnects).toBe(0);
    expect(consumer.server.counters.rejectedConnections).toBe(1);

    const viaHeader = streamer(`ws://127.0.0.1:${consumer.port}/`, {
      recordingId: 'header',
      token: 's3cret',
    });
    const viaQuery = streamer(`ws://127.0.0.1:${consumer.port}/?token=s3cret`, { recordingId: 'query' });
    await feed(viaHeader, makePackets(10));
    await feed(viaQuery, makePackets(10));
    await Promise.all([viaHeader.close(), viaQuery.close()]);
    expect(consumer.sinks.get('header')!.packets).toHaveLength(10);
    expect(consumer.sinks.get('query')!.packets).toHaveLength(10);
  });

  it.skipIf(!hasOpenssl)('streams over wss:// with the consumer serving TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sink-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'));
    const consumer = await startConsumer({
      tls: { cert, key: readFileSync(join(dir, 'key.pem')) },
      path: '/sink',
    });
    const packets = makePackets(1_200);
    const s = streamer(`wss://127.0.0.1:${consumer.port}/sink`, { tls: { ca: cert } });
    await feed(s, packets);
    await s.close();
    expectSame(consumer.sinks.get('rec-1')!.packets, packets);
    expect(s.failure).toBeUndefined();
  });

  it('refuses a second producer for a recording id already streaming', async () => {
    const consumer = await startConsumer();
    const first = streamer(`ws://127.0.0.1:${consumer.port}/`);
    await feed(first, makePackets(10));
    await until(
      () => first.counters.acked >= 0 && consumer.opens.length === 1,
      5_000,
      "the first producer's open",
    );
    const second = streamer(`ws://127.0.0.1:${consumer.port}/`);
    await until(() => second.state === 'failed', 5_000, 'the second producer to fail');
    expect(second.failure).toMatch(/4409/);
    await first.close();
    expect(consumer.sinks.get('rec-1')!.packets).toHaveLength(10);
  });
});
