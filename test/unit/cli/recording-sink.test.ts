import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import alawmulaw from 'alawmulaw';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliDeps, runCli } from '../../../src/cli/index.js';
import { buildRtpPacket } from '../../../src/media/rtp/index.js';
import { readWav } from '../../../src/media/wav/index.js';
import { RecordingStreamer } from '../../../src/recording/stream/index.js';
import type { RecordedPacket, RecordingLeg } from '../../../src/recording/types.js';
import { until } from '../../support/until.js';
import { FakeIo, fakeDeps } from './fake-io.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const LEGS: RecordingLeg[] = [
  { index: 0, label: 'caller', payloadTypes: { 0: { encoding: 'PCMU', clockRate: 8000, channels: 1 } } },
  { index: 1, label: 'callee', payloadTypes: { 8: { encoding: 'PCMA', clockRate: 8000, channels: 1 } } },
];

/** One second of 20 ms packets of a tone on a leg, arriving exactly on time. */
function second(leg: 0 | 1, frequency: number): RecordedPacket[] {
  const packets: RecordedPacket[] = [];
  for (let i = 0; i < 50; i++) {
    const pcm = new Int16Array(160);
    for (let n = 0; n < 160; n++)
      pcm[n] = Math.round(8000 * Math.sin((2 * Math.PI * frequency * (i * 160 + n)) / 8000));
    const payload = leg === 0 ? alawmulaw.mulaw.encode(pcm) : alawmulaw.alaw.encode(pcm);
    packets.push({
      leg,
      arrivalMs: T0 + i * 20,
      data: buildRtpPacket({
        payloadType: leg === 0 ? 0 : 8,
        sequenceNumber: 1000 + i,
        timestamp: 5000 + i * 160,
        ssrc: 0x1000 + leg,
        payload,
      }),
    });
  }
  return packets;
}

