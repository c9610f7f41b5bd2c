import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulaw } from 'alawmulaw';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/index.js';
import type { RecordingEvent } from '../../src/events/index.js';
import { NgClient } from '../../src/media/ng/index.js';
import { parseWav } from '../../src/media/wav/index.js';
import { type RunningNode, startNode } from '../../src/node.js';
import { FileRecording } from '../../src/recording/files/index.js';
import { RecordingSinkServer } from '../../src/recording/stream/index.js';
import { until } from '../support/until.js';
import { missingPeerReason, suiteTitle } from './peers.js';
import { type RtpengineProcess, rtpenginePeer, startRtpengine } from './rtpengine-process.js';
import { toneReport, type Wav } from './wav.js';

// The first seed end to end: a call carried by the real rtpengine (Debian's
// rtpengine-daemon), recorded through Switchboard's HTTP API (rtpengine forks both legs to the
// recorder over ng `subscribe request`/`subscribe answer`); each party's tone must land in its own
// channel; the recording stops on request, and by itself when the call ends under it.
const bin = rtpenginePeer();
const missing = bin ? undefined : missingPeerReason('rtpengine', 'rtpengine-daemon');

// Ranges of their own: other interop files run rtpengine and recorders at the same time.
const ENGINE_PORTS = { min: 46000, max: 46499 };
const RECORDER_PORTS = { min: 46500, max: 46999 };
const CALLER_HZ = 440;
const CALLEE_HZ = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sdp(port: number): string {
  return (
    'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
    `m=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`
  );
}

function mediaPort(text: string): number {
  return Number(/^m=audio (\d+) /m.exec(text)?.[1]);
}

async function udpSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/** A call through rtpengine between two local sockets, each sending its own tone as PCMU. */
class TestCall {
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(
    readonly callId: string,
    readonly caller: { socket: Socket; tag: string; towards: number; hz: number },
    readonly callee: { socket: Socket; tag: string; towards: number; hz: number },
  ) {}

  static async setUp(ng: NgClient, callId: string): Promise<TestCall> {
    const a = await udpSocket();
    const b = await udpSocket();
    const offer = await ng.offer({
      callId,
      fromTag: 'caller',
      sdp: sdp(a.address().port),
      replace: ['origin'],
    });
    const answer = await ng.answer({
      callId,
      fromTag: 'caller',
      toTag: 'callee',
      sdp: sdp(b.address().port),
      replace: ['origin'],
    });
    return new TestCall(
      callId,
      { socket: a, tag: 'caller', towards: mediaPort(answer.sdp), hz: CALLER_HZ },
      { socket: b, tag: 'callee', towards: mediaPort(offer.sdp), hz: CALLEE_HZ },
    );
  }

  /** 50 packets/s each way, 160 samples of each party's tone. */
  startTalking(): void {
    this.timer = setInterval(() => {
      this.seq++;
      for (const [party, ssrc] of [
        [this.caller, 0x11111111],
        [this.callee, 0x22222222],
      ] as const) {
        const samples = new Int16Array(160);
        for (let i = 0; i < 160; i++) {
          const n = this.seq * 160 + i;
          samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * party.hz * n) / 8000));
        }
        const header = Buffer.alloc(12);
        header[0] = 0x80;
        header.writeUInt16BE(this.seq & 0xffff, 2);
        header.writeUInt32BE((this.seq * 160) >>> 0, 4);
        header.writeUInt32BE(ssrc, 8);
        party.socket.send(
          Buffer.concat([header, Buffer.from(mulaw.encode(samples))]),
          party.towards,
          '127.0.0.1',
        );
      }
    }, 20);
  }

  stopTalking(): void {
    if (this.timer) clearInterval(this.timer);
  }

  close(): void {
    this.stopTalking();
    this.caller.socket.close();
    this.callee.socket.close();
  }
}

/**
 * A TCP relay in front of the consumer whose connections can be cut, to force the producer to
 * reconnect and resend mid-recording.
 */
async function cuttableRelay(
  targetPort: number,
): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<TcpSocket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function channel(wav: { channels: number; sampleRate: number; samples: Int16Array }, index: number): Wav {
  const frames = wav.samples.length / wav.channels;
  const out = new Int16Array(frames);
  for (let i = 0; i < frames; i++) out[i] = wav.samples[i * wav.channels + index]!;
  return { sampleRate: wav.sampleRate, channels: 1, samples: out };
}

