import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRtpPacket, parseRtpPacket } from '../../../../src/media/rtp/index.js';

describe('parseRtpPacket (RFC 3550 §5.1)', () => {
  it('reads the fixed header and gives the payload as a view', () => {
    const data = buildRtpPacket({
      payloadType: 8,
      sequenceNumber: 65535,
      timestamp: 0xfffffff0,
      ssrc: 0xdeadbeef,
      marker: true,
      payload: Uint8Array.from([1, 2, 3]),
    });
    const p = parseRtpPacket(data)!;
    expect(p).toMatchObject({
      version: 2,
      padding: false,
      extension: false,
      marker: true,
      payloadType: 8,
      sequenceNumber: 65535,
      timestamp: 0xfffffff0,
      ssrc: 0xdeadbeef,
      csrcs: [],
    });
    expect([...p.payload]).toEqual([1, 2, 3]);
    expect(p.payload.buffer).toBe(data.buffer);
  });

  it('skips CSRCs and a header extension, strips padding', () => {
    const b = Buffer.from([
      0xb2,
      0x00,
      0x00,
      0x01,
      0,
      0,
      0,
      160,
      0,
      0,
      0,
      9, // V=2 P=1 X=1 CC=2, PT 0
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      2, // CSRCs
      0xbe,
      0xde,
      0x00,
      0x01,
      0x10,
      0xaa,
      0,
      0, // extension: profile, 1 word
      7,
      8,
      9, // payload
      0,
      0,
      3, // padding, last octet counts 3
    ]);
    const p = parseRtpPacket(b)!;
    expect(p.csrcs).toEqual([1, 2]);
    expect(p.extensionProfile).toBe(0xbede);
    expect([...p.extensionData!]).toEqual([0x10, 0xaa, 0, 0]);
    expect([...p.payload]).toEqual([7, 8, 9]);
  });

  it('rejects broken packets', () => {
    const ok = buildRtpPacket({
      payloadType: 0,
      sequenceNumber: 1,
      timestamp: 1,
      ssrc: 1,
      payload: new Uint8Array(4),
    });
    expect(parseRtpPacket(ok.subarray(0, 11))).toBeUndefined();
    const v1 = Buffer.from(ok);
    v1[0] = 0x40;
    expect(parseRtpPacket(v1)).toBeUndefined();
    const cc = Buffer.from(ok);
    cc[0] = 0x85; // 5 CSRCs, only 4 payload octets
    expect(parseRtpPacket(cc)).toBeUndefined();
    const ext = Buffer.from(ok);
    ext[0] = 0x90;
    ext.writeUInt16BE(5, 14); // extension length past the end
    expect(parseRtpPacket(ext)).toBeUndefined();
    const pad0 = Buffer.from(ok);
    pad0[0] = 0xa0;
    pad0[pad0.length - 1] = 0;
    expect(parseRtpPacket(pad0)).toBeUndefined();
    const padBig = Buffer.from(ok);
    padBig[0] = 0xa0;
    padBig[padBig.length - 1] = 200;
    expect(parseRtpPacket(padBig)).toBeUndefined();
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const p = parseRtpPacket(Buffer.from(bytes));
        if (p) expect(p.payload.length).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 2000 },
    );
  });
});
