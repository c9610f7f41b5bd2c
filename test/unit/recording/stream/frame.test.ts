import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FragmentAssembler } from '../../../../src/recording/stream/assembler.js';
import { decodeBatch, encodeBatch } from '../../../../src/recording/stream/batch.js';
import { decodeClose, decodeOpen } from '../../../../src/recording/stream/control.js';
import {
  decodeFrame,
  encodeFrame,
  FrameError,
  FrameType,
  fragmentMessage,
  MAX_FRAME_BYTES,
  maxMessageBytes,
  wsHeaderBytes,
} from '../../../../src/recording/stream/frame.js';
import type { RecordedPacket } from '../../../../src/recording/types.js';

const packetArb = fc.record({
  leg: fc.integer({ min: 0, max: 255 }),
  arrivalMs: fc.double({ noNaN: true, noDefaultInfinity: true }),
  data: fc.uint8Array({ maxLength: 1500 }).map((a) => Buffer.from(a)),
});

function reassemble(frames: Buffer[], order: number[]): Buffer {
  const assembler = new FragmentAssembler({
    maxFragments: 0xffff,
    maxPendingBytes: 1 << 30,
    maxPendingMessages: 1,
  });
  let whole: Buffer | undefined;
  for (const i of order) {
    const decoded = decodeFrame(frames[i]!);
    if (!decoded.ok) throw decoded.error;
    const pushed = assembler.push(decoded.value);
    if (!pushed.ok) throw pushed.error;
    if (pushed.value) whole = pushed.value.payload;
  }
  if (!whole) throw new Error('never completed');
  return whole;
}

describe('WebSocket framing overhead (RFC 6455 §5.2)', () => {
  it('counts 2 bytes, the extended length and the client masking key', () => {
    expect(wsHeaderBytes(125, true)).toBe(6);
    expect(wsHeaderBytes(126, true)).toBe(8);
    expect(wsHeaderBytes(65_535, true)).toBe(8);
    expect(wsHeaderBytes(65_536, true)).toBe(14);
    expect(wsHeaderBytes(125, false)).toBe(2);
    expect(wsHeaderBytes(126, false)).toBe(4);
  });

  it('fits the largest message into 32,768 bytes exactly', () => {
    expect(maxMessageBytes(MAX_FRAME_BYTES, true)).toBe(32_760);
    expect(maxMessageBytes(MAX_FRAME_BYTES, false)).toBe(32_764);
    // Near the 125/126 boundary the 2-byte extended length does not fit: 131 - 6 = 125.
    expect(maxMessageBytes(131, true)).toBe(125);
    expect(maxMessageBytes(134, true)).toBe(126);
  });
});