describe.skipIf(!bin)(
  suiteTitle('recording a call carried by rtpengine, through the HTTP API', [missing]),
  () => {
    let engine: RtpengineProcess;
    let node: RunningNode;
    let ng: NgClient;
    let api: string;
    let key: string;
    let dataDir: string;
    const events: RecordingEvent[] = [];

    beforeAll(async () => {
      engine = await startRtpengine(bin!, { portMin: ENGINE_PORTS.min, portMax: ENGINE_PORTS.max });
      dataDir = mkdtempSync(join(tmpdir(), 'sb-rec-'));
      const config = defaultConfig();
      config.dataDir = dataDir;
      config.sip.listen = ['127.0.0.1'];
      config.sip.port = 0;
      config.sip.transports = ['udp'];
      config.api.port = 0;
      config.recording.portMin = RECORDER_PORTS.min;
      config.recording.portMax = RECORDER_PORTS.max;
      config.recording.mediaServer = engine.ngAddress;
      config.recording.mediaTimeout = 1;
      // Batches larger than one 32 KB frame, so streaming must fragment them.
      config.recording.streamBatchPackets = 250;
      config.recording.streamBatchInterval = 2000;
      node = await startNode(config, pino({ level: 'silent' }));
      node.events.subscribe('recording.*', (e) => events.push(e));
      key = (await node.services!.store.apiKeys.createApiKey('test')).key;
      api = `http://127.0.0.1:${node.api!.port}`;
      ng = new NgClient(engine.ngAddress);
    }, 30_000);

    afterAll(async () => {
      await ng?.close();
      await node?.stop();
      await engine?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    async function call(
      method: string,
      path: string,
      body?: unknown,
      // biome-ignore lint/suspicious/noExplicitAny: the API's JSON is read field by field in assertions
    ): Promise<{ status: number; json: any }> {
      const response = await fetch(`${api}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : undefined };
    }

    it('records each party in its own channel and stops on request', async () => {
      const testCall = await TestCall.setUp(ng, `rec-api-${Date.now()}`);
      try {
        testCall.startTalking();
        await sleep(300);
        const started = await call('POST', '/v1/recordings', { callId: testCall.callId });
        expect(started.status, JSON.stringify(started.json)).toBe(201);
        const id: string = started.json.id;
        expect(started.json.legs).toHaveLength(2);
        // rtpengine says which party sends on which label (media-labels → from-tag).
        const tags = started.json.legs.map((l: { participant?: { name?: string } }) => l.participant?.name);
        expect(tags.sort()).toEqual(['callee', 'caller']);
        expect(events.map((e) => [e.type, e.recordingId])).toContainEqual(['recording.started', id]);
        const again = await call('POST', '/v1/recordings', { callId: testCall.callId });
        expect(again.status).toBe(409);
        expect(again.json.error.message).toContain('already being recorded');

        await sleep(2000);
        const stopped = await call('POST', `/v1/recordings/${id}/stop`);
        expect(stopped.status).toBe(200);
        expect(stopped.json.status).toBe('stopped');
        expect((await call('POST', `/v1/recordings/${id}/stop`)).status).toBe(409);

        const metadata = (await call('GET', `/v1/recordings/${id}/metadata`)).json;
        expect(metadata.reason).toBe('api');
        for (const leg of metadata.statistics) {
          expect(leg.packets).toBeGreaterThan(80); // ~2 s at 50 packets/s
          expect(leg.lost).toBe(0);
          expect(leg.codecs).toEqual(['PCMU']);
        }

        const audio = await fetch(`${api}/v1/recordings/${id}/audio`, { headers: { 'x-api-key': key } });
        expect(audio.status).toBe(200);
        expect(audio.headers.get('content-type')).toContain('audio/wav');
        const mixed = parseWav(Buffer.from(await audio.arrayBuffer()));
        expect(mixed.channels).toBe(2);
        const legs = metadata.legs as Array<{ index: number; participant: { name: string } }>;
        for (const leg of legs) {
          const expected = leg.participant.name === 'caller' ? CALLER_HZ : CALLEE_HZ;
          const other = expected === CALLER_HZ ? CALLEE_HZ : CALLER_HZ;
          const samples = channel(mixed, leg.index);
          const mine = toneReport(samples, expected);
          expect(mine.toneFrames, `channel ${leg.index} carries ${expected} Hz`).toBeGreaterThan(80);
          expect(toneReport(samples, other).toneFrames).toBe(0);
        }
        const pcap = await fetch(`${api}/v1/recordings/${id}/audio?leg=1&format=pcap`, {
          headers: { 'x-api-key': key },
        });
        expect(pcap.status).toBe(200);
        expect(Buffer.from(await pcap.arrayBuffer()).readUInt32LE(0)).toBe(0xa1b2c3d4);
        // The recording service's Prometheus metrics.
        const metrics = await (await fetch(`${api}/metrics`)).text();
        expect(metrics).toMatch(/^switchboard_recordings_started_total\{source="media-server"\} [1-9]/m);
        expect(metrics).toMatch(/^switchboard_recordings_ended_total\{status="stopped"\} [1-9]/m);
      } finally {
        testCall.close();
      }
    }, 30_000);

    it('stops by itself when the call ends under it, and says why', async () => {
      const testCall = await TestCall.setUp(ng, `rec-end-${Date.now()}`);
      try {
        testCall.startTalking();
        const started = await call('POST', '/v1/recordings', { callId: testCall.callId, store: true });
        expect(started.status).toBe(201);
        const id: string = started.json.id;
        await sleep(800);
        testCall.stopTalking();
        await ng.delete({ callId: testCall.callId });
        await until(
          () => events.some((e) => e.recordingId === id && e.type !== 'recording.started'),
          8000,
          'the recording to stop after the call ended',
          100,
        );
        const ended = events.find((e) => e.recordingId === id && e.type !== 'recording.started');
        expect(ended).toMatchObject({ type: 'recording.stopped', reason: 'media-timeout' });
        const summary = (await call('GET', `/v1/recordings/${id}`)).json;
        expect(summary.status).toBe('stopped');
        const listed = (await call('GET', `/v1/recordings?callId=${encodeURIComponent(testCall.callId)}`))
          .json;
        expect(listed.map((r: { id: string }) => r.id)).toEqual([id]);
        expect((await call('DELETE', `/v1/recordings/${id}`)).status).toBe(204);
        expect((await call('GET', `/v1/recordings/${id}`)).status).toBe(404);
      } finally {
        testCall.close();
      }
    }, 30_000);

    it('leaves paused time silent in the files, keeping their true duration', async () => {
      const testCall = await TestCall.setUp(ng, `rec-pause-${Date.now()}`);
      try {
        testCall.startTalking();
        const started = await call('POST', '/v1/recordings', { callId: testCall.callId });
        const id: string = started.json.id;
        await sleep(600);
        expect((await call('POST', `/v1/recordings/${id}/pause`)).json.status).toBe('paused');
        expect((await call('POST', `/v1/recordings/${id}/pause`)).json.status).toBe('paused');
        await sleep(1000);
        expect((await call('POST', `/v1/recordings/${id}/resume`)).json.status).toBe('active');
        await sleep(600);
        await call('POST', `/v1/recordings/${id}/stop`);
        const metadata = (await call('GET', `/v1/recordings/${id}/metadata`)).json;
        expect(metadata.pauses).toHaveLength(1);
        expect(metadata.pauses[0].resumedAt).toBeDefined();
        expect(metadata.pausedPackets).toBeGreaterThan(60); // ~1 s of two legs at 50 packets/s
        const mixed = parseWav(readFileSync(join(dataDir, 'recordings', id, 'mixed.wav')));
        const seconds = mixed.samples.length / mixed.channels / mixed.sampleRate;
        expect(seconds).toBeGreaterThan(1.8);
        const leg0 = channel(mixed, 0);
        const pausedSecond = leg0.samples.subarray(Math.round(0.8 * 8000), Math.round(1.4 * 8000));
        expect(Math.max(...pausedSecond.map(Math.abs))).toBe(0);
      } finally {
        testCall.close();
      }
    }, 30_000);

    it('streams to a 32 KB-frame consumer that rebuilds the same files, across a forced reconnect', async () => {
      const sinkDir = mkdtempSync(join(tmpdir(), 'sb-sink-'));
      const sink = new RecordingSinkServer({
        createSink: (open) =>
          new FileRecording({
            directory: join(sinkDir, open.recordingId),
            recordingId: open.recordingId,
            legs: open.legs,
            startMs: Date.parse(open.startedAt),
          }),
      });
      const { port: sinkPort } = await sink.listen();
      const relay = await cuttableRelay(sinkPort);
      const testCall = await TestCall.setUp(ng, `rec-stream-${Date.now()}`);
      try {
        testCall.startTalking();
        const started = await call('POST', '/v1/recordings', {
          callId: testCall.callId,
          store: true,
          streamUrl: `ws://127.0.0.1:${relay.port}/`,
        });
        expect(started.status, JSON.stringify(started.json)).toBe(201);
        const id: string = started.json.id;
        await sleep(2600);
        relay.cut(); // the consumer's connection drops with a batch in flight
        await sleep(2600);
        const stopped = await call('POST', `/v1/recordings/${id}/stop`);
        expect(stopped.json.status, JSON.stringify(stopped.json)).toBe('stopped');
        const metadata = (await call('GET', `/v1/recordings/${id}/metadata`)).json;
        expect(metadata.stream.reconnects).toBeGreaterThanOrEqual(1);
        expect(metadata.stream.dropped).toBe(0);
        expect(metadata.stream.maxFrameBytes).toBeLessThanOrEqual(32_768);
        expect(sink.counters.maxFrameBytes).toBeLessThanOrEqual(32_768);
        expect(sink.counters.oversizedFrames).toBe(0);
        expect(sink.counters.recordingsResumed).toBeGreaterThanOrEqual(1);
        expect(sink.counters.recordingsClosed).toBe(1);
        // Batches of 250 packets do not fit one frame: they arrived in fragments.
        expect(sink.counters.framesReceived).toBeGreaterThan(sink.counters.batchesDelivered);
        expect(sink.counters.packetsDelivered).toBe(
          metadata.statistics.reduce((n: number, s: { packets: number }) => n + s.packets, 0),
        );
        const local = join(dataDir, 'recordings', id);
        for (const file of ['leg-0.wav', 'leg-1.wav', 'leg-0.pcap', 'leg-1.pcap', 'mixed.wav']) {
          const mine = readFileSync(join(local, file));
          expect(mine.length, file).toBeGreaterThan(1000);
          expect(readFileSync(join(sinkDir, id, file)).equals(mine), `${file} identical`).toBe(true);
        }
      } finally {
        testCall.close();
        await relay.close();
        await sink.close();
        rmSync(sinkDir, { recursive: true, force: true });
      }
    }, 30_000);

    it('marks the recording failed, saying why, when its stream consumer refuses it', async () => {
      const sink = new RecordingSinkServer({
        token: 'not-the-nodes-token',
        createSink: () => {
          throw new Error('never opened');
        },
      });
      const { port: sinkPort } = await sink.listen();
      const testCall = await TestCall.setUp(ng, `rec-refused-${Date.now()}`);
      try {
        testCall.startTalking();
        const started = await call('POST', '/v1/recordings', {
          callId: testCall.callId,
          streamUrl: `ws://127.0.0.1:${sinkPort}/`,
        });
        const id: string = started.json.id;
        await sleep(1000);
        const stopped = await call('POST', `/v1/recordings/${id}/stop`);
        expect(stopped.json.status).toBe('failed');
        expect(stopped.json.failure).toContain(`stream to ws://127.0.0.1:${sinkPort}/`);
        expect(events.find((e) => e.recordingId === id && e.type === 'recording.failed')?.failure).toContain(
          '401',
        );
        // The local files are complete all the same.
        const metadata = (await call('GET', `/v1/recordings/${id}/metadata`)).json;
        expect(metadata.statistics.every((l: { packets: number }) => l.packets > 30)).toBe(true);
        expect(sink.counters.rejectedConnections).toBeGreaterThanOrEqual(1);
      } finally {
        testCall.close();
        await sink.close();
      }
    }, 30_000);

    it('answers 404 for a call the media server does not carry, and 401 without a key', async () => {
      const unknown = await call('POST', '/v1/recordings', { callId: 'no-such-call' });
      expect(unknown.status).toBe(404);
      expect(unknown.json.error.message).toContain('does not know that call');
      const anonymous = await fetch(`${api}/v1/recordings`);
      expect(anonymous.status).toBe(401);
    });
  },
);