describe('switchboard recording-sink', () => {
  let dir: string;
  let logs: Array<Record<string, unknown>>;
  let deps: CliDeps;
  let io: FakeIo;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-sink-'));
    logs = [];
    deps = {
      ...fakeDeps().deps,
      createLogger: () =>
        pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) }),
    };
    io = new FakeIo();
  });
  afterEach(async () => {
    if (io.code === undefined) {
      io.signal('SIGTERM');
      await io.exitedWith;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the command in-process and returns its ws:// URL from the "listening on" line. */
  async function startSink(...extra: string[]): Promise<string> {
    void runCli(['recording-sink', '--port', '0', '--dir', dir, ...extra], io, deps);
    await until(() => io.err.includes('listening on') || io.code !== undefined, 5000, 'the sink to listen');
    const match = /listening on (ws:\/\/127\.0\.0\.1:\d+\/\S*)\n/.exec(io.err);
    if (!match) throw new Error(`no listening line: ${io.err}`);
    return match[1]!;
  }

  it('writes a streamed two-leg recording as the same files a local recording has, with metadata', async () => {
    const url = await startSink('--path', '/rec', '--token', 't0k3n');
    expect(url).toMatch(/\/rec$/);
    const streamer = new RecordingStreamer({
      url,
      token: 't0k3n',
      recordingId: 'rec-42',
      callId: 'call-1@host',
      legs: LEGS,
      startedAt: new Date(T0).toISOString(),
      batchPackets: 30,
      batchIntervalMs: 20,
    });
    const packets = [...second(0, 440), ...second(1, 1000)].sort((a, b) => a.arrivalMs - b.arrivalMs);
    for (const packet of packets) streamer.write(packet);
    await streamer.close();
    expect(streamer.failure).toBeUndefined();

    await until(() => logs.some((l) => l['event'] === 'recording.closed'), 5000, 'the closed log line');
    const folder = join(dir, 'rec-42');
    expect(readdirSync(folder).sort()).toEqual([
      'leg-0.pcap',
      'leg-0.wav',
      'leg-1.pcap',
      'leg-1.wav',
      'metadata.json',
      'mixed.wav',
    ]);
    for (const leg of [0, 1]) {
      const wav = await readWav(join(folder, `leg-${leg}.wav`));
      expect(wav).toMatchObject({ sampleRate: 8000, channels: 1 });
      expect(wav.samples.length / 8000).toBeCloseTo(1, 6);
    }
    const mixed = await readWav(join(folder, 'mixed.wav'));
    expect(mixed).toMatchObject({ sampleRate: 8000, channels: 2 });
    expect(mixed.samples.length / 2 / 8000).toBeCloseTo(1, 6);
    // Left is leg 0 (440 Hz), right leg 1 (1 kHz): both carry audio.
    const energy = (channel: number) => {
      let sum = 0;
      for (let i = channel; i < mixed.samples.length; i += 2) sum += Math.abs(mixed.samples[i]!);
      return sum / (mixed.samples.length / 2);
    };
    expect(energy(0)).toBeGreaterThan(1000);
    expect(energy(1)).toBeGreaterThan(1000);
    // pcap: 24-byte global header, then per packet a 16-byte record header and an Ethernet/IP/UDP frame.
    const pcap = readFileSync(join(folder, 'leg-0.pcap'));
    expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(pcap.length).toBeGreaterThan(24 + 50 * (16 + 172));

    const metadata = JSON.parse(readFileSync(join(folder, 'metadata.json'), 'utf8'));
    expect(metadata).toMatchObject({
      id: 'rec-42',
      callId: 'call-1@host',
      status: 'stopped',
      startedAt: new Date(T0).toISOString(),
      stored: true,
      legs: LEGS,
      files: {
        mixed: 'mixed.wav',
        mixedSampleRate: 8000,
        legs: [
          { leg: 0, wav: 'leg-0.wav', pcap: 'leg-0.pcap', sampleRate: 8000 },
          { leg: 1, wav: 'leg-1.wav', pcap: 'leg-1.pcap', sampleRate: 8000 },
        ],
      },
      stream: { producerPackets: 100, producerDropped: 0, producerStatus: 'stopped', receivedPackets: 100 },
    });
    expect(metadata.files.durationSeconds).toBeCloseTo(1, 6);
    expect(metadata.statistics).toMatchObject([
      { leg: 0, packets: 50, lost: 0, codecs: ['PCMU'] },
      { leg: 1, packets: 50, lost: 0, codecs: ['PCMA'] },
    ]);

    const opened = logs.filter((l) => l['event'] === 'recording.opened');
    const closed = logs.filter((l) => l['event'] === 'recording.closed');
    expect(opened).toEqual([
      expect.objectContaining({ recordingId: 'rec-42', callId: 'call-1@host', legs: 2, directory: folder }),
    ]);
    expect(closed).toEqual([
      expect.objectContaining({ recordingId: 'rec-42', status: 'stopped', packets: 100, directory: folder }),
    ]);

    io.signal('SIGINT');
    expect(await io.exitedWith).toBe(0);
  });

  it('refuses a producer without the token, and an id that is not a folder name', async () => {
    const url = await startSink('--token', 'right');
    const quick = {
      reconnect: { maxAttempts: 1, initialDelayMs: 10 },
      closeTimeoutMs: 500,
      connectTimeoutMs: 1000,
    };
    const wrong = new RecordingStreamer({
      url,
      token: 'wrong',
      recordingId: 'r1',
      callId: 'c',
      legs: LEGS,
      ...quick,
    });
    for (const packet of second(0, 440).slice(0, 5)) wrong.write(packet);
    await wrong.close();
    expect(wrong.failure).toBeDefined();
    const evil = new RecordingStreamer({
      url,
      token: 'right',
      recordingId: '..',
      callId: 'c',
      legs: LEGS,
      ...quick,
    });
    for (const packet of second(0, 440).slice(0, 5)) evil.write(packet);
    await evil.close();
    expect(evil.failure).toBeDefined();
    expect(readdirSync(dir)).toEqual([]);
    expect(logs.some((l) => l['event'] === 'recording.refused' && l['recordingId'] === '..')).toBe(true);
    expect(existsSync(join(dir, '..', 'leg-0.wav'))).toBe(false);
  });

  it('closes an unfinished recording as failed on SIGTERM, with its metadata', async () => {
    const url = await startSink();
    const streamer = new RecordingStreamer({
      url,
      recordingId: 'rec-open',
      callId: 'c',
      legs: LEGS,
      startedAt: new Date(T0).toISOString(),
      batchIntervalMs: 10,
      reconnect: { maxAttempts: 1, initialDelayMs: 10 },
      closeTimeoutMs: 300,
    });
    for (const packet of second(0, 440)) streamer.write(packet);
    await until(() => streamer.counters.acked >= 1, 5000, 'the batch to be acknowledged');
    io.signal('SIGTERM');
    expect(await io.exitedWith).toBe(0);
    const metadata = JSON.parse(readFileSync(join(dir, 'rec-open', 'metadata.json'), 'utf8'));
    expect(metadata).toMatchObject({
      status: 'failed',
      failure: 'recording sink stopped before the producer closed the stream',
      stream: { closedWithoutClose: true, receivedPackets: 50 },
    });
    expect(metadata.files.legs[0].durationSeconds).toBeCloseTo(1, 6);
    await streamer.close();
  });

  it('refuses bad flags with exit 2', async () => {
    await runCli(
      ['recording-sink', '--dir', dir, '--port', '70000', '--listen', 'localhost', '--path', 'x'],
      io,
      deps,
    );
    expect(io.code).toBe(2);
    expect(io.err).toBe(
      'error: --listen localhost is not an IP address\n' +
        'error: --port must be 0-65535, not "70000"\n' +
        'error: --path must start with /, not "x"\n',
    );
  });

  it('needs --dir and has --help', async () => {
    await runCli(['recording-sink'], io, deps);
    expect(io.code).toBe(2);
    expect(io.err).toContain("required option '--dir <dir>' not specified");
    const help = new FakeIo();
    await runCli(['recording-sink', '--help'], help, deps);
    expect(help.code).toBe(0);
    expect(help.out).toContain('--token <token>');
  });
});