describe('frame encoding', () => {
  it('round-trips a frame', () => {
    const frame = {
      type: FrameType.BATCH,
      flags: 0,
      recordingId: 'rec-é-1',
      seq: 4_000_000_000,
      fragmentIndex: 2,
      fragmentCount: 3,
      payload: Buffer.from('hello'),
    };
    const decoded = decodeFrame(encodeFrame(frame));
    expect(decoded.ok && decoded.value).toEqual(frame);
  });

  it('rejects what it cannot encode with a typed error', () => {
    const base = {
      type: FrameType.BATCH,
      flags: 0,
      recordingId: 'r',
      seq: 1,
      fragmentIndex: 0,
      fragmentCount: 1,
      payload: Buffer.alloc(0),
    };
    expect(() => encodeFrame({ ...base, recordingId: '' })).toThrow(FrameError);
    expect(() => encodeFrame({ ...base, recordingId: 'x'.repeat(129) })).toThrow(FrameError);
    expect(() => encodeFrame({ ...base, seq: -1 })).toThrow(FrameError);
    expect(() => encodeFrame({ ...base, fragmentIndex: 1 })).toThrow(FrameError);
  });

  it('returns a typed error for each kind of broken frame', () => {
    const good = encodeFrame({
      type: FrameType.OPEN,
      flags: 1,
      recordingId: 'abc',
      seq: 0,
      fragmentIndex: 0,
      fragmentCount: 1,
      payload: Buffer.from('{}'),
    });
    const code = (b: Buffer) => {
      const d = decodeFrame(b);
      return d.ok ? 'ok' : d.error.code;
    };
    const patched = (at: number, value: number) => {
      const b = Buffer.from(good);
      b[at] = value;
      return b;
    };
    expect(code(good)).toBe('ok');
    expect(code(good.subarray(0, 10))).toBe('too-short');
    expect(code(patched(0, 0))).toBe('bad-magic');
    expect(code(patched(2, 9))).toBe('bad-version');
    expect(code(patched(3, 7))).toBe('bad-type');
    expect(code(patched(5, 0))).toBe('bad-recording-id');
    expect(code(patched(5, 200))).toBe('bad-recording-id');
    // fragment count 0 (bytes 12..13 after a 3-byte id start at 6+3+6)
    expect(code(Buffer.concat([good.subarray(0, 15), Buffer.from([0, 0]), good.subarray(17)]))).toBe(
      'bad-fragment',
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b = Buffer.from(bytes);
        if (b.length > 2) b.writeUInt16BE(0x5342, 0);
        const d = decodeFrame(b);
        if (d.ok) decodeBatch(d.value.payload);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('batches', () => {
  it('round-trip through fragments, every frame within the limit including the WebSocket header', () => {
    fc.assert(
      fc.property(
        fc.array(packetArb, { maxLength: 120 }),
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => Buffer.byteLength(s) <= 128),
        fc.integer({ min: 200, max: MAX_FRAME_BYTES }),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer(),
        (packets: RecordedPacket[], recordingId, maxFrame, seq, shuffleSeed) => {
          const payload = encodeBatch(packets);
          const frames = fragmentMessage({ type: FrameType.BATCH, recordingId, seq, payload }, maxFrame);
          for (const f of frames)
            expect(f.length + wsHeaderBytes(f.length, true)).toBeLessThanOrEqual(maxFrame);
          // Fragments may arrive in any order within a message.
          const order = frames
            .map((_, i) => i)
            .sort((a, b) => ((a * 7919 + shuffleSeed) % 13) - ((b * 7919 + shuffleSeed) % 13));
          const decoded = decodeBatch(reassemble(frames, order));
          expect(decoded.ok && decoded.value).toEqual(packets);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fills frames up to exactly 32,768 bytes on the wire', () => {
    const packets = Array.from({ length: 500 }, (_, i) => ({
      leg: 0,
      arrivalMs: i,
      data: Buffer.alloc(172, i),
    }));
    const frames = fragmentMessage({
      type: FrameType.BATCH,
      recordingId: 'r1',
      seq: 1,
      payload: encodeBatch(packets),
    });
    expect(frames.length).toBe(3);
    expect(frames[0]!.length + wsHeaderBytes(frames[0]!.length, true)).toBe(MAX_FRAME_BYTES);
  });

  it('rejects inconsistent batch payloads', () => {
    const payload = encodeBatch([{ leg: 1, arrivalMs: 5, data: Buffer.from([1, 2, 3]) }]);
    expect(decodeBatch(payload.subarray(0, payload.length - 1)).ok).toBe(false);
    expect(decodeBatch(Buffer.concat([payload, Buffer.from([0])])).ok).toBe(false);
    const lying = Buffer.from(payload);
    lying.writeUInt32BE(1_000_000, 0);
    expect(decodeBatch(lying).ok).toBe(false);
    expect(() => encodeBatch([{ leg: 256, arrivalMs: 0, data: Buffer.alloc(1) }])).toThrow(FrameError);
  });
});

describe('fragment reassembly', () => {
  const frameOf = (seq: number, index: number, count: number, bytes = 10, flags = 0) => ({
    type: FrameType.BATCH,
    flags,
    recordingId: 'r',
    seq,
    fragmentIndex: index,
    fragmentCount: count,
    payload: Buffer.alloc(bytes, index),
  });

  it('rejects a repeated fragment, a changed count or flags, and too many fragments', () => {
    const a = new FragmentAssembler({ maxFragments: 4, maxPendingBytes: 100, maxPendingMessages: 2 });
    expect(a.push(frameOf(1, 0, 3)).ok).toBe(true);
    expect(a.push(frameOf(1, 0, 3)).ok).toBe(false);
    expect(a.push(frameOf(1, 1, 4)).ok).toBe(false);
    expect(a.push(frameOf(1, 1, 3, 10, 1)).ok).toBe(false);
    expect(a.push(frameOf(2, 0, 5)).ok).toBe(false);
  });

  it('bounds the bytes and the number of incomplete messages', () => {
    const a = new FragmentAssembler({ maxFragments: 4, maxPendingBytes: 30, maxPendingMessages: 2 });
    expect(a.push(frameOf(1, 0, 2)).ok).toBe(true);
    expect(a.push(frameOf(2, 0, 2)).ok).toBe(true);
    expect(a.push(frameOf(3, 0, 2)).ok).toBe(false);
    expect(a.push(frameOf(1, 1, 2, 10)).ok).toBe(true);
    expect(a.bufferedBytes).toBe(10);
    expect(a.push(frameOf(2, 1, 2, 21)).ok).toBe(false);
  });
});

describe('OPEN and CLOSE payloads', () => {
  it('validates OPEN', () => {
    const open = {
      recordingId: 'r',
      callId: 'c',
      startedAt: 't',
      legs: [
        { index: 0, label: 'a', payloadTypes: { 0: { encoding: 'PCMU', clockRate: 8000, channels: 1 } } },
      ],
      acked: 0,
    };
    expect(decodeOpen(Buffer.from(JSON.stringify(open)), 'r')).toEqual({ ok: true, value: open });
    expect(decodeOpen(Buffer.from(JSON.stringify(open)), 'other').ok).toBe(false);
    expect(decodeOpen(Buffer.from(JSON.stringify({ ...open, legs: [{ index: -1 }] })), 'r').ok).toBe(false);
    expect(decodeOpen(Buffer.from('{'), 'r').ok).toBe(false);
  });

  it('validates CLOSE', () => {
    const close = { status: 'failed', failure: 'x', endedAt: 't', packets: 1, dropped: 2 };
    expect(decodeClose(Buffer.from(JSON.stringify(close)))).toEqual({ ok: true, value: close });
    expect(decodeClose(Buffer.from(JSON.stringify({ ...close, status: 'odd' }))).ok).toBe(false);
    expect(decodeClose(Buffer.from('[]')).ok).toBe(false);
  });
});
