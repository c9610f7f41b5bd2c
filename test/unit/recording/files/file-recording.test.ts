import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRtpPacket } from '../../../../src/media/rtp/index.js';
import { readWav, type WavData } from '../../../../src/media/wav/index.js';
import { FileRecording, type FileRecordingResult } from '../../../../src/recording/files/index.js';
import type { RecordedPacket, RecordingLeg } from '../../../../src/recording/types.js';
import { goertzel, rms } from '../../media/codec/tone.js';
import { byArrival, toneStream } from './streams.js';

const T0 = 1_700_000_000_000;

/** Leg 0: a 440 Hz PCMU tone from T0, the plain stream most tests start from. */
const pcmuTone = (seconds = 1) =>
  toneStream({ leg: 0, codec: 'PCMU', payloadType: 0, frequency: 440, seconds, startMs: T0 });

let tshark: string | undefined;
try {
  tshark = execFileSync('which', ['tshark']).toString().trim() || undefined;
} catch {
  tshark = undefined;
}
let root: string;
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'file-recording-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const legs: RecordingLeg[] = [
  {
    index: 0,
    label: 'caller',
    payloadTypes: {
      0: { encoding: 'PCMU', clockRate: 8000, channels: 1 },
      101: { encoding: 'TELEPHONE-EVENT', clockRate: 8000, channels: 1 },
    },
  },
  { index: 1, label: 'callee', payloadTypes: { 8: { encoding: 'PCMA', clockRate: 8000, channels: 1 } } },
];

async function record(
  packets: RecordedPacket[],
  recordingLegs: RecordingLeg[] = legs,
): Promise<{ result: FileRecordingResult; recording: FileRecording }> {
  const recording = await FileRecording.open({
    directory: join(root, `rec-${++n}`),
    recordingId: `rec-${n}`,
    legs: recordingLegs,
    startMs: T0,
  });
  for (const p of packets) recording.write(p);
  const result = await recording.finish();
  return { result, recording };
}

function channel(wav: WavData, ch: number, fromS = 0, toS = Number.POSITIVE_INFINITY): Int16Array {
  const frames = wav.samples.length / wav.channels;
  const from = Math.round(fromS * wav.sampleRate);
  const to = Math.min(frames, Math.round(toS * wav.sampleRate));
  const out = new Int16Array(Math.max(0, to - from));
  for (let i = from; i < to; i++) out[i - from] = wav.samples[i * wav.channels + ch]!;
  return out;
}

describe('FileRecording', () => {
  it('writes each leg and a two-channel mix carrying leg 0 left and leg 1 right', async () => {
    const packets = byArrival(
      toneStream({ leg: 0, codec: 'PCMU', payloadType: 0, frequency: 440, seconds: 3, startMs: T0 }),
      toneStream({ leg: 1, codec: 'PCMA', payloadType: 8, frequency: 1000, seconds: 3, startMs: T0 + 7 }),
    );
    const { result } = await record(packets);
    expect(result.failure).toBeUndefined();
    const mixed = await readWav(result.mixedPath);
    expect([mixed.channels, mixed.sampleRate]).toEqual([2, 8000]);
    expect(result.mixedDurationSeconds).toBeCloseTo(3.007, 2);
    const left = channel(mixed, 0, 0.2, 2.8);
    const right = channel(mixed, 1, 0.2, 2.8);
    expect(goertzel(left, 440, 8000)).toBeGreaterThan(7000);
    expect(goertzel(left, 1000, 8000)).toBeLessThan(100);
    expect(goertzel(right, 1000, 8000)).toBeGreaterThan(7000);
    expect(goertzel(right, 440, 8000)).toBeLessThan(100);

    const leg0 = await readWav(result.legs[0]!.wavPath);
    expect([leg0.channels, leg0.sampleRate, leg0.samples.length]).toEqual([1, 8000, 24000]);
    expect(result.legs[0]).toMatchObject({
      packets: 150,
      lost: 0,
      duplicates: 0,
      malformed: 0,
      codecs: ['PCMU'],
    });
    expect(result.legs[1]).toMatchObject({ packets: 150, lost: 0, codecs: ['PCMA'], firstPacketMs: T0 + 7 });
    expect(result.legs[1]!.durationSeconds).toBeCloseTo(3.007, 3);
    expect(result.legs[0]!.jitterMs).toBe(0);
    // The pcap holds every packet as received.
    const pcap = await readFile(result.legs[0]!.pcapPath);
    expect(pcap.length).toBe(24 + 150 * (16 + 28 + 172));
  });

  it('mixes a G.722 leg at 16 kHz with an upsampled G.711 leg', async () => {
    const g722Legs: RecordingLeg[] = [
      { index: 0, label: 'a', payloadTypes: { 9: { encoding: 'G722', clockRate: 8000, channels: 1 } } },
      { index: 1, label: 'b', payloadTypes: { 0: { encoding: 'PCMU', clockRate: 8000, channels: 1 } } },
    ];
    const packets = byArrival(
      toneStream({ leg: 0, codec: 'G722', payloadType: 9, frequency: 1000, seconds: 2, startMs: T0 }),
      toneStream({ leg: 1, codec: 'PCMU', payloadType: 0, frequency: 440, seconds: 2, startMs: T0 }),
    );
    const { result } = await record(packets, g722Legs);
    expect(result.mixedSampleRate).toBe(16000);
    const leg0 = await readWav(result.legs[0]!.wavPath);
    expect([leg0.sampleRate, leg0.samples.length]).toEqual([16000, 32000]);
    const mixed = await readWav(result.mixedPath);
    expect(mixed.sampleRate).toBe(16000);
    expect(mixed.samples.length / 2).toBe(32000);
    const left = channel(mixed, 0, 0.2, 1.8);
    const right = channel(mixed, 1, 0.2, 1.8);
    expect(goertzel(left, 1000, 16000)).toBeGreaterThan(7000);
    expect(goertzel(left, 440, 16000)).toBeLessThan(200);
    expect(goertzel(right, 440, 16000)).toBeGreaterThan(7000);
    expect(goertzel(right, 1000, 16000)).toBeLessThan(200);
  });

  it('keeps the true duration across a 1 s loss, with silence there', async () => {
    const leg0 = pcmuTone(3);
    const lossy = leg0.filter((_, i) => i < 50 || i >= 100);
    const { result } = await record(
      byArrival(
        lossy,
        toneStream({ leg: 1, codec: 'PCMA', payloadType: 8, frequency: 1000, seconds: 3, startMs: T0 }),
      ),
    );
    expect(result.legs[0]).toMatchObject({ packets: 100, lost: 50 });
    const wav = await readWav(result.legs[0]!.wavPath);
    expect(wav.samples.length).toBe(24000);
    expect(rms(wav.samples.subarray(8000, 16000))).toBe(0);
    expect(goertzel(wav.samples.subarray(16000, 24000), 440, 8000)).toBeGreaterThan(7000);
    const mixed = await readWav(result.mixedPath);
    expect(rms(channel(mixed, 0, 1.0, 2.0))).toBe(0);
    expect(goertzel(channel(mixed, 1, 1.0, 2.0), 1000, 8000)).toBeGreaterThan(7000);
    expect(result.mixedDurationSeconds).toBeCloseTo(3, 3);
  });

  it('puts reordered packets in place and drops duplicates', async () => {
    const clean = pcmuTone(2);
    const messy: RecordedPacket[] = [];
    for (let i = 0; i < clean.length; i++) {
      // Every 10th packet arrives 50 ms late (after the next two); every 7th twice.
      const p = clean[i]!;
      messy.push(i % 10 === 3 ? { ...p, arrivalMs: p.arrivalMs + 50 } : p);
      if (i % 7 === 0) messy.push({ ...p, arrivalMs: p.arrivalMs + 1 });
    }
    messy.sort((a, b) => a.arrivalMs - b.arrivalMs);
    const { result: cleanResult } = await record(clean, [legs[0]!]);
    const { result } = await record(messy, [legs[0]!]);
    expect(result.legs[0]).toMatchObject({ packets: 100 + 15, duplicates: 15, lost: 0, late: 0 });
    const a = await readWav(cleanResult.legs[0]!.wavPath);
    const b = await readWav(result.legs[0]!.wavPath);
    expect(b.samples).toEqual(a.samples);
  });

  it('places a leg that starts 2 s later 2 s into the recording', async () => {
    const packets = byArrival(
      toneStream({ leg: 0, codec: 'PCMU', payloadType: 0, frequency: 440, seconds: 4, startMs: T0 }),
      toneStream({ leg: 1, codec: 'PCMA', payloadType: 8, frequency: 1000, seconds: 2, startMs: T0 + 2000 }),
    );
    const { result } = await record(packets);
    const mixed = await readWav(result.mixedPath);
    expect(mixed.samples.length / 2).toBe(32000);
    expect(rms(channel(mixed, 1, 0, 2.0))).toBe(0);
    const rightTone = channel(mixed, 1, 2.0, 4.0);
    expect(goertzel(rightTone, 1000, 8000)).toBeGreaterThan(7000);
    // The first tone sample is right at 2.000 s.
    expect(Math.abs(mixed.samples[16000 * 2 + 1]!) + Math.abs(mixed.samples[16001 * 2 + 1]!)).toBeGreaterThan(
      0,
    );
    expect(goertzel(channel(mixed, 0, 0, 4.0), 440, 8000)).toBeGreaterThan(7000);
    const leg1 = await readWav(result.legs[1]!.wavPath);
    expect(leg1.samples.length).toBe(32000);
    expect(rms(leg1.samples.subarray(0, 16000))).toBe(0);
  });

  it('measures jitter as RFC 3550 §A.8 gives by hand', async () => {
    const stream = pcmuTone(2);
    const jittered = stream.map((p, i) => ({ ...p, arrivalMs: p.arrivalMs + (i % 2) * 8 }));
    const { result } = await record(jittered, [legs[0]!]);
    let j = 0;
    for (let i = 1; i < 100; i++) j += (64 - j) / 16; // |D| = 8 ms = 64 units every packet
    expect(result.legs[0]!.jitterMs).toBeCloseTo((j * 1000) / 8000, 6);
    expect(result.legs[0]!.durationSeconds).toBeCloseTo(2, 6);
  });

  it('counts telephone events, lists DTMF digits and keeps events out of the audio', async () => {
    const audio = pcmuTone();
    const events: RecordedPacket[] = [];
    const ssrc = 0x1000;
    let seq = 5000;
    for (const [k, end] of [
      [1, false],
      [2, false],
      [3, true],
      [3, true],
      [3, true],
    ] as const) {
      events.push({
        leg: 0,
        arrivalMs: T0 + 500 + k * 20 + 1,
        data: buildRtpPacket({
          payloadType: 101,
          sequenceNumber: seq++,
          timestamp: 12345,
          ssrc,
          payload: Uint8Array.from([5, (end ? 0x80 : 0) | 10, (k * 160) >> 8, (k * 160) & 0xff]),
        }),
      });
    }
    const { result: plain } = await record(audio, [legs[0]!]);
    const { result } = await record(byArrival(audio, events), [legs[0]!]);
    expect(result.dtmf).toEqual([{ leg: 0, event: 5, digit: '5', atMs: 521, durationMs: 60 }]);
    expect(result.legs[0]).toMatchObject({ packets: 55, telephoneEvents: 5, malformed: 0 });
    expect(result.legs[0]!.codecs.sort()).toEqual(['PCMU', 'TELEPHONE-EVENT']);
    expect((await readWav(result.legs[0]!.wavPath)).samples).toEqual(
      (await readWav(plain.legs[0]!.wavPath)).samples,
    );
    expect((await readFile(result.legs[0]!.pcapPath)).length).toBe(24 + 50 * 216 + 5 * (16 + 28 + 16));
  });

  it('counts broken packets and unknown payload types as malformed, keeps them out of the WAVs', async () => {
    const audio = pcmuTone();
    const junk: RecordedPacket[] = [
      { leg: 0, arrivalMs: T0 + 101, data: Buffer.from([1, 2, 3]) },
      {
        leg: 0,
        arrivalMs: T0 + 201,
        data: buildRtpPacket({
          payloadType: 99,
          sequenceNumber: 1,
          timestamp: 1,
          ssrc: 1,
          payload: new Uint8Array(160).fill(0x55),
        }),
      },
      { leg: 7, arrivalMs: T0 + 202, data: Buffer.from([0x80]) }, // no such leg: ignored
    ];
    const { result } = await record(byArrival(audio, junk), [legs[0]!]);
    expect(result.legs[0]).toMatchObject({ packets: 52, malformed: 2, lost: 0 });
    const wav = await readWav(result.legs[0]!.wavPath);
    expect(wav.samples.length).toBe(8000);
    expect(goertzel(wav.samples, 440, 8000)).toBeGreaterThan(7000);
  });

  it('re-anchors on an SSRC change and on a timestamp jump, keeping true durations', async () => {
    const first = pcmuTone();
    const newSource = toneStream({
      leg: 0,
      codec: 'PCMU',
      payloadType: 0,
      frequency: 440,
      seconds: 1,
      startMs: T0 + 1000,
      ssrc: 0xabcdef,
      firstSeq: 60000,
      firstTimestamp: 0xfffff000,
    });
    const jumped = toneStream({
      leg: 0,
      codec: 'PCMU',
      payloadType: 0,
      frequency: 440,
      seconds: 1,
      startMs: T0 + 2000,
      ssrc: 0xabcdef,
      firstSeq: 60050,
      firstTimestamp: (0xfffff000 + 8000 + 20 * 8000) >>> 0, // +20 s
    });
    const { result } = await record([...first, ...newSource, ...jumped], [legs[0]!]);
    expect(result.legs[0]!.durationSeconds).toBeCloseTo(3, 6);
    expect(result.legs[0]!.lost).toBe(0);
    const wav = await readWav(result.legs[0]!.wavPath);
    for (let s = 0; s < 3; s++) {
      expect(goertzel(wav.samples.subarray(s * 8000, (s + 1) * 8000), 440, 8000)).toBeGreaterThan(7000);
    }
  });

  it('keeps the length of a hold whose timestamps did not advance', async () => {
    const before = pcmuTone();
    // 3 s of hold, then timestamps and sequence numbers carry on as if no time had passed.
    const after = toneStream({
      leg: 0,
      codec: 'PCMU',
      payloadType: 0,
      frequency: 440,
      seconds: 1,
      startMs: T0 + 4000,
      firstSeq: 1050,
      firstTimestamp: 5000 + 50 * 160,
    });
    const { result } = await record([...before, ...after], [legs[0]!]);
    expect(result.legs[0]!.durationSeconds).toBeCloseTo(5, 6);
    const wav = await readWav(result.legs[0]!.wavPath);
    expect(rms(wav.samples.subarray(8000, 32000))).toBe(0);
  });

  it('records an Opus leg at 48 kHz', async () => {
    const opusLeg: RecordingLeg = {
      index: 0,
      label: 'webrtc',
      payloadTypes: { 111: { encoding: 'OPUS', clockRate: 48000, channels: 2 } },
    };
    const packets: RecordedPacket[] = [];
    for (let i = 0; i < 50; i++) {
      packets.push({
        leg: 0,
        arrivalMs: T0 + i * 20,
        // TOC only (RFC 6716 §3.1, config 1, 20 ms): decoded as concealment, i.e. near silence.
        data: buildRtpPacket({
          payloadType: 111,
          sequenceNumber: i,
          timestamp: i * 960,
          ssrc: 9,
          payload: Uint8Array.from([0x08]),
        }),
      });
    }
    const { result } = await record(packets, [opusLeg]);
    expect(result.legs[0]).toMatchObject({ sampleRate: 48000, codecs: ['OPUS'], undecodable: 0 });
    expect(result.legs[0]!.durationSeconds).toBeCloseTo(1, 6);
    expect(result.mixedSampleRate).toBe(48000);
    expect(result.mixedDurationSeconds).toBeCloseTo(1, 6);
  });

  it('is safe to close twice and marks a disk failure instead of throwing', async () => {
    const file = join(root, 'not-a-directory');
    await writeFile(file, 'x');
    const recording = new FileRecording({
      directory: join(file, 'sub'),
      recordingId: 'bad',
      legs,
      startMs: T0,
    });
    for (const p of pcmuTone()) {
      recording.write(p);
    }
    await recording.close();
    await recording.close('second');
    const result = await recording.finish();
    expect(result.failure).toMatch(/cannot create/);
    expect(recording.failed).toBe(true);
    expect(result.legs[0]!.packets).toBe(50);
  });

  it('keeps the failure reason given to close()', async () => {
    const recording = new FileRecording({
      directory: join(root, 'reason'),
      recordingId: 'r',
      legs,
      startMs: T0,
    });
    await recording.close('media server went away');
    const result = await recording.finish();
    expect(result.failure).toBe('media server went away');
    expect(result.legs.map((l) => l.durationSeconds)).toEqual([0, 0]);
    expect((await readWav(result.mixedPath)).samples.length).toBe(0);
  });
  it('gives a silent right channel and an empty leg file when leg 1 never sends', async () => {
    const { result } = await record(
      toneStream({ leg: 0, codec: 'PCMU', payloadType: 0, frequency: 440, seconds: 3, startMs: T0 }),
    );
    const mixed = await readWav(result.mixedPath);
    expect(mixed.samples.length / 2).toBe(24000);
    expect(rms(channel(mixed, 1))).toBe(0);
    expect(goertzel(channel(mixed, 0, 0.1, 2.9), 440, 8000)).toBeGreaterThan(7000);
    expect(result.legs[1]).toMatchObject({ packets: 0, durationSeconds: 0, lost: 0 });
    expect((await stat(result.legs[1]!.wavPath)).size).toBe(44);
  });

  // Needs Debian's `tshark` package; skipped where it is not installed.
  it.skipIf(!tshark)('writes leg pcaps that tshark decodes as RTP', async () => {
    const { result } = await record(
      toneStream({ leg: 0, codec: 'PCMU', payloadType: 0, frequency: 440, seconds: 1, startMs: T0 }),
      [legs[0]!],
    );
    const out = execFileSync(
      tshark!,
      [
        '-r',
        result.legs[0]!.pcapPath,
        '-d',
        'udp.port==50000,rtp',
        '-T',
        'fields',
        '-e',
        'rtp.seq',
        '-e',
        'rtp.p_type',
      ],
      { timeout: 20_000 },
    )
      .toString()
      .trim()
      .split('\n');
    expect(out).toHaveLength(50);
    expect(out[0]).toBe('1000\t0');
    expect(out[49]).toBe('1049\t0');
  });
});
